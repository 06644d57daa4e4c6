/**
 * Fast-scan row jitter: every image row of a STEM scan may start a little
 * early or late (flyback noise), which shifts the whole row along x by a
 * random offset. A column spans a few rows, so it moves by the mean offset
 * of its rows — the same for every column on those rows.
 *
 * A shift shared by all rows a column spans cannot be told from moving the
 * column in that column's own pixels; it shows only against the lattice. So
 * the offsets are read off the column positions: each column is compared
 * with the mean of pairs of same-sublattice neighbours mirrored through it,
 * taken from other atom rows (the mirror pair cancels the lattice and any
 * linear distortion, and a B column's polar displacement, shared within a
 * domain). Each comparison is the column's mean row offset minus its
 * neighbours' (plus static disorder and fit noise); the row offsets are the
 * regularised least-squares solution of all comparisons at once (conjugate
 * gradients), each weighted by its sublattice's scatter, under a white prior
 * of the jitter's variance. That variance is chosen by cross-validation:
 * the one under which offsets fitted to the left half of the image best
 * predict the right half's comparisons, and the other way round. A row's
 * jitter is the same across the image; static disorder, fit noise and local
 * structure are not — when no variance predicts better than no offsets at
 * all, the image gets none. What is smooth over a few lattice periods
 * (drift, scan wobble, a strain field) belongs to the positions, not to the
 * jitter: the offsets are kept free of each sublattice's running mean over
 * `smoothRows` rows.
 *
 * What cannot be recovered: a row offset pattern that repeats with the rows
 * the columns sit on moves a whole sublattice and looks like a lattice
 * shift. A rotated lattice breaks this (its atom rows cross image rows);
 * on the synthetic default the estimate's correlation with the true
 * column-averaged jitter is about 0.8, limited by the columns' static
 * disorder, which is in the truth.
 *
 * @module
 */

import { KDBush } from "../deps.ts";

/** Default rows a column spans, as a fraction of the lattice period. */
const COLUMN_ROWS = 0.1;
/** Jitter standard deviations per row tried as the prior, px. */
const JITTER_GRID = [0.025, 0.05, 0.1, 0.2, 0.4, 0.8];
/** Conjugate-gradient iterations at most, and the relative residual at which to stop. */
const CG_ITERATIONS = 100;
const CG_TOLERANCE = 1e-8;

/**
 * The mean of `shift` over the rows a column at row `y` spans (Gaussian
 * weight of sigma {@linkcode COLUMN_ROWS} × `period`): how far the column
 * moves when its rows are corrected.
 */
export function meanRowShift(shift: Float64Array, y: number, period: number): number {
  const span = COLUMN_ROWS * period;
  const { first, weights } = rowWeights(y, span, 3 * span, shift.length);
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += weights[i] * shift[first + i];
  return sum;
}

/**
 * The rows within `reach` of row `y` (clipped to `height`) and their
 * Gaussian weights of sigma `span`, summing to 1 (none when no row is in reach).
 */
function rowWeights(
  y: number,
  span: number,
  reach: number,
  height: number,
): { first: number; weights: Float64Array } {
  const first = Math.max(0, Math.ceil(y - reach));
  const last = Math.min(height - 1, Math.floor(y + reach));
  const weights = new Float64Array(Math.max(0, last - first + 1));
  let sum = 0;
  for (let r = first; r <= last; r++) {
    sum += weights[r - first] = Math.exp(-0.5 * ((r - y) / span) ** 2);
  }
  for (let i = 0; i < weights.length; i++) weights[i] /= sum;
  return { first, weights };
}

/** Columns as the jitter estimate reads them. */
export interface JitterColumns {
  /** Column x, px. */
  x: ArrayLike<number>;
  /** Column y, px. */
  y: ArrayLike<number>;
  /** Sublattice of each column (0 or 1); neighbours are taken from the same one. */
  sublattice: ArrayLike<number>;
  /** 1 where the column's fit succeeded; others are left out. */
  fitOk: ArrayLike<number>;
}

/** Options for {@linkcode estimateRowShift}. */
export interface RowShiftOptions {
  /** Lattice period, px: sets the neighbour search and the smoothing. */
  period: number;
  /**
   * Rows over which a column's fitted x averages the row offsets (sigma of a
   * Gaussian weight: about the column's sigma over √2; default 0.1 × period).
   */
  columnRows?: number;
  /** Width of each sublattice's running mean that the offsets are kept free of, rows (default 2.5 × period). */
  smoothRows?: number;
}

/** Mirror pairs of each column: flat index lists, `start[k]..start[k+1]` for column k. */
interface Pairs {
  start: Int32Array;
  first: Int32Array;
  second: Int32Array;
}

