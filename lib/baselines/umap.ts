/**
 * UMAP (McInnes, Healy & Melville 2018, doi:10.48550/arXiv.1802.03426) into 2-D, following umap-learn's
 * defaults: the fuzzy simplicial set of the exact 15-nearest-neighbour
 * graph (each point's distances shifted by its nearest neighbour's and scaled
 * so they sum to log2 k), made symmetric by fuzzy union, then stochastic
 * gradient descent on the cross-entropy with edges sampled in proportion to
 * their weight and 5 negative samples per positive one, learning rate
 * decaying linearly over 500 epochs (200 above 10,000 points). The curve
 * 1 / (1 + a d^2b) is fitted to `minDist` and `spread` as umap-learn does.
 * Sequential SGD with the seeded generator, so a seed gives one answer.
 *
 * @module
 */

import { type KnnGraph, knnGraph } from "./knn.ts";
import { checkMatrix, type Matrix, wholeNumber } from "./matrix.ts";
import { largestEigenpairs } from "./eigen.ts";
import { connectedComponents, graphFromEdges } from "./_graph.ts";
import { pca } from "./pca.ts";
import { WorkerPool } from "./pool.ts";
import { Random } from "../random.ts";
import { UserError } from "../errors.ts";

/** Options of {@link umap}; defaults are umap-learn's. */
export interface UmapOptions {
  /** Neighbourhood size, the point itself included (default 15). */
  neighbors?: number;
  /** Smallest distance between embedded points (default 0.1). */
  minDist?: number;
  /** Scale of the embedded clusters (default 1). */
  spread?: number;
  /** Optimisation epochs (default 500, or 200 above 10,000 points). */
  epochs?: number;
  /** Negative samples per positive sample (default 5). */
  negativeSampleRate?: number;
  /** Initial learning rate (default 1). */
  learningRate?: number;
  /**
   * Start from the graph's spectral layout (default, as umap-learn; the
   * principal components when the graph falls apart), from the first two
   * principal components, or at random.
   */
  init?: "spectral" | "pca" | "random";
  /** Seed (default 0). */
  seed?: number;
  /** Threads for the neighbour search, the caller's included (default: all cores). */
  threads?: number;
}

/**
 * Embed the rows of `x` in 2-D by UMAP; returns `rows x 2` coordinates,
 * row-major.
 *
 * @example
 * ```ts
 * import { gaussianBlobs, umap } from "./mod.ts";
 * const { x } = gaussianBlobs(150, 8, 3, { seed: 6 });
 * const xy = await umap(x, { seed: 0, threads: 1 });
 * if (xy.length !== 300 || !xy.every(Number.isFinite)) throw new Error("bad embedding");
 * ```
 */
export async function umap(x: Matrix, options: UmapOptions = {}): Promise<Float64Array> {
  checkMatrix(x, "UMAP", 3);
  const n = x.rows;
  const neighbors = options.neighbors ?? 15;
  wholeNumber("UMAP", "neighbors", neighbors, 2, n);
  const epochs = wholeNumber("UMAP", "epochs", options.epochs ?? (n > 10000 ? 200 : 500), 1);
  const minDist = options.minDist ?? 0.1;
  const spread = options.spread ?? 1;
  if (!(spread > 0) || !(minDist >= 0) || minDist > spread) {
    throw new UserError("UMAP", `need 0 <= minDist <= spread, got ${minDist} and ${spread}`);
  }
  const random = new Random(options.seed ?? 0);
  const pool = await WorkerPool.create(options.threads);
  let knn: KnnGraph;
  try {
    knn = knnGraph(x, neighbors - 1, { pool });
  } finally {
    pool.close();
  }
  const graph = fuzzySimplicialSet(knn);
  const y = initialLayout(x, graph, options.init ?? "spectral", random);
  const { a, b } = fitCurve(spread, minDist);
  optimiseLayout(y, graph, {
    a,
    b,
    epochs,
    negativeRate: options.negativeSampleRate ?? 5,
    learningRate: options.learningRate ?? 1,
    random,
  });
  return y;
}

/** A symmetric weighted graph as a list of directed edges (both directions stored). */
export interface EdgeList {
  /** Edge sources. */
  heads: Int32Array;
  /** Edge targets. */
  tails: Int32Array;
  /** Edge weights (membership strengths in (0, 1]). */
  weights: Float64Array;
}

/**
 * UMAP's fuzzy simplicial set of a kNN graph: membership
 * exp(-(d - ρ_i) / σ_i), ρ_i the nearest neighbour's distance and σ_i chosen
 * so each row sums to log2(k + 1), combined as w + wᵀ - w∘wᵀ.
 */
