/**
 * A compressed 2-D quadtree for Barnes-Hut sums, rebuilt every iteration
 * from the points sorted along a Morton (Z-order) curve. Nodes are stored in
 * depth-first order with, for each, the index just past its subtree, so a
 * traversal needs no stack: descend to `c + 1`, or skip to `skip[c]`. Each
 * node covers a contiguous run of the sorted points; a node whose points all
 * share a quadrant is not stored (its single child takes its place), so there
 * are fewer than 2n nodes.
 *
 * @module
 */

import { sharedFloat64, sharedInt32 } from "./pool.ts";

/** Values per node record in {@link Quadtree.node}: centre of mass x, y, count, squared width. */
export const NODE_STRIDE = 4;

/** Points per leaf at most (unless they coincide to 16 bits per axis). */
const LEAF_SIZE = 16;

/** A quadtree built by {@link buildQuadtree}; see the module notes. */
export interface Quadtree {
  /** Number of nodes in use. */
  size: number;
  /** Number of points. */
  n: number;
  /** Node records: centre of mass x, y, point count, squared cell width. */
  node: Float64Array;
  /** Index just past each node's subtree (its children are c+1 .. skip[c]-1). */
  skip: Int32Array;
  /** For a leaf, its first sorted point; -1 for an inner node. */
  leafStart: Int32Array;
  /** For a leaf, one past its last sorted point. */
  leafEnd: Int32Array;
  /** For each sorted position, the leaf that starts there, or -1. */
  leafAt: Int32Array;
  /** Original index of each sorted point. */
  order: Int32Array;
  /** Coordinates (x, y interleaved) of the sorted points. */
  sorted: Float64Array;
  /** Scratch: Morton codes, sorted alongside `order`. */
  codes: Uint32Array;
  /** Scratch for the radix sort. */
  spareCodes: Uint32Array;
  /** Scratch for the radix sort. */
  spareOrder: Int32Array;
}

/**
 * An empty quadtree for `n` points, in shared memory (for worker threads);
 * reuse it across iterations.
 */
export function allocateQuadtree(n: number): Quadtree {
  const cap = 2 * n + 1;
  return {
    size: 0,
    n,
    node: sharedFloat64(NODE_STRIDE * cap),
    skip: sharedInt32(cap),
    leafStart: sharedInt32(cap),
    leafEnd: sharedInt32(cap),
    leafAt: sharedInt32(n),
    order: sharedInt32(n),
    sorted: sharedFloat64(2 * n),
    codes: new Uint32Array(n),
    spareCodes: new Uint32Array(n),
    spareOrder: new Int32Array(n),
  };
}

/** Rebuild `tree` over the points of `y` (x, y interleaved, `tree.n` of them); returns it. */
export function buildQuadtree(tree: Quadtree, y: Float64Array): Quadtree {
  const n = tree.n;
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    const px = y[2 * i], py = y[2 * i + 1];
    if (px < minX) minX = px;
    if (px > maxX) maxX = px;
    if (py < minY) minY = py;
    if (py > maxY) maxY = py;
  }
  const width = Math.max(maxX - minX, maxY - minY, 1e-12) * (1 + 1e-9);
  const toGrid = 65536 / width;
  const { codes, order, sorted } = tree;
  for (let i = 0; i < n; i++) {
    codes[i] = mortonCode(y[2 * i] - minX, y[2 * i + 1] - minY, toGrid);
    order[i] = i;
  }
  radixSort(tree);
  for (let t = 0; t < n; t++) {
    sorted[2 * t] = y[2 * order[t]];
    sorted[2 * t + 1] = y[2 * order[t] + 1];
  }
  tree.size = 0;
  tree.leafAt.fill(-1);
  buildRange(tree, 0, n, 0, width);
  return tree;
}

/** The Morton code of offsets (dx, dy) ≥ 0 from a box corner, on a 65536² grid. */
function mortonCode(dx: number, dy: number, toGrid: number): number {
  const gx = Math.min(65535, Math.floor(dx * toGrid));
  const gy = Math.min(65535, Math.floor(dy * toGrid));
  return (spreadBits(gx) | (spreadBits(gy) << 1)) >>> 0;
}

/** Spread the low 16 bits of v to the even bits of a 32-bit word. */
function spreadBits(v: number): number {
  v = (v | (v << 8)) & 0x00ff00ff;
  v = (v | (v << 4)) & 0x0f0f0f0f;
  v = (v | (v << 2)) & 0x33333333;
  return (v | (v << 1)) & 0x55555555;
}

