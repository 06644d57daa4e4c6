/**
 * Sparse neighbourhood graphs for the manifold embeddings: the symmetrised
 * k-nearest-neighbour graph in compressed-row form, its connected
 * components, and all-pairs shortest paths by Dijkstra with an indexed
 * binary heap.
 *
 * @module
 */

import type { KnnGraph } from "./knn.ts";
import type { Matrix } from "./matrix.ts";
import { squaredDistance } from "./matrix.ts";
import { sharedFloat64, sharedInt32 } from "./pool.ts";

/** An undirected weighted graph in compressed-row form (each edge stored both ways). */
export interface SparseGraph {
  /** Number of vertices. */
  n: number;
  /** `n + 1` offsets: vertex i's edges are `offsets[i] .. offsets[i+1]`. */
  offsets: Int32Array;
  /** Edge targets. */
  targets: Int32Array;
  /** Edge weights (lengths). */
  weights: Float64Array;
}

/**
 * The undirected graph joining each point to its k nearest neighbours
 * (an edge exists when either end lists the other), weighted by distance.
 */
export function symmetricKnnGraph(knn: KnnGraph): SparseGraph {
  const edges: [number, number, number][] = [];
  for (let i = 0; i < knn.n; i++) {
    for (let t = 0; t < knn.k; t++) {
      edges.push([i, knn.indices[i * knn.k + t], knn.distances[i * knn.k + t]]);
    }
  }
  return graphFromEdges(knn.n, edges);
}

/**
 * Build a graph (in shared memory, for worker threads) from undirected edges
 * (i, j, length); repeated edges keep the shortest.
 */
export function graphFromEdges(n: number, edges: readonly [number, number, number][]): SparseGraph {
  const best = new Map<number, number>();
  for (const [i, j, w] of edges) {
    if (i === j) continue;
    const key = i < j ? i * n + j : j * n + i;
    const old = best.get(key);
    if (old === undefined || w < old) best.set(key, w);
  }
  const degree = new Int32Array(n + 1);
  for (const key of best.keys()) {
    degree[Math.floor(key / n)]++;
    degree[key % n]++;
  }
  const offsets = sharedInt32(n + 1);
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i] + degree[i];
  const fill = offsets.slice(0, n);
  const targets = sharedInt32(offsets[n]);
  const weights = sharedFloat64(offsets[n]);
  for (const [key, w] of best) {
    const i = Math.floor(key / n), j = key % n;
    targets[fill[i]] = j;
    weights[fill[i]++] = w;
    targets[fill[j]] = i;
    weights[fill[j]++] = w;
  }
  return { n, offsets, targets, weights };
}

/** Connected-component label (0, 1, ...) of every vertex, numbered in order of first vertex. */
export function connectedComponents(g: SparseGraph): { count: number; labels: Int32Array } {
  const labels = new Int32Array(g.n).fill(-1);
  const stack = new Int32Array(g.n);
  let count = 0;
  for (let s = 0; s < g.n; s++) {
    if (labels[s] >= 0) continue;
    let top = 0;
    stack[top++] = s;
    labels[s] = count;
    while (top > 0) {
      const v = stack[--top];
      for (let e = g.offsets[v]; e < g.offsets[v + 1]; e++) {
        const u = g.targets[e];
        if (labels[u] < 0) {
          labels[u] = count;
          stack[top++] = u;
        }
      }
    }
    count++;
  }
  return { count, labels };
}

/**
 * Join a disconnected graph as scikit-learn's Isomap does: for every pair of
 * components add one edge between their closest points (distance in `x`).
 */
export function connectComponents(g: SparseGraph, x: Matrix): SparseGraph {
  const { count, labels } = connectedComponents(g);
  if (count <= 1) return g;
  const members: number[][] = Array.from({ length: count }, () => []);
  for (let i = 0; i < g.n; i++) members[labels[i]].push(i);
  const edges: [number, number, number][] = [];
  for (let v = 0; v < g.n; v++) {
    for (let e = g.offsets[v]; e < g.offsets[v + 1]; e++) {
      if (g.targets[e] > v) edges.push([v, g.targets[e], g.weights[e]]);
    }
  }
  for (let a = 0; a < count; a++) {
    for (let b = a + 1; b < count; b++) {
      let bestD = Infinity, bestI = -1, bestJ = -1;
      for (const i of members[a]) {
        for (const j of members[b]) {
          const d = squaredDistance(x, i, j);
          if (d < bestD) [bestD, bestI, bestJ] = [d, i, j];
        }
      }
      edges.push([bestI, bestJ, Math.sqrt(bestD)]);
    }
  }
  return graphFromEdges(g.n, edges);
}

