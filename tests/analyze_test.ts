import { assert, assertAlmostEquals, assertEquals, assertRejects } from "./assert.ts";
import { FormatError } from "../lib/errors.ts";
import { decodeNpy } from "../lib/formats/npy.ts";
import { decodePng } from "../lib/formats/png.ts";
import { numericColumn, parseCsv } from "../lib/io/csv.ts";
import { explorerData, figureSections, imageThumbnail } from "../lib/report/analysis_report.ts";
import { scoreSiteAngles, truthFromCsv } from "../lib/score.ts";
import { generateHaadf } from "../lib/synth/generate.ts";
import { synthFiles } from "../lib/synth/files.ts";
import { runDeno, taskArgs } from "./child.ts";
import { chromiumAvailable, exploreInChromium } from "./browser/explore.ts";

// ---- scoring against a truth ----------------------------------------------------------------

/** A square lattice: A sites at integer cells, B at cell centres with variant (i + j) mod 4. */
function lattice(cells: number, cell: number) {
  const x: number[] = [], y: number[] = [], sublattice: string[] = [], variant: number[] = [];
  for (let j = 0; j < cells; j++) {
    for (let i = 0; i < cells; i++) {
      x.push(i * cell, (i + 0.5) * cell);
      y.push(j * cell, (j + 0.5) * cell);
      sublattice.push("A", "B");
      // Every fifth B site is non-polar.
      variant.push(-1, (i + 5 * j) % 5 === 4 ? -1 : (i + j) % 4);
    }
  }
  return { x, y, sublattice, dx: x.map(() => 0), dy: y.map(() => 0), variant };
}

Deno.test("score: scoreSiteAngles matches sites to polar B truth sites, offset and sign free", () => {
  const truth = lattice(10, 12);
  const b = truth.sublattice.flatMap((s, k) => s === "B" ? [k] : []);
  const polar = b.filter((k) => truth.variant[k] >= 0);
  // Encoded angles: minus the true direction plus 1 rad, at positions 1 px off.
  const sites = {
    x: b.map((k) => truth.x[k] + 1),
    y: b.map((k) => truth.y[k] - 0.5),
    angle: b.map((k) => {
      const v = truth.variant[k];
      return v < 0 ? 2 : ((1 - (Math.PI / 4 + (v * Math.PI) / 2)) % (2 * Math.PI) + 2 * Math.PI);
    }),
  };
  const perfect = scoreSiteAngles(sites, truth);
  assertEquals(perfect.count, polar.length);
  assertEquals(perfect.agreement, 1);
  assertEquals(perfect.sign, -1);
  // Turn every polar site of variant 0 by 90°: exactly those disagree.
  const turned = {
    ...sites,
    angle: sites.angle.map((a, i) => truth.variant[b[i]] === 0 ? a + 1.6 : a),
  };
  const variant0 = polar.filter((k) => truth.variant[k] === 0).length;
  assertAlmostEquals(scoreSiteAngles(turned, truth).agreement, 1 - variant0 / polar.length, 1e-12);
  // Sites too far from any truth site are left out.
  const far = { ...sites, x: sites.x.map((x) => x + 5) };
  assertEquals(scoreSiteAngles(far, truth).count, 0);
});

Deno.test("score: truthFromCsv reads synth's truth.csv and names a missing column", () => {
  const files = synthFiles(generateHaadf({ width: 96, height: 96, seed: 1 }));
  const table = parseCsv(files["truth.csv"] as string, "truth.csv");
  const truth = truthFromCsv(table, "truth.csv");
  assertEquals(truth.x.length, table.rows.length);
  assert(Array.from(truth.sublattice).every((s) => s === "A" || s === "B"));
  const broken = parseCsv("x,y,sublattice\n1,2,A\n", "mine.csv");
  let message = "";
  try {
    truthFromCsv(broken, "mine.csv");
  } catch (err) {
    assert(err instanceof FormatError);
    message = err.line();
  }
  assertEquals(message, 'error: mine.csv: missing column "dx"');
});

