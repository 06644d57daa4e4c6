/**
 * Scores of pipeline outputs against ground truth (e.g. from
 * `generateHaadf`): atom-finding recall, precision, position error and
 * sublattice accuracy; polarisation direction error; agreement of an
 * encoded angle (the rVAE's) with the polarisation variants; and the
 * adjusted Rand index of any labelling. Pure: arrays in, numbers out.
 *
 * Sublattice labels may be the strings "A"/"B" (as in atoms.csv) or the
 * codes 0 = A, 1 = B (as in `SynthTruth.sublattice`).
 *
 * @module
 */

import { median } from "./atoms/polarization.ts";
import { KDBush } from "./deps.ts";
import { angleDelta, wrapAngle } from "./rvae/angles.ts";

/** Points, optionally labelled with a sublattice ("A"/"B" or 0/1). */
export interface ScoredPoints {
  /** x, px (contract frame). */
  x: ArrayLike<number>;
  /** y, px. */
  y: ArrayLike<number>;
  /** Sublattice per point, "A"/"B" or 0/1 (optional for found points). */
  sublattice?: ArrayLike<string | number>;
}

/** Ground truth as `generateHaadf` returns it (or as read back from truth.csv). */
export interface TruthSites extends ScoredPoints {
  /** Sublattice per site. */
  sublattice: ArrayLike<string | number>;
  /** Polar displacement x, px. */
  dx: ArrayLike<number>;
  /** Polar displacement y, px. */
  dy: ArrayLike<number>;
  /** Variant, -1 for non-polar sites. */
  variant: ArrayLike<number>;
}

/** Where to match and which border to leave out. */
export interface MatchOptions {
  /** Lattice spacing in px; estimated from the truth's A sites when absent. */
  cell?: number;
  /** Matching radius as a fraction of the cell. Default 0.3. */
  radius?: number;
  /** Border left out of the scores, in cells. Default 1. */
  border?: number;
  /** Image width in px; without it the border is measured from the truth's extent. */
  width?: number;
  /** Image height in px. */
  height?: number;
}

/** 0 for A, 1 for B, -1 for anything else. */
export function sublatticeCode(label: string | number | undefined): number {
  if (label === "A" || label === 0) return 0;
  if (label === "B" || label === 1) return 1;
  return -1;
}

function buildIndex(x: ArrayLike<number>, y: ArrayLike<number>): KDBush | undefined {
  if (x.length === 0) return undefined;
  const index = new KDBush(x.length);
  for (let i = 0; i < x.length; i++) index.add(x[i], y[i]);
  return index.finish();
}

/**
 * One-to-one matching of points `a` to points `b` within `radius`, closest
 * pairs first (greedy on distance). Returns, for each point of `a`, the index
 * of its partner in `b` or -1.
 */
export function matchPoints(a: ScoredPoints, b: ScoredPoints, radius: number): Int32Array {
  const partnerOfA = new Int32Array(a.x.length).fill(-1);
  const index = buildIndex(b.x, b.y);
  if (!index) return partnerOfA;
  const pairs: { i: number; j: number; d: number }[] = [];
  for (let i = 0; i < a.x.length; i++) {
    for (const j of index.within(a.x[i], a.y[i], radius)) {
      pairs.push({ i, j, d: Math.hypot(a.x[i] - b.x[j], a.y[i] - b.y[j]) });
    }
  }
  pairs.sort((p, q) => p.d - q.d || p.i - q.i || p.j - q.j);
  const usedB = new Uint8Array(b.x.length);
  for (const { i, j } of pairs) {
    if (partnerOfA[i] >= 0 || usedB[j]) continue;
    partnerOfA[i] = j;
    usedB[j] = 1;
  }
  return partnerOfA;
}

/** Median distance from each truth A site to its nearest other A site: the lattice spacing. */
export function estimateCell(
  truth: ScoredPoints & { sublattice: ArrayLike<string | number> },
): number {
  const ax: number[] = [];
  const ay: number[] = [];
  for (let i = 0; i < truth.x.length; i++) {
    if (sublatticeCode(truth.sublattice[i]) === 0) {
      ax.push(truth.x[i]);
      ay.push(truth.y[i]);
    }
  }
  const index = buildIndex(ax, ay);
  if (!index || ax.length < 2) throw new RangeError("estimateCell: fewer than two A sites");
  const nearest: number[] = [];
  for (let i = 0; i < ax.length; i++) {
    // Grow the search radius until a neighbour turns up.
    for (let r = 4; r < 1e6; r *= 2) {
      const hits = index.within(ax[i], ay[i], r).filter((j) => j !== i);
      if (hits.length) {
        nearest.push(Math.min(...hits.map((j) => Math.hypot(ax[j] - ax[i], ay[j] - ay[i]))));
        break;
      }
    }
  }
  return median(nearest);
}

