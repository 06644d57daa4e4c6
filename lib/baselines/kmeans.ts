/**
 * k-means (Lloyd 1982, doi:10.1109/TIT.1982.1056489) with greedy k-means++
 * seeding (Arthur & Vassilvitskii 2007, doi:10.5555/1283383.1283494) and several
 * starts, keeping the start of least inertia — scikit-learn's `KMeans`
 * algorithm and defaults (`n_init=10`, `max_iter=300`, `tol=1e-4` relative
 * to the mean feature variance, 2 + ⌊ln k⌋ seeding trials), seeded.
 *
 * All starts run in lockstep: each seeding step and each Lloyd iteration
 * makes one pass over the data for every start still running (one SIMD
 * product against all their centres, one scatter-add of their cluster sums),
 * which matters because a pass over a 5,000 x 2,304 stack is bound by
 * memory bandwidth, not arithmetic.
 *
 * @module
 */

import { type WasmMatrix, Workspace } from "../linalg/workspace.ts";
import { Random } from "../random.ts";
import { checkMatrix, type Matrix } from "./matrix.ts";

/** Options of {@linkcode kmeans}. */
export interface KMeansOptions {
  /** Independent starts; the best (least inertia) is kept (default 10). */
  starts?: number;
  /** Lloyd iterations per start at most (default 300). */
  maxIterations?: number;
  /** Stop when the centres move less than this times the mean feature variance (default 1e-4). */
  tolerance?: number;
  /** Seed (default 0). */
  seed?: number;
  /** Workspace for the products (e.g. a threaded one); a single-threaded one by default. */
  workspace?: Workspace;
}

/** What {@linkcode kmeans} returns. */
export interface KMeansResult {
  /** Cluster of each row, 0..k-1. */
  labels: Int32Array;
  /** Centres, k rows of `cols`. */
  centres: Float64Array;
  /** Rows per cluster. */
  sizes: Int32Array;
  /** Sum of squared distances of rows to their centres. */
  inertia: number;
  /** Lloyd iterations of the kept start. */
  iterations: number;
  /** Inertia of every start, in start order. */
  inertias: Float64Array;
}

interface Start {
  random: Random;
  centres: Float64Array; // k x d
  closest: Float64Array; // seeding: squared distance to the nearest chosen centre
  chosen: number[];
  labels: Int32Array;
  distances: Float64Array; // squared distance to the assigned centre
  iterations: number;
  state: "running" | "finishing" | "done";
  inertia: number;
}

/**
 * Cluster the rows of `x` into `k` groups (k-means++ starts, Lloyd iterations).
 *
 * @example Three well separated blobs come back as three clusters.
 * ```ts
 * import { adjustedRandIndex } from "../score.ts";
 * import { gaussianBlobs, kmeans } from "./mod.ts";
 * const { x, labels } = gaussianBlobs(300, 4, 3, { separation: 10, seed: 2 });
 * const result = kmeans(x, 3, { seed: 0 });
 * if (adjustedRandIndex(result.labels, labels) < 0.99) throw new Error("blobs not recovered");
 * ```
 */
export function kmeans(x: Matrix, k: number, options: KMeansOptions = {}): KMeansResult {
  checkMatrix(x, "kmeans");
  const { rows: n, cols: d } = x;
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new RangeError(`kmeans: k = ${k} must be a whole number from 1 to ${n}`);
  }
  const startCount = Math.max(1, Math.floor(options.starts ?? 10));
  const maxIterations = Math.max(1, Math.floor(options.maxIterations ?? 300));

  const random = new Random(options.seed ?? 0);
  const starts: Start[] = Array.from({ length: startCount }, () => ({
    random: new Random(random.nextUint32()),
    centres: new Float64Array(k * d),
    closest: new Float64Array(n),
    chosen: [],
    labels: new Int32Array(n).fill(-1),
    distances: new Float64Array(n),
    iterations: 0,
    state: "running",
    inertia: Infinity,
  }));
  const ws = options.workspace ?? Workspace.single();
  const mark = ws.mark();
  try {
    const xm = ws.upload(x.data, n, d);
    const { norms, meanVariance } = rowNormsAndVariance(ws, xm);
    const tolerance = (options.tolerance ?? 1e-4) * meanVariance;
    seedAll(ws, xm, x, norms, starts, k);
    lloydAll(ws, xm, norms, starts, k, maxIterations, tolerance);
  } finally {
    ws.release(mark);
  }
  let best = starts[0];
  for (const s of starts) if (s.inertia < best.inertia) best = s;
  const sizes = new Int32Array(k);
  for (let i = 0; i < n; i++) sizes[best.labels[i]]++;
  return {
    labels: best.labels,
    centres: best.centres,
    sizes,
    inertia: best.inertia,
    iterations: best.iterations,
    inertias: Float64Array.from(starts, (s) => s.inertia),
  };
}