// ---- report content -------------------------------------------------------------------------

Deno.test("report: figures grouped by stage in the paper's order, unknown ones last", () => {
  const svg = "<svg xmlns='http://www.w3.org/2000/svg'/>";
  const sections = figureSections(
    ["map_angle", "mystery_plot", "atoms", "angle_histogram", "scree"].map((name) => ({
      name,
      svg,
    })),
  );
  assertEquals(sections.map((s) => s.title), [
    "Atom columns and polarisation",
    "Classical baselines",
    "Rotationally invariant VAE",
    "Other figures",
  ]);
  assertEquals(sections[2].figures.map((f) => f.title), [
    "Encoded angle (Fig. 1d)",
    "Angle in real space (cf. Fig. 2)",
  ]);
  assertEquals(sections[3].figures[0].title, "mystery plot");
});

Deno.test("report: thumbnail block-averages a large image into 0..255", () => {
  const width = 1000, height = 500;
  const data = Float32Array.from({ length: width * height }, (_, k) => k % width);
  const thumb = imageThumbnail({ data, width, height }, 400);
  // ceil(1000 / 400) = 3: blocks of 3 x 3, partial edge blocks dropped.
  assertEquals([thumb.width, thumb.height, thumb.channels], [333, 166, 1]);
  // Intensity grows along x: the thumbnail's rows do too, from black to white.
  assertEquals(thumb.data[0], 0);
  assertEquals(thumb.data[332], 255);
  for (let x = 1; x < 333; x++) assert(thumb.data[x] >= thumb.data[x - 1]);
});

Deno.test("report: explorer data carries every site, its latents, classes and sprite tiles", () => {
  const n = 10, w = 48;
  const original = Float32Array.from({ length: n * w * w }, (_, k) => k % 7);
  const data = explorerData({
    x: Array.from({ length: n }, (_, i) => 10 * i),
    y: Array.from({ length: n }, () => 5),
    angle: Array.from({ length: n }, (_, i) => i / 2),
    content: Array.from({ length: 2 * n }, (_, k) => k),
    latentDim: 2,
    classes: Int32Array.from({ length: n }, (_, i) => i % 3),
    image: { data: new Float32Array(100 * 20).fill(1), width: 100, height: 20 },
    windows: { original, decoded: original, window: w },
  });
  assertEquals(Array.from(data.sites.z1), [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  assertEquals(Array.from(data.sites.z2!), [1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
  assertEquals(Array.from(data.sites.cluster!), [0, 1, 2, 0, 1, 2, 0, 1, 2, 0]);
  assertEquals([data.image!.width, data.image!.height], [100, 20]);
  // 48 px windows binned by 2 to 24 px tiles, 4 per row.
  const sheet = decodePng(Uint8Array.from(atob(data.sprites!.original), (c) => c.charCodeAt(0)));
  assertEquals([data.sprites!.tile, data.sprites!.cols], [24, 4]);
  assertEquals([sheet.width, sheet.height], [96, 72]);
});

// ---- the whole analysis, under the task's permissions --------------------------------------

/** A generated 200 px image with its truth.csv and meta.json beside it. */
async function fixture(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "analyze_test_" });
  const files = synthFiles(generateHaadf({ width: 200, height: 200, seed: 5 }));
  for (const name of ["image.tif", "truth.csv", "meta.json"]) {
    const content = files[name];
    if (typeof content === "string") await Deno.writeTextFile(`${dir}/${name}`, content);
    else await Deno.writeFile(`${dir}/${name}`, content);
  }
  return dir;
}

const FAST = ["--epochs", "2", "--window", "32", "--backend", "wasm", "--seed", "3"];

/** Two analyses of the same image with the same flags, run once for all the tests below. */
let analyses: Promise<{ dir: string; first: string; second: string; stdout: string }> | undefined;
function twoAnalyses() {
  analyses ??= (async () => {
    const dir = await fixture();
    const args = [...await taskArgs("analyze"), `${dir}/image.tif`, ...FAST];
    const first = await runDeno([...args, "--out", `${dir}/first`]);
    assertEquals(first.code, 0, first.stderr);
    const second = await runDeno([...args, "--out", `${dir}/second`]);
    assertEquals(second.code, 0, second.stderr);
    return { dir, first: `${dir}/first`, second: `${dir}/second`, stdout: first.stdout };
  })();
  return analyses;
}

/** Every file under `dir`, relative, sorted. */
async function filesUnder(dir: string, prefix = ""): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(`${dir}/${prefix}`)) {
    const name = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory) names.push(...await filesUnder(dir, name));
    else names.push(name);
  }
  return names.sort();
}

