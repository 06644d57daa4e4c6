import { UserError } from "../lib/errors.ts";
import { parseCsv } from "../lib/io/csv.ts";
import { synthFiles } from "../lib/synth/files.ts";
import { generateHaadf, SUBLATTICE_A, SUBLATTICE_B } from "../lib/synth/generate.ts";
import type { SynthOptions } from "../lib/synth/options.ts";
import { PHASE_ANTIPOLAR, PHASE_NONPOLAR, PHASE_R } from "../lib/synth/superlattice.ts";
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "./assert.ts";

/** Unrotated and undistorted, so that lattice rows are image rows and cells index simply. */
const flat: SynthOptions = {
  structure: "superlattice",
  seed: 3,
  width: 512,
  height: 512,
  rotation: 0,
  shear: 0,
  stretch: 0,
  wobble: 0,
  substrate: 0.12,
};

Deno.test("superlattice: layer and phase ids from the substrate up, thicknesses in cells", () => {
  const { truth, meta } = generateHaadf(flat);
  const { layer, phase } = truth;
  assert(layer && phase && meta.superlattice, "superlattice truth and meta");
  const a = meta.spacingPx;
  const seen = new Set<number>();
  for (let i = 0; i < truth.x.length; i++) {
    seen.add(layer[i]);
    if (layer[i] < 0) {
      assertEquals(phase[i], PHASE_NONPOLAR, "substrate is non-polar");
      assertEquals(truth.variant[i], -1);
      assert(truth.y[i] > meta.superlattice.layers[0].yBottom, "substrate below the first layer");
    } else if (layer[i] % 2 === 0) {
      assertEquals(phase[i], PHASE_NONPOLAR, "even layers are the non-polar material");
      assertEquals(truth.dx[i], 0);
      assertEquals(truth.variant[i], -1);
    } else {
      assert(phase[i] === PHASE_R || phase[i] === PHASE_ANTIPOLAR, "odd layers are polar");
      assert(truth.variant[i] >= 0 && truth.variant[i] < 4);
    }
  }
  const ids = [...seen].sort((p, q) => p - q);
  assertEquals(ids, Array.from({ length: ids.length }, (_, k) => k - 1), "ids -1, 0, 1, …");
  assert(ids.length >= 5, `${ids.length - 1} layers in 512 px`);
  // Each layer's A rows lie between its boundaries; a whole layer holds its thickness in rows.
  for (const l of meta.superlattice.layers) {
    const rows = new Set<number>();
    for (let i = 0; i < truth.x.length; i++) {
      if (layer[i] !== l.id || truth.sublattice[i] !== SUBLATTICE_A) continue;
      assert(truth.y[i] < l.yBottom && truth.y[i] > l.yTop, `layer ${l.id} row ${truth.y[i]}`);
      rows.add(Math.round(truth.y[i] / a));
    }
    assertEquals(l.kind, l.id % 2 ? "polar" : "nonpolar");
    assertEquals(l.cells, l.id % 2 ? 8 : 5);
    if (l.yTop > 0 && l.yBottom < 511) assertEquals(rows.size, l.cells, `layer ${l.id} rows`);
  }
  const { R, antipolar, nonpolar } = meta.superlattice.phaseCounts;
  assert(R > 100 && antipolar > 50 && nonpolar > 100, `${R} R, ${antipolar} antipolar B sites`);
  // truth.csv carries them as columns, by name.
  const table = parseCsv(synthFiles(generateHaadf(flat))["truth.csv"] as string, "truth.csv");
  assertEquals(table.header, [
    "x",
    "y",
    "sublattice",
    "dx",
    "dy",
    "variant",
    "layer",
    "phase",
    "mix",
  ]);
  const phases = new Set(table.rows.map((row) => row[7]));
  assertEquals([...phases].sort(), ["R", "antipolar", "nonpolar"]);
});

/** B sites on a grid of cells (unrotated lattice): key "column,row" of the rounded cell. */
function bGrid(options: SynthOptions) {
  const result = generateHaadf(options);
  const { truth, meta } = result;
  const a = meta.spacingPx;
  const at = new Map<string, number>();
  for (let i = 0; i < truth.x.length; i++) {
    if (truth.sublattice[i] !== SUBLATTICE_B) continue;
    at.set(`${Math.round(truth.x[i] / a)},${Math.round(truth.y[i] / a)}`, i);
  }
  return { ...result, at, a };
}

Deno.test("superlattice: antipolar lamellae, antiparallel along the rows (2-cell period), 45° to the interfaces", () => {
  const { truth, at } = bGrid({ ...flat, intermixCells: 0, wallWidth: 0 });
  const phase = truth.phase!;
  const dot = (i: number, j: number) =>
    (truth.dx[i] * truth.dx[j] + truth.dy[i] * truth.dy[j]) /
    (Math.hypot(truth.dx[i], truth.dy[i]) * Math.hypot(truth.dx[j], truth.dy[j]));
  const counts = { axis: 0, two: 0, diagonal: 0 };
  for (const [key, i] of at) {
    if (phase[i] !== PHASE_ANTIPOLAR) continue;
    // Along a cell diagonal: 45° to the rows, so to the interfaces.
    const angle = Math.atan2(truth.dy[i], truth.dx[i]);
    const offDiagonal = Math.abs(
      ((angle % (Math.PI / 2)) + Math.PI / 2) % (Math.PI / 2) - Math.PI / 4,
    );
    assert(offDiagonal < 0.02, `antipolar displacement ${(angle * 180) / Math.PI}°`);
    const [c, r] = key.split(",").map(Number);
    const same = (dc: number, dr: number) => {
      const j = at.get(`${c + dc},${r + dr}`);
      return j !== undefined && phase[j] === PHASE_ANTIPOLAR && truth.layer![j] === truth.layer![i]
        ? dot(i, j)
        : undefined;
    };
    for (const [dc, dr] of [[1, 0], [0, 1]]) {
      const d = same(dc, dr);
      if (d === undefined) continue;
      assertAlmostEquals(d, -1, 1e-6, "one cell along a row or a column: antiparallel");
      counts.axis++;
    }
    const two = same(2, 0);
    if (two !== undefined) {
      assertAlmostEquals(two, 1, 1e-6, "two cells along a row: parallel (period 2 cells)");
      counts.two++;
    }
    for (const [dc, dr] of [[1, 1], [1, -1]]) {
      const d = same(dc, dr);
      if (d === undefined) continue;
      assertAlmostEquals(d, 1, 1e-6, "along a diagonal row: parallel (a lamella)");
      counts.diagonal++;
    }
  }
  assert(counts.axis > 50 && counts.two > 20 && counts.diagonal > 50, JSON.stringify(counts));
});

