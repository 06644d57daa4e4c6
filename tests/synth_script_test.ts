import { decodeTiff } from "../lib/formats/tiff.ts";
import { decodeNpy } from "../lib/formats/npy.ts";
import { numericColumn, parseCsv, stringColumn } from "../lib/io/csv.ts";
import { runDeno } from "./child.ts";
import { assert, assertEquals } from "./assert.ts";

/** The `synth` task's own command line (its permissions), without the leading `deno`. */
async function synthTask(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  const words = (config.tasks.synth as string).split(/\s+/);
  assertEquals(words[0], "deno");
  assert(!words.some((w) => w === "-A" || w.startsWith("--allow-all")), "no blanket permissions");
  return words.slice(1);
}

Deno.test("synth script: writes the contract's files under the task's permissions", async () => {
  const out = await Deno.makeTempDir({ prefix: "synth_" });
  try {
    const r = await runDeno([...await synthTask(), "--out", out, "--seed", "3", "--size", "160"]);
    assertEquals(r.code, 0, r.stderr);
    const run = JSON.parse(await Deno.readTextFile(`${out}/run.json`));
    assertEquals(run.files, ["image.tif", "image.npy", "truth.csv", "meta.json", "run.json"]);
    assertEquals(run.seed, 3);
    const npy = decodeNpy(await Deno.readFile(`${out}/image.npy`), "image.npy");
    assertEquals(npy.shape, [160, 160]);
    assertEquals(npy.dtype, "<f4");
    const tif = decodeTiff(await Deno.readFile(`${out}/image.tif`), "image.tif");
    assertEquals(Array.from(tif.data), Array.from(npy.data));
    assertEquals(tif.pixelSize?.unit, "nm");
    const truth = parseCsv(await Deno.readTextFile(`${out}/truth.csv`), "truth.csv");
    assertEquals(truth.header, ["x", "y", "sublattice", "dx", "dy", "variant"]);
    const sub = stringColumn(truth, "sublattice");
    assert(sub.every((s) => s === "A" || s === "B"), "sublattice is A or B");
    const variant = numericColumn(truth, "variant");
    assert(variant.some((v) => v === -1) && variant.some((v) => v >= 0), "polar and non-polar");
    const meta = JSON.parse(await Deno.readTextFile(`${out}/meta.json`));
    assertEquals(meta.options.seed, 3);
    assertEquals(meta.pixelSize, { value: 0.027, unit: "nm" });
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("synth script: a bad flag is one line, exit 2, and leaves nothing", async () => {
  const parent = await Deno.makeTempDir({ prefix: "synth_bad_" });
  try {
    const task = await synthTask();
    for (
      const [flags, needle] of [
        [["--variants", "6"], "--variants"],
        [["--seed", "x"], "--seed"],
        [["--film-a", "Zz"], "--film-a"],
        [["--size", "100000"], "--size"],
      ] as const
    ) {
      const r = await runDeno([...task, "--out", `${parent}/out`, ...flags]);
      assertEquals(r.code, 2, `${flags.join(" ")}: ${r.stderr}`);
      const lines = r.stderr.trim().split("\n");
      assertEquals(lines.length, 1, r.stderr);
      assert(lines[0].startsWith("error: ") && lines[0].includes(needle), lines[0]);
      const left = await Deno.stat(`${parent}/out`).then(() => true, () => false);
      assertEquals(left, false, "no partial output");
    }
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});