/**
 * The x offset of each of the `height` rows of an image whose columns are
 * `columns`, px: pixel x of row y shows what a jitter-free scan shows at
 * x + shift[y]. Free of each sublattice's running mean over `smoothRows` rows; zero where
 * no column is near, and everywhere when the columns show no jitter.
 */
export function estimateRowShift(
  columns: JitterColumns,
  height: number,
  options: RowShiftOptions,
): Float64Array {
  const period = options.period;
  const span = options.columnRows ?? COLUMN_ROWS * period;
  const op = new MirrorOperator(columns, mirrorPairs(columns, period), height, span);
  // Offset of each column from the mean of its mirror pairs: its rows' shift minus theirs, negated.
  const offset = op.applyToColumns(Float64Array.from(columns.x));
  const noise = sublatticeNoise(columns, offset, op.has, period);
  const weight = Float64Array.from(
    { length: offset.length },
    (_, k) =>
      op.has[k] && noise[columns.sublattice[k] & 1] > 0 ? 1 / noise[columns.sublattice[k] & 1] : 0,
  );
  const smooth = new SmoothPart(
    [0, 1].map((g) => op.support((k) => (columns.sublattice[k] & 1) === g)),
    options.smoothRows ?? 2.5 * period,
  );
  // Minimise Σ weight (offset + W H s)² + |s|² / jitter, H removing the smooth part.
  const solve = (weight: Float64Array, jitter: number) => {
    const normal = (s: Float64Array, out: Float64Array) => {
      const e = op.apply(smooth.highPass(s));
      for (let k = 0; k < e.length; k++) e[k] *= weight[k];
      out.set(smooth.highPassTransposed(op.transpose(e)));
      for (let y = 0; y < height; y++) out[y] += s[y] / jitter;
    };
    const rhs = smooth.highPassTransposed(op.transpose(offset.map((v, k) => -weight[k] * v)));
    return smooth.highPass(conjugateGradient(normal, rhs));
  };
  // How well row shifts explain comparisons they were not fitted to.
  const misfit = (shift: Float64Array | undefined, weight: Float64Array) => {
    const e = shift ? op.apply(shift) : new Float64Array(offset.length);
    return offset.reduce((sum, v, k) => sum + weight[k] * (v + e[k]) ** 2, 0);
  };
  // The jitter's variance: the prior under which the shifts fitted to the left half of
  // the image best explain the right half's comparisons, and the other way round. A
  // row's jitter is the same across the image, static disorder, fit noise and local
  // structure are not; when no prior beats no shift at all, there is no jitter to see.
  const xs = Array.from(columns.x).filter((_, k) => op.has[k]).sort((p, q) => p - q);
  const middle = xs[xs.length >> 1] ?? 0;
  const left = weight.map((w, k) => columns.x[k] < middle ? w : 0);
  const right = weight.map((w, k) => columns.x[k] < middle ? 0 : w);
  const none = misfit(undefined, right) + misfit(undefined, left);
  // No more jitter than the comparisons' whole variance could hold (a column sees the
  // mean of its rows' shifts: variance 1 / (2√π span) of a row's).
  const most = Math.min(...noise.filter((v) => v > 0)) * 2 * Math.sqrt(Math.PI) * span;
  const grid = JITTER_GRID.filter((sd) => sd * sd <= most);
  const scores = grid.map((sd) =>
    misfit(solve(left, sd * sd), right) + misfit(solve(right, sd * sd), left)
  );
  const at = scores.indexOf(Math.min(...scores));
  let jitter = 0;
  if (scores[at] < none) {
    // The grid doubles: refine the best by a parabola in log sd through its neighbours.
    const [a, b, c] = [scores[at - 1], scores[at], scores[at + 1]];
    const step = a !== undefined && c !== undefined && a + c - 2 * b > 0
      ? Math.max(-0.5, Math.min(0.5, 0.5 * (a - c) / (a + c - 2 * b)))
      : 0;
    jitter = Math.min(most, (grid[at] * 2 ** step) ** 2);
  }
  const shift = new Float64Array(height);
  if (jitter === 0) return shift;
  const solution = solve(weight, jitter);
  const support = op.support();
  for (let y = 0; y < height; y++) if (support[y] > 1e-3) shift[y] = solution[y];
  return shift;
}

/**
 * The comparisons as a linear map: row shifts s → for each column with
 * mirror pairs, (its mean shift over its rows) − (its pairs' mean of theirs).
 */
class MirrorOperator {
  /** 1 where the column has mirror pairs (a comparison). */
  readonly has: Uint8Array;
  readonly #pairs: Pairs;
  readonly #first: Int32Array;
  readonly #weights: Float64Array[];
  readonly #height: number;

