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

import { angleDelta, median } from "./math.ts";
import { FormatError } from "./errors.ts";
import { KDBush } from "./deps.ts";
import { type CsvTable, numericColumn, stringColumn } from "./io/csv.ts";
import {
  type AngleAgreement,
  type AngleAgreementOptions,
  angleVariantAgreement,
} from "./score/labels.ts";
import {
  estimateCell,
  interior,
  type MatchOptions,
  matchPoints,
  type ScoredPoints,
  sublatticeCode,
  type TruthSites,
} from "./score/matching.ts";

export { estimateCell, matchPoints, sublatticeCode } from "./score/matching.ts";
export type { MatchOptions, ScoredPoints, TruthSites } from "./score/matching.ts";
export { adjustedRandIndex, angleVariantAgreement } from "./score/labels.ts";
export type { AngleAgreement, AngleAgreementOptions } from "./score/labels.ts";

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
 *
 * @example
 * ```ts
 * import { scoreAtoms } from "./score.ts";
 * import { generateHaadf } from "./synth/generate.ts";
 * const { truth } = generateHaadf({ seed: 1, width: 96, height: 96 });
 * // Every column found 0.1 px to the right, with its sublattice.
 * const found = { ...truth, x: truth.x.map((x) => x + 0.1) };
 * const score = scoreAtoms(found, truth);
 * if (score.recall !== 1 || Math.abs(score.rmse - 0.1) > 1e-9) throw new Error("all, 0.1 px off");
 * ```
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
  /**
   * What a found vector is compared with. "displacement" (default): the
   * truth's designed polar displacement `dx, dy`. "cage": the true B position
   * minus the mean of its four nearest true A positions — the quantity the
   * atom stage measures, static disorder of the columns included, so the
   * score is the estimator's error alone.
   */
  reference?: "displacement" | "cage";
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
  /** Interior polar B sites matched by a found vector with finite components. */
  matched: number;
  /** Interior polar B sites in the truth. */
  polarCount: number;
}

/**
 * Smallest absolute difference of two angles (radians), in [0, π].
 *
 * @example
 * ```ts
 * import { angleDifference } from "./score.ts";
 * if (Math.abs(angleDifference(0.1, 2 * Math.PI - 0.1) - 0.2) > 1e-12) throw new Error();
 * ```
 */
export function angleDifference(a: number, b: number): number {
  return Math.abs(angleDelta(a, b));
}