/** Squared norm of each row, and the mean over features of their variance. */
function rowNormsAndVariance(
  ws: Workspace,
  xm: WasmMatrix,
): { norms: Float64Array; meanVariance: number } {
  const norms = ws.rowSquaredNorms(xm);
  const total = norms.reduce((a, b) => a + b, 0);
  const meanSquares = ws.columnSums(xm).reduce((a, s) => a + (s / xm.rows) ** 2, 0);
  return { norms, meanVariance: Math.max(0, total / xm.rows - meanSquares) / xm.cols };
}

/**
 * Squared distances from every row to each row of `points` (a `p x d`
 * matrix in the workspace, with squared norms `pointNorms`), written into
 * `product` (at least `rows x p`); returns its view, valid until the next
 * allocation in the workspace.
 */
function distancesTo(
  ws: Workspace,
  xm: WasmMatrix,
  norms: Float64Array,
  points: WasmMatrix,
  pointNorms: Float64Array,
  product: WasmMatrix = ws.matrix(xm.rows, points.rows),
): { values: Float32Array; stride: number } {
  ws.productNTInto(xm, points, product);
  const values = ws.view(product);
  const p = points.rows;
  for (let i = 0; i < xm.rows; i++) {
    const o = i * product.stride;
    for (let j = 0; j < p; j++) {
      values[o + j] = Math.max(0, norms[i] - 2 * values[o + j] + pointNorms[j]);
    }
  }
  return { values, stride: product.stride };
}

/** Upload rows `indices` of `x` as a matrix, with their squared norms. */
function gatherRows(
  ws: Workspace,
  x: Matrix,
  norms: Float64Array,
  indices: readonly number[],
  stride: number,
): { points: WasmMatrix; pointNorms: Float64Array } {
  const points = ws.matrix(indices.length, x.cols, stride);
  const v = ws.view(points);
  indices.forEach((row, j) =>
    v.set(x.data.subarray(row * x.cols, (row + 1) * x.cols), j * points.stride)
  );
  return { points, pointNorms: Float64Array.from(indices, (row) => norms[row]) };
}

// Greedy k-means++ (Arthur & Vassilvitskii 2007, with scikit-learn's
// 2 + ⌊ln k⌋ candidates per step, keeping the one that lowers the potential most).
function seedAll(
  ws: Workspace,
  xm: WasmMatrix,
  x: Matrix,
  norms: Float64Array,
  starts: Start[],
  k: number,
): void {
  const n = x.rows;
  const trials = 2 + Math.floor(Math.log(k));
  const mark = ws.mark();
  {
    const first = starts.map((s) => s.random.int(n));
    const { points, pointNorms } = gatherRows(ws, x, norms, first, xm.stride);
    const { values, stride } = distancesTo(ws, xm, norms, points, pointNorms);
    starts.forEach((s, r) => {
      s.chosen.push(first[r]);
      for (let i = 0; i < n; i++) s.closest[i] = values[i * stride + r];
    });
    ws.release(mark);
  }
  const cumulative = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    const candidates: number[] = [];
    for (const s of starts) {
      let sum = 0;
      for (let i = 0; i < n; i++) cumulative[i] = sum += s.closest[i];
      for (let t = 0; t < trials; t++) {
        candidates.push(Math.min(n - 1, searchSorted(cumulative, s.random.uniform() * sum)));
      }
    }
    const { points, pointNorms } = gatherRows(ws, x, norms, candidates, xm.stride);
    const { values, stride } = distancesTo(ws, xm, norms, points, pointNorms);
    starts.forEach((s, r) => {
      let bestTrial = 0;
      let bestPotential = Infinity;
      for (let t = 0; t < trials; t++) {
        const col = r * trials + t;
        let potential = 0;
        for (let i = 0; i < n; i++) potential += Math.min(s.closest[i], values[i * stride + col]);
        if (potential < bestPotential) {
          bestPotential = potential;
          bestTrial = t;
        }
      }
      const col = r * trials + bestTrial;
      for (let i = 0; i < n; i++) s.closest[i] = Math.min(s.closest[i], values[i * stride + col]);
      s.chosen.push(candidates[col]);
    });
    ws.release(mark);
  }
  for (const s of starts) {
    s.chosen.forEach((row, j) => {
      for (let c = 0; c < x.cols; c++) s.centres[j * x.cols + c] = x.data[row * x.cols + c];
    });
  }
}

