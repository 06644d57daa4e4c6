/**
 * Exact k-nearest-neighbour graphs (Euclidean) by a tiled brute-force scan
 * with bounded max-heaps: every pair is measured once and offered to both
 * rows. Tiles of 256 rows keep both operands in cache, four rows at a time
 * share each loaded value, and on a {@link WorkerPool} the tiles are shared
 * out among threads, each with private heaps merged at the end. Exact and
 * deterministic (the same answer scikit-learn's brute-force search gives);
 * O(n² d) — seconds for tens of thousands of 50-D rows.
 *
 * @module
 */

import { checkMatrix, type Matrix } from "./matrix.ts";
import { sharedFloat64, sharedInt32, type WorkerPool } from "./pool.ts";
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

/** What {@link knnTiles} works on: the data, the tile list, and every thread's heaps. */
export interface KnnScan {
  /** The data, row-major, in shared memory. */
  data: Float32Array;
  /** Rows. */
  n: number;
  /** Columns. */
  cols: number;
  /** Neighbours kept. */
  k: number;
  /** Tile pairs: tile t covers row blocks tiles[2t] and tiles[2t+1] (≥ the first). */
  tiles: Int32Array;
  /** Squared distances in the heaps, `n * k` per thread. */
  heapD: Float64Array;
  /** Indices in the heaps, `n * k` per thread. */
  heapI: Int32Array;
  /** Each heap's root (largest kept squared distance), `n` per thread. */
  worst: Float64Array;
}

/**
 * The exact `k` nearest neighbours (Euclidean) of every row of `x`, on the
 * threads of `pool` when given. Ties keep the lower index.
 */
export function knnGraph(x: Matrix, k: number, options: { pool?: WorkerPool } = {}): KnnGraph {
  checkMatrix(x, "knn", 2);
  const n = x.rows;
  if (!Number.isInteger(k) || k < 1 || k >= n) {
    throw new UserError("knn", `k must be a whole number in [1, ${n - 1}], got ${k}`);
  }
  const threads = options.pool?.threads ?? 1;
  const blocks = Math.ceil(n / TILE);
  const tiles = sharedInt32(blocks * (blocks + 1));
  for (let a = 0, t = 0; a < blocks; a++) {
    for (let b = a; b < blocks; b++, t++) [tiles[2 * t], tiles[2 * t + 1]] = [a, b];
  }
  let data = x.data;
  if (threads > 1 && !(data.buffer instanceof SharedArrayBuffer)) {
    data = new Float32Array(new SharedArrayBuffer(4 * data.length));
    data.set(x.data);
  }
  const scan: KnnScan = {
    data,
    n,
    cols: x.cols,
    k,
    tiles,
    heapD: sharedFloat64(threads * n * k).fill(Infinity),
    heapI: sharedInt32(threads * n * k).fill(-1),
    worst: sharedFloat64(threads * n).fill(Infinity),
  };
  const tileCount = tiles.length / 2;
  if (options.pool && threads > 1) options.pool.run("knnTiles", knnTiles, scan, tileCount, 1);
  else knnTiles(scan, 0, tileCount, 0);
  return mergeHeaps(scan, threads);
}

/** Scan the tiles [from, to) of `scan` into the heaps of thread `slot`. */
export function knnTiles(scan: KnnScan, from: number, to: number, slot: number): void {
  const { n, k } = scan;
  const heapD = scan.heapD.subarray(slot * n * k, (slot + 1) * n * k);
  const heapI = scan.heapI.subarray(slot * n * k, (slot + 1) * n * k);
  const worst = scan.worst.subarray(slot * n, (slot + 1) * n);
  for (let t = from; t < to; t++) {
    const i0 = scan.tiles[2 * t] * TILE, j0 = scan.tiles[2 * t + 1] * TILE;
    scanTile(scan, i0, Math.min(n, i0 + TILE), j0, Math.min(n, j0 + TILE), heapD, heapI, worst);
  }
}

function scanTile(
  scan: KnnScan,
  i0: number,
  i1: number,
  j0: number,
  j1: number,
  heapD: Float64Array,
  heapI: Int32Array,
  worst: Float64Array,
): void {
  const { data, cols, k } = scan;
  let i = i0;
  // Four rows at a time against each column row: each loaded value is used four times.
  for (; i + 4 <= i1; i += 4) {
    const a0 = i * cols, a1 = a0 + cols, a2 = a1 + cols, a3 = a2 + cols;
    if (j0 === i0) {
      for (let p = i; p < i + 4; p++) {
        for (let q = p + 1; q < i + 4; q++) offer(scan, p, q, heapD, heapI, worst);
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
    for (let j = j0 === i0 ? i + 1 : j0; j < j1; j++) offer(scan, i, j, heapD, heapI, worst);
  }
}

/** Measure the pair (i, j) and offer it to both rows' heaps. */
function offer(
  scan: KnnScan,
  i: number,
  j: number,
  heapD: Float64Array,
  heapI: Int32Array,
  worst: Float64Array,
): void {
  const { data, cols, k } = scan;
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

/** Each row's k nearest over every thread's heap, sorted by (distance, index). */
function mergeHeaps(scan: KnnScan, threads: number): KnnGraph {
  const { n, k, heapD, heapI } = scan;
  const indices = new Int32Array(n * k);
  const distances = new Float64Array(n * k);
  const m = threads * k;
  const candD = new Float64Array(m), candI = new Int32Array(m);
  const order = Array.from({ length: m }, (_, t) => t);
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < threads; s++) {
      candD.set(heapD.subarray(s * n * k + i * k, s * n * k + (i + 1) * k), s * k);
      candI.set(heapI.subarray(s * n * k + i * k, s * n * k + (i + 1) * k), s * k);
    }
    for (let t = 0; t < m; t++) order[t] = t;
    order.sort((p, q) => candD[p] - candD[q] || candI[p] - candI[q]);
    for (let t = 0; t < k; t++) {
      indices[i * k + t] = candI[order[t]];
      distances[i * k + t] = Math.sqrt(candD[order[t]]);
    }
  }
  return { n, k, indices, distances };
}