export function fuzzySimplicialSet(knn: KnnGraph): EdgeList {
  const { n, k, indices, distances } = knn;
  const target = Math.log2(k + 1);
  let meanAll = 0;
  for (let e = 0; e < n * k; e++) meanAll += distances[e];
  meanAll /= n * k;
  const strength = new Map<number, number>(); // key i*n+j → w_ij
  for (let i = 0; i < n; i++) {
    const row = distances.subarray(i * k, (i + 1) * k);
    let rho = 0;
    for (let t = 0; t < k; t++) {
      if (row[t] > 0) {
        rho = row[t];
        break;
      }
    }
    let lo = 0, hi = Infinity, sigma = 1;
    for (let step = 0; step < 64; step++) {
      let sum = 0;
      for (let t = 0; t < k; t++) {
        const d = row[t] - rho;
        sum += d > 0 ? Math.exp(-d / sigma) : 1;
      }
      if (Math.abs(sum - target) < 1e-5) break;
      if (sum > target) {
        hi = sigma;
        sigma = (lo + hi) / 2;
      } else {
        lo = sigma;
        sigma = hi === Infinity ? sigma * 2 : (lo + hi) / 2;
      }
    }
    let meanRow = 0;
    for (let t = 0; t < k; t++) meanRow += row[t];
    meanRow /= k;
    sigma = Math.max(sigma, 1e-3 * (rho > 0 ? meanRow : meanAll));
    for (let t = 0; t < k; t++) {
      const j = indices[i * k + t];
      const d = row[t] - rho;
      strength.set(i * n + j, d > 0 ? Math.exp(-d / sigma) : 1);
    }
  }
  const heads: number[] = [], tails: number[] = [], weights: number[] = [];
  const add = (i: number, j: number, w: number) => {
    heads.push(i, j);
    tails.push(j, i);
    weights.push(w, w);
  };
  for (const [key, w] of strength) {
    const i = Math.floor(key / n), j = key % n;
    const back = strength.get(j * n + i);
    if (back === undefined) add(i, j, w);
    else if (i < j) add(i, j, w + back - w * back);
  }
  return {
    heads: Int32Array.from(heads),
    tails: Int32Array.from(tails),
    weights: Float64Array.from(weights),
  };
}

/**
 * The (a, b) of 1 / (1 + a d^2b) closest in least squares to 1 for
 * d < minDist and exp(-(d - minDist) / spread) beyond, on 300 points of
 * [0, 3·spread] (umap-learn's `find_ab_params`), by Levenberg-Marquardt.
 */
export function fitCurve(spread: number, minDist: number): { a: number; b: number } {
  const xs = Float64Array.from({ length: 300 }, (_, i) => (3 * spread * i) / 299);
  const ys = xs.map((x) => x < minDist ? 1 : Math.exp(-(x - minDist) / spread));
  const cost = (a: number, b: number) => {
    let s = 0;
    for (let i = 0; i < xs.length; i++) s += (1 / (1 + a * xs[i] ** (2 * b)) - ys[i]) ** 2;
    return s;
  };
  let a = 1, b = 1, lambda = 1e-3, current = cost(a, b);
  for (let it = 0; it < 200; it++) {
    // Normal equations J'J δ = -J'r, damped on the diagonal.
    let jaa = 0, jab = 0, jbb = 0, ga = 0, gb = 0;
    for (let i = 0; i < xs.length; i++) {
      if (xs[i] === 0) continue;
      const p = xs[i] ** (2 * b);
      const f = 1 / (1 + a * p);
      const r = f - ys[i];
      const da = -p * f * f;
      const db = -a * p * 2 * Math.log(xs[i]) * f * f;
      jaa += da * da;
      jab += da * db;
      jbb += db * db;
      ga += da * r;
      gb += db * r;
    }
    let improved = false;
    while (lambda < 1e12) {
      const m00 = jaa * (1 + lambda), m11 = jbb * (1 + lambda);
      const det = m00 * m11 - jab * jab;
      const stepA = -(m11 * ga - jab * gb) / det, stepB = -(m00 * gb - jab * ga) / det;
      const next = cost(a + stepA, b + stepB);
      if (next < current) {
        a += stepA;
        b += stepB;
        improved = current - next > 1e-15 * current;
        current = next;
        lambda /= 10;
        break;
      }
      lambda *= 10;
    }
    if (!improved) break;
  }
  return { a, b };
}

function initialLayout(
  x: Matrix,
  graph: EdgeList,
  init: "spectral" | "pca" | "random",
  random: Random,
): Float64Array {
  const n = x.rows;
  let y: Float64Array = new Float64Array(2 * n);
  if (init === "random") {
    for (let t = 0; t < 2 * n; t++) y[t] = 20 * random.uniform() - 10;
    return y;
  }
  if (init !== "pca" && init !== "spectral") {
    throw new UserError("UMAP", `init must be "spectral", "pca" or "random", got ${init}`);
  }
  const spectral = init === "spectral" ? spectralLayout(graph, n, random) : undefined;
  if (spectral) {
    y = spectral;
  } else {
    const scores = pca(x, { components: 2, seed: random.nextUint32() });
    for (let i = 0; i < n; i++) {
      for (let t = 0; t < scores.count; t++) y[2 * i + t] = scores.scores[i * scores.count + t];
    }
  }
  // Each axis scaled to [0, 10], as umap-learn does with its initial layout.
  for (let t = 0; t < 2; t++) {
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < n; i++) {
      lo = Math.min(lo, y[2 * i + t]);
      hi = Math.max(hi, y[2 * i + t]);
    }
    const scale = hi > lo ? 10 / (hi - lo) : 0;
    for (let i = 0; i < n; i++) y[2 * i + t] = (y[2 * i + t] - lo) * scale + 1e-4 * random.normal();
  }
  return y;
}

