/**
 * The atom stage on real images from ../shared/data/real (skipped, with a
 * message, when that folder is absent): every file runs; the columns found
 * are two per perovskite cell within 5 % (A and B cations; the lattice
 * comes from the image's power spectrum); and the non-polar SrTiO3 shows a
 * far smaller off-centring than the polar PbTiO3 layers. Magnitudes are
 * compared as fractions of each image's own lattice period, since the
 * pixel sizes differ (and the SrTiO3 file's calibration has no unit).
 */

import { assert, assertEquals } from "./assert.ts";
import { findAtoms } from "../lib/atoms/find_atoms.ts";
import type { AtomResult } from "../lib/atoms/find_atoms.ts";
import { otsuThreshold } from "../lib/atoms/sublattice.ts";
import { median } from "../lib/math.ts";
import { readImage } from "../lib/io/read_image.ts";
import { SHARED_DATA, testWithSharedData } from "./shared_data.ts";

const results = new Map<string, Promise<AtomResult>>();

/** findAtoms on a real file, once per test run. */
function atomsOf(file: string): Promise<AtomResult> {
  let result = results.get(file);
  if (!result) {
    result = readImage(SHARED_DATA + "real/" + file).then((image) => findAtoms(image));
    results.set(file, result);
  }
  return result;
}

const FILES: [string, "four" | "pair"][] = [
  ["pto_sro_haadf.hspy", "four"],
  ["bto_haadf.dm4", "four"],
  ["sto_adf.hdf5", "pair"],
];

for (const [file, rule] of FILES) {
  testWithSharedData(`atoms on ${file}: two cation columns per cell within 5 %`, async () => {
    const r = await atomsOf(file);
    console.log(
      `${file}: ${r.columns.x.length} columns, period ${r.lattice.period.toFixed(2)} px, ` +
        `${r.columnsPerCell.toFixed(3)} per cell, ${r.polarization.rule} neighbours`,
    );
    assert(Math.abs(r.columnsPerCell - 2) <= 0.1, `${r.columnsPerCell} columns per cell`);
    assertEquals(r.polarization.rule, rule);
    const a = r.columns.sublattice.filter((s) => s === 0).length;
    const b = r.columns.x.length - a;
    assert(Math.abs(a - b) <= 0.05 * r.columns.x.length, `${a} A against ${b} B`);
    const ok = r.polarization.status.filter((s) => s === "ok").length;
    assert(ok >= 0.8 * b, `only ${ok} of ${b} B columns have a polarisation vector`);
    assert(r.columns.fitOk.reduce((s, f) => s + f, 0) >= 0.97 * r.columns.x.length);
  });
}

testWithSharedData("SrTiO3's off-centring is far smaller than PbTiO3's", async () => {
  const pto = await atomsOf("pto_sro_haadf.hspy");
  const sto = await atomsOf("sto_adf.hdf5");
  // PbTiO3 B sites: those whose nearest A column is a bright (Pb) one.
  const c = pto.columns;
  const aIdx = Array.from({ length: c.x.length }, (_, k) => k).filter((k) => c.sublattice[k] === 0);
  const bright = otsuThreshold(aIdx.map((k) => c.amplitude[k]));
  const p = pto.polarization;
  const ptoMagnitudes: number[] = [];
  for (let j = 0; j < p.x.length; j++) {
    if (p.status[j] !== "ok") continue;
    let nearest = -1;
    let best = Infinity;
    for (const k of aIdx) {
      const d = Math.hypot(c.x[k] - p.x[j], c.y[k] - p.y[j]);
      if (d < best) [best, nearest] = [d, k];
    }
    if (c.amplitude[nearest] > bright) ptoMagnitudes.push(p.magnitude[j] / pto.lattice.period);
  }
  const stoMagnitudes = Array.from(sto.polarization.magnitude).filter(Number.isFinite)
    .map((m) => m / sto.lattice.period);
  const ptoMedian = median(ptoMagnitudes);
  const stoMedian = median(stoMagnitudes);
  console.log(
    `median |p| / period: PbTiO3 layers ${ptoMedian.toFixed(4)} (${ptoMagnitudes.length} sites), ` +
      `SrTiO3 ${stoMedian.toFixed(4)} (${stoMagnitudes.length} sites)`,
  );
  assert(ptoMagnitudes.length >= 100, `only ${ptoMagnitudes.length} PbTiO3 sites`);
  assert(stoMedian < 0.3 * ptoMedian, `SrTiO3 ${stoMedian} not far below PbTiO3 ${ptoMedian}`);
});