  constructor(columns: JitterColumns, pairs: Pairs, height: number, span: number) {
    const n = columns.x.length;
    this.#pairs = pairs;
    this.#height = height;
    this.#first = new Int32Array(n);
    this.#weights = [];
    this.has = new Uint8Array(n);
    const reach = Math.ceil(3 * span);
    for (let k = 0; k < n; k++) {
      const { first, weights } = rowWeights(columns.y[k], span, reach, height);
      this.#first[k] = first;
      this.#weights.push(weights);
      this.has[k] = pairs.start[k + 1] > pairs.start[k] && weights.length > 0 ? 1 : 0;
    }
  }

  /** The comparisons of per-column values `c` (0 where a column has none). */
  applyToColumns(c: Float64Array): Float64Array {
    const { start, first, second } = this.#pairs;
    const out = new Float64Array(c.length);
    for (let k = 0; k < c.length; k++) {
      if (!this.has[k]) continue;
      let sum = 0;
      for (let p = start[k]; p < start[k + 1]; p++) sum += c[first[p]] + c[second[p]];
      out[k] = c[k] - sum / (2 * (start[k + 1] - start[k]));
    }
    return out;
  }

  /** The comparisons of row shifts `s`, through each column's mean over its rows. */
  apply(s: Float64Array): Float64Array {
    const c = new Float64Array(this.#weights.length);
    for (let k = 0; k < c.length; k++) {
      const w = this.#weights[k], y0 = this.#first[k];
      let v = 0;
      for (let i = 0; i < w.length; i++) v += w[i] * s[y0 + i];
      c[k] = v;
    }
    return this.applyToColumns(c);
  }

  /** The transpose of {@linkcode apply} on row shifts: per-column `e` → rows. */
  transpose(e: Float64Array): Float64Array {
    const { start, first, second } = this.#pairs;
    const c = new Float64Array(e.length);
    for (let k = 0; k < e.length; k++) {
      if (!this.has[k]) continue;
      c[k] += e[k];
      const q = e[k] / (2 * (start[k + 1] - start[k]));
      for (let p = start[k]; p < start[k + 1]; p++) {
        c[first[p]] -= q;
        c[second[p]] -= q;
      }
    }
    const out = new Float64Array(this.#height);
    for (let k = 0; k < c.length; k++) if (c[k] !== 0) this.#add(k, out, c[k]);
    return out;
  }

  /** Sum of each row's weight over the columns: where the shifts are seen at all. */
  support(only?: (k: number) => boolean): Float64Array {
    const out = new Float64Array(this.#height);
    for (let k = 0; k < this.#weights.length; k++) {
      if (this.has[k] && (!only || only(k))) this.#add(k, out, 1);
    }
    return out;
  }

  #add(k: number, rows: Float64Array, scale: number): void {
    const w = this.#weights[k], y0 = this.#first[k];
    for (let i = 0; i < w.length; i++) rows[y0 + i] += scale * w[i];
  }
}

/**
 * Each sublattice's comparison variance (0 or 1 → index), the comparisons
 * first freed of their running mean over ±1.25 periods of rows (what smooth
 * distortion's curvature leaves in them): the weight of its comparisons.
 */
function sublatticeNoise(
  columns: JitterColumns,
  offset: Float64Array,
  has: Uint8Array,
  period: number,
): [number, number] {
  const order = Array.from({ length: offset.length }, (_, k) => k)
    .filter((k) => has[k])
    .sort((a, b) => columns.y[a] - columns.y[b]);
  const group = (k: number) => columns.sublattice[k] & 1;
  const sum = [0, 0], count = [0, 0], variance: [number, number] = [0, 0], n = [0, 0];
  for (let u = 0, lo = 0, hi = 0; u < order.length; u++) {
    const k = order[u];
    for (; hi < order.length && columns.y[order[hi]] <= columns.y[k] + 1.25 * period; hi++) {
      sum[group(order[hi])] += offset[order[hi]];
      count[group(order[hi])]++;
    }
    for (; columns.y[order[lo]] < columns.y[k] - 1.25 * period; lo++) {
      sum[group(order[lo])] -= offset[order[lo]];
      count[group(order[lo])]--;
    }
    variance[group(k)] += (offset[k] - sum[group(k)] / count[group(k)]) ** 2;
    n[group(k)]++;
  }
  for (const g of [0, 1]) variance[g] = n[g] > 0 ? variance[g] / n[g] : 0;
  return variance;
}

/**
 * What the row shifts must be free of: for each sublattice, the running mean
 * (over `width` rows) of the shifts on the rows its columns sit on. A shift
 * of one sublattice's rows that varies slowly from one atom row to the next
 * moves that sublattice as a whole, smoothly: a distortion of the lattice,
 * which the comparisons cannot see (they cancel it) and the positions keep.
 * Without it, a lattice whose atom rows lie along image rows (no rotation)
 * would let the solution drift there unchecked.
 */
class SmoothPart {
  readonly #half: number;
  /** Per sublattice: its share of each row's support, and the running sum of its support. */
  readonly #share: Float64Array[];
  readonly #support: Float64Array[];
  readonly #norm: Float64Array[];

  constructor(support: Float64Array[], width: number) {
    this.#half = Math.max(1, Math.round(width / 2));
    const h = support[0].length;
    const total = new Float64Array(h);
    for (const u of support) for (let y = 0; y < h; y++) total[y] += u[y];
    this.#support = support;
    this.#share = support.map((u) => u.map((v, y) => total[y] > 0 ? v / total[y] : 0));
    this.#norm = support.map((u) => this.#box(u));
  }

  /** `rows` minus, on each row, each sublattice's share of its support-weighted running mean. */
  highPass(rows: Float64Array): Float64Array {
    const out = rows.slice();
    this.#support.forEach((u, g) => {
      const mean = this.#box(rows.map((v, y) => v * u[y]));
      const share = this.#share[g], norm = this.#norm[g];
      for (let y = 0; y < out.length; y++) {
        if (norm[y] > 0) out[y] -= share[y] * mean[y] / norm[y];
      }
    });
    return out;
  }