Deno.test("analyze: every stage's files in one folder, one run.json, latents with x,y", async () => {
  const { first, stdout } = await twoAnalyses();
  const files = await filesUnder(first);
  for (
    const name of [
      "atoms.csv",
      "polarization.csv",
      "stack.npy",
      "stack.csv",
      "clusters.csv",
      "embeddings.csv",
      "pca.npy",
      "model/config.json",
      "model/weights.bin",
      "latents.csv",
      "history.csv",
      "polarization_map.svg",
      "polarization_map.png",
      "angle_histogram.png",
      "map_angle.png",
      "report.html",
      "run.json",
    ]
  ) assert(files.includes(name), `${name} missing from ${files.join(", ")}`);
  const manifest = JSON.parse(await Deno.readTextFile(`${first}/run.json`));
  assertEquals(manifest.script, "analyze");
  assertEquals([...manifest.files].sort(), files);
  assertEquals(manifest.seed, 3);
  assertEquals(manifest.backend, "wasm");
  assertEquals(manifest.parameters.stack.window, 32);
  assertEquals(manifest.parameters.rvae.epochs, 2);
  assert(Object.keys(manifest.inputs).some((p) => p.endsWith("image.tif")), "image hashed");
  for (const stage of ["read", "atoms", "stack", "baselines", "rVAE", "report", "total"]) {
    assert(manifest.extra.timingsSeconds[stage] >= 0, `timing of ${stage}`);
  }
  // latents.csv: one row per window, at the window's centre.
  const stack = parseCsv(await Deno.readTextFile(`${first}/stack.csv`));
  const latents = parseCsv(await Deno.readTextFile(`${first}/latents.csv`));
  for (const column of ["i", "angle", "dx", "dy", "z1", "z2", "x", "y"]) {
    assert(latents.header.includes(column), `latents.csv has ${column}`);
  }
  assertEquals(numericColumn(latents, "x"), numericColumn(stack, "x"));
  assertEquals(numericColumn(latents, "y"), numericColumn(stack, "y"));
  const windows = decodeNpy(await Deno.readFile(`${first}/stack.npy`), "stack.npy");
  assertEquals(windows.shape, [latents.rows.length, 32, 32]);
  // The truth beside the image was scored, and the summary says so.
  const truth = manifest.extra.truth;
  assert(truth.count > 50 && truth.agreement >= 0 && truth.agreement <= 1, JSON.stringify(truth));
  assert(stdout.includes("truth agreement"), stdout);
  assert(/angle peaks\s+(no peak|1 peak: |\d+ peaks: )/.test(stdout), stdout);
  // The encoded angle against the polarisation on the same sites, in the summary and run.json.
  assert(/rVAE vs polarisation\s+/.test(stdout), stdout);
  assert(manifest.extra.rvaeVsPolarization.sites > 0, JSON.stringify(manifest.extra));
  assert(/timings\s+read .* total /.test(stdout), stdout);
});

Deno.test("analyze: the same seed on the same backend gives byte-identical CSV and NPY", async () => {
  const { first, second } = await twoAnalyses();
  const data = (await filesUnder(first)).filter((f) => /\.(csv|npy)$|weights\.bin$/.test(f));
  assert(data.length >= 10, data.join(", "));
  for (const name of data) {
    const a = await Deno.readFile(`${first}/${name}`);
    const b = await Deno.readFile(`${second}/${name}`);
    assert(a.length === b.length && a.every((v, i) => v === b[i]), `${name} differs`);
  }
});