Deno.test("superlattice: the intermixed interface is graded over its cells, the other is sharp", () => {
  const options: SynthOptions = {
    ...flat,
    intermixCells: 3,
    dose: Infinity,
    readNoise: 0,
    gradient: 0,
    intensityJitter: 0,
    background: 0,
  };
  const { truth, meta, image } = generateHaadf(options);
  const a = meta.spacingPx;
  // A-site composition and image intensity at each A site, by row.
  const rows = new Map<number, { mix: number[]; peak: number[]; layer: number }>();
  for (let i = 0; i < truth.x.length; i++) {
    if (truth.sublattice[i] !== SUBLATTICE_A || truth.layer![i] < 0) continue;
    const x = Math.round(truth.x[i]), y = Math.round(truth.y[i]);
    if (x < 2 || y < 2 || x > image.width - 3 || y > image.height - 3) continue;
    const r = Math.round(truth.y[i] / a);
    const row = rows.get(r) ?? { mix: [], peak: [], layer: truth.layer![i] };
    row.mix.push(truth.mix![i]);
    row.peak.push(image.data[y * image.width + x]);
    rows.set(r, row);
  }
  const mean = (v: number[]) => v.reduce((s, t) => s + t, 0) / v.length;
  const ordered = [...rows.keys()].sort((p, q) => q - p); // from the substrate up
  const mixes = ordered.map((r) => mean(rows.get(r)!.mix));
  const peaks = ordered.map((r) => mean(rows.get(r)!.peak));
  const layers = ordered.map((r) => rows.get(r)!.layer);
  let graded = 0, sharp = 0;
  for (let k = 1; k + 4 < ordered.length; k++) {
    if (layers[k] % 2 === 1 && layers[k + 1] % 2 === 0) {
      // Polar below, non-polar above: 0, ¼, ½, ¾, 1 over the three cells around the boundary.
      assertEquals(mixes.slice(k - 1, k + 4).map((m) => Math.round(4 * m) / 4), [
        0,
        0.25,
        0.5,
        0.75,
        1,
      ]);
      for (let t = k - 1; t < k + 3; t++) {
        assert(
          peaks[t + 1] < peaks[t],
          `A-site intensity falls row by row: ${peaks.slice(k - 1, k + 4)}`,
        );
      }
      graded++;
    }
    if (layers[k] % 2 === 0 && layers[k + 1] % 2 === 1) {
      // Non-polar below, polar above: pure on both sides.
      assertEquals(mixes.slice(k - 1, k + 3), [1, 1, 0, 0], "sharp interface");
      sharp++;
    }
  }
  assert(graded >= 1 && sharp >= 1, `${graded} graded, ${sharp} sharp interfaces`);
  // The polar displacement fades with the composition.
  const d = meta.options.displacement * a;
  for (let i = 0; i < truth.x.length; i++) {
    if (truth.sublattice[i] !== SUBLATTICE_B || truth.phase![i] === PHASE_NONPOLAR) continue;
    assertAlmostEquals(Math.hypot(truth.dx[i], truth.dy[i]), d * (1 - truth.mix![i]), 0.03 * d);
  }
  for (const l of meta.superlattice!.layers) {
    assertEquals(l.intermixedBelow, l.id > 0 && l.id % 2 === 0, `layer ${l.id}`);
  }
});

Deno.test("superlattice: the default film is unchanged; structure film is the default; bad options", () => {
  const film = generateHaadf({ seed: 5, width: 128, height: 128 });
  const named = generateHaadf({ seed: 5, width: 128, height: 128, structure: "film" });
  assertEquals(synthFiles(named), synthFiles(film));
  assertEquals(film.truth.layer, undefined);
  assertEquals(film.meta.superlattice, undefined);
  assertEquals("structure" in film.meta.options || "polarCells" in film.meta.options, false);
  const table = parseCsv(synthFiles(film)["truth.csv"] as string, "truth.csv");
  assertEquals(table.header, ["x", "y", "sublattice", "dx", "dy", "variant"]);
  const bad: [SynthOptions, string][] = [
    [{ structure: "stripes" as "film" }, "structure"],
    [{ structure: "superlattice", polarCells: 0 }, "polarCells"],
    [{ structure: "superlattice", nonpolarCells: 2.5 }, "nonpolarCells"],
    [{ structure: "superlattice", intermixCells: 6 }, "intermixCells"],
    [{ structure: "superlattice", antipolarFraction: 1 }, "antipolarFraction"],
    [{ structure: "superlattice", layerA: "Xx" }, "layerA"],
    [{ polarCells: 4 }, "polarCells"],
  ];
  for (const [options, subject] of bad) {
    const err = assertThrows(() => generateHaadf({ width: 64, height: 64, ...options }), UserError);
    assertEquals((err as UserError).subject, subject);
  }
});