  /** The transpose of {@linkcode highPass}. */
  highPassTransposed(rows: Float64Array): Float64Array {
    const out = rows.slice();
    this.#support.forEach((u, g) => {
      const share = this.#share[g], norm = this.#norm[g];
      const spread = this.#box(rows.map((v, y) => norm[y] > 0 ? share[y] * v / norm[y] : 0));
      for (let y = 0; y < out.length; y++) out[y] -= u[y] * spread[y];
    });
    return out;
  }

  /** Sum over the window of rows around each row (a symmetric operator). */
  #box(rows: Float64Array): Float64Array {
    const h = rows.length, half = this.#half;
    const prefix = new Float64Array(h + 1);
    for (let y = 0; y < h; y++) prefix[y + 1] = prefix[y] + rows[y];
    return Float64Array.from(
      { length: h },
      (_, y) => prefix[Math.min(h - 1, y + half) + 1] - prefix[Math.max(0, y - half)],
    );
  }
}

/** Solve `apply(x) = rhs` for a symmetric positive definite `apply` by conjugate gradients from 0. */
function conjugateGradient(
  apply: (x: Float64Array, out: Float64Array) => void,
  rhs: Float64Array,
): Float64Array {
  const x = new Float64Array(rhs.length);
  const r = rhs.slice(), p = rhs.slice(), ap = new Float64Array(rhs.length);
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);
  let rr = dot(r, r);
  const stop = CG_TOLERANCE * CG_TOLERANCE * rr;
  for (let it = 0; it < CG_ITERATIONS && rr > stop; it++) {
    apply(p, ap);
    const alpha = rr / dot(p, ap);
    for (let i = 0; i < x.length; i++) {
      x[i] += alpha * p[i];
      r[i] -= alpha * ap[i];
    }
    const next = dot(r, r);
    for (let i = 0; i < p.length; i++) p[i] = r[i] + (next / rr) * p[i];
    rr = next;
  }
  return x;
}

/**
 * For each column, the pairs of same-sublattice columns mirrored through it
 * (each within a fifth of a period of the other's reflection) that lie at
 * least half a period above and below it, within 2.3 periods.
 */
function mirrorPairs(columns: JitterColumns, period: number): Pairs {
  const n = columns.x.length;
  const index = new KDBush(Math.max(n, 1));
  for (let k = 0; k < n; k++) index.add(columns.x[k], columns.y[k]);
  index.finish();
  const start = new Int32Array(n + 1);
  const first: number[] = [];
  const second: number[] = [];
  const reach = 2.3 * period;
  const tolerance = 0.2 * period;
  for (let k = 0; k < n; k++) {
    start[k] = first.length;
    if (!columns.fitOk[k]) continue;
    const xk = columns.x[k], yk = columns.y[k];
    for (const i of index.within(xk, yk, reach)) {
      // Each pair once: its member above (smaller y).
      if (!(columns.y[i] <= yk - 0.5 * period) || !usable(columns, i, k)) continue;
      const mx = 2 * xk - columns.x[i], my = 2 * yk - columns.y[i];
      let best = -1, bestD = tolerance;
      for (const j of index.within(mx, my, tolerance)) {
        const d = Math.hypot(columns.x[j] - mx, columns.y[j] - my);
        if (d <= bestD && usable(columns, j, k)) {
          best = j;
          bestD = d;
        }
      }
      if (best < 0) continue;
      first.push(i);
      second.push(best);
    }
  }
  start[n] = first.length;
  return { start, first: Int32Array.from(first), second: Int32Array.from(second) };
}

function usable(columns: JitterColumns, i: number, k: number): boolean {
  return columns.fitOk[i] === 1 && columns.sublattice[i] === columns.sublattice[k];
}
