/**
 * Lattice maps, as Atomap, TEMUL and SingleOrigin users expect them beside
 * polarisation: at every A column with A neighbours on both sides along a
 * lattice direction, the local lattice parameter along each of the two
 * directions (half the distance between those neighbours), their ratio,
 * the local rotation of the lattice and the strain against a reference
 * region or the image median; the summary gives both periods, their
 * anisotropy and everything in pm when a calibration is known.
 *
 * @module
 */

import { KDBush } from "../deps.ts";
import { median } from "../math.ts";

/** The two primitive vectors of the A sublattice, px. */
export type LatticeVectors = [[number, number], [number, number]];

/**
 * The A sublattice's two primitive vectors, read off the columns: the
 * difference vectors to each A column's nearest A neighbours, folded into
 * a half plane and grouped by direction; the two most populated directions
 * (the shorter first... ordered so that the first is closer to the image x
 * axis), each the median of its group. Undefined with too few columns.
 *
 * @example
 * ```ts
 * import { aLatticeVectors } from "./lattice_map.ts";
 * const x: number[] = [], y: number[] = [];
 * for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) x.push(10 * i), y.push(12 * j);
 * const [a, b] = aLatticeVectors({ x, y })!;
 * if (Math.hypot(...a) !== 10 || Math.hypot(...b) !== 12) throw new Error("10 px by 12 px");
 * ```
 */
export function aLatticeVectors(
  a: { x: ArrayLike<number>; y: ArrayLike<number> },
): LatticeVectors | undefined {
  const n = a.x.length;
  if (n < 6) return undefined;
  const index = new KDBush(n);
  for (let k = 0; k < n; k++) index.add(a.x[k], a.y[k]);
  index.finish();
  const nearest: number[] = [];
  let span = 0;
  for (let k = 0; k < n; k++) {
    span = Math.max(span, Math.abs(a.x[k] - a.x[0]), Math.abs(a.y[k] - a.y[0]));
  }
  const search = 4 * Math.sqrt(((span + 1) ** 2) / n);
  for (let k = 0; k < n; k++) {
    let best = Infinity;
    for (const q of index.within(a.x[k], a.y[k], search)) {
      if (q !== k) best = Math.min(best, Math.hypot(a.x[q] - a.x[k], a.y[q] - a.y[k]));
    }
    if (Number.isFinite(best)) nearest.push(best);
  }
  const nn = median(nearest);
  if (!(nn > 0)) return undefined;
  // Difference vectors up to 1.6 nn ([110] projections have a √2 longer second vector).
  const vx: number[] = [];
  const vy: number[] = [];
  for (let k = 0; k < n; k++) {
    for (const q of index.within(a.x[k], a.y[k], 1.6 * nn)) {
      if (q === k) continue;
      let dx = a.x[q] - a.x[k];
      let dy = a.y[q] - a.y[k];
      // Fold into the half plane of angles in (−90°, 90°].
      if (dx < 0 || (dx === 0 && dy < 0)) [dx, dy] = [-dx, -dy];
      vx.push(dx);
      vy.push(dy);
    }
  }
  const bins = 36;
  const binOf = (dx: number, dy: number) =>
    Math.min(bins - 1, Math.floor(((Math.atan2(dy, dx) + Math.PI / 2) / Math.PI) * bins));
  // Directions of the short vectors (up to 1.2 nn) first: the diagonals of a square
  // lattice are as many as its edges and only √2 longer.
  const histogram = (limit: number) => {
    const counts = new Float64Array(bins);
    for (let i = 0; i < vx.length; i++) {
      if (Math.hypot(vx[i], vy[i]) <= limit * nn) counts[binOf(vx[i], vy[i])]++;
    }
    return counts;
  };
  const short = histogram(1.2);
  const first = short.indexOf(Math.max(...short));
  // The second direction: the most populated bin at least 30° from the first.
  const secondOf = (counts: Float64Array) => {
    let second = -1;
    for (let b = 0; b < bins; b++) {
      const apart = Math.min(Math.abs(b - first), bins - Math.abs(b - first));
      if (apart < 6) continue;
      if (second < 0 || counts[b] > counts[second]) second = b;
    }
    return second;
  };
  let second = secondOf(short);
  let limit = 1.2;
  if (second < 0 || short[second] < 0.25 * short[first]) {
    // [110]: the second vector is √2 longer.
    limit = 1.6;
    second = secondOf(histogram(1.6));
  }
  if (second < 0) return undefined;
  const vectorOf = (bin: number, limit: number): [number, number] => {
    const sel: number[] = [];
    for (let i = 0; i < vx.length; i++) {
      const b = binOf(vx[i], vy[i]);
      const apart = Math.min(Math.abs(b - bin), bins - Math.abs(b - bin));
      if (apart <= 1 && Math.hypot(vx[i], vy[i]) <= limit * nn) sel.push(i);
    }
    // Median length along the median direction (the angle may wrap at ±90°: use the bin's).
    const angle = median(sel.map((i) => Math.atan2(vy[i], vx[i])));
    const length = median(sel.map((i) => Math.hypot(vx[i], vy[i])));
    return [length * Math.cos(angle), length * Math.sin(angle)];
  };
  const v1 = vectorOf(first, 1.2);
  const v2 = vectorOf(second, limit);
  const cos = (v: [number, number]) => Math.abs(v[0]) / Math.hypot(v[0], v[1]);
  return cos(v1) >= cos(v2) ? [v1, v2] : [v2, v1];
}