/**
 * The spectral layout of a connected graph: the eigenvectors of the
 * normalised adjacency D^-½ W D^-½ with the largest eigenvalues after the
 * trivial one (the smallest of the normalised Laplacian, as umap-learn's
 * `spectral_layout`), by Lanczos. Undefined when the graph is not connected.
 */
export function spectralLayout(
  graph: EdgeList,
  n: number,
  random: Random,
): Float64Array | undefined {
  const { heads, tails, weights } = graph;
  const edges: [number, number, number][] = [];
  for (let e = 0; e < heads.length; e++) {
    if (heads[e] < tails[e]) edges.push([heads[e], tails[e], weights[e]]);
  }
  if (connectedComponents(graphFromEdges(n, edges)).count > 1) return undefined;
  const root = new Float64Array(n); // D^½ 1, normalised: the trivial eigenvector
  for (let e = 0; e < heads.length; e++) root[heads[e]] += weights[e];
  const scale = new Float64Array(n);
  let norm = 0;
  for (let i = 0; i < n; i++) {
    scale[i] = 1 / Math.sqrt(root[i]);
    root[i] = Math.sqrt(root[i]);
    norm += root[i] * root[i];
  }
  for (let i = 0; i < n; i++) root[i] /= Math.sqrt(norm);
  const product = (v: Float64Array, out: Float64Array) => {
    out.fill(0);
    for (let e = 0; e < heads.length; e++) {
      out[heads[e]] += weights[e] * scale[heads[e]] * scale[tails[e]] * v[tails[e]];
    }
    let along = 0;
    for (let i = 0; i < n; i++) along += root[i] * v[i];
    for (let i = 0; i < n; i++) out[i] -= along * root[i];
  };
  const { vectors } = largestEigenpairs(product, n, 2, random, { tolerance: 1e-6 });
  const y = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    y[2 * i] = vectors[i];
    y[2 * i + 1] = vectors[n + i];
  }
  return y;
}

interface LayoutSettings {
  a: number;
  b: number;
  epochs: number;
  negativeRate: number;
  learningRate: number;
  random: Random;
}

/** Clip a gradient component to [-4, 4], as umap-learn does. */
function clip(v: number): number {
  return v > 4 ? 4 : v < -4 ? -4 : v;
}

/** umap-learn's `optimize_layout_euclidean`, in place on `y`. */
function optimiseLayout(y: Float64Array, graph: EdgeList, s: LayoutSettings): void {
  const n = y.length / 2;
  const { heads, tails, weights } = graph;
  const { a, b, epochs, random } = s;
  let maxWeight = 0;
  for (const w of weights) maxWeight = Math.max(maxWeight, w);
  // Edges too weak to be sampled once in `epochs` are dropped.
  const keep: number[] = [];
  for (let e = 0; e < weights.length; e++) if (weights[e] >= maxWeight / epochs) keep.push(e);
  const m = keep.length;
  const every = new Float64Array(m), nextSample = new Float64Array(m);
  const everyNegative = new Float64Array(m), nextNegative = new Float64Array(m);
  const head = new Int32Array(m), tail = new Int32Array(m);
  keep.forEach((e, t) => {
    head[t] = heads[e];
    tail[t] = tails[e];
    every[t] = nextSample[t] = maxWeight / weights[e];
    everyNegative[t] = nextNegative[t] = every[t] / s.negativeRate;
  });
  for (let epoch = 0; epoch < epochs; epoch++) {
    const alpha = s.learningRate * (1 - epoch / epochs);
    for (let t = 0; t < m; t++) {
      if (nextSample[t] > epoch) continue;
      const j = head[t], k = tail[t];
      let dx = y[2 * j] - y[2 * k], dy = y[2 * j + 1] - y[2 * k + 1];
      let d2 = dx * dx + dy * dy;
      if (d2 > 0) {
        const pb = d2 ** b;
        const coeff = (-2 * a * b * pb / d2) / (a * pb + 1);
        const gx = clip(coeff * dx) * alpha, gy = clip(coeff * dy) * alpha;
        y[2 * j] += gx;
        y[2 * j + 1] += gy;
        y[2 * k] -= gx;
        y[2 * k + 1] -= gy;
      }
      nextSample[t] += every[t];
      const negatives = Math.floor((epoch - nextNegative[t]) / everyNegative[t]);
      for (let p = 0; p < negatives; p++) {
        const other = random.int(n);
        if (other === j) continue;
        dx = y[2 * j] - y[2 * other];
        dy = y[2 * j + 1] - y[2 * other + 1];
        d2 = dx * dx + dy * dy;
        if (d2 > 0) {
          const coeff = (2 * b) / ((0.001 + d2) * (a * d2 ** b + 1));
          y[2 * j] += clip(coeff * dx) * alpha;
          y[2 * j + 1] += clip(coeff * dy) * alpha;
        }
      }
      nextNegative[t] += negatives * everyNegative[t];
    }
  }
}
