/**
 * Fast-scan row jitter: every image row of a STEM scan may start a little
 * early or late (flyback noise), which shifts the whole row along x by a
 * random offset. A column spans a few rows, so it moves by the mean offset
 * of its rows — the same for every column of an atom row, independently
 * from one atom row to the next.
 *
 * A shift shared by all rows a column spans cannot be told from moving the
 * column in that column's own pixels; it shows only against the lattice. So
 * the offsets are read off the column positions: each column is compared
 * with the mean of pairs of same-sublattice neighbours mirrored through it,
 * taken from other atom rows (the mirror pair cancels the lattice and any
 * linear distortion, and a B column's polar displacement, shared within a
 * domain). The comparisons, pooled row by row, are the offsets of a row
 * minus the mean offset of the rows its neighbours sit on; a few Jacobi
 * sweeps undo that mixing. What is smooth over a few lattice periods (drift,
 * scan wobble, a strain field) belongs to the positions, not to the jitter:
 * it is removed by subtracting a running mean over `smoothRows` rows.
 *
 * @module
 */

import { KDBush } from "../deps.ts";

/** Default rows a column spans, as a fraction of the lattice period. */
const COLUMN_ROWS = 0.1;

/**
 * The mean of `shift` over the rows a column at row `y` spans (Gaussian
 * weight of sigma {@linkcode COLUMN_ROWS} × `period`): how far the column
 * moves when its rows are corrected.
 */
export function meanRowShift(shift: Float64Array, y: number, period: number): number {
  const span = COLUMN_ROWS * period;
  const y0 = Math.max(0, Math.ceil(y - 3 * span));
  const y1 = Math.min(shift.length - 1, Math.floor(y + 3 * span));
  let sum = 0, weight = 0;
  for (let r = y0; r <= y1; r++) {
    const w = Math.exp(-0.5 * ((r - y) / span) ** 2);
    sum += w * shift[r];
    weight += w;
  }
  return weight > 0 ? sum / weight : 0;
}

/** Columns as the jitter estimate reads them. */
export interface JitterColumns {
  /** Column x, px. */
  x: ArrayLike<number>;
  /** Column y, px. */
  y: ArrayLike<number>;
  /** Sublattice of each column; neighbours are taken from the same one. */
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
  /** Width of the running mean removed as smooth distortion, rows (default 2.5 × period). */
  smoothRows?: number;
  /** Jacobi sweeps undoing the neighbours' share (default 4). */
  sweeps?: number;
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
 * x + shift[y]. Zero-mean over a running window of `smoothRows` rows; zero
 * where no column is near.
 */
export function estimateRowShift(
  columns: JitterColumns,
  height: number,
  options: RowShiftOptions,
): Float64Array {
  const all = rawRowShift(columns, height, options);
  // A row's offset is the same across the whole row, while the estimate's noise
  // (static disorder, fit noise) is independent between the left and right halves
  // of the image: their covariance is the offsets' variance. Shrink by
  // signal / (signal + noise), so that an image without jitter is left alone.
  const n = columns.x.length;
  const middle = [...Array.from(columns.x)].sort((a, b) => a - b)[n >> 1] ?? 0;
  const half = (left: boolean) =>
    rawRowShift(
      {
        ...columns,
        fitOk: Uint8Array.from(
          { length: n },
          (_, k) => columns.fitOk[k] && (columns.x[k] < middle) === left ? 1 : 0,
        ),
      },
      height,
      options,
    );
  const left = half(true), right = half(false);
  let shared = 0, total = 0;
  for (let y = 0; y < height; y++) {
    if (left[y] === 0 || right[y] === 0 || all[y] === 0) continue;
    shared += left[y] * right[y];
    total += all[y] * all[y];
  }
  const gain = total > 0 ? Math.min(1, Math.max(0, shared / total)) : 0;
  return all.map((v) => gain * v);
}

/** {@linkcode estimateRowShift} before the shrinkage. */
function rawRowShift(
  columns: JitterColumns,
  height: number,
  options: RowShiftOptions,
): Float64Array {
  const period = options.period;
  const span = options.columnRows ?? COLUMN_ROWS * period;
  const pairs = mirrorPairs(columns, period);
  const n = columns.x.length;
  // Column offset against its mirror pairs: (pair mean) − x, so that x + shift moves it there.
  const offset = new Float64Array(n);
  const has = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const s = pairs.start[k], e = pairs.start[k + 1];
    if (e === s) continue;
    let sum = 0;
    for (let p = s; p < e; p++) {
      sum += 0.5 * (columns.x[pairs.first[p]] + columns.x[pairs.second[p]]);
    }
    offset[k] = sum / (e - s) - columns.x[k];
    has[k] = 1;
  }
  const pool = (values: Float64Array) => poolByRow(columns.y, values, has, height, span);
  let shift = pool(offset).shift;
  const support = pool(offset).weight;
  // Each comparison lost the mean shift of the neighbours' rows: add it back, and repeat.
  for (let sweep = 0; sweep < (options.sweeps ?? 4); sweep++) {
    const at = (k: number) => sampleRow(shift, columns.y[k]);
    const total = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      if (!has[k]) continue;
      const s = pairs.start[k], e = pairs.start[k + 1];
      let sum = 0;
      for (let p = s; p < e; p++) sum += 0.5 * (at(pairs.first[p]) + at(pairs.second[p]));
      total[k] = offset[k] + sum / (e - s);
    }
    shift = highPass(pool(total).shift, support, options.smoothRows ?? 2.5 * period);
  }
  return shift;
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

