/**
 * The train stage: the rotationally invariant VAE (rVAE; Kalinin et al.,
 * "Unsupervised learning of ferroic variants from atomically resolved STEM
 * images") trained on a stack of windows, the stack encoded, the peaks of
 * the encoded angle and a Gaussian mixture on the latents, as the files and
 * figures `train` writes.
 *
 * @module
 */

import { gaussianMixture } from "../baselines/gmm.ts";
import { sha256Hex } from "../io/run.ts";
import { modelFiles } from "../io/rvae_files.ts";
import { type AnglePeaks, findAnglePeaks } from "../rvae/angles.ts";
import type { RvaeConfig, TrainOptions } from "../rvae/config.ts";
import { encodeStack, type Encoding } from "../rvae/inference.ts";
import { createRvae, type Rvae } from "../rvae/model.ts";
import { stackNormalization } from "../rvae/normalize.ts";
import { encodeCheckpoint } from "../rvae/serialize.ts";
import {
  type BatchProgress,
  type EpochRecord,
  type TrainCheckpoint,
  trainRvae,
} from "../rvae/train.ts";
import { type LatentMixture, rvaeFigures } from "./_rvae_figures.ts";
import type { StageHooks, StageOutput } from "./_stage.ts";
import { historyCsv, latentsCsv } from "./_tables.ts";

export type { LatentMixture } from "./_rvae_figures.ts";

/** The name the checkpoint goes under in the output folder. */
export const CHECKPOINT_FILE = "checkpoint.bin";

/** Options of {@linkcode trainStage}. */
export interface TrainStageOptions {
  /** The model's configuration (see `makeConfig`). */
  config: RvaeConfig;
  /** The training options (see `makeTrainOptions`). */
  training: TrainOptions;
  /** SHA-256 of the stack's bytes, kept in checkpoints (a resume checks it; default: computed). */
  dataSha256?: string;
  /** nm per pixel of the image the windows come from: adds `dx_pm,dy_pm` to latents.csv. */
  pixelSizeNm?: number;
  /** Continue from this checkpoint. */
  resume?: TrainCheckpoint;
  /** Draw the figures (default true). */
  figures?: boolean;
}

/** How a caller follows, checkpoints and stops training. */
export interface TrainStageHooks extends StageHooks {
  /** After each batch. */
  onBatch?: (progress: BatchProgress) => void;
  /** After each epoch. */
  onEpoch?: (record: EpochRecord) => void;
  /** Events worth telling the user (rollbacks and the like). */
  onNotice?: (message: string) => void;
  /** After every epoch: `checkpoint.bin`'s bytes (awaited before training goes on). */
  onCheckpoint?: (bytes: Uint8Array) => Promise<void>;
}

