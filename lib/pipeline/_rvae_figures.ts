/**
 * What every stage that encodes windows with an rVAE makes of the encoding
 * (`train`, `encode`, `analyze`): `latents.csv`, the peaks of the encoded
 * angle found on the circle, a Gaussian mixture on the latents, and the
 * paper's figures, drawn by lib/figures/latent_figures.ts:
 * - `angle_histogram`: encoded angles from the circle's cut, with the peaks (Fig 1d);
 * - `training_loss`: training and held-out loss per epoch, the kept epoch marked;
 * - `latent_manifold`: decoded windows over a grid of z values (Fig 1e, 5a/d);
 * - `latent_scatter`: z1 against z2 coloured by angle (Fig 2e, g);
 * - `latent_gmm`: the mixture's classes over angle and z1 (Fig 2h);
 * - with positions (of one image): `map_angle`, `map_shift`, `map_dx`, `map_dy`, `map_z1`,
 *   `map_z2` and `map_gmm` on the window centres in the image's frame (Fig 2a-d, 6, 7).
 *
 * @module
 */

import { gaussianMixture } from "../baselines/gmm.ts";
import { lineFigure } from "../figures/charts.ts";
import type { ImageData } from "../figures/image_panel.ts";
import {
  encodedAngleHistogramFigure,
  latentClassesFigure,
  latentManifoldFigure,
  latentMapFigures,
  latentScatterFigure,
  type LatentValues,
  manifoldGrid,
} from "../figures/latent_figures.ts";
import type { SiteMapFrame } from "../figures/site_map.ts";
import { type AnglePeaks, findAnglePeaks } from "../rvae/angles.ts";
import { decodeWithPose, type Encoding } from "../rvae/inference.ts";
import type { Rvae } from "../rvae/model.ts";
import type { TrainResult } from "../rvae/train.ts";
import type { StageFigure } from "./_stage.ts";
import { latentsCsv } from "./_tables.ts";

/** Classes of a Gaussian mixture on the latents. */
export interface LatentMixture {
  /** Components. */
  components: number;
  /** Class of each window, from 0. */
  classes: Int32Array;
}

/**
 * A Gaussian mixture on the latents, the angle entering as (cos φ, sin φ) so
 * that 0 and 2π coincide, with one component per angle peak (2 when there is
 * none, at most 8); null with fewer than 4 windows or 2 components.
 *
 * @example
 * ```ts
 * const angle = Float64Array.from({ length: 40 }, (_, i) => (i % 4) * Math.PI / 2 + 0.01 * i);
 * const encoding = { count: 40, angle, content: new Float32Array(40) };
 * const mixture = latentMixture(encoding, 1, 4);
 * console.log(mixture?.components); // 4
 * ```
 */
export function latentMixture(
  encoding: Pick<Encoding, "count" | "angle" | "content">,
  latentDim: number,
  peakCount: number,
): LatentMixture | null {
  const k = latentDim;
  const features = 2 + k;
  const n = encoding.count;
  const components = Math.max(1, Math.min(peakCount || 2, 8, n));
  if (n < 4 || components < 2) return null;
  const data = new Float32Array(n * features);
  for (let i = 0; i < n; i++) {
    data[i * features] = Math.cos(encoding.angle[i]);
    data[i * features + 1] = Math.sin(encoding.angle[i]);
    for (let j = 0; j < k; j++) data[i * features + 2 + j] = encoding.content[i * k + j];
  }
  const gmm = gaussianMixture({ data, rows: n, cols: features }, components, {
    seed: 0,
    starts: 3,
  });
  return { components, classes: Int32Array.from(gmm.labels) };
}

