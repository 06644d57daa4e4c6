/**
 * The baselines' figures, after the paper's Fig. 3 and 4: PCA scree and
 * loading maps, cluster labels on the real-space lattice, cluster-mean
 * windows, NMF components, BIC over k, and the 2-D embeddings coloured by
 * the GMM labels. Pure: results in, SVG documents out.
 *
 * @module
 */

import { lineFigure, scatterFigure } from "../figures/charts.ts";
import { figureGrid } from "../figures/layout.ts";
import type { ImageData } from "../figures/image_panel.ts";
import { mosaicFigure } from "../figures/mosaic.ts";
import { siteMapFigure, type SiteMapFrame } from "../figures/site_map.ts";
import { finiteMinMax } from "../figures/svg.ts";
import type { BicSweep } from "./gmm.ts";
import type { PcaResult } from "./pca.ts";
import type { EmbeddingName } from "./suite.ts";

/** Explained variance ratio per component (log scale) and its cumulative sum. */
export function screeFigure(p: PcaResult): string {
  const index = Float64Array.from({ length: p.count }, (_, t) => t + 1);
  let sum = 0;
  const cumulative = p.explainedVarianceRatio.map((v) => (sum += v));
  return figureGrid([
    lineFigure(index, [{ label: "explained variance ratio", y: p.explainedVarianceRatio }], {
      title: "PCA scree",
      xLabel: "component",
      logY: true,
      width: 380,
    }),
    lineFigure(index, [{ label: "cumulative", y: cumulative }], {
      title: "Cumulative explained variance",
      xLabel: "component",
      width: 380,
    }),
  ]);
}

/**
 * The first `count` components as images (loading maps), each scaled by
 * its largest |value| so that white is zero on the diverging colour map.
 */
export function loadingsFigure(p: PcaResult, window: number, count = 12): string {
  const d = window * window;
  const m = Math.min(count, p.count);
  const tiles = Array.from({ length: m }, (_, t) => {
    const axis = p.components.subarray(t * d, (t + 1) * d);
    let peak = 0;
    for (const v of axis) peak = Math.max(peak, Math.abs(v));
    return {
      data: Float32Array.from(axis, (v) => 0.5 + 0.5 * v / (peak || 1)),
      width: window,
      height: window,
    };
  });
  return mosaicFigure(tiles, {
    title: "PCA loading maps",
    percentiles: [0, 100],
    colormap: "blue-red",
    columns: Math.min(m, 6),
    tileLabels: Array.from(
      { length: m },
      (_, t) => `PC${t + 1} ${(100 * p.explainedVarianceRatio[t]).toFixed(1)}%`,
    ),
  });
}

/** Options of {@linkcode clusterMapFigure}. */
export interface ClusterMapOptions {
  /**
   * The image the centres belong to (size and calibration): axes in nm when
   * calibrated. Default: an uncalibrated frame just holding the centres.
   */
  frame?: SiteMapFrame;
  /** The image under the centres in grey, or none (default). */
  background?: ImageData | null;
}

/**
 * Per-method class labels on the window centres, side by side, each map in
 * the image's frame (y down, equal aspect, nm when calibrated).
 */
export function clusterMapFigure(
  positions: { x: ArrayLike<number>; y: ArrayLike<number> },
  labels: Record<string, Int32Array>,
  options: ClusterMapOptions = {},
): string {
  const frame = options.frame ?? {
    width: Math.ceil(finiteMinMax(positions.x)[1] + 1) || 1,
    height: Math.ceil(finiteMinMax(positions.y)[1] + 1) || 1,
  };
  const panels = Object.entries(labels).map(([method, l]) =>
    siteMapFigure(frame, positions, {
      title: method,
      categories: Array.from(l, (c) => c + 1),
      legendTitle: "class",
      size: 360,
      background: options.background ?? null,
    })
  );
  return figureGrid(panels, { columns: 2, title: "Classes on the real-space lattice" });
}

/** Mean window of every class, one row of tiles per method. */
export function clusterMeansFigure(
  stack: { data: Float32Array; count: number; window: number },
  labels: Record<string, Int32Array>,
): string {
  const d = stack.window * stack.window;
  const rows = Object.entries(labels).map(([method, l]) => {
    const classes = Math.max(...l) + 1;
    const means = Array.from({ length: classes }, () => new Float32Array(d));
    const counts = new Int32Array(classes);
    for (let i = 0; i < stack.count; i++) {
      const mean = means[l[i]];
      counts[l[i]]++;
      for (let t = 0; t < d; t++) mean[t] += stack.data[i * d + t];
    }
    means.forEach((mean, c) => {
      if (counts[c]) { for (let t = 0; t < d; t++) mean[t] /= counts[c]; }
    });
    return mosaicFigure(
      means.map((data) => ({ data, width: stack.window, height: stack.window })),
      {
        title: method,
        columns: classes,
        tileSize: Math.min(100, Math.floor(560 / classes)),
        tileLabels: Array.from(counts, (n, c) => `${c + 1}: n=${n}`),
      },
    );
  });
  return figureGrid(rows, { columns: 1, title: "Class-mean windows" });
}

/** NMF component images. */
export function nmfFigure(components: Float64Array, count: number, window: number): string {
  const d = window * window;
  return mosaicFigure(
    Array.from({ length: count }, (_, j) => ({
      data: Float32Array.from(components.subarray(j * d, (j + 1) * d)),
      width: window,
      height: window,
    })),
    {
      title: "NMF components",
      normalize: "each",
      tileLabels: Array.from({ length: count }, (_, j) => `component ${j + 1}`),
    },
  );
}

/** BIC (and AIC) of the full-covariance mixture over k. */
export function bicFigure(sweep: BicSweep): string {
  return lineFigure(sweep.ks, [
    { label: "BIC", y: sweep.bic },
    { label: "AIC", y: sweep.aic },
  ], {
    title: `GMM on PCA scores: BIC is least at k = ${sweep.best}`,
    xLabel: "components k",
    yLabel: "criterion",
  });
}

const TITLES: Record<EmbeddingName, string> = {
  pca: "PCA",
  tsne: "t-SNE",
  umap: "UMAP",
  isomap: "Isomap",
  mds: "MDS",
};

/** Each 2-D embedding (`rows x 2`) coloured by `labels`; NaN rows are left out. */
export function embeddingsFigure(
  embeddings: Partial<Record<EmbeddingName, Float64Array>>,
  labels: Int32Array,
  labelName: string,
): string {
  const panels = Object.entries(embeddings).map(([name, y]) => {
    const keep = [...labels.keys()].filter((i) => Number.isFinite(y[2 * i]));
    return scatterFigure(keep.map((i) => y[2 * i]), keep.map((i) => y[2 * i + 1]), {
      title: `${TITLES[name as EmbeddingName] ?? name} (${keep.length} windows)`,
      categories: keep.map((i) => labels[i] + 1),
      legendTitle: labelName,
      density: "none",
      radius: keep.length > 3000 ? 1.2 : 2,
      width: 400,
      height: 340,
    });
  });
  return figureGrid(panels, {
    columns: panels.length > 4 ? 3 : 2,
    title: `Embeddings coloured by ${labelName}`,
  });
}
