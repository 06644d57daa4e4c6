/**
 * k-nearest-neighbour graphs (Euclidean) by brute force on the SIMD
 * matrix-product kernels of `lib/linalg`: for each block of 512 rows against
 * each block of 512 columns the dot products come from one product, the
 * squared distances from |a|² + |b|² - 2a·b on centred data, and each row
 * keeps a bounded max-heap. The norms ride along as an extra column
 * ([a, 1] · [-2b, |b|²] = |b|² - 2a·b, which ranks a row's candidates as
 * the distance does), so the scan is one load and one comparison per pair. On a {@link WorkerPool} the row blocks are
 * shared out among threads (a row's heap belongs to one thread). The
 * float32 products only preselect k + 8 candidates per row; their distances
 * are then recomputed exactly in float64 and sorted, so the answer is the
 * exact one unless more than 8 points tie with the k-th to float32 rounding.
 * O(n² d): about a second for 20,000 rows of 50 features.
 *
 * @module
 */

import { checkMatrix, type Matrix, wholeNumber } from "./matrix.ts";
import { sharedFloat64, sharedInt32, type WorkerPool } from "./pool.ts";
import { type WasmMatrix, Workspace } from "../linalg/workspace.ts";

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

/** Rows per block: a block-by-block product (1 MiB of float32) stays in cache while scanned. */
const BLOCK = 512;

/** Extra candidates kept per row by the float32 scan, re-ranked exactly afterwards. */
const MARGIN = 8;

/** What {@link knnBlocks} works on: the augmented data and the rows' heaps. */
export interface KnnScan {
  /** Rows [a, 1], a a row minus the column means, row-major, in shared memory. */
  left: Float32Array;
  /** Rows [-2a, |a|²], likewise. */
  right: Float32Array;
  /** Rows. */
  n: number;
  /** Columns of `left` and `right` (the data's plus one). */
  cols: number;
  /** Candidates kept per row. */
  k: number;
  /** |b|² - 2a·b of the candidates in the heaps, `n * k`. */
  heapD: Float64Array;
  /** Indices in the heaps, `n * k`. */
  heapI: Int32Array;
}

/**
 * The `k` nearest neighbours (Euclidean) of every row of `x`, on the threads
 * of `pool` when given; ties in distance keep the lower index first.
 *
 * @example Points on a line: each one's nearest neighbour is next to it.
 * ```ts
 * import { knnGraph } from "./mod.ts";
 * const x = { data: Float32Array.from([0, 1, 3, 6, 10]), rows: 5, cols: 1 };
 * const graph = knnGraph(x, 1);
 * if (graph.indices[4] !== 3) throw new Error("10's nearest is 6");
 * ```
 */
export function knnGraph(x: Matrix, k: number, options: { pool?: WorkerPool } = {}): KnnGraph {
  checkMatrix(x, "knn", 2);
  const { rows: n, cols } = x;
  wholeNumber("knn", "k", k, 1, n - 1);
  const kept = Math.min(n - 1, k + MARGIN);
  const scan: KnnScan = {
    ...augmented(x),
    n,
    cols: cols + 1,
    k: kept,
    heapD: sharedFloat64(n * kept).fill(Infinity),
    heapI: sharedInt32(n * kept).fill(-1),
  };
  const blocks = Math.ceil(n / BLOCK);
  // Every block costs the same, so each thread takes one even share (one upload each).
  const share = Math.ceil(blocks / (options.pool?.threads ?? 1));
  if (options.pool) options.pool.run("knnBlocks", knnBlocks, scan, blocks, share);
  else knnBlocks(scan, 0, blocks);
  return rerank(x, scan, k);
}

/** The centred rows as [a, 1] and [-2a, |a|²] (float32, shared). */
function augmented(x: Matrix): { left: Float32Array; right: Float32Array } {
  const { rows, cols } = x;
  const mean = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < cols; c++) mean[c] += x.data[i * cols + c];
  }
  for (let c = 0; c < cols; c++) mean[c] /= rows;
  const width = cols + 1;
  const left = new Float32Array(new SharedArrayBuffer(4 * rows * width));
  const right = new Float32Array(new SharedArrayBuffer(4 * rows * width));
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let c = 0; c < cols; c++) {
      const v = left[i * width + c] = x.data[i * cols + c] - mean[c];
      right[i * width + c] = -2 * v;
      s += v * v;
    }
    left[i * width + cols] = 1;
    right[i * width + cols] = s;
  }
  return { left, right };
}

