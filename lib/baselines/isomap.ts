/**
 * Isomap (Tenenbaum, de Silva & Langford 2000, Science 290:2319,
 * doi:10.1126/science.290.5500.2319), as scikit-learn computes it:
 * the k-nearest-neighbour graph (joined across components by the shortest
 * edges if it falls apart), geodesic distances by Dijkstra from every point,
 * then classical MDS — the top eigenvectors of the double-centred squared
 * geodesic matrix, found by Lanczos iteration — scaled by √eigenvalue.
 *
 * Memory is one n x n float32 geodesic matrix (1.6 GB at n = 20,000).
 *
 * @module
 */

import { connectComponents, squaredGeodesicRows, symmetricKnnGraph } from "./_graph.ts";
import { WorkerPool } from "./pool.ts";
import { largestEigenpairs } from "./eigen.ts";
import { knnGraph } from "./knn.ts";
import { checkMatrix, type Matrix, wholeNumber } from "./matrix.ts";
import { Random } from "../random.ts";

/** Options of {@link isomap}. */
export interface IsomapOptions {
  /** Neighbours per point in the graph (default 5, scikit-learn's). */
  neighbors?: number;
  /** Output dimensions (default 2). */
  dimensions?: number;
  /** Seed of the Lanczos start vector (default 0); the result does not depend on it beyond rounding. */
  seed?: number;
  /** Threads, the caller's included (default: all cores). */
  threads?: number;
}

/**
 * Embed the rows of `x` by Isomap; returns `rows x dimensions` coordinates,
 * row-major.
 *
 * @example The Swiss roll unrolls: one axis follows the arc length.
 * ```ts
 * import { isomap, swissRoll } from "./mod.ts";
 * const { x } = swissRoll(400, { seed: 0 });
 * const xy = await isomap(x, { neighbors: 10, threads: 1 });
 * if (xy.length !== 800) throw new Error("rows x 2 expected");
 * ```
 * Each axis's sign is fixed so that its largest-magnitude
 * coordinate is positive (scikit-learn's convention).
 */
export async function isomap(x: Matrix, options: IsomapOptions = {}): Promise<Float64Array> {
  checkMatrix(x, "isomap", 3);
  const n = x.rows;
  const k = options.neighbors ?? 5;
  const dims = options.dimensions ?? 2;
  wholeNumber("isomap", "neighbors", k, 1, n - 1);
  wholeNumber("isomap", "dimensions", dims, 1, n - 1);
  const pool = await WorkerPool.create(options.threads);
  try {
    const graph = connectComponents(symmetricKnnGraph(knnGraph(x, k, { pool })), x);
    const squared = new Float32Array(new SharedArrayBuffer(4 * n * n));
    pool.run("squaredGeodesicRows", squaredGeodesicRows, { graph, out: squared }, n, 32);
    return classicalScaling(squared, n, dims, new Random(options.seed ?? 0));
  } finally {
    pool.close();
  }
}

/**
 * Classical (Torgerson) scaling of a symmetric matrix of squared distances:
 * the top eigenpairs of B = -½ J D² J (J the centring matrix), applied
 * without forming B, coordinates = eigenvector · √eigenvalue.
 */
export function classicalScaling(
  squared: Float32Array,
  n: number,
  dims: number,
  random: Random,
): Float64Array {
  const u = new Float64Array(n);
  const product = (v: Float64Array, out: Float64Array) => {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += v[i];
    mean /= n;
    for (let i = 0; i < n; i++) u[i] = v[i] - mean;
    let outMean = 0;
    for (let i = 0; i < n; i++) {
      const row = i * n;
      let s = 0;
      for (let j = 0; j < n; j++) s += squared[row + j] * u[j];
      out[i] = s;
      outMean += s;
    }
    outMean /= n;
    for (let i = 0; i < n; i++) out[i] = -0.5 * (out[i] - outMean);
  };
  const { values, vectors } = largestEigenpairs(product, n, dims, random);
  const coords = new Float64Array(n * dims);
  for (let t = 0; t < dims; t++) {
    const vec = vectors.subarray(t * n, (t + 1) * n);
    let peak = 0;
    for (let i = 0; i < n; i++) if (Math.abs(vec[i]) > Math.abs(peak)) peak = vec[i];
    const scale = Math.sqrt(Math.max(values[t] ?? 0, 0)) * (peak < 0 ? -1 : 1);
    for (let i = 0; i < n; i++) coords[i * dims + t] = vec[i] * scale;
  }
  return coords;
}
