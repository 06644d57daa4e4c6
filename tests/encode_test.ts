// encode and analyze --model, end to end through the scripts under their tasks'
// permissions: the training image (and its stack) encoded with its own model give the
// training run's latents.csv byte for byte; analyze --model gives it too; a model whose
// window cannot apply is refused in one line with no output; train on two stacks writes a
// source column.

import { encodeTiff } from "../lib/formats/tiff_write.ts";
import { parseCsv } from "../lib/io/csv.ts";
import { generateHaadf } from "../lib/synth/generate.ts";
import { assert, assertEquals } from "./assert.ts";
import { contractErrorProblems, runDeno, taskArgs } from "./child.ts";

const FAST = ["--epochs", "2", "--backend", "wasm", "--seed", "1"];

async function run(task: string, args: string[]) {
  const r = await runDeno([...await taskArgs(task), ...args]);
  return r;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

function oneErrorLine(stderr: string, needle: string): void {
  const lines = stderr.trim().split("\n");
  assertEquals(lines.length, 1, stderr);
  assert(lines[0].startsWith("error: ") && lines[0].includes(needle), lines[0]);
}

Deno.test("encode: the training image and its stack, encoded with their own model, give the run's latents.csv exactly", async () => {
  const dir = await Deno.makeTempDir({ prefix: "encode_" });
  try {
    const { image } = generateHaadf({ width: 192, height: 192, seed: 4 });
    await Deno.writeFile(`${dir}/image.tif`, encodeTiff(image));
    const a = await run("analyze", [
      `${dir}/image.tif`,
      "--out",
      `${dir}/a`,
      "--skip-baselines",
      ...FAST,
    ]);
    assertEquals(a.code, 0, a.stderr);
    const trained = await Deno.readTextFile(`${dir}/a/latents.csv`);
    const manifest = JSON.parse(await Deno.readTextFile(`${dir}/a/run.json`));
    // The window came from the lattice, and the model records how its windows were cut.
    assertEquals(manifest.parameters.stack.windowSource, "lattice");
    const config = JSON.parse(await Deno.readTextFile(`${dir}/a/model/config.json`));
    assertEquals(config.windows.window, manifest.parameters.stack.window);
    assert(Math.abs(config.windows.periodPx - manifest.parameters.atoms.period) < 1e-2);

    const fromImage = await run("encode", [
      `${dir}/a/model`,
      `${dir}/image.tif`,
      "--out",
      `${dir}/e1`,
      "--backend",
      "wasm",
    ]);
    assertEquals(fromImage.code, 0, fromImage.stderr);
    assertEquals(await Deno.readTextFile(`${dir}/e1/latents.csv`), trained);
    assert(await exists(`${dir}/e1/map_angle.svg`), "latent maps drawn");
    assert(fromImage.stdout.includes("encode: "), fromImage.stdout);

    const fromStack = await run("encode", [
      `${dir}/a/model`,
      `${dir}/a/stack.npy`,
      "--out",
      `${dir}/e2`,
      "--backend",
      "wasm",
      "--pixel-size",
      String(image.pixelSize!.value),
      "--no-figures",
    ]);
    assertEquals(fromStack.code, 0, fromStack.stderr);
    assertEquals(await Deno.readTextFile(`${dir}/e2/latents.csv`), trained);

    const again = await run("analyze", [
      `${dir}/image.tif`,
      "--out",
      `${dir}/m`,
      "--skip-baselines",
      "--model",
      `${dir}/a/model`,
      ...FAST,
    ]);
    assertEquals(again.code, 0, again.stderr);
    assertEquals(await Deno.readTextFile(`${dir}/m/latents.csv`), trained);
    assert(!(await exists(`${dir}/m/history.csv`)), "no training with --model");
    const m = JSON.parse(await Deno.readTextFile(`${dir}/m/run.json`));
    assert(m.extra.rvaeVsPolarization.sites > 0, JSON.stringify(m.extra.rvaeVsPolarization));

    // A stack of another window side: one line, exit 1, no output.
    const s = await run("stack", [
      `${dir}/image.tif`,
      "--atoms",
      `${dir}/a/atoms.csv`,
      "--out",
      `${dir}/s`,
      "--window",
      "20",
      "--no-figures",
    ]);
    assertEquals(s.code, 0, s.stderr);
    const refused = await run("encode", [
      `${dir}/a/model`,
      `${dir}/s/stack.npy`,
      "--out",
      `${dir}/e3`,
      "--backend",
      "wasm",
    ]);
    assertEquals(refused.code, 1, refused.stderr);
    oneErrorLine(refused.stderr, `takes ${config.windows.window} px windows`);
    assert(!(await exists(`${dir}/e3`)), "no output left");
    // analyze --model with another --window: refused the same way.
    const wrong = await run("analyze", [
      `${dir}/image.tif`,
      "--out",
      `${dir}/w`,
      "--skip-baselines",
      "--model",
      `${dir}/a/model`,
      "--window",
      "20",
      ...FAST,
    ]);
    assertEquals(contractErrorProblems(wrong, { status: 1, subject: "--window" }), []);
    assert(!(await exists(`${dir}/w`)), "no output left");

    // Two stacks, one model: latents.csv says which stack each window came from.
    const t = await run("train", [
      `${dir}/a/stack.npy`,
      `${dir}/a/stack.npy`,
      "--out",
      `${dir}/t`,
      ...FAST,
    ]);
    assertEquals(t.code, 0, t.stderr);
    const table = parseCsv(await Deno.readTextFile(`${dir}/t/latents.csv`));
    const column = table.header.indexOf("source");
    assert(column > 0, table.header.join(","));
    const half = table.rows.length / 2;
    const source = table.rows.map((r) => Number(r[column]));
    assertEquals(source.filter((v) => v === 0).length, half);
    assertEquals(source.slice(half).every((v) => v === 1), true);
    const tm = JSON.parse(await Deno.readTextFile(`${dir}/t/model/config.json`));
    assertEquals(tm.windows.sources, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