/** A predicate "inside the scored area" for points, from the options and the truth. */
function interior(truth: ScoredPoints, cell: number, options: MatchOptions) {
  const margin = (options.border ?? 1) * cell;
  let x0: number, x1: number, y0: number, y1: number;
  if (options.width !== undefined && options.height !== undefined) {
    [x0, x1, y0, y1] = [-0.5, options.width - 0.5, -0.5, options.height - 0.5];
  } else {
    [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (let i = 0; i < truth.x.length; i++) {
      x0 = Math.min(x0, truth.x[i]);
      x1 = Math.max(x1, truth.x[i]);
      y0 = Math.min(y0, truth.y[i]);
      y1 = Math.max(y1, truth.y[i]);
    }
  }
  return (x: number, y: number) =>
    x >= x0 + margin && x <= x1 - margin && y >= y0 + margin && y <= y1 - margin;
}

/** Scores of found atom columns against the truth. */
export interface AtomScore {
  /** Matched interior truth sites / interior truth sites. */
  recall: number;
  /** Matched interior found sites / interior found sites. */
  precision: number;
  /** Recall of truth A sites. */
  recallA: number;
  /** Recall of truth B sites. */
  recallB: number;
  /** Precision of found sites labelled A (NaN when unlabelled). */
  precisionA: number;
  /** Precision of found sites labelled B. */
  precisionB: number;
  /** Root-mean-square position error of matched interior pairs, px. */
  rmse: number;
  /** Fraction of matched interior pairs whose sublattice labels agree (NaN when unlabelled). */
  sublatticeAccuracy: number;
  /** Interior truth sites. */
  truthCount: number;
  /** Interior found sites. */
  foundCount: number;
  /** Matched interior truth sites. */
  matched: number;
  /** Cell used, px. */
  cell: number;
}

/**
 * Score found atom columns against the truth: match within `radius` cells
 * (0.3), leaving out a border of `border` cells (1) around the image.
 */
export function scoreAtoms(
  found: ScoredPoints,
  truth: TruthSites,
  options: MatchOptions = {},
): AtomScore {
  const cell = options.cell ?? estimateCell(truth);
  const inside = interior(truth, cell, options);
  const partner = matchPoints(truth, found, (options.radius ?? 0.3) * cell);
  const foundMatched = new Uint8Array(found.x.length);
  const truthIn = [0, 0];
  const truthHit = [0, 0];
  let squared = 0;
  let pairs = 0;
  let sameLabel = 0;
  let labelled = 0;
  for (let i = 0; i < truth.x.length; i++) {
    const j = partner[i];
    if (j >= 0) foundMatched[j] = 1;
    if (!inside(truth.x[i], truth.y[i])) continue;
    const s = sublatticeCode(truth.sublattice[i]);
    if (s >= 0) truthIn[s]++;
    if (j < 0) continue;
    if (s >= 0) truthHit[s]++;
    pairs++;
    squared += (truth.x[i] - found.x[j]) ** 2 + (truth.y[i] - found.y[j]) ** 2;
    if (found.sublattice) {
      labelled++;
      if (sublatticeCode(found.sublattice[j]) === s) sameLabel++;
    }
  }
  const foundIn = [0, 0, 0];
  const foundHit = [0, 0, 0];
  for (let j = 0; j < found.x.length; j++) {
    if (!inside(found.x[j], found.y[j])) continue;
    const s = found.sublattice ? sublatticeCode(found.sublattice[j]) : -1;
    const slot = s < 0 ? 2 : s;
    foundIn[slot]++;
    if (foundMatched[j]) foundHit[slot]++;
  }
  const totalFound = foundIn[0] + foundIn[1] + foundIn[2];
  const truthCount = truthIn[0] + truthIn[1];
  return {
    recall: pairs / truthCount,
    precision: (foundHit[0] + foundHit[1] + foundHit[2]) / totalFound,
    recallA: truthHit[0] / truthIn[0],
    recallB: truthHit[1] / truthIn[1],
    precisionA: found.sublattice ? foundHit[0] / foundIn[0] : NaN,
    precisionB: found.sublattice ? foundHit[1] / foundIn[1] : NaN,
    rmse: Math.sqrt(squared / pairs),
    sublatticeAccuracy: labelled ? sameLabel / labelled : NaN,
    truthCount,
    foundCount: totalFound,
    matched: pairs,
    cell,
  };
}

/** Found polarisation vectors: B-site positions and displacement components. */
export interface FoundPolarization {
  /** x of each B site, px. */
  x: ArrayLike<number>;
  /** y of each B site, px. */
  y: ArrayLike<number>;
  /** Displacement x, px. */
  px: ArrayLike<number>;
  /** Displacement y, px. */
  py: ArrayLike<number>;
}

/** Options for {@linkcode scorePolarization}. */
export interface PolarizationScoreOptions extends MatchOptions {
  /** Angle tolerance in degrees for `fractionWithin`. Default 20. */
  toleranceDeg?: number;
}

/** Direction errors of found polarisation vectors on the truth's polar B sites. */
export interface PolarizationScore {
  /** Median absolute direction error, degrees. */
  medianAngleErrorDeg: number;
  /** Fraction of matched polar sites with an error within the tolerance. */
  fractionWithin: number;
  /** The tolerance, degrees. */
  toleranceDeg: number;
  /** Median |found| / |true| displacement. */
  magnitudeRatio: number;
  /** Matched interior polar B sites. */
  matched: number;
  /** Interior polar B sites in the truth. */
  polarCount: number;
}

/** Smallest absolute difference of two angles (radians), in [0, π]. */
export function angleDifference(a: number, b: number): number {
  return Math.abs(angleDelta(a, b));
}

/** Score found polarisation vectors against the truth's polar B sites (variant ≥ 0). */
export function scorePolarization(
  found: FoundPolarization,
  truth: TruthSites,
  options: PolarizationScoreOptions = {},
): PolarizationScore {
  const cell = options.cell ?? estimateCell(truth);
  const inside = interior(truth, cell, options);
  const polar: number[] = [];
  for (let i = 0; i < truth.x.length; i++) {
    if (sublatticeCode(truth.sublattice[i]) === 1 && truth.variant[i] >= 0) {
      if (inside(truth.x[i], truth.y[i])) polar.push(i);
    }
  }
  const sites = { x: polar.map((i) => truth.x[i]), y: polar.map((i) => truth.y[i]) };
  const partner = matchPoints(sites, found, (options.radius ?? 0.3) * cell);
  const toleranceDeg = options.toleranceDeg ?? 20;
  const errors: number[] = [];
  const ratios: number[] = [];
  for (let k = 0; k < polar.length; k++) {
    const j = partner[k];
    if (j < 0) continue;
    const i = polar[k];
    const trueAngle = Math.atan2(truth.dy[i], truth.dx[i]);
    errors.push(angleDifference(Math.atan2(found.py[j], found.px[j]), trueAngle) * 180 / Math.PI);
    ratios.push(Math.hypot(found.px[j], found.py[j]) / Math.hypot(truth.dx[i], truth.dy[i]));
  }
  return {
    medianAngleErrorDeg: median(errors),
    fractionWithin: errors.filter((e) => e <= toleranceDeg).length / errors.length,
    toleranceDeg,
    magnitudeRatio: median(ratios),
    matched: errors.length,
    polarCount: polar.length,
  };
}

/** Options for {@linkcode angleVariantAgreement}. */
export interface AngleAgreementOptions {
  /** Direction (radians) of each variant when the truth is given as variants. Default 45° + k·90°. */
  variantAngles?: readonly number[];
  /** Tolerance in degrees. Default 30. */
  toleranceDeg?: number;
}

/** Best agreement of encoded angles with the true directions. */
export interface AngleAgreement {
  /** Fraction of polar sites within the tolerance after the best offset and sign. */
  agreement: number;
  /** The best global offset, radians in [0, 2π). */
  offset: number;
  /** The best sign, +1 or -1 (encoded angle → sign·angle + offset). */
  sign: number;
  /** Polar sites scored (truth variant ≥ 0 or a finite true angle). */
  count: number;
}

/**
 * Fraction of polar sites whose encoded angle (e.g. the rVAE's latent angle)
 * matches the true polarisation direction within the tolerance (30°), after
 * the best global map angle → ±angle + offset. `truth` is aligned with
 * `angles`: an integer typed array (Int8Array, Int16Array, Int32Array) holds
 * variants (-1 = non-polar, left out), anything else holds true directions
 * in radians (NaN = non-polar, left out).
 */
export function angleVariantAgreement(
  angles: ArrayLike<number>,
  truth: ArrayLike<number>,
  options: AngleAgreementOptions = {},
): AngleAgreement {
  if (angles.length !== truth.length) {
    throw new RangeError(
      `angleVariantAgreement: ${angles.length} angles but ${truth.length} truths`,
    );
  }
  const isVariants = truth instanceof Int8Array || truth instanceof Int16Array ||
    truth instanceof Int32Array;
  const variantAngles = options.variantAngles ??
    [0, 1, 2, 3].map((k) => Math.PI / 4 + k * Math.PI / 2);
  const encoded: number[] = [];
  const target: number[] = [];
  for (let i = 0; i < angles.length; i++) {
    const t = isVariants ? (truth[i] >= 0 ? variantAngles[truth[i]] : NaN) : truth[i];
    if (t === undefined || !Number.isFinite(t) || !Number.isFinite(angles[i])) continue;
    encoded.push(angles[i]);
    target.push(t);
  }
  const tolerance = ((options.toleranceDeg ?? 30) * Math.PI) / 180;
  let best: AngleAgreement = { agreement: NaN, offset: 0, sign: 1, count: encoded.length };
  if (encoded.length === 0) return best;
  let bestHits = -1;
  for (const sign of [1, -1]) {
    const { hits, offset } = bestOffset(encoded.map((a, i) => target[i] - sign * a), tolerance);
    if (hits > bestHits) {
      bestHits = hits;
      best = { agreement: hits / encoded.length, offset, sign, count: encoded.length };
    }
  }
  return best;
}

/**
 * The offset c maximising #{i : |wrap(d_i - c)| ≤ tol}: a circular sweep over
 * the sorted d; c is then the circular mean of the d inside the best window.
 */
function bestOffset(differences: number[], tolerance: number): { hits: number; offset: number } {
  const twoPi = 2 * Math.PI;
  const d = differences.map(wrapAngle).sort((a, b) => a - b);
  const n = d.length;
  const window = Math.min(2 * tolerance, twoPi);
  const at = (k: number) => d[k % n] + (k >= n ? twoPi : 0);
  let hits = 0;
  let bestStart = 0;
  let end = 0;
  // Some optimal window [c - tol, c + tol] starts at a d_i.
  for (let start = 0; start < n; start++) {
    if (end < start) end = start;
    while (end < start + n && at(end) - d[start] <= window) end++;
    if (end - start > hits) {
      hits = end - start;
      bestStart = start;
    }
  }
  let sx = 0;
  let sy = 0;
  for (let k = bestStart; k < bestStart + hits; k++) {
    sx += Math.cos(d[k % n]);
    sy += Math.sin(d[k % n]);
  }
  return { hits, offset: wrapAngle(Math.atan2(sy, sx)) };
}

/**
 * Adjusted Rand index of two labellings of the same items (Hubert & Arabie
 * 1985): 1 for identical partitions whatever the label names, about 0 for
 * independent ones. Two partitions that are both trivial (one cluster, or
 * every item alone) score 1.
 */
export function adjustedRandIndex(
  labelsA: ArrayLike<number | string>,
  labelsB: ArrayLike<number | string>,
): number {
  const n = labelsA.length;
  if (n !== labelsB.length) {
    throw new RangeError(`adjustedRandIndex: ${n} labels against ${labelsB.length}`);
  }
  const ids = (labels: ArrayLike<number | string>) => {
    const map = new Map<number | string, number>();
    const out = new Int32Array(labels.length);
    for (let i = 0; i < labels.length; i++) {
      let id = map.get(labels[i]);
      if (id === undefined) map.set(labels[i], id = map.size);
      out[i] = id;
    }
    return { out, count: map.size };
  };
  const a = ids(labelsA);
  const b = ids(labelsB);
  const table = new Map<number, number>();
  const rows = new Float64Array(a.count);
  const cols = new Float64Array(b.count);
  for (let i = 0; i < n; i++) {
    const key = a.out[i] * b.count + b.out[i];
    table.set(key, (table.get(key) ?? 0) + 1);
    rows[a.out[i]]++;
    cols[b.out[i]]++;
  }
  const pairs = (m: number) => (m * (m - 1)) / 2;
  let index = 0;
  for (const m of table.values()) index += pairs(m);
  let sumRows = 0;
  let sumCols = 0;
  for (const m of rows) sumRows += pairs(m);
  for (const m of cols) sumCols += pairs(m);
  const expected = n > 1 ? (sumRows * sumCols) / pairs(n) : 0;
  const maximum = (sumRows + sumCols) / 2;
  if (maximum === expected) return 1;
  return (index - expected) / (maximum - expected);
}