/** First index whose cumulative value is ≥ `value` (numpy's searchsorted, side "left"). */
function searchSorted(cumulative: Float64Array, value: number): number {
  let lo = 0;
  let hi = cumulative.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function lloydAll(
  ws: Workspace,
  xm: WasmMatrix,
  norms: Float64Array,
  starts: Start[],
  k: number,
  maxIterations: number,
  tolerance: number,
): void {
  const { rows: n, cols: d } = xm;
  for (;;) {
    const active = starts.filter((s) => s.state !== "done");
    if (active.length === 0) return;
    const mark = ws.mark();
    const centres = ws.matrix(active.length * k, d, xm.stride);
    const centreNorms = new Float64Array(active.length * k);
    active.forEach((s, a) => {
      ws.write(centres, s.centres, a * k);
      for (let j = 0; j < k; j++) {
        let sq = 0;
        for (let c = 0; c < d; c++) sq += s.centres[j * d + c] ** 2;
        centreNorms[a * k + j] = sq;
      }
    });
    // Allocate before taking views: growing the memory detaches them.
    const product = ws.matrix(n, centres.rows);
    const rowsOfSums = ws.matrix(n, active.length, active.length);
    const sums = ws.matrix(active.length * k, d, xm.stride);
    const targets = ws.intView(rowsOfSums);
    const { values, stride } = distancesTo(ws, xm, norms, centres, centreNorms, product);
    let changedAny = false;
    active.forEach((s, a) => {
      let inertia = 0;
      let changed = false;
      for (let i = 0; i < n; i++) {
        const o = i * stride + a * k;
        let best = 0;
        for (let j = 1; j < k; j++) if (values[o + j] < values[o + best]) best = j;
        if (s.labels[i] !== best) changed = true;
        s.labels[i] = best;
        s.distances[i] = values[o + best];
        inertia += values[o + best];
        targets[i * active.length + a] = s.state === "running" ? a * k + best : -1;
      }
      s.inertia = inertia;
      if (s.state === "finishing") s.state = "done";
      else if (!changed && s.iterations > 0) s.state = "done"; // strict convergence
      else changedAny = true;
    });
    if (changedAny) {
      ws.scatterAdd(xm, rowsOfSums, active.length, sums);
      const sv = ws.view(sums);
      active.forEach((s, a) => {
        if (s.state !== "running") return;
        const shift = updateCentres(s, sv, sums.stride, a * k, k, d, xm, ws);
        s.iterations++;
        if (shift <= tolerance || s.iterations >= maxIterations) s.state = "finishing";
      });
    }
    ws.release(mark);
  }
}

/** New centres from cluster sums (empty clusters take the farthest rows); returns the total squared shift. */
function updateCentres(
  s: Start,
  sums: Float32Array,
  stride: number,
  firstRow: number,
  k: number,
  d: number,
  xm: WasmMatrix,
  ws: Workspace,
): number {
  const n = xm.rows;
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) counts[s.labels[i]]++;
  const next = new Float64Array(k * d);
  for (let j = 0; j < k; j++) {
    if (counts[j] === 0) continue;
    const o = (firstRow + j) * stride;
    for (let c = 0; c < d; c++) next[j * d + c] = sums[o + c] / counts[j];
  }
  const empty = [...counts.keys()].filter((j) => counts[j] === 0);
  if (empty.length) relocateEmpty(s, next, counts, empty, d, xm, ws);
  let shift = 0;
  for (let t = 0; t < k * d; t++) shift += (next[t] - s.centres[t]) ** 2;
  s.centres.set(next);
  return shift;
}

// As scikit-learn: each empty cluster takes one of the rows farthest from
// their centres, which leaves its old cluster.
function relocateEmpty(
  s: Start,
  next: Float64Array,
  counts: Float64Array,
  empty: number[],
  d: number,
  xm: WasmMatrix,
  ws: Workspace,
): void {
  const order = [...s.distances.keys()].sort((a, b) => s.distances[b] - s.distances[a]);
  const xv = ws.view(xm);
  empty.forEach((j, e) => {
    const row = order[e];
    const from = s.labels[row];
    if (counts[from] > 1) {
      for (let c = 0; c < d; c++) {
        const v = xv[row * xm.stride + c];
        next[from * d + c] = (next[from * d + c] * counts[from] - v) / (counts[from] - 1);
      }
      counts[from]--;
    }
    for (let c = 0; c < d; c++) next[j * d + c] = xv[row * xm.stride + c];
    counts[j] = 1;
    s.labels[row] = j;
  });
}
