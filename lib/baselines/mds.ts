/**
 * Metric multidimensional scaling by SMACOF (de Leeuw 1977; described in de
 * Leeuw & Mair 2009, doi:10.18637/jss.v031.i03), as
 * scikit-learn 1.2's `MDS(metric=True)`: several starts from uniform random
 * configurations, Guttman transforms until the stress stops falling by
 * `eps` (relative to the configuration's size) or `maxIterations`, and the
 * start with the lowest stress wins. Each iteration is one fused O(n²) pass
 * over the packed dissimilarities; starts run in parallel on `threads`.
 *
 * @module
 */

import { checkMatrix, type Matrix, wholeNumber } from "./matrix.ts";
import { WorkerPool } from "./pool.ts";
import { Random } from "../random.ts";

/** Options of {@link mds}; defaults are scikit-learn 1.2's. */
export interface MdsOptions {
  /** Output dimensions (default 2). */
  dimensions?: number;
  /** Random starts; the lowest-stress result is kept (default 4). */
  starts?: number;
  /** Most Guttman iterations per start (default 300). */
  maxIterations?: number;
  /** Stop when stress / |X| falls by less than this in one iteration (default 1e-3). */
  eps?: number;
  /** Seed (default 0). */
  seed?: number;
  /** Threads, the caller's included (default: all cores). */
  threads?: number;
}

/** One SMACOF run's outcome. */
export interface SmacofRun {
  /** Raw stress Σ_{i<j} (d_ij - δ_ij)² of the configuration before its last update. */
  stress: number;
  /** Iterations done. */
  iterations: number;
}

/**
 * Embed the rows of `x` by metric MDS of their Euclidean distances; returns
 * `rows x dimensions` coordinates, row-major.
 *
 * @example Points already in a plane keep their distances.
 * ```ts
 * import { mds, mdsStress } from "./mod.ts";
 * const data = Float32Array.from({ length: 60 }, (_, i) => i % 2 ? (i * 7) % 11 : (i * 3) % 13);
 * const x = { data, rows: 30, cols: 2 };
 * const xy = await mds(x, { seed: 0, threads: 1 });
 * if (mdsStress(x, xy, 2).normalized > 0.01) throw new Error("distances not kept");
 * ```
 */
export async function mds(x: Matrix, options: MdsOptions = {}): Promise<Float64Array> {
  checkMatrix(x, "MDS", 2);
  const n = x.rows;
  const dims = options.dimensions ?? 2;
  const starts = options.starts ?? 4;
  const maxIterations = options.maxIterations ?? 300;
  const eps = options.eps ?? 1e-3;
  wholeNumber("MDS", "dimensions", dims, 1);
  wholeNumber("MDS", "starts", starts, 1);
  wholeNumber("MDS", "maxIterations", maxIterations, 1);
  const random = new Random(options.seed ?? 0);
  const delta = packedDistances(x, true);
  // Every start's initial configuration, drawn up front so threads don't change the result.
  const configs = new Float64Array(new SharedArrayBuffer(8 * starts * n * dims));
  for (let s = 0; s < starts; s++) {
    const r = new Random(random.nextUint32());
    for (let t = 0; t < n * dims; t++) configs[s * n * dims + t] = r.uniform();
  }
  const stress = new Float64Array(new SharedArrayBuffer(8 * starts));
  const args = { delta, configs, stress, n, dims, maxIterations, eps };
  const pool = await WorkerPool.create(Math.min(options.threads ?? Infinity, starts));
  try {
    pool.run("smacofStarts", smacofStarts, args, starts);
  } finally {
    pool.close();
  }
  let best = 0;
  for (let s = 1; s < starts; s++) if (stress[s] < stress[best]) best = s;
  return configs.slice(best * n * dims, (best + 1) * n * dims);
}

/** Run the starts [from, to) of a {@link mds} call, in place in `args.configs`. */
export function smacofStarts(
  args: {
    delta: Float32Array;
    configs: Float64Array;
    stress: Float64Array;
    n: number;
    dims: number;
    maxIterations: number;
    eps: number;
  },
  from: number,
  to: number,
): void {
  const { n, dims } = args;
  for (let s = from; s < to; s++) {
    const config = args.configs.subarray(s * n * dims, (s + 1) * n * dims);
    args.stress[s] = smacof(args.delta, n, dims, config, args.maxIterations, args.eps).stress;
  }
}

/**
 * SMACOF from the configuration `config` (`n x dims`, row-major, updated in
 * place) for the packed upper-triangle dissimilarities `delta` (see
 * {@link packedDistances}).
 */
