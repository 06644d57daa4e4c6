import { decodeNpy, encodeNpy } from "../lib/formats/npy.ts";
import { formatCsv, numericColumn, parseCsv } from "../lib/io/csv.ts";
import { generateHaadf } from "../lib/synth/generate.ts";
import { runDeno } from "./child.ts";
import { assert, assertEquals } from "./assert.ts";

/** A task's own command line (its permissions), without the leading `deno`. */
async function task(name: string): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  const words = (config.tasks[name] as string).split(/\s+/);
  assert(!words.some((w) => w === "-A" || w.startsWith("--allow-all")), "no blanket permissions");
  return words.slice(1);
}

/** A generated 200 px image and its atoms (truth as atoms.csv) in `dir`. */
async function fixture(dir: string): Promise<{ bCount: number }> {
  const { image, truth } = generateHaadf({ width: 200, height: 200, seed: 2 });
  await Deno.writeFile(`${dir}/image.npy`, encodeNpy(image.data, [image.height, image.width]));
  await Deno.writeTextFile(
    `${dir}/atoms.csv`,
    formatCsv({
      x: truth.x,
      y: truth.y,
      sublattice: Array.from(truth.sublattice, (s) => (s ? "B" : "A")),
    }),
  );
  return { bCount: truth.sublattice.reduce((a, s) => a + s, 0) };
}

function oneErrorLine(stderr: string, needle: string): void {
  const lines = stderr.trim().split("\n");
  assertEquals(lines.length, 1, stderr);
  assert(lines[0].startsWith("error: ") && lines[0].includes(needle), lines[0]);
}

