/**
 * Synthetic point sets with known structure, to check and benchmark the
 * baselines: Gaussian blobs (planted clusters) and the Swiss roll (a 2-D
 * manifold rolled up in 3-D, with its unrolled coordinate known).
 *
 * @module
 */

import type { Matrix } from "./matrix.ts";
import { Random } from "../random.ts";

/** Options of {@link gaussianBlobs}. */
export interface BlobOptions {
  /** Standard deviation of the cluster centres per feature (default 4). */
  separation?: number;
  /**
   * Per-feature scale of the within-cluster noise: feature c gets
   * `(c + 1) ** -decay` (default 0: isotropic unit noise). A decay near 0.5
   * mimics the falling spectrum of principal-component scores.
   */
  decay?: number;
  /** Seed (default 0). */
  seed?: number;
}

/**
 * `n` points in `d` dimensions from `k` Gaussian clusters, point i in
 * cluster `i % k`; returns the matrix and the true labels.
 *
 * @example
 * ```ts
 * import { gaussianBlobs } from "./mod.ts";
 * const { x, labels } = gaussianBlobs(10, 2, 3, { seed: 0 });
 * if (x.rows !== 10 || labels[4] !== 1) throw new Error("point i is in cluster i % k");
 * ```
 */
export function gaussianBlobs(
  n: number,
  d: number,
  k: number,
  options: BlobOptions = {},
): { x: Matrix; labels: Int32Array } {
  const random = new Random(options.seed ?? 0);
  const separation = options.separation ?? 4;
  const decay = options.decay ?? 0;
  const scale = Float64Array.from({ length: d }, (_, c) => (c + 1) ** -decay);
  const centres = Float64Array.from(
    { length: k * d },
    (_, t) => separation * scale[t % d] * random.normal(),
  );
  const data = new Float32Array(n * d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % k;
    labels[i] = c;
    for (let f = 0; f < d; f++) data[i * d + f] = centres[c * d + f] + scale[f] * random.normal();
  }
  return { x: { data, rows: n, cols: d }, labels };
}

/**
 * `n` points on the Swiss roll (x, y, z) = (t cos t, h, t sin t), t in
 * [1.5π, 4.5π], h in [0, height); returns the matrix and each point's arc
 * length along the roll — the coordinate an unrolling must recover.
 *
 * @example
 * ```ts
 * import { swissRoll } from "./mod.ts";
 * const { x, arcLength } = swissRoll(100, { seed: 0 });
 * if (x.cols !== 3 || arcLength.length !== 100) throw new Error("100 points in 3-D");
 * ```
 */
export function swissRoll(
  n: number,
  options: { height?: number; noise?: number; seed?: number } = {},
): { x: Matrix; arcLength: Float64Array } {
  const random = new Random(options.seed ?? 0);
  const height = options.height ?? 21;
  const noise = options.noise ?? 0;
  const data = new Float32Array(n * 3);
  const arcLength = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = 1.5 * Math.PI * (1 + 2 * random.uniform());
    data[i * 3] = t * Math.cos(t) + noise * random.normal();
    data[i * 3 + 1] = height * random.uniform() + noise * random.normal();
    data[i * 3 + 2] = t * Math.sin(t) + noise * random.normal();
    arcLength[i] = 0.5 * (t * Math.sqrt(1 + t * t) + Math.asinh(t));
  }
  return { x: { data, rows: n, cols: 3 }, arcLength };
}
