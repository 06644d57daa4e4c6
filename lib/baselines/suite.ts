/**
 * Every classical baseline of the paper on one stack, as the `baselines`
 * script (and `analyze`) run them: PCA (scree, loading maps, scores),
 * k-means and a diagonal Gaussian mixture on the raw windows, a
 * full-covariance mixture on the PCA scores with its BIC over k, NMF, and
 * the 2-D embeddings (PCA, t-SNE, Isomap, MDS, UMAP) of the PCA scores.
 * Pure: a matrix in, labels and embeddings out.
 *
 * @module
 */

import { OptionError } from "../errors.ts";
import { Workspace } from "../linalg/workspace.ts";
import { type BicSweep, bicSweep, gaussianMixture, type GaussianMixtureResult } from "./gmm.ts";
import { isomap } from "./isomap.ts";
import { kmeans, type KMeansResult } from "./kmeans.ts";
import { checkMatrix, type Matrix } from "./matrix.ts";
import { mds } from "./mds.ts";
import { nmf, type NmfResult } from "./nmf.ts";
import { pca, type PcaResult } from "./pca.ts";
import { tsne } from "./tsne.ts";
import { umap } from "./umap.ts";

/** The 2-D embeddings the suite can compute. */
export type EmbeddingName = "pca" | "tsne" | "umap" | "isomap" | "mds";

/** Every embedding, in the order they are computed and written. */
export const EMBEDDINGS: readonly EmbeddingName[] = ["pca", "tsne", "umap", "isomap", "mds"];

/** Embeddings whose cost grows as n² (distance matrices): run on a subsample. */
const QUADRATIC: ReadonlySet<EmbeddingName> = new Set(["isomap", "mds"]);

/** Options of {@linkcode runBaselines}. */
export interface BaselineOptions {
  /** Classes for k-means, the mixtures and NMF (default 4: the paper's four variants). */
  classes?: number;
  /** PCA components computed (scree and loading maps; default 20). */
  components?: number;
  /** PCA scores fed to the full-covariance mixture and its BIC sweep (default 10). */
  reducedDimensions?: number;
  /** PCA scores fed to the nonlinear embeddings (default 50). */
  embedDimensions?: number;
  /** Largest k of the BIC sweep (default 10). */
  bicMax?: number;
  /** Embeddings to compute (default all). */
  embeddings?: readonly EmbeddingName[];
  /** Most windows Isomap and MDS embed (an even subsample; default 3000). */
  embedMax?: number;
  /** Seed of every random choice (default 0). */
  seed?: number;
  /** Threads for the SIMD products and the embeddings (default 1). */
  threads?: number;
  /** Called before each stage with its name (for progress output). */
  onStage?: (stage: string) => void;
}

/** Everything {@linkcode runBaselines} computed. */
export interface BaselineResults {
  /** PCA of the raw windows. */
  pca: PcaResult;
  /** k-means on the raw windows. */
  kmeans: KMeansResult;
  /** Diagonal-covariance mixture on the raw windows. */
  gmmDiag: GaussianMixtureResult;
  /** Full-covariance mixture on the PCA scores. */
  gmmFull: GaussianMixtureResult;
  /** BIC of full-covariance mixtures on the PCA scores, k = 1..bicMax. */
  bic: BicSweep;
  /** NMF of the windows (shifted by `nmfShift` when they hold negative values). */
  nmf: NmfResult;
  /** Subtracted from the windows before NMF (their minimum when negative, else 0). */
  nmfShift: number;
  /** Labels by column name: kmeans, gmm_diag, gmm_full, gmm_bic, nmf. */
  labels: Record<string, Int32Array>;
  /** Embeddings by name: `rows x 2`, NaN for windows left out of a subsample. */
  embeddings: Partial<Record<EmbeddingName, Float64Array>>;
  /** Windows each embedding covers. */
  embedded: Partial<Record<EmbeddingName, number>>;
  /** Milliseconds per stage (`embedding_<name>` for the embeddings). */
  timings: Record<string, number>;
  /** Classes used. */
  classes: number;
}

/** Columns `first..first+count-1` of PCA scores as a float32 matrix. */
function scoreMatrix(p: PcaResult, count: number): Matrix {
  const n = p.scores.length / p.count;
  const data = new Float32Array(n * count);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < count; t++) data[i * count + t] = p.scores[i * p.count + t];
  }
  return { data, rows: n, cols: count };
}

/** Evenly spread indices of `count` out of `total` (all when count ≥ total). */
export function evenSubsample(total: number, count: number): Uint32Array {
  if (count >= total) return Uint32Array.from({ length: total }, (_, i) => i);
  return Uint32Array.from({ length: count }, (_, k) => Math.floor((k * total) / count));
}

/**
 * Run every baseline on the rows of `x` (one flattened window per row).
 *
 * @example
 * ```ts
 * import { gaussianBlobs, runBaselines } from "./mod.ts";
 * const { x } = gaussianBlobs(60, 16, 3, { separation: 8, seed: 1 });
 * const results = await runBaselines(x, { classes: 3, embeddings: [], threads: 1 });
 * if (results.labels.kmeans.length !== 60) throw new Error("one label per window");
 * ```
 */