/** Sort `codes` (with `order`) ascending: four stable passes of 8 bits. */
function radixSort(tree: Quadtree): void {
  let src = tree.codes, dst = tree.spareCodes;
  let srcOrder = tree.order, dstOrder = tree.spareOrder;
  const count = new Int32Array(256);
  for (let shift = 0; shift < 32; shift += 8) {
    count.fill(0);
    for (let i = 0; i < tree.n; i++) count[(src[i] >>> shift) & 255]++;
    for (let b = 0, sum = 0; b < 256; b++) [count[b], sum] = [sum, sum + count[b]];
    for (let i = 0; i < tree.n; i++) {
      const at = count[(src[i] >>> shift) & 255]++;
      dst[at] = src[i];
      dstOrder[at] = srcOrder[i];
    }
    [src, dst] = [dst, src];
    [srcOrder, dstOrder] = [dstOrder, srcOrder];
  }
  // An even number of passes leaves the result back in the original arrays.
}

/**
 * Append the subtree of sorted points [lo, hi), which share their first
 * `level` quadrant digits, to the node list; `rootWidth` is the width of the
 * grid their codes were taken on.
 */
function buildRange(
  tree: Quadtree,
  lo: number,
  hi: number,
  level: number,
  rootWidth: number,
): void {
  const { codes, node, sorted } = tree;
  const differ = codes[lo] ^ codes[hi - 1];
  if (differ === 0 && hi - lo > LEAF_SIZE) {
    // Many points in one finest cell (a far outlier squeezed the grid):
    // take their codes again on a grid of their own box, unless they coincide.
    const width = recode(tree, lo, hi);
    if (width > 0) return buildRange(tree, lo, hi, 0, width);
  }
  const c = tree.size++;
  const o = NODE_STRIDE * c;
  if (hi - lo <= LEAF_SIZE || differ === 0) {
    let sx = 0, sy = 0;
    for (let t = lo; t < hi; t++) {
      sx += sorted[2 * t];
      sy += sorted[2 * t + 1];
    }
    // Width 0 marks a leaf of coincident points.
    const w = hi - lo > LEAF_SIZE ? 0 : rootWidth / 2 ** (differ === 0 ? 16 : level);
    node[o] = sx / (hi - lo);
    node[o + 1] = sy / (hi - lo);
    node[o + 2] = hi - lo;
    node[o + 3] = w * w;
    tree.leafStart[c] = lo;
    tree.leafAt[lo] = c;
    tree.leafEnd[c] = hi;
    tree.skip[c] = tree.size;
    return;
  }
  // The first quadrant digit (2 bits from the top) where the run's points part.
  const split = Math.clz32(differ) >> 1;
  const shift = 30 - 2 * split;
  let sx = 0, sy = 0;
  for (let start = lo; start < hi;) {
    const digit = (codes[start] >>> shift) & 3;
    let end = start + 1;
    while (end < hi && ((codes[end] >>> shift) & 3) === digit) end++;
    const child = tree.size;
    buildRange(tree, start, end, split + 1, rootWidth);
    sx += node[NODE_STRIDE * child] * (end - start);
    sy += node[NODE_STRIDE * child + 1] * (end - start);
    start = end;
  }
  const w = rootWidth / 2 ** split;
  node[o] = sx / (hi - lo);
  node[o + 1] = sy / (hi - lo);
  node[o + 2] = hi - lo;
  node[o + 3] = w * w;
  tree.leafStart[c] = -1;
  tree.skip[c] = tree.size;
}

/**
 * Give the sorted points [lo, hi) Morton codes on a grid over their own
 * bounding box and sort them by it; returns the box's width (0 when the
 * points coincide, and then nothing changes).
 */
function recode(tree: Quadtree, lo: number, hi: number): number {
  const { codes, order, sorted } = tree;
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let t = lo; t < hi; t++) {
    minX = Math.min(minX, sorted[2 * t]);
    maxX = Math.max(maxX, sorted[2 * t]);
    minY = Math.min(minY, sorted[2 * t + 1]);
    maxY = Math.max(maxY, sorted[2 * t + 1]);
  }
  const width = Math.max(maxX - minX, maxY - minY) * (1 + 1e-9);
  if (!(width > 0)) return 0;
  const m = hi - lo;
  const newCodes = new Uint32Array(m);
  for (let t = 0; t < m; t++) {
    const at = lo + t;
    newCodes[t] = mortonCode(sorted[2 * at] - minX, sorted[2 * at + 1] - minY, 65536 / width);
  }
  const perm = Array.from({ length: m }, (_, t) => t).sort((p, q) =>
    newCodes[p] - newCodes[q] || order[lo + p] - order[lo + q]
  );
  const oldOrder = order.slice(lo, hi), oldSorted = sorted.slice(2 * lo, 2 * hi);
  perm.forEach((from, t) => {
    codes[lo + t] = newCodes[from];
    order[lo + t] = oldOrder[from];
    sorted[2 * (lo + t)] = oldSorted[2 * from];
    sorted[2 * (lo + t) + 1] = oldSorted[2 * from + 1];
  });
  return width;
}
