/**
 * Matching found points to truth points: one-to-one within a radius, closest
 * pairs first; the lattice spacing of a truth; the scored area inside a
 * border. Sublattice labels may be "A"/"B" or the codes 0 = A, 1 = B.
 *
 * @module
 */

import { median } from "../math.ts";
import { KDBush } from "../deps.ts";

/** Points, optionally labelled with a sublattice ("A"/"B" or 0/1). */
export interface ScoredPoints {
  /** x, px (image frame: pixel centres at integers, x right, y down). */
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
 *
 * @example
 * ```ts
 * import { matchPoints } from "./matching.ts";
 * const partner = matchPoints({ x: [0, 10, 50], y: [0, 0, 0] }, { x: [10.2, 0.1], y: [0, 0] }, 1);
 * if (partner.join() !== "1,0,-1") throw new Error("closest within 1 px, one-to-one");
 * ```
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

/**
 * Median distance from each truth A site to its nearest other A site: the lattice spacing.
 *
 * @example
 * ```ts
 * import { estimateCell } from "./matching.ts";
 * const truth = { x: [0, 4, 8, 2], y: [0, 0, 0, 1], sublattice: ["A", "A", "A", "B"] };
 * if (estimateCell(truth) !== 4) throw new Error("A sites 4 px apart");
 * ```
 */
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
export function interior(truth: ScoredPoints, cell: number, options: MatchOptions) {
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