export function smacof(
  delta: Float32Array,
  n: number,
  dims: number,
  config: Float64Array,
  maxIterations: number,
  eps: number,
): SmacofRun {
  const next = new Float64Array(n * dims);
  let previous = Infinity;
  let stress = 0;
  let it = 0;
  while (it < maxIterations) {
    it++;
    stress = dims === 2 ? guttman2(delta, n, config, next) : guttman(delta, n, dims, config, next);
    let size = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let d = 0; d < dims; d++) s += (next[i * dims + d] /= n) ** 2;
      size += Math.sqrt(s);
    }
    config.set(next);
    const relative = stress / size;
    if (previous - relative < eps) break;
    previous = relative;
  }
  return { stress, iterations: it };
}

/**
 * One Guttman transform in 2-D: `out = n · B(X) X`, i.e. for each i,
 * Σ_j (δ_ij / d_ij)(x_i - x_j); returns the raw stress of `x`.
 */
function guttman2(delta: Float32Array, n: number, x: Float64Array, out: Float64Array): number {
  out.fill(0);
  let stress = 0;
  let e = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[2 * i], yi = x[2 * i + 1];
    let ax = 0, ay = 0;
    for (let j = i + 1; j < n; j++, e++) {
      const dx = xi - x[2 * j], dy = yi - x[2 * j + 1];
      const d = Math.sqrt(dx * dx + dy * dy);
      const target = delta[e];
      stress += (d - target) * (d - target);
      const r = target / (d === 0 ? 1e-5 : d);
      ax += r * dx;
      ay += r * dy;
      out[2 * j] -= r * dx;
      out[2 * j + 1] -= r * dy;
    }
    out[2 * i] += ax;
    out[2 * i + 1] += ay;
  }
  return stress;
}

/** {@link guttman2} for any number of dimensions. */
function guttman(
  delta: Float32Array,
  n: number,
  dims: number,
  x: Float64Array,
  out: Float64Array,
): number {
  out.fill(0);
  let stress = 0;
  let e = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++, e++) {
      let d = 0;
      for (let c = 0; c < dims; c++) d += (x[i * dims + c] - x[j * dims + c]) ** 2;
      d = Math.sqrt(d);
      const target = delta[e];
      stress += (d - target) * (d - target);
      const r = target / (d === 0 ? 1e-5 : d);
      for (let c = 0; c < dims; c++) {
        const v = r * (x[i * dims + c] - x[j * dims + c]);
        out[i * dims + c] += v;
        out[j * dims + c] -= v;
      }
    }
  }
  return stress;
}

/**
 * Euclidean distances between all pairs i < j of rows of `x`, packed row
 * after row (pair (i, j) at i·n - i(i+1)/2 + j - i - 1), as float32 —
 * in shared memory when `shared`.
 */
export function packedDistances(x: Matrix, shared = false): Float32Array {
  const n = x.rows, cols = x.cols, data = x.data;
  const count = (n * (n - 1)) / 2;
  const out = shared ? new Float32Array(new SharedArrayBuffer(4 * count)) : new Float32Array(count);
  let e = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++, e++) {
      let s = 0;
      for (let c = 0; c < cols; c++) {
        const t = data[i * cols + c] - data[j * cols + c];
        s += t * t;
      }
      out[e] = Math.sqrt(s);
    }
  }
  return out;
}

/**
 * How well `embedding` (`rows x dims`) keeps the distances between the rows
 * of `x`: the raw stress Σ_{i<j} (d_ij - δ_ij)² and Kruskal's stress-1,
 * √(raw / Σ δ_ij²) (0 for a perfect fit).
 *
 * @example The rows themselves, as an embedding, keep every distance.
 * ```ts
 * import { mdsStress } from "./mod.ts";
 * const x = { data: Float32Array.from([0, 0, 3, 0, 0, 4]), rows: 3, cols: 2 };
 * if (mdsStress(x, Float64Array.from(x.data)).normalized !== 0) throw new Error("exact");
 * ```
 */
export function mdsStress(
  x: Matrix,
  embedding: Float64Array,
  dims = 2,
): { raw: number; normalized: number } {
  const n = x.rows;
  let raw = 0, total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0, d = 0;
      for (let c = 0; c < x.cols; c++) s += (x.data[i * x.cols + c] - x.data[j * x.cols + c]) ** 2;
      for (let c = 0; c < dims; c++) d += (embedding[i * dims + c] - embedding[j * dims + c]) ** 2;
      const delta = Math.sqrt(s);
      raw += (Math.sqrt(d) - delta) ** 2;
      total += delta * delta;
    }
  }
  return { raw, normalized: Math.sqrt(raw / (total || 1)) };
}
