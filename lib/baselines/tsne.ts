/**
 * Barnes-Hut t-SNE (van der Maaten 2014, JMLR 15:3221, which has no DOI:
 * https://jmlr.org/papers/v15/vandermaaten14a.html) into 2-D, following scikit-learn
 * 1.2's `TSNE(method="barnes_hut", init="pca", learning_rate="auto")`:
 * affinities from the 3·perplexity nearest neighbours calibrated by binary
 * search, early exaggeration 12 for 250 iterations with momentum 0.5, then
 * momentum 0.8, gradient descent with adaptive gains. O(n log n) per
 * iteration, so 20,000 points are practical.
 *
 * @module
 */

import { allocateQuadtree, buildQuadtree } from "./quadtree.ts";
import { type Affinities, type ForceArgs, tsneForces } from "./tsne_gradient.ts";
import { sharedFloat64, sharedInt32, WorkerPool } from "./pool.ts";
import { pca } from "./pca.ts";
import { type KnnGraph, knnGraph } from "./knn.ts";
import { checkMatrix, type Matrix, wholeNumber } from "./matrix.ts";
import { Random } from "../random.ts";
import { UserError } from "../errors.ts";

/** Options of {@link tsne}; defaults are scikit-learn 1.2's. */
export interface TsneOptions {
  /** Effective number of neighbours (default 30). */
  perplexity?: number;
  /** Gradient-descent iterations in all, exaggeration phase included (default 1000). */
  iterations?: number;
  /** Iterations with exaggerated attraction (default 250). */
  exaggerationIterations?: number;
  /** Attraction factor in the first phase (default 12). */
  earlyExaggeration?: number;
  /** Step size (default max(n / earlyExaggeration / 4, 50), scikit-learn's "auto"). */
  learningRate?: number;
  /** Barnes-Hut accuracy θ: smaller is more exact and slower (default 0.5). */
  theta?: number;
  /** Start from the first two principal components (default) or at random. */
  init?: "pca" | "random";
  /** Seed for the initialisation (default 0). */
  seed?: number;
  /** Threads for the gradient, the caller's included (default: all cores). */
  threads?: number;
}

/**
 * Embed the rows of `x` in 2-D by Barnes-Hut t-SNE; returns `rows x 2`
 * coordinates, row-major.
 *
 * @example
 * ```ts
 * import { gaussianBlobs, tsne } from "./mod.ts";
 * const { x } = gaussianBlobs(120, 10, 3, { seed: 5 });
 * const xy = await tsne(x, { iterations: 300, seed: 0, threads: 1 });
 * if (xy.length !== 240 || !xy.every(Number.isFinite)) throw new Error("bad embedding");
 * ```
 */
export async function tsne(x: Matrix, options: TsneOptions = {}): Promise<Float64Array> {
  checkMatrix(x, "t-SNE", 4);
  const n = x.rows;
  const perplexity = options.perplexity ?? 30;
  const iterations = options.iterations ?? 1000;
  const exaggeration = options.earlyExaggeration ?? 12;
  const theta = options.theta ?? 0.5;
  if (!(perplexity > 0) || perplexity >= n) {
    throw new UserError("t-SNE", `perplexity must be in (0, ${n}), got ${perplexity}`);
  }
  wholeNumber("t-SNE", "iterations", iterations, 0);
  const exaggerationIterations = wholeNumber(
    "t-SNE",
    "exaggerationIterations",
    options.exaggerationIterations ?? 250,
    0,
  );
  const learningRate = options.learningRate ?? Math.max(n / exaggeration / 4, 50);
  for (const [name, value] of [["theta", theta], ["earlyExaggeration", exaggeration]] as const) {
    if (!(value >= 0)) throw new UserError("t-SNE", `${name} must be >= 0, got ${value}`);
  }
  if (!(learningRate > 0)) {
    throw new UserError("t-SNE", `learningRate must be > 0, got ${learningRate}`);
  }
  const random = new Random(options.seed ?? 0);
  const k = Math.min(n - 1, Math.floor(3 * perplexity + 1));
  const y = sharedFloat64(2 * n);
  y.set(initialEmbedding(x, options.init ?? "pca", random));
  const pool = await WorkerPool.create(options.threads);
  try {
    const p = affinities(knnGraph(x, k, { pool }), perplexity);
    optimise(p, y, pool, {
      iterations,
      exaggerationIterations,
      exaggeration,
      learningRate,
      theta,
    });
  } finally {
    pool.close();
  }
  return Float64Array.from(y);
}

/**
 * Symmetric t-SNE affinities p_ij = (p_j|i + p_i|j) / 2n from a kNN graph,
 * each row's Gaussian bandwidth found by bisection so that its perplexity
 * (exp of the entropy, in nats) is `perplexity`.
 */
export function affinities(knn: KnnGraph, perplexity: number): Affinities {
  return symmetrise(knn, conditionalAffinities(knn, perplexity));
}

/**
 * Conditional affinities p_j|i over each row's k neighbours (`n x k`,
 * matching `knn.indices`), each row a Gaussian kernel whose perplexity
 * exp(-Σ p ln p) is `perplexity` (to 1e-5 in the entropy), by bisection.
 */
