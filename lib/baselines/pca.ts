/**
 * Principal component analysis of a stack of flattened sub-images: the
 * components (loading maps once reshaped to the window), the explained
 * variance (scree) and every image's scores.
 *
 * Two methods: `exact` (eigendecomposition of the smaller Gram matrix, for
 * small problems and tests) and `randomized` (Halko, Martinsson & Tropp
 * 2011, doi:10.1137/090771806: a Gaussian sketch, power iterations with re-orthonormalisation,
 * then an exact SVD of the small projected matrix — as scikit-learn's
 * `svd_solver="randomized"`, with the same default number of iterations).
 * The heavy products run in the SIMD kernels of `lib/linalg/`; centring is
 * applied implicitly, so the data is never copied centred.
 *
 * @module
 */

import { gramOfRows, orthonormalize } from "../linalg/dense.ts";
import { type WasmMatrix, Workspace } from "../linalg/workspace.ts";
import { Random } from "../random.ts";
import { symmetricEigen } from "./eigen.ts";
import { checkMatrix, type Matrix } from "./matrix.ts";

/** Options of {@linkcode pca}. */
export interface PcaOptions {
  /** Number of components (default min(10, rows, cols)). */
  components?: number;
  /** `auto` (default): exact when min(rows, cols) ≤ 128, else randomized. */
  method?: "auto" | "exact" | "randomized";
  /** Power iterations of the randomized method (default 7, or 4 for many components, as scikit-learn). */
  powerIterations?: number;
  /** Extra sketch columns of the randomized method (default 10). */
  oversamples?: number;
  /** Seed of the random sketch (default 0). */
  seed?: number;
  /** Workspace for the products (e.g. a threaded one); a single-threaded one by default. */
  workspace?: Workspace;
}

/** What {@linkcode pca} returns; k is the number of components. */
export interface PcaResult {
  /** Mean image (cols). */
  mean: Float64Array;
  /** Unit-norm components, k rows of `cols` (loading maps). */
  components: Float64Array;
  /** Variance along each component (eigenvalues of the covariance), descending. */
  explainedVariance: Float64Array;
  /** `explainedVariance / totalVariance`. */
  explainedVarianceRatio: Float64Array;
  /** Total variance of the data (trace of the covariance). */
  totalVariance: number;
  /** Singular values of the centred data. */
  singularValues: Float64Array;
  /** Scores, `rows x k` row-major: the projection of each centred row. */
  scores: Float64Array;
  /** Number of components k. */
  count: number;
  /** The method used. */
  method: "exact" | "randomized";
}

/** Column means and the total variance (trace of the covariance) as Σ‖xᵢ‖² − n‖μ‖². */
function meanAndTotalVariance(
  ws: Workspace,
  xm: WasmMatrix,
): { mean: Float64Array; total: number } {
  const rows = xm.rows;
  const squares = ws.rowSquaredNorms(xm).reduce((a, b) => a + b, 0);
  const mean = ws.columnSums(xm).map((s) => s / rows);
  const meanSquares = mean.reduce((a, m) => a + m * m, 0);
  return { mean, total: Math.max(0, squares - rows * meanSquares) / Math.max(1, rows - 1) };
}

/**
 * Principal components of the rows of `x` (observations) over its columns (features).
 *
 * @example Two blobs along the first axis: one component explains almost all variance.
 * ```ts
 * import { gaussianBlobs, pca } from "./mod.ts";
 * const { x } = gaussianBlobs(200, 5, 2, { separation: 20, seed: 1 });
 * const result = pca(x, { components: 2 });
 * if (result.count !== 2) throw new Error("two components were asked for");
 * ```
 */
