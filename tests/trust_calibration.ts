/**
 * The calibration measure of the trust tests and the atoms-trust bench:
 * (estimate − truth) / standard error for every column position matched to
 * a true column (one cell from the border) and every polarisation vector
 * against its true cage vector (true B minus the mean of its true A
 * neighbours, the quantity measured), and the standard deviation of each.
 */

import { findAtoms } from "../lib/atoms/find_atoms.ts";
import { assessPolarization } from "../lib/atoms/trust.ts";
import { KDBush } from "../lib/deps.ts";
import type { Image } from "../lib/image.ts";
import { angleDelta } from "../lib/math.ts";
import { estimateCell, matchPoints, sublatticeCode, type TruthSites } from "../lib/score.ts";
import { generateHaadf, type SynthResult } from "../lib/synth/generate.ts";

/** Z-score standard deviations and counts. */
export interface CalibrationZ {
  /** SD of the z-scores: x, y, px, py. */
  sd: { x: number; y: number; px: number; py: number };
  /** The same with each truth variant's mean error removed (systematic per-variant bias). */
  sdDebiased: { x: number; y: number; px: number; py: number };
  /** Columns and vectors scored. */
  count: { positions: number; vectors: number };
  /** Median standard error, px: positions (x) and vectors. */
  medianErr: { x: number; p: number };
}

function sd(v: number[]): number {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
}

/** Score an image with truth; `exclude(x, y)` leaves out truth sites (e.g. an intermixed interface). */
export function calibrationZ(
  input: { image: Image; truth: TruthSites },
  exclude: (x: number, y: number) => boolean = () => false,
): CalibrationZ {
  const { image, truth } = input;
  const atoms = findAtoms(image);
  const trust = assessPolarization(image, atoms);
  const cell = estimateCell(truth);
  const inside = (x: number, y: number) =>
    x >= cell && y >= cell && x <= image.width - cell && y <= image.height - cell && !exclude(x, y);
  const groups = new Map<string, number[][]>();
  const add = (key: string, values: number[]) => {
    if (!groups.has(key)) groups.set(key, values.map(() => []));
    groups.get(key)!.forEach((g, i) => g.push(values[i]));
  };
  const partner = matchPoints(atoms.columns, truth, 0.3 * cell);
  const e = trust.positions;
  for (let k = 0; k < partner.length; k++) {
    const t = partner[k];
    if (t < 0 || !inside(truth.x[t], truth.y[t])) continue;
    const zx = (atoms.columns.x[k] - truth.x[t]) / e.xErr[k];
    const zy = (atoms.columns.y[k] - truth.y[t]) / e.yErr[k];
    if (Number.isFinite(zx) && Number.isFinite(zy)) {
      add(`pos ${sublatticeCode(truth.sublattice[t])} ${truth.variant[t]}`, [zx, zy]);
    }
  }
  const aIdx: number[] = [];
  const bt = { x: [] as number[], y: [] as number[], i: [] as number[] };
  for (let i = 0; i < truth.x.length; i++) {
    if (sublatticeCode(truth.sublattice[i]) === 0) aIdx.push(i);
    else {
      bt.x.push(truth.x[i]);
      bt.y.push(truth.y[i]);
      bt.i.push(i);
    }
  }
  const index = new KDBush(aIdx.length);
  for (const i of aIdx) index.add(truth.x[i], truth.y[i]);
  index.finish();
  const p = atoms.polarization;
  const want = p.rule === "four" ? 4 : 2;
  const pm = matchPoints(p, bt, 0.3 * cell);
  const v = trust.vectors;
  for (let j = 0; j < pm.length; j++) {
    if (pm[j] < 0 || !Number.isFinite(p.px[j])) continue;
    const i = bt.i[pm[j]];
    const x = truth.x[i];
    const y = truth.y[i];
    if (!inside(x, y)) continue;
    const near = index.within(x, y, cell).map((n) => aIdx[n])
      .sort((a, b) =>
        Math.hypot(truth.x[a] - x, truth.y[a] - y) - Math.hypot(truth.x[b] - x, truth.y[b] - y)
      ).slice(0, want);
    if (near.length < want) continue;
    const cx = x - near.reduce((s, n) => s + truth.x[n], 0) / want;
    const cy = y - near.reduce((s, n) => s + truth.y[n], 0) / want;
    add(`vec ${truth.variant[i]}`, [(v.px[j] - cx) / v.pxErr[j], (v.py[j] - cy) / v.pyErr[j]]);
  }
  const pooled = (prefix: string, axis: number, debias: boolean) => {
    const all: number[] = [];
    for (const [key, g] of groups) {
      if (!key.startsWith(prefix)) continue;
      const m = debias ? g[axis].reduce((a, b) => a + b, 0) / g[axis].length : 0;
      for (const z of g[axis]) all.push(z - m);
    }
    return all;
  };
  const sds = (debias: boolean) => ({
    x: sd(pooled("pos", 0, debias)),
    y: sd(pooled("pos", 1, debias)),
    px: sd(pooled("vec", 0, debias)),
    py: sd(pooled("vec", 1, debias)),
  });
  const med = (a: ArrayLike<number>) => {
    const s = Array.from(a).filter(Number.isFinite).sort((p, q) => p - q);
    return s[s.length >> 1];
  };
  return {
    sd: sds(false),
    sdDebiased: sds(true),
    count: { positions: pooled("pos", 0, false).length, vectors: pooled("vec", 0, false).length },
    medianErr: { x: med(e.xErr), p: med(v.pErr) },
  };
}

/** A non-polar 384² crystal seen with 1 px of mistilt at 30° (the mistilt cases of test and bench). */
export function mistiltedNonPolar(seed: number): SynthResult {
  return generateHaadf({
    seed,
    width: 384,
    height: 384,
    displacement: 0,
    substrate: 0,
    mistilt: 1,
    mistiltAngle: 30,
  });
}

/** A 512² four-variant film on its substrate, seen with 1 px of mistilt at 30°. */
export function mistiltedFilm(seed: number): SynthResult {
  return generateHaadf({ seed, width: 512, height: 512, mistilt: 1, mistiltAngle: 30 });
}

/** For each found direction class, degrees to the nearest true variant angle. */
export function variantAngleErrors(
  classAngles: readonly number[],
  variantAngles: readonly number[],
): number[] {
  return classAngles.map((a) =>
    Math.min(...variantAngles.map((t) => Math.abs(angleDelta(a, t)) * 180 / Math.PI))
  );
}