/** Per-row Gaussian-weighted mean (sigma `span` rows) of the columns' values; weight = support. */
function poolByRow(
  ys: ArrayLike<number>,
  values: Float64Array,
  has: Uint8Array,
  height: number,
  span: number,
): { shift: Float64Array; weight: Float64Array } {
  const sum = new Float64Array(height);
  const weight = new Float64Array(height);
  const reach = Math.ceil(3 * span);
  for (let k = 0; k < values.length; k++) {
    if (!has[k]) continue;
    const yk = ys[k];
    const y0 = Math.max(0, Math.ceil(yk - reach));
    const y1 = Math.min(height - 1, Math.floor(yk + reach));
    for (let y = y0; y <= y1; y++) {
      const w = Math.exp(-0.5 * ((y - yk) / span) ** 2);
      sum[y] += w * values[k];
      weight[y] += w;
    }
  }
  const shift = new Float64Array(height);
  for (let y = 0; y < height; y++) if (weight[y] > 1e-3) shift[y] = sum[y] / weight[y];
  return { shift, weight };
}

/** Linear interpolation of a per-row array at fractional row `y`. */
function sampleRow(rows: Float64Array, y: number): number {
  const last = rows.length - 1;
  const c = Math.min(Math.max(y, 0), last);
  const y0 = Math.min(Math.floor(c), Math.max(last - 1, 0));
  const t = c - y0;
  return y0 + 1 <= last ? rows[y0] * (1 - t) + rows[y0 + 1] * t : rows[y0];
}

/**
 * `rows` minus its running mean over `width` rows, the mean weighted by
 * `support` (rows no column reaches count for nothing). Rows without
 * support come out zero.
 */
function highPass(rows: Float64Array, support: Float64Array, width: number): Float64Array {
  const h = rows.length;
  const half = Math.max(1, Math.round(width / 2));
  const cw = new Float64Array(h + 1);
  const cv = new Float64Array(h + 1);
  for (let y = 0; y < h; y++) {
    const w = Math.min(support[y], 1);
    cw[y + 1] = cw[y] + w;
    cv[y + 1] = cv[y] + w * rows[y];
  }
  const out = new Float64Array(h);
  for (let y = 0; y < h; y++) {
    if (support[y] <= 1e-3) continue;
    const a = Math.max(0, y - half), b = Math.min(h, y + half + 1);
    const w = cw[b] - cw[a];
    out[y] = w > 0 ? rows[y] - (cv[b] - cv[a]) / w : 0;
  }
  return out;
}