/** What {@linkcode trainStage} trained, encoded and made. */
export interface TrainStageResult extends StageOutput {
  /** The trained model; the caller disposes of it (`disposeRvae`). */
  model: Rvae;
  /** True when `shouldStop` ended training early (then the files hold only the checkpoint). */
  stopped: boolean;
  /** One record per epoch. */
  history: EpochRecord[];
  /** The stack encoded (null when stopped). */
  encoding: Encoding | null;
  /** Peaks of the encoded angle (null when stopped). */
  peaks: AnglePeaks | null;
  /** The Gaussian mixture on the latents (null when stopped or too few windows or peaks). */
  mixture: LatentMixture | null;
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

/**
 * Train the rVAE on `input.stack` (`size × size` windows, one after the
 * other), checkpointing after every epoch through `hooks.onCheckpoint`;
 * encode the stack, find the peaks of the encoded angle, fit a Gaussian
 * mixture on the latents ({@linkcode latentMixture}) and make `model/`
 * (`config.json`, `weights.bin`), `latents.csv` (see `latentsCsv`),
 * `history.csv`, `checkpoint.bin` and, unless `figures` is false, the
 * figures. When `hooks.shouldStop` stops training, only the checkpoint is
 * made. Needs a tfjs backend (`initBackend`).
 *
 * @example
 * ```ts
 * import { initBackend } from "../rvae/backend.ts";
 * import { DEFAULT_CONFIG, DEFAULT_TRAINING, makeConfig, makeTrainOptions } from "../rvae/config.ts";
 * await initBackend({ backend: "cpu" });
 * const size = 8, data = Float32Array.from({ length: 12 * size * size }, (_, i) => Math.sin(i));
 * const stage = await trainStage({ stack: { data, size }, positions: null }, {
 *   config: makeConfig(size, DEFAULT_CONFIG),
 *   training: makeTrainOptions({ ...DEFAULT_TRAINING, epochs: 1 }),
 *   figures: false,
 * });
 * console.log(stage.summary);
 * ```
 */
export async function trainStage(
  input: {
    stack: { data: Float32Array; size: number };
    positions: { x: ArrayLike<number>; y: ArrayLike<number> } | null;
  },
  options: TrainStageOptions,
  hooks: TrainStageHooks = {},
): Promise<TrainStageResult> {
  const { config, training, resume } = options;
  const { stack: { data, size }, positions } = input;
  const dataSha256 = options.dataSha256 ??
    await sha256Hex(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  const count = data.length / (size * size);
  const normalization = stackNormalization(data, size * size);
  const parameters = { ...config, ...training, normalization, resume: !!resume };
  const model = createRvae(config, { seed: training.seed, normalization });
  let checkpointBytes: Uint8Array | null = null;
  const started = performance.now();
  const result = await trainRvae(model, data, {
    ...training,
    resume,
    hooks: {
      onBatch: hooks.onBatch,
      onEpoch: hooks.onEpoch,
      onNotice: hooks.onNotice,
      shouldStop: () => hooks.shouldStop?.() ?? false,
      onCheckpoint: async (checkpoint) => {
        checkpointBytes = encodeCheckpoint(checkpoint, {
          config,
          normalization,
          training,
          dataSha256,
        });
        await hooks.onCheckpoint?.(checkpointBytes);
      },
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const extra: Record<string, unknown> = {
    epochsCompleted: result.history.length,
    trainSeconds: Math.round(seconds * 10) / 10,
    // Wall-clock rates stay out of history.csv, so that reruns give identical CSV files.
    imagesPerSecondByEpoch: result.history.map((r) => Math.round(r.imagesPerSecond)),
    imagesPerSecond: Math.round(
      result.history.slice(resume?.epoch ?? 0).reduce((s, r) => s + r.imagesPerSecond, 0) /
        Math.max(1, result.history.length - (resume?.epoch ?? 0)),
    ),
  };
  const checkpointFiles: Record<string, Uint8Array> = checkpointBytes
    ? { [CHECKPOINT_FILE]: checkpointBytes }
    : {};
  if (result.stopped) {
    return {
      model,
      stopped: true,
      history: result.history,
      encoding: null,
      peaks: null,
      mixture: null,
      files: checkpointFiles,
      figures: [],
      parameters,
      extra: { ...extra, interrupted: true },
      summary: `train: interrupted after epoch ${result.history.length}`,
    };
  }
  const files: Record<string, Uint8Array | string> = { ...checkpointFiles };
  for (const [name, bytes] of Object.entries(modelFiles(model, training))) {
    files[`model/${name}`] = bytes;
  }
  await hooks.onStep?.("encode");
  const encoding = encodeStack(model, data);
  files["latents.csv"] = latentsCsv(encoding, {
    latentDim: config.latentDim,
    translation: config.translation,
    positions,
    pixelSizeNm: options.pixelSizeNm,
  });
  files["history.csv"] = historyCsv(result.history);
  const peaks = findAnglePeaks(encoding.angle);
  Object.assign(extra, {
    anglePeaksDeg: peaks.peaks.map((p) => Math.round((p.angle * 1800) / Math.PI) / 10),
    peakSeparationsDeg: peaks.separationsDeg.map((s) => Math.round(s * 10) / 10),
  });
  const mixture = latentMixture(encoding, config.latentDim, peaks.peaks.length);
  let figures: TrainStageResult["figures"] = [];
  if (options.figures ?? true) {
    await hooks.onStep?.("figures");
    figures = rvaeFigures({ model, encoding, peaks, positions, mixture });
  }
  const last = result.history[result.history.length - 1];
  return {
    model,
    stopped: false,
    history: result.history,
    encoding,
    peaks,
    mixture,
    files,
    figures,
    parameters,
    extra,
    summary:
      `train: ${count} windows, ${result.history.length} epochs, loss ${
        last.train.loss.toFixed(2)
      } (held-out ${last.validation?.loss.toFixed(2) ?? "-"}), angle peaks ` +
      `${peaks.peaks.length} (${peaks.separationsDeg.map((s) => s.toFixed(0)).join("°, ")}°)` +
      `, ${seconds.toFixed(0)} s`,
  };
}
