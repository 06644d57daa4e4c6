/**
 * Non-negative matrix factorisation X ≈ W·H of a stack of flattened
 * sub-images (X: n images x d pixels, all ≥ 0): H holds r non-negative
 * component images, W the weight of each component in each image. Fitted by
 * hierarchical alternating least squares (HALS, Cichocki & Phan 2009,
 * doi:10.1587/transfun.E92.A.708; the
 * coordinate-descent solver of scikit-learn), from a seeded random start
 * scaled as scikit-learn's `init="random"`. The two products of an iteration
 * (X·Hᵀ and Wᵀ·X) run in the SIMD kernels.
 *
 * @module
 */

import { gramOfRows } from "../linalg/dense.ts";
import { Workspace } from "../linalg/workspace.ts";
import { Random } from "../random.ts";
import { checkMatrix, type Matrix } from "./matrix.ts";

/** Options of {@linkcode nmf}. */
export interface NmfOptions {
  /** Iterations at most (default 200). */
  maxIterations?: number;
  /** Stop when the squared error falls by less than this fraction of the first one (default 1e-4). */
  tolerance?: number;
  /** Seed (default 0). */
  seed?: number;
  /** Workspace for the products (e.g. a threaded one); a single-threaded one by default. */
  workspace?: Workspace;
}

/** A fitted factorisation; H rows are scaled to a maximum of 1 (W absorbs the scale). */
export interface NmfResult {
  /** Weights, `rows x r`. */
  weights: Float64Array;
  /** Component images, `r x cols`. */
  components: Float64Array;
  /** Number of components r. */
  count: number;
  /** Component of largest weight in each row. */
  labels: Int32Array;
  /** ‖X − WH‖_F / ‖X‖_F. */
  relativeError: number;
  /** Iterations run. */
  iterations: number;
}

const FLOOR = 1e-12;

/**
 * Factorise the non-negative rows of `x` into `r` components (HALS updates).
 *
 * @example An exactly rank-2 non-negative matrix is reproduced almost exactly.
 * ```ts
 * import { nmf } from "./mod.ts";
 * const rows = 40, cols = 6;
 * const data = new Float32Array(rows * cols);
 * for (let i = 0; i < rows; i++) {
 *   for (let j = 0; j < cols; j++) data[i * cols + j] = (i % 5) * (j + 1) + (i % 3) * (cols - j);
 * }
 * const result = nmf({ data, rows, cols }, 2, { seed: 0 });
 * if (result.relativeError > 0.01) throw new Error(`error ${result.relativeError}`);
 * ```
 */
export function nmf(x: Matrix, r: number, options: NmfOptions = {}): NmfResult {
  checkMatrix(x, "nmf");
  const { rows: n, cols: d, data } = x;
  if (!Number.isInteger(r) || r < 1 || r > Math.min(n, d)) {
    throw new RangeError(`nmf: ${r} components must be a whole number from 1 to ${Math.min(n, d)}`);
  }
  let mean = 0;
  let normSq = 0;
  for (let t = 0; t < data.length; t++) {
    if (data[t] < 0) {
      throw new RangeError("nmf: the data has negative values; NMF needs data ≥ 0");
    }
    mean += data[t];
    normSq += data[t] * data[t];
  }
  mean /= data.length;
  const random = new Random(options.seed ?? 0);
  const scale = Math.sqrt(mean / r);
  // Column-major W (r columns of length n) makes HALS's column updates contiguous.
  const wCols = Float64Array.from({ length: r * n }, () => scale * Math.abs(random.normal()));
  const h = Float64Array.from({ length: r * d }, () => scale * Math.abs(random.normal()));
  const maxIterations = Math.max(1, Math.floor(options.maxIterations ?? 200));
  const tolerance = options.tolerance ?? 1e-4;
  const ws = options.workspace ?? Workspace.single();
  const mark = ws.mark();
  let iterations = 0;
  let error = normSq;
  try {
    const xm = ws.upload(data, n, d);
    const hm = ws.matrix(r, d, xm.stride);
    const wm = ws.matrix(n, r);
    const xht = ws.matrix(n, hm.rowsPadded);
    const wtx = ws.matrix(r, d, xm.stride);
    let first = NaN;
    let previous = Infinity;
    for (let it = 1; it <= maxIterations; it++) {
      // W update: W[:, j] += (XHᵀ[:, j] − W·HHᵀ[:, j]) / HHᵀ[j, j].
      ws.write(hm, h);
      ws.productNTInto(xm, hm, xht);
      const hht = gramOfRows(h, r, d);
      const xv = ws.view(xht);
      for (let j = 0; j < r; j++) {
        const diag = hht[j * r + j] || FLOOR;
        const col = wCols.subarray(j * n, (j + 1) * n);
        for (let i = 0; i < n; i++) {
          let s = xv[i * xht.stride + j];
          for (let l = 0; l < r; l++) s -= wCols[l * n + i] * hht[l * r + j];
          col[i] = Math.max(FLOOR, col[i] + s / diag);
        }
      }
      // H update: H[j, :] += (WᵀX[j, :] − WᵀW[j, :]·H) / WᵀW[j, j].
      const wv = ws.view(wm);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < r; j++) wv[i * wm.stride + j] = wCols[j * n + i];
      }
      ws.productTNInto(wm, xm, wtx);
      const wtw = gramOfRows(wCols, r, n);
      const tv = ws.view(wtx);
      for (let j = 0; j < r; j++) {
        const diag = wtw[j * r + j] || FLOOR;
        const row = h.subarray(j * d, (j + 1) * d);
        for (let c = 0; c < d; c++) {
          let s = tv[j * wtx.stride + c];
          for (let l = 0; l < r; l++) s -= wtw[j * r + l] * h[l * d + c];
          row[c] = Math.max(FLOOR, row[c] + s / diag);
        }
      }
      // ‖X − WH‖² = ‖X‖² − 2 Σ_j (WᵀX)_j·H_j + Σ_jl (WᵀW)_jl (HHᵀ)_jl.
      const hhtNew = gramOfRows(h, r, d);
      let cross = 0;
      let quad = 0;
      for (let j = 0; j < r; j++) {
        for (let c = 0; c < d; c++) cross += tv[j * wtx.stride + c] * h[j * d + c];
        for (let l = 0; l < r; l++) quad += wtw[j * r + l] * hhtNew[j * r + l];
      }
      error = Math.max(0, normSq - 2 * cross + quad);
      iterations = it;
      if (it === 1) first = error;
      if (previous - error < tolerance * first) break;
      previous = error;
    }
  } finally {
    ws.release(mark);
  }
  return finish(wCols, h, n, d, r, iterations, Math.sqrt(error / (normSq || 1)));
}

function finish(
  wCols: Float64Array,
  h: Float64Array,
  n: number,
  d: number,
  r: number,
  iterations: number,
  relativeError: number,
): NmfResult {
  const weights = new Float64Array(n * r);
  for (let j = 0; j < r; j++) {
    let peak = 0;
    for (let c = 0; c < d; c++) peak = Math.max(peak, h[j * d + c]);
    peak ||= 1;
    for (let c = 0; c < d; c++) h[j * d + c] /= peak;
    for (let i = 0; i < n; i++) weights[i * r + j] = wCols[j * n + i] * peak;
  }
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < r; j++) if (weights[i * r + j] > weights[i * r + best]) best = j;
    labels[i] = best;
  }
  return { weights, components: h, count: r, labels, relativeError, iterations };
}
