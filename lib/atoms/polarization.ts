/**
 * The non-centrosymmetry (polarisation) vector of every B column, as the
 * seed paper defines it: the B position minus the mean position of its four
 * nearest A columns, with the local lattice parameters from those same four
 * A columns. A B column without a proper set of A neighbours (at the image
 * border, next to a missed column, in a defect) is flagged, never guessed.
 *
 * Seen along [110] a perovskite's B column has two nearest A columns on a
 * line through it instead of four around it; the "pair" neighbourhood (the
 * mean of those two) is the same measure there, and "auto" picks whichever
 * the data show.
 *
 * @module
 */

import { KDBush } from "../deps.ts";
import { median, wrapAngle } from "../math.ts";
import { boundingArea } from "./_stats.ts";
import { A, B } from "./sublattice.ts";

/** Which A columns define a B column's centre. */
export type NeighbourRule = "auto" | "four" | "pair";

/** Why a B column has no polarisation vector ("ok" when it has one). */
export type PolarizationStatus = "ok" | "too_few_neighbours" | "irregular_neighbours";

/** Options for {@linkcode computePolarization}. */
export interface PolarizationOptions {
  /** Neighbour rule (default "auto": four or pair, whichever gives more B columns a regular neighbourhood). */
  neighbours?: NeighbourRule;
  /** Accepted spread of neighbour distances around the typical one, as a fraction (default 0.35). */
  tolerance?: number;
}

/** Polarisation of every B column, in the order the B columns appear in the input. */
export interface Polarization {
  /** Index of the B column in the input columns. */
  column: Int32Array;
  /** B column x, px. */
  x: Float64Array;
  /** B column y, px. */
  y: Float64Array;
  /** Displacement x, px (NaN when flagged). */
  px: Float64Array;
  /** Displacement y, px (NaN when flagged). */
  py: Float64Array;
  /** |p|, px. */
  magnitude: Float64Array;
  /** atan2(py, px) in [0, 2π). */
  angle: Float64Array;
  /** Local lattice parameter along the cell edge closer to the image x axis, px. */
  latticeA: Float64Array;
  /** Local lattice parameter along the other edge, px. */
  latticeB: Float64Array;
  /** Status of each B column. */
  status: PolarizationStatus[];
  /**
   * The A columns each vector was measured from: entries 4j..4j+3 are
   * indices into the input columns (-1 beyond the rule's two for "pair",
   * and for flagged columns).
   */
  neighbours: Int32Array;
  /** The neighbour rule used ("four" or "pair"). */
  rule: "four" | "pair";
  /** Typical B-to-nearest-A distance, px. */
  distance: number;
}

/** Compute the polarisation of each B column from the columns and their sublattices. */
export function computePolarization(
  columns: { x: ArrayLike<number>; y: ArrayLike<number>; sublattice: ArrayLike<number> },
  options: PolarizationOptions = {},
): Polarization {
  const aIdx: number[] = [];
  const bIdx: number[] = [];
  for (let k = 0; k < columns.x.length; k++) {
    if (columns.sublattice[k] === A) aIdx.push(k);
    else if (columns.sublattice[k] === B) bIdx.push(k);
  }
  const nb = bIdx.length;
  const index = new KDBush(Math.max(aIdx.length, 1));
  for (const k of aIdx) index.add(columns.x[k], columns.y[k]);
  index.finish();
  const ax = Float64Array.from(aIdx, (k) => columns.x[k]);
  const ay = Float64Array.from(aIdx, (k) => columns.y[k]);

  // Nearest A distance of each B, by widening searches (kdbush answers radius queries).
  const nearest = new Float64Array(nb).fill(Infinity);
  let radius = 2 * Math.sqrt(boundingArea(columns) / Math.max(aIdx.length + nb, 1));
  const sortedNeighbours: number[][] = new Array(nb);
  const gather = (j: number, r: number) =>
    index.within(columns.x[bIdx[j]], columns.y[bIdx[j]], r)
      .map((i) => ({ i, d: Math.hypot(ax[i] - columns.x[bIdx[j]], ay[i] - columns.y[bIdx[j]]) }))
      .sort((p, q) => p.d - q.d);
  for (let j = 0; j < nb; j++) {
    let hits = gather(j, radius);
    for (let grow = 0; hits.length === 0 && grow < 6 && aIdx.length; grow++) {
      radius *= 2;
      hits = gather(j, radius);
    }
    if (hits.length) nearest[j] = hits[0].d;
  }
  const distance = median(Array.from(nearest).filter(Number.isFinite));
  const tol = options.tolerance ?? 0.35;
  const reach = 2.5 * distance;
  for (let j = 0; j < nb; j++) sortedNeighbours[j] = gather(j, reach).map((h) => h.i);

  const geometry = {
    ax,
    ay,
    aIdx,
    bx: columns.x,
    by: columns.y,
    bIdx,
    sortedNeighbours,
    distance,
  };
  const requested = options.neighbours ?? "auto";
  if (requested !== "auto") return vectorsWith(requested, geometry, tol);
  // Auto: the rule under which more B columns have a regular neighbourhood ([001]: four
  // around; [110]: two on a line); four when tied.
  const four = vectorsWith("four", geometry, tol);
  const pair = vectorsWith("pair", geometry, tol);
  const count = (p: Polarization) => p.status.filter((s) => s === "ok").length;
  return count(pair) > count(four) ? pair : four;
}

/** Positions and neighbour lists {@linkcode vectorsWith} works from. */
interface Geometry {
  ax: Float64Array;
  ay: Float64Array;
  aIdx: number[];
  bx: ArrayLike<number>;
  by: ArrayLike<number>;
  bIdx: number[];
  sortedNeighbours: number[][];
  distance: number;
}