export function conditionalAffinities(knn: KnnGraph, perplexity: number): Float64Array {
  const { n, k, distances } = knn;
  const conditional = new Float64Array(n * k);
  const target = Math.log(perplexity);
  const sq = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    // Distances relative to the nearest: the same probabilities, no underflow.
    const d0 = distances[i * k] ** 2;
    for (let t = 0; t < k; t++) sq[t] = distances[i * k + t] ** 2 - d0;
    let beta = 1, lo = -Infinity, hi = Infinity;
    const row = conditional.subarray(i * k, (i + 1) * k);
    for (let step = 0; step < 200; step++) {
      let sum = 0;
      for (let t = 0; t < k; t++) sum += row[t] = Math.exp(-beta * sq[t]);
      let mean = 0;
      for (let t = 0; t < k; t++) {
        row[t] /= sum;
        mean += sq[t] * row[t];
      }
      const gap = Math.log(sum) + beta * mean - target;
      if (Math.abs(gap) <= 1e-5) break;
      if (gap > 0) {
        lo = beta;
        beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = lo === -Infinity ? beta / 2 : (beta + lo) / 2;
      }
    }
  }
  return conditional;
}

/** (P + Pᵀ) / sum, stored in both rows of each pair. */
function symmetrise(knn: KnnGraph, conditional: Float64Array): Affinities {
  const { n, k, indices } = knn;
  // Transposed lists by counting sort: who lists j as a neighbour, and with what p.
  const inOffsets = new Int32Array(n + 1);
  for (let e = 0; e < n * k; e++) inOffsets[indices[e] + 1]++;
  for (let j = 0; j < n; j++) inOffsets[j + 1] += inOffsets[j];
  const fill = inOffsets.slice(0, n);
  const inRows = new Int32Array(n * k), inValues = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const j = indices[i * k + t];
      inRows[fill[j]] = i;
      inValues[fill[j]++] = conditional[i * k + t];
    }
  }
  const acc = new Float64Array(n);
  const seen = new Int32Array(n).fill(-1);
  const offsets = new Int32Array(n + 1);
  const columns: number[] = [];
  const values: number[] = [];
  const scale = 1 / (2 * n);
  for (let i = 0; i < n; i++) {
    const start = columns.length;
    const add = (j: number, v: number) => {
      if (seen[j] !== i) {
        seen[j] = i;
        acc[j] = 0;
        columns.push(j);
      }
      acc[j] += v;
    };
    for (let t = 0; t < k; t++) add(indices[i * k + t], conditional[i * k + t]);
    for (let e = inOffsets[i]; e < inOffsets[i + 1]; e++) add(inRows[e], inValues[e]);
    for (let e = start; e < columns.length; e++) values.push(acc[columns[e]] * scale);
    offsets[i + 1] = columns.length;
  }
  const shared = { offsets: sharedInt32(n + 1), columns: sharedInt32(columns.length) };
  shared.offsets.set(offsets);
  shared.columns.set(columns);
  const sharedValues = sharedFloat64(values.length);
  sharedValues.set(values);
  return { n, offsets: shared.offsets, columns: shared.columns, values: sharedValues };
}

function initialEmbedding(x: Matrix, init: "pca" | "random", random: Random): Float64Array {
  const n = x.rows;
  if (init === "random") {
    return Float64Array.from({ length: 2 * n }, () => 1e-4 * random.normal());
  }
  if (init !== "pca") throw new UserError("t-SNE", `init must be "pca" or "random", got ${init}`);
  // Scores on the first two principal axes, as scikit-learn's init="pca".
  const scores = pca(x, { components: 2, seed: random.nextUint32() });
  const y = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < scores.count; t++) y[2 * i + t] = scores.scores[i * scores.count + t];
  }
  let mean = 0, sq = 0;
  for (let i = 0; i < n; i++) mean += y[2 * i];
  mean /= n;
  for (let i = 0; i < n; i++) sq += (y[2 * i] - mean) ** 2;
  const scale = 1e-4 / (Math.sqrt(sq / n) || 1);
  for (let t = 0; t < 2 * n; t++) y[t] *= scale;
  return y;
}

/** Points per unit of work handed to a thread. */
const FORCE_CHUNK = 128;

interface Schedule {
  iterations: number;
  exaggerationIterations: number;
  exaggeration: number;
  learningRate: number;
  theta: number;
}

/** Gradient descent with momentum and per-coordinate gains (Jacobs 1988), in place on `y`. */
function optimise(p: Affinities, y: Float64Array, pool: WorkerPool, s: Schedule): void {
  const n = p.n;
  const update = new Float64Array(2 * n);
  const gains = new Float64Array(2 * n).fill(1);
  const attract = sharedFloat64(2 * n);
  const repel = sharedFloat64(2 * n);
  const tree = allocateQuadtree(n);
  const theta2 = s.theta * s.theta;
  for (let it = 0; it < s.iterations; it++) {
    const early = it < s.exaggerationIterations;
    const momentum = early ? 0.5 : 0.8;
    buildQuadtree(tree, y);
    const args: ForceArgs = {
      p,
      y,
      attract,
      repel,
      tree,
      theta2,
      exaggeration: early ? s.exaggeration : 1,
    };
    const z = pool.run("tsneForces", tsneForces, args, n, FORCE_CHUNK);
    const invZ = 1 / Math.max(z, Number.MIN_VALUE);
    for (let t = 0; t < 2 * n; t++) {
      const grad = 4 * (attract[t] - repel[t] * invZ);
      const gain = (update[t] * grad < 0) ? gains[t] + 0.2 : Math.max(gains[t] * 0.8, 0.01);
      gains[t] = gain;
      update[t] = momentum * update[t] - s.learningRate * gain * grad;
      y[t] += update[t];
    }
  }
}