/**
 * Score found polarisation vectors against the truth's polar B sites (variant ≥ 0).
 *
 * @example
 * ```ts
 * import { scorePolarization } from "./score.ts";
 * import { generateHaadf } from "./synth/generate.ts";
 * const { truth } = generateHaadf({ seed: 1, width: 96, height: 96 });
 * // The true displacements, found exactly.
 * const score = scorePolarization({ x: truth.x, y: truth.y, px: truth.dx, py: truth.dy }, truth);
 * if (score.medianAngleErrorDeg !== 0 || score.fractionWithin !== 1) throw new Error("exact");
 * ```
 */
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
  // Flagged vectors (NaN components) count as not found.
  const usable: number[] = [];
  for (let j = 0; j < found.x.length; j++) {
    if (Number.isFinite(found.px[j]) && Number.isFinite(found.py[j])) usable.push(j);
  }
  const vectors = { x: usable.map((j) => found.x[j]), y: usable.map((j) => found.y[j]) };
  const partner = matchPoints(sites, vectors, (options.radius ?? 0.3) * cell);
  const toleranceDeg = options.toleranceDeg ?? 20;
  const errors: number[] = [];
  const ratios: number[] = [];
  const reference = options.reference === "cage"
    ? cageVectors(truth, polar, cell)
    : { dx: polar.map((i) => truth.dx[i]), dy: polar.map((i) => truth.dy[i]) };
  for (let k = 0; k < polar.length; k++) {
    if (partner[k] < 0 || !Number.isFinite(reference.dx[k])) continue;
    const j = usable[partner[k]];
    const trueAngle = Math.atan2(reference.dy[k], reference.dx[k]);
    errors.push(angleDifference(Math.atan2(found.py[j], found.px[j]), trueAngle) * 180 / Math.PI);
    ratios.push(
      Math.hypot(found.px[j], found.py[j]) / Math.hypot(reference.dx[k], reference.dy[k]),
    );
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

/** True B position minus the mean of its four nearest true A columns (NaN without four within a cell). */
function cageVectors(truth: TruthSites, sites: number[], cell: number) {
  const a: number[] = [];
  for (let i = 0; i < truth.x.length; i++) if (sublatticeCode(truth.sublattice[i]) === 0) a.push(i);
  const index = new KDBush(Math.max(a.length, 1));
  for (const i of a) index.add(truth.x[i], truth.y[i]);
  index.finish();
  const dx = new Float64Array(sites.length).fill(NaN);
  const dy = new Float64Array(sites.length).fill(NaN);
  sites.forEach((i, k) => {
    const x = truth.x[i];
    const y = truth.y[i];
    const near = index.within(x, y, cell).map((n) => a[n])
      .sort((p, q) =>
        Math.hypot(truth.x[p] - x, truth.y[p] - y) - Math.hypot(truth.x[q] - x, truth.y[q] - y)
      )
      .slice(0, 4);
    if (near.length < 4) return;
    dx[k] = x - near.reduce((sum, n) => sum + truth.x[n], 0) / 4;
    dy[k] = y - near.reduce((sum, n) => sum + truth.y[n], 0) / 4;
  });
  return { dx, dy };
}

/**
 * Ground truth from a parsed `truth.csv` (columns `x,y,sublattice,dx,dy,variant`).
 *
 * @example
 * ```ts
 * import { truthFromCsv } from "./score.ts";
 * import { parseCsv } from "./io/csv.ts";
 * const table = parseCsv("x,y,sublattice,dx,dy,variant\n10,12,B,0.3,0,0\n", "truth.csv");
 * const truth = truthFromCsv(table, "truth.csv");
 * if (truth.sublattice[0] !== "B" || truth.dx[0] !== 0.3) throw new Error("one B site");
 * ```
 */
export function truthFromCsv(table: CsvTable, name: string): TruthSites {
  for (const column of ["x", "y", "sublattice", "dx", "dy", "variant"]) {
    if (!table.header.includes(column)) throw new FormatError(name, `missing column "${column}"`);
  }
  return {
    x: numericColumn(table, "x", name),
    y: numericColumn(table, "y", name),
    sublattice: stringColumn(table, "sublattice", name),
    dx: numericColumn(table, "dx", name),
    dy: numericColumn(table, "dy", name),
    variant: numericColumn(table, "variant", name),
  };
}

/** Angles at sites, e.g. the rVAE's encoded angle at each window centre. */
export interface AngleSites {
  /** x, px. */
  x: ArrayLike<number>;
  /** y, px. */
  y: ArrayLike<number>;
  /** Angle per site, radians. */
  angle: ArrayLike<number>;
}

/**
 * Agreement of the angles at `sites` with the true variants: each site is
 * matched to a truth site within `radius` cells (0.3); those matched to a
 * polar B site are scored by {@linkcode angleVariantAgreement} (best global
 * offset and sign, 30° tolerance).
 *
 * @example
 * ```ts
 * import { scoreSiteAngles } from "./score.ts";
 * import { generateHaadf } from "./synth/generate.ts";
 * const { truth, meta } = generateHaadf({ seed: 1, width: 96, height: 96 });
 * // Angles at the B sites: their variant's direction, turned by 1 rad.
 * const angle = Array.from(truth.variant, (v) => v < 0 ? NaN : meta.variantAngles[v] + 1);
 * const agreement = scoreSiteAngles({ x: truth.x, y: truth.y, angle }, truth);
 * if (agreement.agreement !== 1) throw new Error("a rotation of the variants agrees fully");
 * ```
 */
export function scoreSiteAngles(
  sites: AngleSites,
  truth: TruthSites,
  options: MatchOptions & AngleAgreementOptions = {},
): AngleAgreement {
  const cell = options.cell ?? estimateCell(truth);
  const partner = matchPoints(sites, truth, (options.radius ?? 0.3) * cell);
  const angles: number[] = [];
  const variants: number[] = [];
  for (let i = 0; i < partner.length; i++) {
    const j = partner[i];
    if (j < 0 || sublatticeCode(truth.sublattice[j]) !== 1 || truth.variant[j] < 0) continue;
    angles.push(sites.angle[i]);
    variants.push(truth.variant[j]);
  }
  return angleVariantAgreement(angles, Int32Array.from(variants), options);
}
