/**
 * The baselines stage: PCA, NMF, k-means, Gaussian mixtures (with a BIC
 * sweep) and 2-D embeddings of a stack of windows, as the files and figures
 * `baselines` writes.
 *
 * @module
 */

import {
  type BaselineResults,
  type EmbeddingName,
  EMBEDDINGS,
  runBaselines,
} from "../baselines/suite.ts";
import {
  bicFigure,
  clusterMapFigure,
  clusterMeansFigure,
  embeddingsFigure,
  loadingsFigure,
  nmfFigure,
  screeFigure,
} from "../baselines/figures.ts";
import { encodeNpy } from "../formats/npy.ts";
import { type CsvColumn, formatCsv } from "../io/csv.ts";
import type { StackFile } from "../io/stack_files.ts";
import type { Image } from "../image.ts";
import type { StageFigure, StageHooks, StageOutput } from "./_stage.ts";

/** Options of {@linkcode baselinesStage}; the defaults are the `baselines` script's. */
export interface BaselinesStageOptions {
  /** Classes for k-means, the mixtures and NMF, capped at the window count (default 4). */
  classes?: number;
  /** PCA components for the scree plot (default 20). */
  components?: number;
  /** PCA scores fed to the full GMM and BIC (default 10). */
  pcaDims?: number;
  /** Largest k of the BIC sweep (default 10). */
  bicMax?: number;
  /** 2-D embeddings to compute (default all: pca, tsne, umap, isomap, mds). */
  embeddings?: readonly EmbeddingName[];
  /** Most windows Isomap and MDS embed (default 3000). */
  embedMax?: number;
  /** Threads for the heavy kernels (default 2). */
  threads?: number;
  /** Seed of every random choice (default 0). */
  seed?: number;
  /** Draw the figures (default true). */
  figures?: boolean;
  /**
   * The image the windows were cut from: `cluster_map` is drawn in its frame
   * (size and calibration; default the extent of the positions, in px).
   */
  image?: Image | null;
  /** The image in grey under `cluster_map` ("image") or not ("none", default). */
  mapBackground?: "image" | "none";
}

/** What {@linkcode baselinesStage} computed: `clusters.csv`, `embeddings.csv`, `pca.npy`, figures. */
export interface BaselinesStageResult extends StageOutput {
  /** Every baseline's result. */
  results: BaselineResults;
}

/**
 * Run every classical baseline on `input.stack` and make `clusters.csv`
 * (`i`, `x,y` with positions, then one column per method: kmeans, gmm_diag,
 * gmm_full, gmm_bic, nmf; classes from 0), `embeddings.csv` (`i` and two
 * columns per embedding, NaN where a subsample left a window out), `pca.npy`
 * (components × w × w loading maps) and, unless `figures` is false, the
 * figures `scree`, `pca_loadings`, `cluster_means`, `nmf_components`, `bic`,
 * `cluster_map` (with positions) and `embeddings`. `hooks.onStep` hears
 * each step's name.
 *
 * @example
 * ```ts
 * const window = 8, count = 20;
 * const data = Float32Array.from({ length: count * window * window }, (_, i) => Math.sin(i));
 * const stage = await baselinesStage(
 *   { stack: { data, count, window }, positions: null },
 *   { classes: 2, embeddings: ["pca"], figures: false },
 * );
 * console.log(stage.summary);
 * ```
 */