/** What {@linkcode latentOutputs} works from. */
export interface LatentOutputInput {
  /** The model (for the manifold and the table's columns). */
  model: Rvae;
  /** The windows encoded. */
  encoding: Encoding;
  /** Window centres in the image, when known (adds `x,y` and the maps). */
  positions: { x: ArrayLike<number>; y: ArrayLike<number> } | null;
  /**
   * The image's frame for the maps (size and calibration; default: the
   * positions' extent plus half a window, uncalibrated).
   */
  frame?: SiteMapFrame | null;
  /** The image drawn in grey under the maps (`--map-background image`); default none. */
  background?: ImageData | null;
  /** nm per pixel: adds `dx_pm,dy_pm` to latents.csv. */
  pixelSizeNm?: number;
  /** Index of the stack each window came from (several stacks): adds `source`. */
  source?: ArrayLike<number> | null;
  /** Draw the figures (default true). */
  figures?: boolean;
}

/** What {@linkcode latentOutputs} made. */
export interface LatentOutputs {
  /** `latents.csv`. */
  files: { "latents.csv": string };
  /** The figures, in the order to write them. */
  figures: StageFigure[];
  /** Peaks of the encoded angle on the circle. */
  peaks: AnglePeaks;
  /** The Gaussian mixture on the latents (null with too few windows). */
  mixture: LatentMixture | null;
  /** The peaks for `run.json`: each one's angle, error, width, count and share; separations. */
  extra: Record<string, unknown>;
}

const DEG = 180 / Math.PI;
const round = (v: number, digits = 1) => Number(v.toFixed(digits));

/**
 * The peaks of an angle distribution as `run.json` records them: angle and
 * its standard error, width (degrees), windows and share of each, and the
 * angles between neighbours.
 *
 * @example
 * ```ts
 * import { findAnglePeaks } from "../rvae/angles.ts";
 * const angles = Float64Array.from({ length: 400 }, (_, i) => (i % 2) * Math.PI + 0.01 * (i % 7));
 * const record = peaksRecord(findAnglePeaks(angles));
 * console.log(record.peaks.length); // 2
 * ```
 */
export function peaksRecord(peaks: AnglePeaks): {
  peaks: {
    angleDeg: number;
    angleErrDeg: number;
    widthDeg: number;
    count: number;
    fraction: number;
  }[];
  separationsDeg: number[];
  cutDeg: number;
} {
  return {
    peaks: peaks.peaks.map((p) => ({
      angleDeg: round(p.angle * DEG),
      angleErrDeg: round(p.angleErr * DEG, 2),
      widthDeg: round(p.widthDeg),
      count: p.count,
      fraction: round(p.fraction, 4),
    })),
    separationsDeg: peaks.separationsDeg.map((s) => round(s)),
    cutDeg: round(peaks.cutAngle * DEG),
  };
}

/**
 * `latents.csv`, the angle's peaks on the circle, the Gaussian mixture on
 * the latents and (unless `figures` is false) the figures, from an encoding.
 *
 * @example
 * ```ts
 * import { latentOutputs } from "./_rvae_figures.ts";
 * import { initBackend } from "../rvae/backend.ts";
 * import { makeConfig } from "../rvae/config.ts";
 * import { encodeStack } from "../rvae/inference.ts";
 * import { createRvae } from "../rvae/model.ts";
 * await initBackend({ backend: "cpu" });
 * const model = createRvae(makeConfig(8, { hiddenUnits: 8, latentDim: 1 }), { seed: 0 });
 * const encoding = encodeStack(model, Float32Array.from({ length: 6 * 64 }, (_, i) => Math.sin(i)));
 * const { files } = latentOutputs({ model, encoding, positions: null, figures: false });
 * if (!files["latents.csv"].startsWith("i,angle,dx,dy,z1")) throw new Error("latents.csv");
 * ```
 */