export function pca(x: Matrix, options: PcaOptions = {}): PcaResult {
  checkMatrix(x, "pca");
  const small = Math.min(x.rows, x.cols);
  const k = Math.min(options.components ?? 10, small);
  if (!(k >= 1) || !Number.isInteger(k)) throw new RangeError(`pca: bad component count ${k}`);
  const method = options.method === "exact" || options.method === "randomized"
    ? options.method
    : small <= 128
    ? "exact"
    : "randomized";
  const ws = options.workspace ?? Workspace.single();
  const mark = ws.mark();
  let mean: Float64Array, totalVariance: number;
  let values: Float64Array, vectors: Float64Array, scores: Float64Array;
  try {
    const xm = ws.upload(x.data, x.rows, x.cols);
    ({ mean, total: totalVariance } = meanAndTotalVariance(ws, xm));
    if (method === "exact") {
      ({ values, vectors } = exactAxes(x, mean, k));
      scores = project(ws, xm, mean, vectors, k);
    } else {
      ({ values, vectors, scores } = randomizedAxes(ws, xm, mean, k, options));
    }
  } finally {
    ws.release(mark);
  }
  const explainedVariance = values.map((v) => Math.max(0, v) / Math.max(1, x.rows - 1));
  // Sign convention: each component's largest-magnitude score is positive.
  for (let t = 0; t < k; t++) {
    let peak = 0;
    for (let i = 0; i < x.rows; i++) {
      if (Math.abs(scores[i * k + t]) > Math.abs(peak)) peak = scores[i * k + t];
    }
    if (peak < 0) {
      for (let i = 0; i < x.rows; i++) scores[i * k + t] = -scores[i * k + t];
      for (let c = 0; c < x.cols; c++) vectors[t * x.cols + c] = -vectors[t * x.cols + c];
    }
  }
  return {
    mean,
    components: vectors,
    explainedVariance,
    explainedVarianceRatio: explainedVariance.map((v) => totalVariance > 0 ? v / totalVariance : 0),
    totalVariance,
    singularValues: values.map((v) => Math.sqrt(Math.max(0, v))),
    scores,
    count: k,
    method,
  };
}

/** Scores of the centred rows of `xm` on `k` axes (rows of `axes`). */
function project(
  ws: Workspace,
  xm: WasmMatrix,
  mean: Float64Array,
  axes: Float64Array,
  k: number,
): Float64Array {
  const { rows, cols } = xm;
  const mark = ws.mark();
  const axesMatrix = ws.upload(axes, k, cols);
  const product = ws.productNT(xm, axesMatrix);
  const pv = ws.view(product);
  const scores = new Float64Array(rows * k);
  for (let t = 0; t < k; t++) {
    let offset = 0;
    for (let c = 0; c < cols; c++) offset += mean[c] * axes[t * cols + c];
    for (let i = 0; i < rows; i++) scores[i * k + t] = pv[i * product.stride + t] - offset;
  }
  ws.release(mark);
  return scores;
}

/** Eigenpairs (squared singular values, right singular vectors) by a dense Gram matrix. */
function exactAxes(
  x: Matrix,
  mean: Float64Array,
  k: number,
): { values: Float64Array; vectors: Float64Array } {
  const { rows, cols, data } = x;
  const centred = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < cols; c++) centred[i * cols + c] = data[i * cols + c] - mean[c];
  }
  const vectors = new Float64Array(k * cols);
  if (cols <= rows) {
    const gram = new Float64Array(cols * cols); // XᵀX
    for (let i = 0; i < rows; i++) {
      const o = i * cols;
      for (let p = 0; p < cols; p++) {
        const v = centred[o + p];
        if (v === 0) continue;
        for (let q = p; q < cols; q++) gram[p * cols + q] += v * centred[o + q];
      }
    }
    for (let p = 0; p < cols; p++) {
      for (let q = 0; q < p; q++) gram[p * cols + q] = gram[q * cols + p];
    }
    const e = symmetricEigen(gram, cols);
    vectors.set(e.vectors.subarray(0, k * cols));
    return { values: e.values.slice(0, k), vectors };
  }
  const e = symmetricEigen(gramOfRows(centred, rows, cols), rows); // XXᵀ
  for (let t = 0; t < k; t++) {
    const s = Math.sqrt(Math.max(e.values[t], 0));
    if (s === 0) continue;
    const out = vectors.subarray(t * cols, (t + 1) * cols);
    for (let i = 0; i < rows; i++) {
      const u = e.vectors[t * rows + i] / s;
      for (let c = 0; c < cols; c++) out[c] += u * centred[i * cols + c];
    }
  }
  return { values: e.values.slice(0, k), vectors };
}

/** Rows of X taken per block of the fused covariance product (a block stays in L2). */
const FUSED_ROWS = 64;

/**
 * Top-k eigenpairs of the covariance (unnormalised) by a randomized range
 * finder. The power iterations are subspace iterations on XcᵀXc: each is
 * one pass over X, in blocks of rows whose Y = X·Sᵀ is used for Xᵀ·Y while
 * the block is still in cache — the Krylov space of scikit-learn's
 * alternating Xᵀ(X·) iterations with half the memory traffic.
 */