/** Per-cell lattice parameters at the A columns. */
export interface LatticeMap {
  /** Index of the A column in the input columns. */
  column: Int32Array;
  /** x, px. */
  x: Float64Array;
  /** y, px. */
  y: Float64Array;
  /** Lattice parameter along the first direction, px (NaN without neighbours on both sides). */
  a: Float64Array;
  /** Lattice parameter along the second direction, px. */
  b: Float64Array;
  /** b / a. */
  ratio: Float64Array;
  /** Local rotation of the lattice against the image's (mean of both directions), degrees. */
  rotationDeg: Float64Array;
  /** Strain along the first direction against the reference: a / a_ref − 1. */
  strainA: Float64Array;
  /** Strain along the second direction: b / b_ref − 1. */
  strainB: Float64Array;
  /** The image's primitive vectors of the A sublattice, px. */
  vectors: LatticeVectors;
  /** Reference parameters used for the strain, px. */
  reference: { a: number; b: number; source: "region" | "median"; sites: number };
}

/** Options for {@linkcode latticeMap}. */
export interface LatticeMapOptions {
  /** Reference region for the strain, px [x0, y0, x1, y1] (default: the image median). */
  referenceBox?: [number, number, number, number];
}

/**
 * Local lattice parameters at every A column (`sublattice` 0).
 *
 * @example
 * ```ts
 * import { latticeMap } from "./lattice_map.ts";
 * const x: number[] = [], y: number[] = [], s: number[] = [];
 * for (let i = 0; i < 8; i++) {
 *   for (let j = 0; j < 8; j++) x.push(10 * i), y.push(12 * j), s.push(0);
 * }
 * const map = latticeMap({ x, y, sublattice: s })!;
 * if (Math.abs(map.ratio[9] - 1.2) > 1e-9) throw new Error("b / a = 12 / 10 at an inner cell");
 * ```
 */