export function latentOutputs(input: LatentOutputInput): LatentOutputs {
  const { model, encoding, positions } = input;
  const k = model.config.latentDim;
  const files = {
    "latents.csv": latentsCsv(encoding, {
      latentDim: k,
      translation: model.config.translation,
      positions,
      pixelSizeNm: input.pixelSizeNm,
      source: input.source,
    }),
  };
  const peaks = findAnglePeaks(encoding.angle);
  const mixture = latentMixture(encoding, k, peaks.peaks.length);
  const figures: StageFigure[] = [];
  if (input.figures ?? true) {
    const latents: LatentValues = {
      angle: encoding.angle,
      shiftPixels: encoding.shiftPixels,
      content: encoding.content,
      latentDim: k,
    };
    figures.push({
      name: "angle_histogram",
      svg: encodedAngleHistogramFigure(encoding.angle, peaks),
    });
    if (k >= 1) {
      const grid = manifoldGrid(latents);
      const decoded = decodeWithPose(model, { content: grid.content });
      figures.push({
        name: "latent_manifold",
        svg: latentManifoldFigure(decoded, model.config.size, grid),
      });
      figures.push({ name: "latent_scatter", svg: latentScatterFigure(latents) });
    }
    if (mixture) {
      figures.push({ name: "latent_gmm", svg: latentClassesFigure(latents, mixture.classes) });
    }
    // Windows of several images share no frame: their maps would overlap.
    const oneImage = !input.source || new Set(Array.from(input.source)).size <= 1;
    if (positions && oneImage) {
      const frame = input.frame ?? extentFrame(positions, model.config.size);
      figures.push(
        ...latentMapFigures(frame, positions, latents, {
          background: input.background ?? null,
          classes: mixture?.classes ?? null,
        }),
      );
    }
  }
  return { files, figures, peaks, mixture, extra: { anglePeaks: peaksRecord(peaks) } };
}

/** A frame that holds every window: the centres' extent plus half a window. */
function extentFrame(
  positions: { x: ArrayLike<number>; y: ArrayLike<number> },
  window: number,
): SiteMapFrame {
  let width = 1;
  let height = 1;
  for (let i = 0; i < positions.x.length; i++) {
    if (Number.isFinite(positions.x[i])) width = Math.max(width, positions.x[i] + window / 2);
    if (Number.isFinite(positions.y[i])) height = Math.max(height, positions.y[i] + window / 2);
  }
  return { width: Math.ceil(width), height: Math.ceil(height) };
}

/**
 * `training_loss`: the training and held-out loss per epoch, with a marker
 * on the epoch whose parameters the model ends with (the best one, when it
 * was restored).
 *
 * @example
 * ```ts
 * import { trainingLossFigure } from "./_rvae_figures.ts";
 * const history = [9, 7, 8].map((held, i) => ({
 *   epoch: i + 1,
 *   train: { loss: 10 - i, reconstruction: 0, kl: 0 },
 *   validation: { loss: held, reconstruction: 0, kl: 0 },
 *   learningRate: 3e-3,
 *   seconds: 1,
 *   imagesPerSecond: 100,
 * }));
 * const svg = trainingLossFigure({ history, bestEpoch: 2, finalEpoch: 2, restoredBest: true });
 * if (!svg.includes("best 2, restored")) throw new Error("the kept epoch is marked");
 * ```
 */
export function trainingLossFigure(
  result: Pick<TrainResult, "history" | "finalEpoch" | "restoredBest" | "bestEpoch">,
): string {
  const h = result.history;
  const series = [{ label: "training", y: h.map((r) => r.train.loss) }];
  if (h.some((r) => r.validation)) {
    series.push({ label: "held-out", y: h.map((r) => r.validation?.loss ?? NaN) });
  }
  const kept = result.finalEpoch;
  const label = result.restoredBest ? `best ${kept}, restored` : `kept ${kept}`;
  return lineFigure(h.map((r) => r.epoch), series, {
    title: `Loss per epoch (model of epoch ${kept} kept)`,
    xLabel: "epoch",
    yLabel: "loss (negative ELBO)",
    markers: kept > 0 ? [{ x: kept, label }] : [],
  });
}
