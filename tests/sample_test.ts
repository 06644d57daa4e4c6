import { sha256Hex } from "../lib/io/run.ts";
import { synthFiles } from "../lib/synth/files.ts";
import { generateHaadf } from "../lib/synth/generate.ts";
import type { SynthOptions } from "../lib/synth/options.ts";
import { assert, assertEquals } from "./assert.ts";

const SAMPLE = new URL("../data/sample/", import.meta.url);

Deno.test("sample: data/sample is regenerated bit for bit from its recorded options", async () => {
  const meta = JSON.parse(await Deno.readTextFile(new URL("meta.json", SAMPLE)));
  const options: SynthOptions = {
    ...meta.options,
    dose: meta.options.dose === "Infinity" ? Infinity : meta.options.dose,
  };
  const files = synthFiles(generateHaadf(options));
  for (const name of ["image.npy", "image.tif", "truth.csv"]) {
    const made = files[name];
    const bytes = typeof made === "string" ? new TextEncoder().encode(made) : made;
    const stored = await Deno.readFile(new URL(name, SAMPLE));
    assertEquals(await sha256Hex(bytes), await sha256Hex(stored), `${name} differs from its seed`);
  }
  // meta.json too, but for the generator's version string.
  const made = JSON.parse(files["meta.json"] as string);
  assertEquals({ ...made, generator: "" }, { ...meta, generator: "" });
});

Deno.test("sample: four variants in stripes, over 1,000 B sites, a substrate band", async () => {
  const meta = JSON.parse(await Deno.readTextFile(new URL("meta.json", SAMPLE)));
  assertEquals(meta.options.variants, 4);
  assert(meta.counts.B >= 1000, `${meta.counts.B} B sites`);
  assert(meta.counts.perVariant.every((n: number) => n >= 200), "every variant well represented");
  assert(meta.options.substrate > 0 && meta.interfaceY !== null, "a substrate band");
  const { width, height } = meta.options;
  assert(width >= 512 && width <= 1024 && height >= 512 && height <= 1024, "512² to 1024²");
});