export function latticeMap(
  columns: { x: ArrayLike<number>; y: ArrayLike<number>; sublattice: ArrayLike<number> },
  options: LatticeMapOptions = {},
): LatticeMap | undefined {
  const idx: number[] = [];
  for (let k = 0; k < columns.x.length; k++) if (columns.sublattice[k] === 0) idx.push(k);
  const ax = Float64Array.from(idx, (k) => columns.x[k]);
  const ay = Float64Array.from(idx, (k) => columns.y[k]);
  const vectors = aLatticeVectors({ x: ax, y: ay });
  if (!vectors) return undefined;
  const n = idx.length;
  const index = new KDBush(n);
  for (let m = 0; m < n; m++) index.add(ax[m], ay[m]);
  index.finish();
  const a = new Float64Array(n).fill(NaN);
  const b = new Float64Array(n).fill(NaN);
  const rotationDeg = new Float64Array(n).fill(NaN);
  const along = (m: number, v: [number, number], sign: number) => {
    const tx = ax[m] + sign * v[0];
    const ty = ay[m] + sign * v[1];
    const tol = 0.25 * Math.hypot(v[0], v[1]);
    let best = -1;
    let bestD = tol;
    for (const q of index.within(tx, ty, tol)) {
      const d = Math.hypot(ax[q] - tx, ay[q] - ty);
      if (d <= bestD) [bestD, best] = [d, q];
    }
    return best;
  };
  const angleOf = (dx: number, dy: number, v: [number, number]) => {
    let d = Math.atan2(dy, dx) - Math.atan2(v[1], v[0]);
    d -= 2 * Math.PI * Math.round(d / (2 * Math.PI));
    return d;
  };
  for (let m = 0; m < n; m++) {
    const p1 = along(m, vectors[0], 1);
    const m1 = along(m, vectors[0], -1);
    const p2 = along(m, vectors[1], 1);
    const m2 = along(m, vectors[1], -1);
    const turns: number[] = [];
    if (p1 >= 0 && m1 >= 0) {
      const dx = ax[p1] - ax[m1];
      const dy = ay[p1] - ay[m1];
      a[m] = 0.5 * Math.hypot(dx, dy);
      turns.push(angleOf(dx, dy, vectors[0]));
    }
    if (p2 >= 0 && m2 >= 0) {
      const dx = ax[p2] - ax[m2];
      const dy = ay[p2] - ay[m2];
      b[m] = 0.5 * Math.hypot(dx, dy);
      turns.push(angleOf(dx, dy, vectors[1]));
    }
    if (turns.length) {
      rotationDeg[m] = (turns.reduce((s, t) => s + t, 0) / turns.length) * 180 / Math.PI;
    }
  }
  const box = options.referenceBox;
  const inBox = (m: number) =>
    !!box && ax[m] >= box[0] && ax[m] <= box[2] && ay[m] >= box[1] && ay[m] <= box[3];
  const refSites = box ? Array.from({ length: n }, (_, m) => m).filter(inBox) : [];
  const fromRegion =
    refSites.filter((m) => Number.isFinite(a[m]) && Number.isFinite(b[m])).length >= 3;
  const pool = fromRegion ? refSites : Array.from({ length: n }, (_, m) => m);
  const aRef = median(pool.map((m) => a[m]).filter(Number.isFinite));
  const bRef = median(pool.map((m) => b[m]).filter(Number.isFinite));
  return {
    column: Int32Array.from(idx),
    x: ax,
    y: ay,
    a,
    b,
    ratio: Float64Array.from(a, (v, m) => b[m] / v),
    rotationDeg,
    strainA: Float64Array.from(a, (v) => v / aRef - 1),
    strainB: Float64Array.from(b, (v) => v / bRef - 1),
    vectors,
    reference: { a: aRef, b: bRef, source: fromRegion ? "region" : "median", sites: pool.length },
  };
}

/** Both lattice periods and their anisotropy. */
export interface LatticeSummary {
  /** Median parameter along the first direction, px. */
  a: number;
  /** Along the second direction, px. */
  b: number;
  /** In pm, when calibrated. */
  aPm?: number;
  /** In pm, when calibrated. */
  bPm?: number;
  /** The ratio b / a the projection should show (1 for [001]; √2 for [110], the "pair" neighbourhood). */
  expectedRatio: number;
  /** |(b / a) / expectedRatio − 1|: scan distortion, calibration or a non-cubic cell. */
  anisotropy: number;
}

/**
 * Summarise a lattice map: the median parameters, in pm with `pixelPm`,
 * and the anisotropy against the ratio the projection should show.
 *
 * @example
 * ```ts
 * import { latticeMap, latticeSummary } from "./lattice_map.ts";
 * const x: number[] = [], y: number[] = [], s: number[] = [];
 * for (let i = 0; i < 8; i++) {
 *   for (let j = 0; j < 8; j++) x.push(10 * i), y.push(10.5 * j), s.push(0);
 * }
 * const summary = latticeSummary(latticeMap({ x, y, sublattice: s })!, { pixelPm: 27 });
 * if (Math.abs(summary.anisotropy - 0.05) > 1e-9) throw new Error("10.5 / 10 - 1");
 * ```
 */
export function latticeSummary(
  map: LatticeMap,
  options: { pixelPm?: number; rule?: "four" | "pair" } = {},
): LatticeSummary {
  const a = median(Array.from(map.a).filter(Number.isFinite));
  const b = median(Array.from(map.b).filter(Number.isFinite));
  // Seen along [110], the A lattice is a by a√2.
  const expectedRatio = options.rule === "pair" ? Math.SQRT2 : 1;
  const ratio = Math.max(a, b) / Math.min(a, b);
  const summary: LatticeSummary = {
    a,
    b,
    expectedRatio,
    anisotropy: Math.abs(ratio / expectedRatio - 1),
  };
  if (options.pixelPm !== undefined) {
    summary.aPm = a * options.pixelPm;
    summary.bPm = b * options.pixelPm;
  }
  return summary;
}