function randomizedAxes(
  ws: Workspace,
  xm: WasmMatrix,
  mean: Float64Array,
  k: number,
  options: PcaOptions,
): { values: Float64Array; vectors: Float64Array; scores: Float64Array } {
  const { rows: n, cols: d } = xm;
  const l = Math.min(k + (options.oversamples ?? 10), Math.min(n, d));
  const iterations = options.powerIterations ?? (k < 0.1 * Math.min(n, d) ? 7 : 4);
  const random = new Random(options.seed ?? 0);
  const mark = ws.mark();
  try {
    // Sketch rows S (l x d): Gaussian, then the orthonormal rows of each iterate.
    const sketch = ws.matrix(l, d, xm.stride);
    const rows = new Float64Array(l * d);
    for (let t = 0; t < rows.length; t++) rows[t] = random.normal();
    const y = ws.matrix(n, l);
    const z = ws.matrix(l, d, xm.stride);
    for (let it = 0; it < iterations; it++) {
      orthonormalize(rows, l, d, 1);
      ws.write(sketch, rows);
      // Z = XᵀY block by block; then XcᵀXcSᵀ = Z − μ·colsum(Y)ᵀ (Xcᵀ1 = 0).
      for (let first = 0; first < n; first += FUSED_ROWS) {
        const count = Math.min(FUSED_ROWS, n - first);
        ws.productNTInto(xm, sketch, y, { first, count });
        ws.productTNInto(y, xm, z, { first, count, accumulate: first > 0 });
      }
      const yv = ws.view(y);
      const zv = ws.view(z);
      for (let j = 0; j < l; j++) {
        let colSum = 0;
        for (let i = 0; i < n; i++) colSum += yv[i * y.stride + j];
        for (let c = 0; c < d; c++) rows[j * d + c] = zv[j * z.stride + c] - colSum * mean[c];
      }
    }
    orthonormalize(rows, l, d);
    ws.write(sketch, rows);
    // Q = orth(Xc·Sᵀ) (columns of length n), then B = QᵀXc (l x d), in float64.
    ws.productNTInto(xm, sketch, y);
    const basis = new Float64Array(l * n);
    {
      const yv = ws.view(y);
      for (let j = 0; j < l; j++) {
        let shift = 0;
        for (let c = 0; c < d; c++) shift += mean[c] * rows[j * d + c];
        for (let i = 0; i < n; i++) basis[j * n + i] = yv[i * y.stride + j] - shift;
      }
    }
    orthonormalize(basis, l, n);
    const yv = ws.view(y);
    for (let j = 0; j < l; j++) for (let i = 0; i < n; i++) yv[i * y.stride + j] = basis[j * n + i];
    ws.productTNInto(y, xm, z);
    const zv = ws.view(z);
    const b = new Float64Array(l * d);
    for (let j = 0; j < l; j++) {
      let colSum = 0;
      for (let i = 0; i < n; i++) colSum += basis[j * n + i];
      for (let c = 0; c < d; c++) b[j * d + c] = zv[j * z.stride + c] - colSum * mean[c];
    }
    const { values, vectors } = smallSvd(b, l, d, k);
    // Scores = Xc·Vᵀ ≈ Q·(B·Vᵀ), as scikit-learn's U·S, without another pass over X.
    const bv = new Float64Array(l * k);
    for (let p = 0; p < l; p++) {
      for (let t = 0; t < k; t++) {
        let sum = 0;
        for (let c = 0; c < d; c++) sum += b[p * d + c] * vectors[t * d + c];
        bv[p * k + t] = sum;
      }
    }
    const scores = new Float64Array(n * k);
    for (let p = 0; p < l; p++) {
      const q = basis.subarray(p * n, (p + 1) * n);
      for (let i = 0; i < n; i++) {
        const qi = q[i];
        for (let t = 0; t < k; t++) scores[i * k + t] += qi * bv[p * k + t];
      }
    }
    return { values, vectors, scores };
  } finally {
    ws.release(mark);
  }
}

/** Top-k right singular vectors and squared singular values of the `l x d` matrix `b`. */
function smallSvd(
  b: Float64Array,
  l: number,
  d: number,
  k: number,
): { values: Float64Array; vectors: Float64Array } {
  const e = symmetricEigen(gramOfRows(b, l, d), l);
  const vectors = new Float64Array(k * d);
  for (let t = 0; t < k; t++) {
    const out = vectors.subarray(t * d, (t + 1) * d);
    for (let p = 0; p < l; p++) {
      const u = e.vectors[t * l + p];
      for (let c = 0; c < d; c++) out[c] += u * b[p * d + c];
    }
  }
  // Normalise explicitly (rather than dividing by sqrt(eigenvalue)) so tiny
  // singular values do not amplify rounding.
  orthonormalize(vectors, k, d);
  return { values: e.values.slice(0, k), vectors };
}