Deno.test("stack and baselines scripts: contract files under the tasks' permissions", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stack_baselines_" });
  try {
    const { bCount } = await fixture(dir);
    const s = await runDeno([
      ...await task("stack"),
      `${dir}/image.npy`,
      "--atoms",
      `${dir}/atoms.csv`,
      "--out",
      `${dir}/stack`,
      "--window",
      "24",
      "--no-figures",
    ]);
    assertEquals(s.code, 0, s.stderr);
    const npy = decodeNpy(await Deno.readFile(`${dir}/stack/stack.npy`), "stack.npy");
    const [count, h, w] = npy.shape;
    assertEquals([h, w, npy.dtype], [24, 24, "<f4"]);
    assert(count > 20 && count < bCount, `${count} of ${bCount} B windows kept`);
    assertEquals(Math.min(...npy.data), 0);
    assertEquals(Math.max(...npy.data), 1);
    const table = parseCsv(await Deno.readTextFile(`${dir}/stack/stack.csv`));
    assertEquals(table.header, ["i", "x", "y", "atom"]);
    assertEquals(table.rows.length, count);
    const run = JSON.parse(await Deno.readTextFile(`${dir}/stack/run.json`));
    assertEquals(run.extra.kept + run.extra.droppedBorder + run.extra.droppedNonFinite, bCount);

    const b = await runDeno([
      ...await task("baselines"),
      `${dir}/stack/stack.npy`,
      "--out",
      `${dir}/baselines`,
      "--classes",
      "3",
      "--embeddings",
      "pca,isomap",
      "--no-figures",
    ]);
    assertEquals(b.code, 0, b.stderr);
    const clusters = parseCsv(await Deno.readTextFile(`${dir}/baselines/clusters.csv`));
    assertEquals(clusters.header, [
      "i",
      "x",
      "y",
      "kmeans",
      "gmm_diag",
      "gmm_full",
      "gmm_bic",
      "nmf",
    ]);
    assertEquals(clusters.rows.length, count);
    // x,y come from stack.csv beside the stack.
    assertEquals(numericColumn(clusters, "x")[5], numericColumn(table, "x")[5]);
    for (const method of ["kmeans", "gmm_diag", "gmm_full", "nmf"]) {
      const labels = numericColumn(clusters, method);
      assertEquals(new Set(labels).size, 3, method);
      assert(labels.every((l) => l >= 0 && l < 3), method);
    }
    const embeddings = parseCsv(await Deno.readTextFile(`${dir}/baselines/embeddings.csv`));
    assertEquals(embeddings.header, ["i", "pca_1", "pca_2", "isomap_1", "isomap_2"]);
    assert(numericColumn(embeddings, "isomap_2").every(Number.isFinite));
    const pcaMaps = decodeNpy(await Deno.readFile(`${dir}/baselines/pca.npy`), "pca.npy");
    assertEquals(pcaMaps.shape.slice(1), [24, 24]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("stack and baselines scripts: mistakes are one line and leave nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stack_errors_" });
  try {
    await fixture(dir);
    await Deno.writeTextFile(`${dir}/xy.csv`, "x,y\n50,50\n");
    await Deno.writeTextFile(`${dir}/bad.csv`, "x,y,sublattice\n50,oops,B\n");
    const stack = await task("stack");
    const cases: [string[], number, string][] = [
      [[`${dir}/image.npy`, "--atoms", `${dir}/xy.csv`], 1, "sublattice"],
      [[`${dir}/image.npy`, "--atoms", `${dir}/bad.csv`], 1, "not a number"],
      [[`${dir}/image.npy`, "--atoms", `${dir}/atoms.csv`, "--sublattice", "C"], 1, "sublattice C"],
      [[`${dir}/image.npy`, "--atoms", `${dir}/atoms.csv`, "--window", "400"], 1, "--window"],
      [[`${dir}/missing.npy`, "--atoms", `${dir}/atoms.csv`], 1, "missing.npy"],
      [[`${dir}/image.npy`, "--atoms", `${dir}/atoms.csv`, "--centring", "cubic"], 2, "--centring"],
    ];
    for (const [args, code, needle] of cases) {
      const r = await runDeno([...stack, ...args, "--out", `${dir}/out`]);
      assertEquals(r.code, code, `${args.join(" ")}: ${r.stderr}`);
      oneErrorLine(r.stderr, needle);
      assert(!(await Deno.stat(`${dir}/out`).then(() => true, () => false)), "no output left");
    }
    // A stack that is not N x w x w.
    await Deno.writeFile(`${dir}/flat.npy`, encodeNpy(new Float32Array(12), [3, 4]));
    const r = await runDeno([...await task("baselines"), `${dir}/flat.npy`, "--out", `${dir}/out`]);
    assertEquals(r.code, 1, r.stderr);
    oneErrorLine(r.stderr, "flat.npy");
    const flag = await runDeno([
      ...await task("baselines"),
      `${dir}/flat.npy`,
      "--out",
      `${dir}/out`,
      "--embeddings",
      "lle",
    ]);
    assertEquals(flag.code, 2, flag.stderr);
    oneErrorLine(flag.stderr, "--embeddings");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("stack script: the window comes from the lattice period read off atoms.csv", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stack_window_" });
  try {
    // A 12 px lattice: 1.9 periods is 22.8 px, an even 22 px window.
    const { image, truth } = generateHaadf({ width: 200, height: 200, seed: 2, spacing: 12 });
    await Deno.writeFile(`${dir}/image.npy`, encodeNpy(image.data, [image.height, image.width]));
    const sublattice = Array.from(truth.sublattice, (s) => (s ? "B" : "A"));
    await Deno.writeTextFile(
      `${dir}/atoms.csv`,
      formatCsv({ x: truth.x, y: truth.y, sublattice }),
    );
    const b = Array.from(truth.x.keys()).filter((i) => truth.sublattice[i]);
    await Deno.writeTextFile(
      `${dir}/b_only.csv`,
      formatCsv({
        x: b.map((i) => truth.x[i]),
        y: b.map((i) => truth.y[i]),
        sublattice: b.map(() => "B"),
      }),
    );
    const stack = await task("stack");
    const cut = async (out: string, ...args: string[]) => {
      const r = await runDeno([...stack, `${dir}/image.npy`, "--out", `${dir}/${out}`, ...args]);
      assertEquals(r.code, 0, r.stderr);
      const manifest = JSON.parse(await Deno.readTextFile(`${dir}/${out}/run.json`));
      const npy = decodeNpy(await Deno.readFile(`${dir}/${out}/stack.npy`), "stack.npy");
      return { r, manifest, window: npy.shape[1] };
    };
    const lattice = await cut("lattice", "--atoms", `${dir}/atoms.csv`, "--no-figures");
    assertEquals(lattice.window, 22);
    const p = lattice.manifest.parameters;
    assertEquals([p.window, p.windowSource], [22, "lattice"]);
    assert(Math.abs(p.periodPx - 12) < 0.2, `period ${p.periodPx}`);
    assert(lattice.r.stdout.includes("22 px = 1.8"), lattice.r.stdout);
    assertEquals(lattice.manifest.warnings, []);

    const wide = await cut("wide", "--atoms", `${dir}/atoms.csv`, "--window-cells", "4");
    assertEquals(wide.window, 48);
    assertEquals(wide.manifest.warnings.map((w: { code: string }) => w.code), ["window-cells"]);
    assert(wide.r.stdout.includes("warning: window-cells: "), wide.r.stdout);

    const flagged = await cut("flagged", "--atoms", `${dir}/atoms.csv`, "--window", "30");
    assertEquals([flagged.window, flagged.manifest.parameters.windowSource], [30, "window"]);

    // No A columns to measure the lattice on: the paper's 48 px, with a warning.
    const blind = await cut("blind", "--atoms", `${dir}/b_only.csv`, "--no-figures");
    assertEquals([blind.window, blind.manifest.parameters.windowSource], [48, "fallback"]);
    assertEquals(blind.manifest.warnings.map((w: { code: string }) => w.code), ["window-cells"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