/**
 * The vectors under one neighbour rule. A B column's neighbourhood is
 * regular when its `want` nearest A columns lie within `tol` of the typical
 * mean distance of such a set (a strongly polar B column sits much closer
 * to some than to others) and surround it (four) or face each other (pair).
 */
function vectorsWith(rule: "four" | "pair", g: Geometry, tol: number): Polarization {
  const { ax, ay, bIdx, sortedNeighbours } = g;
  const nb = bIdx.length;
  const want = rule === "four" ? 4 : 2;
  const meanDistance = (j: number) => {
    const nbrs = sortedNeighbours[j];
    if (nbrs.length < want) return NaN;
    let sum = 0;
    for (let m = 0; m < want; m++) {
      sum += Math.hypot(ax[nbrs[m]] - g.bx[bIdx[j]], ay[nbrs[m]] - g.by[bIdx[j]]);
    }
    return sum / want;
  };
  const typical = median(
    Array.from({ length: nb }, (_, j) => meanDistance(j)).filter(Number.isFinite),
  );
  const out: Polarization = {
    column: Int32Array.from(bIdx),
    x: Float64Array.from(bIdx, (k) => g.bx[k]),
    y: Float64Array.from(bIdx, (k) => g.by[k]),
    px: new Float64Array(nb).fill(NaN),
    py: new Float64Array(nb).fill(NaN),
    magnitude: new Float64Array(nb).fill(NaN),
    angle: new Float64Array(nb).fill(NaN),
    latticeA: new Float64Array(nb).fill(NaN),
    latticeB: new Float64Array(nb).fill(NaN),
    status: new Array(nb).fill("ok"),
    neighbours: new Int32Array(4 * nb).fill(-1),
    rule,
    distance: g.distance,
  };
  const vx = new Float64Array(4);
  const vy = new Float64Array(4);
  for (let j = 0; j < nb; j++) {
    const xb = out.x[j];
    const yb = out.y[j];
    const nbrs = sortedNeighbours[j];
    if (nbrs.length < want) {
      out.status[j] = "too_few_neighbours";
      continue;
    }
    let ok = true;
    for (let m = 0; m < want; m++) {
      vx[m] = ax[nbrs[m]] - xb;
      vy[m] = ay[nbrs[m]] - yb;
      const d = Math.hypot(vx[m], vy[m]);
      if (Math.abs(d / typical - 1) > tol) ok = false;
    }
    if (ok) ok = want === 4 ? surrounds(vx, vy) : opposite(vx, vy);
    if (!ok) {
      out.status[j] = "irregular_neighbours";
      continue;
    }
    let mx = 0;
    let my = 0;
    for (let m = 0; m < want; m++) {
      mx += vx[m];
      my += vy[m];
    }
    const px = -mx / want;
    const py = -my / want;
    out.px[j] = px;
    out.py[j] = py;
    for (let m = 0; m < want; m++) out.neighbours[4 * j + m] = g.aIdx[nbrs[m]];
    out.magnitude[j] = Math.hypot(px, py);
    out.angle[j] = wrapAngle(Math.atan2(py, px));
    if (want === 4) {
      const [a, b] = cellEdges(vx, vy);
      out.latticeA[j] = a;
      out.latticeB[j] = b;
    } else {
      out.latticeB[j] = Math.hypot(vx[1] - vx[0], vy[1] - vy[0]);
    }
  }
  return out;
}

/** Four vectors from B to A that go all the way round (no angular gap of 135° or more). */
function surrounds(vx: Float64Array, vy: Float64Array): boolean {
  const angles = [0, 1, 2, 3].map((m) => wrapAngle(Math.atan2(vy[m], vx[m]))).sort((p, q) => p - q);
  let widest = angles[0] + 2 * Math.PI - angles[3];
  for (let m = 1; m < 4; m++) widest = Math.max(widest, angles[m] - angles[m - 1]);
  return widest < (135 * Math.PI) / 180;
}

/** Two vectors from B to A pointing roughly opposite ways (at least 140° apart). */
function opposite(vx: Float64Array, vy: Float64Array): boolean {
  const cos = (vx[0] * vx[1] + vy[0] * vy[1]) /
    (Math.hypot(vx[0], vy[0]) * Math.hypot(vx[1], vy[1]));
  return cos < Math.cos((140 * Math.PI) / 180);
}

/**
 * Mean lengths of the two pairs of opposite edges of the quadrilateral the
 * four A columns make: first the pair closer to the image x axis.
 */
function cellEdges(vx: Float64Array, vy: Float64Array): [number, number] {
  const order = [0, 1, 2, 3].sort((p, q) => Math.atan2(vy[p], vx[p]) - Math.atan2(vy[q], vx[q]));
  const ex: number[] = [];
  const ey: number[] = [];
  for (let m = 0; m < 4; m++) {
    const p = order[m];
    const q = order[(m + 1) % 4];
    ex.push(vx[q] - vx[p]);
    ey.push(vy[q] - vy[p]);
  }
  const len = (m: number) => Math.hypot(ex[m], ey[m]);
  const pair0 = 0.5 * (len(0) + len(2));
  const pair1 = 0.5 * (len(1) + len(3));
  // |cos| to the x axis, averaged over the pair.
  const horizontal0 = Math.abs(ex[0]) / len(0) + Math.abs(ex[2]) / len(2);
  const horizontal1 = Math.abs(ex[1]) / len(1) + Math.abs(ex[3]) / len(3);
  return horizontal0 >= horizontal1 ? [pair0, pair1] : [pair1, pair0];
}