export async function runBaselines(
  x: Matrix,
  options: BaselineOptions = {},
): Promise<BaselineResults> {
  checkMatrix(x, "baselines", 4);
  const n = x.rows;
  const classes = options.classes ?? 4;
  if (!Number.isInteger(classes) || classes < 2 || classes > n) {
    throw new OptionError("classes", `must be a whole number from 2 to ${n}, got ${classes}`);
  }
  const seed = options.seed ?? 0;
  const threads = options.threads ?? 1;
  const stage = options.onStage ?? (() => {});
  const timings: Record<string, number> = {};
  const time = <T>(name: string, fn: () => T): T => {
    stage(name);
    const start = performance.now();
    const out = fn();
    timings[name] = Math.round(performance.now() - start);
    return out;
  };
  const ws = threads > 1 ? await Workspace.create({ threads }) : Workspace.single();
  try {
    const wanted = Math.max(
      options.components ?? 20,
      options.reducedDimensions ?? 10,
      options.embedDimensions ?? 50,
    );
    const components = Math.min(wanted, n, x.cols);
    const p = time("pca", () => pca(x, { components, seed, workspace: ws }));
    const reduced = scoreMatrix(p, Math.min(options.reducedDimensions ?? 10, p.count));
    const km = time("kmeans", () => kmeans(x, classes, { seed, workspace: ws }));
    const gmmDiag = time(
      "gmm_diag",
      () => gaussianMixture(x, classes, { covariance: "diag", seed, workspace: ws }),
    );
    const gmmFull = time(
      "gmm_full",
      () => gaussianMixture(reduced, classes, { covariance: "full", seed, workspace: ws }),
    );
    const ks = Array.from({ length: Math.min(options.bicMax ?? 10, n - 1) }, (_, i) => i + 1);
    const bic = time(
      "bic",
      () => bicSweep(reduced, { ks, covariance: "full", seed, workspace: ws }),
    );
    let shift = 0;
    for (const v of x.data) shift = Math.min(shift, v);
    const nmfInput = shift < 0 ? { ...x, data: x.data.map((v) => v - shift) } : x;
    const factors = time(
      "nmf",
      () => nmf(nmfInput, Math.min(classes, x.cols), { seed, workspace: ws }),
    );
    const embedInput = scoreMatrix(p, Math.min(options.embedDimensions ?? 50, p.count));
    const { embeddings, embedded } = await embedAll(
      embedInput,
      p,
      options,
      seed,
      threads,
      stage,
      timings,
    );
    return {
      pca: p,
      kmeans: km,
      gmmDiag,
      gmmFull,
      bic,
      nmf: factors,
      nmfShift: shift,
      labels: {
        kmeans: km.labels,
        gmm_diag: gmmDiag.labels,
        gmm_full: gmmFull.labels,
        gmm_bic: bic.model.labels,
        nmf: factors.labels,
      },
      embeddings,
      embedded,
      timings,
      classes,
    };
  } finally {
    ws.close();
  }
}

async function embedAll(
  input: Matrix,
  p: PcaResult,
  options: BaselineOptions,
  seed: number,
  threads: number,
  stage: (name: string) => void,
  timings: Record<string, number>,
): Promise<Pick<BaselineResults, "embeddings" | "embedded">> {
  const n = input.rows;
  const embeddings: Partial<Record<EmbeddingName, Float64Array>> = {};
  const embedded: Partial<Record<EmbeddingName, number>> = {};
  for (const name of options.embeddings ?? EMBEDDINGS) {
    stage(name);
    const start = performance.now();
    const rows = QUADRATIC.has(name) ? evenSubsample(n, options.embedMax ?? 3000) : null;
    const subset = rows ? gatherRows(input, rows) : input;
    let y: Float64Array;
    if (name === "pca") {
      y = Float64Array.from({ length: 2 * n }, (_, t) => p.scores[(t >> 1) * p.count + (t & 1)]);
    } else if (name === "tsne") {
      y = await tsne(subset, { seed, threads, perplexity: Math.min(30, (subset.rows - 1) / 3) });
    } else if (name === "umap") {
      y = await umap(subset, { seed, threads, neighbors: Math.min(15, subset.rows - 1) });
    } else if (name === "isomap") {
      y = await isomap(subset, { neighbors: Math.min(5, subset.rows - 1), seed, threads });
    } else {
      y = await mds(subset, { seed, threads });
    }
    embeddings[name] = rows && rows.length < n ? scatterRows(y, rows, n) : y;
    embedded[name] = rows ? rows.length : n;
    timings[`embedding_${name}`] = Math.round(performance.now() - start);
  }
  return { embeddings, embedded };
}

function gatherRows(x: Matrix, rows: Uint32Array): Matrix {
  const data = new Float32Array(rows.length * x.cols);
  rows.forEach((r, i) => data.set(x.data.subarray(r * x.cols, (r + 1) * x.cols), i * x.cols));
  return { data, rows: rows.length, cols: x.cols };
}

function scatterRows(y: Float64Array, rows: Uint32Array, n: number): Float64Array {
  const out = new Float64Array(2 * n).fill(NaN);
  rows.forEach((r, i) => {
    out[2 * r] = y[2 * i];
    out[2 * r + 1] = y[2 * i + 1];
  });
  return out;
}