/**
 * Shortest-path lengths from `source` to every vertex (Infinity when
 * unreachable), written into `dist`; `heap` is scratch space of the graph's size.
 */
export function dijkstra(
  g: SparseGraph,
  source: number,
  dist: Float64Array,
  heap: IndexedHeap,
): void {
  dist.fill(Infinity);
  dist[source] = 0;
  heap.clear();
  heap.push(source, 0);
  const { offsets, targets, weights } = g;
  while (heap.size > 0) {
    const v = heap.pop();
    const dv = dist[v];
    for (let e = offsets[v]; e < offsets[v + 1]; e++) {
      const u = targets[e];
      const du = dv + weights[e];
      if (du < dist[u]) {
        dist[u] = du;
        heap.push(u, du);
      }
    }
  }
}

/** Input and output of {@link squaredGeodesicRows}. */
export interface GeodesicRows {
  /** The graph, in shared memory. */
  graph: SparseGraph;
  /** Output: `n x n` squared shortest-path lengths, row-major, in shared memory. */
  out: Float32Array;
}

/** Rows [from, to) of the squared shortest-path matrix: Dijkstra from each source. */
export function squaredGeodesicRows(args: GeodesicRows, from: number, to: number): void {
  const { graph, out } = args;
  const n = graph.n;
  const dist = new Float64Array(n);
  const heap = new IndexedHeap(n);
  for (let s = from; s < to; s++) {
    dijkstra(graph, s, dist, heap);
    const row = out.subarray(s * n, (s + 1) * n);
    for (let j = 0; j < n; j++) row[j] = dist[j] * dist[j];
  }
}

/**
 * A binary min-heap of vertex ids keyed by distance, with decrease-key: each
 * vertex is in the heap at most once.
 */
export class IndexedHeap {
  #ids: Int32Array;
  #keys: Float64Array;
  #where: Int32Array; // position of a vertex in the heap, -1 when absent
  #size = 0;

  /** A heap for vertex ids in [0, capacity). */
  constructor(capacity: number) {
    this.#ids = new Int32Array(capacity);
    this.#keys = new Float64Array(capacity);
    this.#where = new Int32Array(capacity).fill(-1);
  }

  /** Number of vertices in the heap. */
  get size(): number {
    return this.#size;
  }

  /** Empty the heap. */
  clear(): void {
    for (let p = 0; p < this.#size; p++) this.#where[this.#ids[p]] = -1;
    this.#size = 0;
  }

  /** Insert `id` with `key`, or lower its key if it is already in (never raises it). */
  push(id: number, key: number): void {
    let p = this.#where[id];
    if (p < 0) p = this.#size++;
    else if (key >= this.#keys[p]) return;
    const ids = this.#ids, keys = this.#keys, where = this.#where;
    while (p > 0) {
      const parent = (p - 1) >> 1;
      if (keys[parent] <= key) break;
      ids[p] = ids[parent];
      keys[p] = keys[parent];
      where[ids[p]] = p;
      p = parent;
    }
    ids[p] = id;
    keys[p] = key;
    where[id] = p;
  }

  /** Remove and return the id with the smallest key (the heap must not be empty). */
  pop(): number {
    const ids = this.#ids, keys = this.#keys, where = this.#where;
    const top = ids[0];
    where[top] = -1;
    const n = --this.#size;
    if (n === 0) return top;
    const id = ids[n], key = keys[n];
    let p = 0;
    for (;;) {
      let c = 2 * p + 1;
      if (c >= n) break;
      if (c + 1 < n && keys[c + 1] < keys[c]) c++;
      if (keys[c] >= key) break;
      ids[p] = ids[c];
      keys[p] = keys[c];
      where[ids[p]] = p;
      p = c;
    }
    ids[p] = id;
    keys[p] = key;
    where[id] = p;
    return top;
  }
}