export async function baselinesStage(
  input: { stack: StackFile; positions: { x: ArrayLike<number>; y: ArrayLike<number> } | null },
  options: BaselinesStageOptions = {},
  hooks: StageHooks = {},
): Promise<BaselinesStageResult> {
  const { stack, positions } = input;
  const {
    classes = 4,
    components = 20,
    pcaDims = 10,
    bicMax = 10,
    embeddings = EMBEDDINGS,
    embedMax = 3000,
    threads = 2,
    seed = 0,
  } = options;
  const x = { data: stack.data, rows: stack.count, cols: stack.window * stack.window };
  const results = await runBaselines(x, {
    classes: Math.min(classes, stack.count),
    components,
    reducedDimensions: pcaDims,
    bicMax,
    embeddings,
    embedMax,
    seed,
    threads,
    onStage: (step) => void hooks.onStep?.(step),
  });
  const parameters = {
    classes: results.classes,
    components: results.pca.count,
    pcaDims,
    bicMax,
    embeddings: [...embeddings],
    embedMax,
    threads,
  };

  const index = Int32Array.from({ length: stack.count }, (_, i) => i);
  const clusters: Record<string, CsvColumn> = { i: index };
  if (positions) Object.assign(clusters, { x: positions.x, y: positions.y });
  Object.assign(clusters, results.labels);
  const embeddingColumns: Record<string, CsvColumn> = { i: index };
  for (const [name, y] of Object.entries(results.embeddings)) {
    embeddingColumns[`${name}_1`] = Array.from(index, (i) => y[2 * i]);
    embeddingColumns[`${name}_2`] = Array.from(index, (i) => y[2 * i + 1]);
  }
  const pcaMaps = Float32Array.from(results.pca.components);
  const files = {
    "clusters.csv": formatCsv(clusters),
    "embeddings.csv": formatCsv(embeddingColumns),
    "pca.npy": encodeNpy(pcaMaps, [results.pca.count, stack.window, stack.window]),
  };

  const figures: StageFigure[] = [];
  if (options.figures ?? true) {
    await hooks.onStep?.("figures");
    figures.push(
      { name: "scree", svg: screeFigure(results.pca) },
      { name: "pca_loadings", svg: loadingsFigure(results.pca, stack.window) },
      {
        name: "cluster_means",
        svg: clusterMeansFigure(stack, {
          kmeans: results.labels.kmeans,
          gmm_full: results.labels.gmm_full,
          gmm_diag: results.labels.gmm_diag,
        }),
      },
      {
        name: "nmf_components",
        svg: nmfFigure(results.nmf.components, results.nmf.count, stack.window),
      },
      { name: "bic", svg: bicFigure(results.bic) },
    );
    if (positions) {
      figures.push({
        name: "cluster_map",
        svg: clusterMapFigure(positions, {
          kmeans: results.labels.kmeans,
          gmm_full: results.labels.gmm_full,
        }, {
          frame: options.image ?? undefined,
          background: options.mapBackground === "image" ? options.image : null,
        }),
      });
    }
    if (Object.keys(results.embeddings).length) {
      figures.push({
        name: "embeddings",
        svg: embeddingsFigure(results.embeddings, results.labels.gmm_full, "GMM class"),
      });
    }
  }
  const r = results;
  const extra = {
    windows: stack.count,
    window: stack.window,
    timingsMs: r.timings,
    explainedVarianceRatio: Array.from(r.pca.explainedVarianceRatio),
    kmeans: {
      inertia: r.kmeans.inertia,
      iterations: r.kmeans.iterations,
      sizes: Array.from(r.kmeans.sizes),
    },
    gmmDiag: {
      logLikelihood: r.gmmDiag.logLikelihood,
      iterations: r.gmmDiag.iterations,
      converged: r.gmmDiag.converged,
    },
    gmmFull: {
      logLikelihood: r.gmmFull.logLikelihood,
      iterations: r.gmmFull.iterations,
      converged: r.gmmFull.converged,
    },
    bic: { ks: r.bic.ks, bic: Array.from(r.bic.bic), best: r.bic.best },
    nmf: { relativeError: r.nmf.relativeError, iterations: r.nmf.iterations, shift: r.nmfShift },
    embedded: r.embedded,
  };
  return {
    results,
    files,
    figures,
    parameters,
    extra,
    summary: `baselines: ${stack.count} windows of ${stack.window} px, ${r.classes} classes; ` +
      `BIC prefers k = ${r.bic.best}; ${Object.keys(r.embeddings).join(", ") || "no"} embeddings`,
  };
}
