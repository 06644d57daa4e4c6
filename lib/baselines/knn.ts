/**
 * Exact k-nearest-neighbour graphs (Euclidean) by a tiled brute-force scan
 * with per-row bounded max-heaps: every pair is measured once and offered to
 * both rows. Exact, deterministic, and O(n² d) — for the tens of thousands of
 * rows the baselines see, fast enough, and the same answer scikit-learn's
 * brute-force search gives.
 *
 * @module
 */

import { checkMatrix, type Matrix } from "./matrix.ts";
import { UserError } from "../errors.ts";

/** The k nearest neighbours of every row, nearest first, excluding the row itself. */
export interface KnnGraph {
  /** Number of rows (points). */
  n: number;
  /** Neighbours per row. */
  k: number;
  /** `n * k` neighbour indices; row i's are `indices[i*k .. i*k+k)`, nearest first. */
  indices: Int32Array;
  /** `n * k` Euclidean distances matching `indices`. */
  distances: Float64Array;
}

/** Rows per tile of the scan: two tiles of 50-D float32 rows stay in L2 cache. */
const TILE = 256;

/**
 * The exact `k` nearest neighbours (Euclidean) of every row of `x`.
 * Ties are broken towards the lower index.
 */
export function knnGraph(x: Matrix, k: number): KnnGraph {
  checkMatrix(x, "knn", 2);
  const n = x.rows;
  if (!Number.isInteger(k) || k < 1 || k >= n) {
    throw new UserError("knn", `k must be a whole number in [1, ${n - 1}], got ${k}`);
  }
  const heapD = new Float64Array(n * k).fill(Infinity);
  const heapI = new Int32Array(n * k).fill(-1);
  const worst = new Float64Array(n).fill(Infinity); // heap root, cached
  for (let i0 = 0; i0 < n; i0 += TILE) {
    const i1 = Math.min(n, i0 + TILE);
    for (let j0 = i0; j0 < n; j0 += TILE) {
      scanTile(x, i0, i1, j0, Math.min(n, j0 + TILE), k, heapD, heapI, worst);
    }
  }
  const indices = new Int32Array(n * k);
  const distances = new Float64Array(n * k);
  for (let i = 0; i < n; i++) sortHeap(heapD, heapI, i * k, k, indices, distances);
  return { n, k, indices, distances };
}

function scanTile(
  x: Matrix,
  i0: number,
  i1: number,
  j0: number,
  j1: number,
  k: number,
  heapD: Float64Array,
  heapI: Int32Array,
  worst: Float64Array,
): void {
  const { data, cols } = x;
  let i = i0;
  // Four rows at a time against each column row: each loaded value is used four times.
  for (; i + 4 <= i1; i += 4) {
    const a0 = i * cols, a1 = a0 + cols, a2 = a1 + cols, a3 = a2 + cols;
    if (j0 === i0) {
      for (let p = i; p < i + 4; p++) {
        for (let q = p + 1; q < i + 4; q++) offer(x, p, q, k, heapD, heapI, worst);
      }
    }
    for (let j = j0 === i0 ? i + 4 : j0; j < j1; j++) {
      const b = j * cols;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let c = 0; c < cols; c++) {
        const y = data[b + c];
        const t0 = data[a0 + c] - y, t1 = data[a1 + c] - y;
        const t2 = data[a2 + c] - y, t3 = data[a3 + c] - y;
        s0 += t0 * t0;
        s1 += t1 * t1;
        s2 += t2 * t2;
        s3 += t3 * t3;
      }
      if (s0 < worst[i]) worst[i] = pushHeap(heapD, heapI, i * k, k, s0, j);
      if (s1 < worst[i + 1]) worst[i + 1] = pushHeap(heapD, heapI, (i + 1) * k, k, s1, j);
      if (s2 < worst[i + 2]) worst[i + 2] = pushHeap(heapD, heapI, (i + 2) * k, k, s2, j);
      if (s3 < worst[i + 3]) worst[i + 3] = pushHeap(heapD, heapI, (i + 3) * k, k, s3, j);
      if (s0 < worst[j]) worst[j] = pushHeap(heapD, heapI, j * k, k, s0, i);
      if (s1 < worst[j]) worst[j] = pushHeap(heapD, heapI, j * k, k, s1, i + 1);
      if (s2 < worst[j]) worst[j] = pushHeap(heapD, heapI, j * k, k, s2, i + 2);
      if (s3 < worst[j]) worst[j] = pushHeap(heapD, heapI, j * k, k, s3, i + 3);
    }
  }
  for (; i < i1; i++) {
    for (let j = j0 === i0 ? i + 1 : j0; j < j1; j++) offer(x, i, j, k, heapD, heapI, worst);
  }
}

/** Measure the pair (i, j) and offer it to both rows' heaps. */
function offer(
  x: Matrix,
  i: number,
  j: number,
  k: number,
  heapD: Float64Array,
  heapI: Int32Array,
  worst: Float64Array,
): void {
  const { data, cols } = x;
  const a = i * cols, b = j * cols;
  let s = 0;
  for (let c = 0; c < cols; c++) {
    const t = data[a + c] - data[b + c];
    s += t * t;
  }
  if (s < worst[i]) worst[i] = pushHeap(heapD, heapI, i * k, k, s, j);
  if (s < worst[j]) worst[j] = pushHeap(heapD, heapI, j * k, k, s, i);
}

/** Replace the root of the max-heap at `base` by (d, idx) and sift down; returns the new root. */
function pushHeap(
  heapD: Float64Array,
  heapI: Int32Array,
  base: number,
  k: number,
  d: number,
  idx: number,
): number {
  let pos = 0;
  for (;;) {
    let child = 2 * pos + 1;
    if (child >= k) break;
    if (child + 1 < k && heapD[base + child + 1] > heapD[base + child]) child++;
    if (heapD[base + child] <= d) break;
    heapD[base + pos] = heapD[base + child];
    heapI[base + pos] = heapI[base + child];
    pos = child;
  }
  heapD[base + pos] = d;
  heapI[base + pos] = idx;
  return heapD[base];
}

/** Write row `base / k`'s heap out sorted by (distance, index), as distances (not squared). */
function sortHeap(
  heapD: Float64Array,
  heapI: Int32Array,
  base: number,
  k: number,
  indices: Int32Array,
  distances: Float64Array,
): void {
  const order = Array.from({ length: k }, (_, t) => t);
  order.sort((p, q) => heapD[base + p] - heapD[base + q] || heapI[base + p] - heapI[base + q]);
  for (let t = 0; t < k; t++) {
    indices[base + t] = heapI[base + order[t]];
    distances[base + t] = Math.sqrt(heapD[base + order[t]]);
  }
}
