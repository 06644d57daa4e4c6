/**
 * The classical baselines of the analysis, on a stack of flattened
 * sub-images (one row per window): PCA, NMF, k-means, Gaussian mixtures
 * with a BIC sweep, and the 2-D embeddings t-SNE, UMAP, MDS and Isomap —
 * each seeded, each following scikit-learn's algorithm and defaults; and
 * {@linkcode runBaselines}, which runs them all as the `baselines` stage
 * does. Each method's module gives its reference.
 *
 * @example
 * ```ts
 * import { gaussianBlobs, runBaselines } from "./mod.ts";
 * const { x } = gaussianBlobs(60, 16, 3, { separation: 8, seed: 1 });
 * const results = await runBaselines(x, { classes: 3, embeddings: [], threads: 1 });
 * if (results.labels.kmeans.length !== 60) throw new Error("one label per window");
 * ```
 *
 * @module
 */

export type { Matrix } from "./matrix.ts";
export { pca } from "./pca.ts";
export type { PcaOptions, PcaResult } from "./pca.ts";
export { nmf } from "./nmf.ts";
export type { NmfOptions, NmfResult } from "./nmf.ts";
export { kmeans } from "./kmeans.ts";
export type { KMeansOptions, KMeansResult } from "./kmeans.ts";
export { bicSweep, gaussianMixture } from "./gmm.ts";
export type {
  BicSweep,
  BicSweepOptions,
  CovarianceType,
  GaussianMixtureOptions,
  GaussianMixtureResult,
} from "./gmm.ts";
export { tsne } from "./tsne.ts";
export type { TsneOptions } from "./tsne.ts";
export { umap } from "./umap.ts";
export type { UmapOptions } from "./umap.ts";
export { mds, mdsStress } from "./mds.ts";
export type { MdsOptions } from "./mds.ts";
export { isomap } from "./isomap.ts";
export type { IsomapOptions } from "./isomap.ts";
export { knnGraph } from "./knn.ts";
export type { KnnGraph } from "./knn.ts";
export { EMBEDDINGS, runBaselines } from "./suite.ts";
export type { BaselineOptions, BaselineResults, EmbeddingName } from "./suite.ts";
export { gaussianBlobs, swissRoll } from "./synthetic.ts";
export type { BlobOptions } from "./synthetic.ts";

// Types the API above names
export type { WorkerPool } from "./pool.ts";
export type { Task, TaskName } from "./pool.ts";