const haveChromium = await chromiumAvailable("analyze browser test");

Deno.test({
  name: "analyze: the report of a real analysis renders, brushes and hovers in Chromium",
  ignore: !haveChromium,
  fn: async () => {
    const { dir, first } = await twoAnalyses();
    const shot = `${dir}/report.png`;
    const seen = await exploreInChromium(`${first}/report.html`, shot);
    assertEquals(seen.errors, []);
    // Every SVG figure the stages wrote is on the page and decodes.
    const svgs = (await filesUnder(first)).filter((f) => f.endsWith(".svg"));
    assertEquals([seen.figures, seen.brokenFigures], [svgs.length, []]);
    // The driver brushes angles from ~0 to π over the whole L1 range.
    const latents = parseCsv(await Deno.readTextFile(`${first}/latents.csv`));
    const angle = numericColumn(latents, "angle");
    const within = (lo: number, hi: number) => angle.filter((a) => a >= lo && a <= hi).length;
    assert(
      seen.selectedAngles >= within(0.05, Math.PI - 0.05) &&
        seen.selectedAngles <= within(0, Math.PI + 0.05),
      `${seen.selectedAngles} brushed; ${within(0, Math.PI)} angles below π`,
    );
    assert(seen.selectedAngles > 0, "something brushed");
    assertEquals(seen.selectedInMap, seen.selectedAngles);
    // Hovering site 0 shows its position, angle and both sprite tiles.
    assertEquals(seen.tiles, 2);
    const x = numericColumn(latents, "x")[0], deg = (angle[0] * 180) / Math.PI;
    assert(seen.tooltipText.includes(`site 0 (x ${x.toFixed(1)}`), seen.tooltipText);
    assert(seen.tooltipText.includes(`angle ${deg.toFixed(1)}°`), seen.tooltipText);
    const png = decodePng(await Deno.readFile(shot));
    assertEquals(png.width, 1280);
  },
});

Deno.test("analyze: a bad image is one error line, status 1, and leaves nothing", async () => {
  const { dir } = await twoAnalyses();
  await Deno.writeTextFile(`${dir}/bad.tif`, "not a tiff");
  const out = await runDeno([
    ...await taskArgs("analyze"),
    `${dir}/bad.tif`,
    "--out",
    `${dir}/bad`,
  ]);
  assertEquals(out.code, 1);
  const lines = out.stderr.trim().split("\n").filter((l) => !l.startsWith("analyze: "));
  assertEquals(lines.length, 1, out.stderr);
  assert(lines[0].startsWith(`error: ${dir}/bad.tif: `), lines[0]);
  await assertRejects(() => Deno.stat(`${dir}/bad`));
  const flag = await runDeno([
    ...await taskArgs("analyze"),
    `${dir}/image.tif`,
    "--out",
    `${dir}/flag`,
    "--epochs",
    "0",
  ]);
  assertEquals(flag.code, 2);
  assert(flag.stderr.includes("error: --epochs: "), flag.stderr);
  await assertRejects(() => Deno.stat(`${dir}/flag`));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("scripts: no script imports another script (shared helpers are `_` modules)", async () => {
  const scripts = new URL("../scripts/", import.meta.url);
  const offenders: string[] = [];
  for await (const entry of Deno.readDir(scripts)) {
    if (!entry.isFile || !entry.name.endsWith(".ts")) continue;
    const text = await Deno.readTextFile(new URL(entry.name, scripts));
    for (const m of text.matchAll(/from "\.\/([\w.]+\.ts)"/g)) {
      if (!m[1].startsWith("_")) offenders.push(`${entry.name} imports ${m[1]}`);
    }
  }
  assertEquals(offenders, []);
});