/** Scan the row blocks [from, to) of `scan` against every block, into their rows' heaps. */
export function knnBlocks(scan: KnnScan, from: number, to: number): void {
  const { n, cols } = scan;
  const ws = Workspace.single();
  const first = from * BLOCK, last = Math.min(n, to * BLOCK);
  const left = ws.upload(scan.left.subarray(first * cols, last * cols), last - first, cols);
  const right = ws.upload(scan.right, n, cols);
  const product = ws.matrix(BLOCK, BLOCK);
  for (let b = from; b < to; b++) {
    const i0 = b * BLOCK;
    const a = rowsOf(left, i0 - first, Math.min(BLOCK, n - i0));
    for (let j0 = 0; j0 < n; j0 += BLOCK) {
      const other = rowsOf(right, j0, Math.min(BLOCK, n - j0));
      ws.productNTInto(a, other, product);
      scanProducts(scan, ws.view(product), product.stride, i0, a.rows, j0, other.rows);
    }
  }
  ws.close();
}

/** Rows [first, first + count) of `m` as a matrix of its own (first a multiple of 4). */
function rowsOf(m: WasmMatrix, first: number, count: number): WasmMatrix {
  return {
    ptr: m.ptr + 4 * first * m.stride,
    rows: count,
    cols: m.cols,
    rowsPadded: Math.ceil(count / 4) * 4,
    stride: m.stride,
  };
}

/** Offer the pairs of a block product to the rows' heaps (not a row to itself). */
function scanProducts(
  scan: KnnScan,
  dots: Float32Array,
  stride: number,
  i0: number,
  rowsA: number,
  j0: number,
  rowsB: number,
): void {
  const { k, heapD, heapI } = scan;
  for (let r = 0; r < rowsA; r++) {
    const i = i0 + r, row = r * stride, base = i * k;
    let worst = heapD[base];
    for (let c = 0; c < rowsB; c++) {
      const d = dots[row + c];
      if (d < worst && j0 + c !== i) worst = pushHeap(heapD, heapI, base, k, d, j0 + c);
    }
  }
}

/** Replace the root of the max-heap at `base` by (d, idx); returns the new root. */
function pushHeap(
  heapD: Float64Array,
  heapI: Int32Array,
  base: number,
  k: number,
  d: number,
  idx: number,
): number {
  siftDown(heapD, heapI, base, k, d, idx);
  return heapD[base];
}

/** Put (d, idx) at the root of the `size`-element max-heap at `base` and sift it down. */
function siftDown(
  heapD: Float64Array,
  heapI: Int32Array,
  base: number,
  size: number,
  d: number,
  idx: number,
): void {
  let pos = 0;
  for (;;) {
    let child = 2 * pos + 1;
    if (child >= size) break;
    if (child + 1 < size && heapD[base + child + 1] > heapD[base + child]) child++;
    if (heapD[base + child] <= d) break;
    heapD[base + pos] = heapD[base + child];
    heapI[base + pos] = heapI[base + child];
    pos = child;
  }
  heapD[base + pos] = d;
  heapI[base + pos] = idx;
}

/**
 * Each row's `k` nearest: its `scan.k` float32 candidates, heap-sorted,
 * measured again in float64 from `x`, and put in (distance, index) order by
 * insertion — nearly free, as the float32 order is almost always right.
 */
function rerank(x: Matrix, scan: KnnScan, k: number): KnnGraph {
  const { n, heapD, heapI } = scan;
  const kept = scan.k, cols = x.cols, data = x.data;
  const indices = new Int32Array(n * k);
  const distances = new Float64Array(n * k);
  const exact = new Float64Array(kept);
  const candidates = new Int32Array(kept);
  for (let i = 0; i < n; i++) {
    const base = i * kept;
    for (let end = kept - 1; end > 0; end--) {
      const d = heapD[base + end], j = heapI[base + end];
      heapD[base + end] = heapD[base];
      heapI[base + end] = heapI[base];
      siftDown(heapD, heapI, base, end, d, j);
    }
    for (let t = 0; t < kept; t++) {
      const j = heapI[base + t];
      let s = 0;
      for (let c = 0; c < cols; c++) {
        const v = data[i * cols + c] - data[j * cols + c];
        s += v * v;
      }
      const d = Math.sqrt(s);
      let p = t;
      while (p > 0 && (exact[p - 1] > d || (exact[p - 1] === d && candidates[p - 1] > j))) {
        exact[p] = exact[p - 1];
        candidates[p] = candidates[p - 1];
        p--;
      }
      exact[p] = d;
      candidates[p] = j;
    }
    indices.set(candidates.subarray(0, k), i * k);
    distances.set(exact.subarray(0, k), i * k);
  }
  return { n, k, indices, distances };
}
