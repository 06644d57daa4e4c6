/**
 * The train stage: the rotationally invariant VAE (rVAE; Kalinin et al.,
 * "Unsupervised learning of ferroic variants from atomically resolved STEM
 * images") trained on a stack of windows (or several, one model over all),
 * ending on its best held-out epoch, from one or several seeds; the stack
 * encoded, the peaks of the encoded angle on the circle and a Gaussian
 * mixture on the latents, as the files and figures `train` writes.
 *
 * @module
 */

import type { ImageData } from "../figures/image_panel.ts";
import type { SiteMapFrame } from "../figures/site_map.ts";
import { sha256Hex } from "../io/run.ts";
import { modelFiles } from "../io/rvae_files.ts";
import { describePeaks } from "../rvae/angles.ts";
import type { AnglePeaks } from "../rvae/angles.ts";
import type { RvaeConfig, TrainOptions } from "../rvae/config.ts";
import { encodeStack, type Encoding } from "../rvae/inference.ts";
import type { Rvae } from "../rvae/model.ts";
import { stackNormalization } from "../rvae/normalize.ts";
import { type RestartRun, trainRestarts } from "../rvae/restarts.ts";
import { encodeCheckpoint, type WindowSpec } from "../rvae/serialize.ts";
import {
  type BatchProgress,
  type EpochRecord,
  type TrainCheckpoint,
  trainingWarnings,
  type TrainResult,
} from "../rvae/train.ts";
import type { Warning } from "../warnings.ts";
import { type LatentMixture, latentOutputs, trainingLossFigure } from "./_rvae_figures.ts";
import type { StageHooks, StageOutput } from "./_stage.ts";
import { historyCsv } from "./_tables.ts";

export { type LatentMixture, latentMixture, peaksRecord } from "./_rvae_figures.ts";

/** The name the (first restart's) checkpoint goes under in the output folder. */
export const CHECKPOINT_FILE = "checkpoint.bin";

/**
 * The checkpoint file of restart `restart` (0-based): `checkpoint.bin` for
 * the first, `checkpoint_2.bin`, `checkpoint_3.bin`, … for the others.
 *
 * @example
 * ```ts
 * console.log(checkpointFile(0), checkpointFile(2)); // checkpoint.bin checkpoint_3.bin
 * ```
 */
export function checkpointFile(restart: number): string {
  return restart === 0 ? CHECKPOINT_FILE : `checkpoint_${restart + 1}.bin`;
}

/** Options of {@linkcode trainStage}. */
export interface TrainStageOptions {
  /** The model's configuration (see `makeConfig`). */
  config: RvaeConfig;
  /** The training options (see `makeTrainOptions`). */
  training: TrainOptions;
  /**
   * Seeds to train (`--restarts`; default 1): restart k uses seed `seed + k`,
   * all hold out the same windows, and the one with the lowest held-out loss
   * is kept (every one is reported).
   */
  restarts?: number;
  /** SHA-256 of the stack's bytes, kept in checkpoints (a resume checks it; default: computed). */
  dataSha256?: string;
  /** nm per pixel of the image the windows come from: adds `dx_pm,dy_pm` to latents.csv. */
  pixelSizeNm?: number;
  /** Continue from this checkpoint (the first restart's), or from each restart's. */
  resume?: TrainCheckpoint | ((restart: number) => TrainCheckpoint | undefined);
  /** How the windows were cut, saved with the model (what `encode` checks new windows against). */
  windows?: WindowSpec;
  /** The image's frame for the latent maps (default: the positions' extent). */
  frame?: SiteMapFrame | null;
  /** The image in grey under the latent maps (`--map-background image`; default none). */
  background?: ImageData | null;
  /** Draw the figures (default true). */
  figures?: boolean;
}

/** How a caller follows, checkpoints and stops training. */
export interface TrainStageHooks extends StageHooks {
  /** After each batch. */
  onBatch?: (progress: BatchProgress) => void;
  /** After each epoch. */
  onEpoch?: (record: EpochRecord) => void;
  /** Events worth telling the user (rollbacks, learning-rate reductions, restarts). */
  onNotice?: (message: string) => void;
  /**
   * After every epoch: the checkpoint's bytes and its file name
   * ({@linkcode checkpointFile} of the restart), awaited before training goes on.
   */
  onCheckpoint?: (bytes: Uint8Array, file: string) => Promise<void>;
}

/** What the train and encode stages share: the model, the encoding and what was read off it. */
export interface LatentStageResult extends StageOutput {
  /** The model; the caller disposes of it (`disposeRvae`). */
  model: Rvae;
  /** The stack encoded (null when stopped). */
  encoding: Encoding | null;
  /** Peaks of the encoded angle on the circle (null when stopped). */
  peaks: AnglePeaks | null;
  /** The Gaussian mixture on the latents (null when stopped or too few windows). */
  mixture: LatentMixture | null;
}

/** What {@linkcode trainStage} trained, encoded and made. */
export interface TrainStageResult extends LatentStageResult {
  /** True when `shouldStop` ended training early (then the files hold only the checkpoints). */
  stopped: boolean;
  /** One record per epoch of the kept restart. */
  history: EpochRecord[];
  /** How the kept restart's training ended (best epoch, restored or not, divergences). */
  training: TrainResult;
  /** Every restart, in order. */
  restarts: RestartRun[];
}

const round = (v: number, digits = 4) => Number.isFinite(v) ? Number(v.toPrecision(digits)) : v;

/**
 * "held-out 24.7 (last) -> 10.6 (epoch 13, restored)": the held-out loss of
 * the last epoch and of the epoch the model ends with.
 */
function heldOutText(result: TrainResult): string {
  const h = result.history;
  const last = h.at(-1);
  const held = (r: EpochRecord | undefined) => r?.validation?.loss ?? r?.train.loss ?? NaN;
  const kind = last?.validation ? "held-out" : "training loss";
  if (!last) return "no epoch";
  if (!result.restoredBest) {
    return `${kind} ${held(last).toFixed(2)} (last epoch ${last.epoch}, also the best` +
      `${result.bestEpoch === last.epoch ? "" : `: best was ${result.bestEpoch}, not restored`})`;
  }
  return `${kind} ${held(last).toFixed(2)} (last, epoch ${last.epoch}) -> ` +
    `${held(h[result.finalEpoch - 1]).toFixed(2)} (best, epoch ${result.finalEpoch}, restored)`;
}

/**
 * Train the rVAE on `input.stack` (`size × size` windows, one after the
 * other) from `restarts` seeds, checkpointing every restart after every
 * epoch through `hooks.onCheckpoint`; keep the restart with the lowest
 * held-out loss, which ends on its best epoch (with the default training);
 * encode the stack, find the peaks of the encoded angle on the circle, fit
 * a Gaussian mixture on the latents and make `model/` (`config.json` with
 * `windows`, `weights.bin`), `latents.csv` (see `latentsCsv`; `source` with
 * `input.source`), `history.csv` (with `best`), the checkpoints and, unless
 * `figures` is false, the figures. Warnings: `rvae-diverged`. When
 * `hooks.shouldStop` stops training, only the checkpoints are made. Needs a
 * tfjs backend (`initBackend`).
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
    /** Index of the stack each window came from (several stacks): `latents.csv`'s `source`. */
    source?: ArrayLike<number> | null;
  },
  options: TrainStageOptions,
  hooks: TrainStageHooks = {},
): Promise<TrainStageResult> {
  const { config, training } = options;
  const restarts = options.restarts ?? 1;
  const resume = typeof options.resume === "function"
    ? options.resume
    : (k: number) => k === 0 ? options.resume as TrainCheckpoint | undefined : undefined;
  const { stack: { data, size }, positions } = input;
  const dataSha256 = options.dataSha256 ??
    await sha256Hex(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  const count = data.length / (size * size);
  const normalization = stackNormalization(data, size * size);
  const resumed = Array.from({ length: restarts }, (_, k) => resume(k)).some(Boolean);
  const parameters = { ...config, ...training, restarts, normalization, resume: resumed };
  const checkpoints: Record<string, Uint8Array> = {};
  // A restart resumed at its end trains no epoch: its checkpoint is still among the files.
  for (let k = 0; k < restarts; k++) {
    const given = resume(k);
    if (given) {
      checkpoints[checkpointFile(k)] = encodeCheckpoint(given, {
        config,
        normalization,
        training,
        dataSha256,
      });
    }
  }
  const started = performance.now();
  const kept = await trainRestarts(config, data, {
    ...training,
    restarts,
    normalization,
    resume,
    hooks: (k, seed) => ({
      onBatch: hooks.onBatch,
      onEpoch: hooks.onEpoch,
      onNotice: (message) =>
        hooks.onNotice?.(restarts > 1 ? `restart ${k + 1} (seed ${seed}): ${message}` : message),
      shouldStop: () => hooks.shouldStop?.() ?? false,
      onCheckpoint: async (checkpoint) => {
        // Every restart's checkpoint records the run's training options: restart k's seed
        // is seed + k, so that a resume checks them as for a single run.
        const bytes = encodeCheckpoint(checkpoint, { config, normalization, training, dataSha256 });
        checkpoints[checkpointFile(k)] = bytes;
        await hooks.onCheckpoint?.(bytes, checkpointFile(k));
      },
    }),
  });
  const { model, result, runs } = kept;
  const seconds = (performance.now() - started) / 1000;
  const first = typeof options.resume === "function" ? 0 : options.resume?.epoch ?? 0;
  const fresh = result.history.slice(first);
  const extra: Record<string, unknown> = {
    epochsCompleted: result.history.length,
    trainSeconds: Math.round(seconds * 10) / 10,
    // Wall-clock rates stay out of history.csv, so that reruns give identical CSV files.
    imagesPerSecondByEpoch: result.history.map((r) => Math.round(r.imagesPerSecond)),
    imagesPerSecond: Math.round(
      fresh.reduce((s, r) => s + r.imagesPerSecond, 0) / Math.max(1, fresh.length),
    ),
    bestEpoch: result.bestEpoch,
    bestLoss: round(result.bestLoss, 6),
    finalEpoch: result.finalEpoch,
    restoredBest: result.restoredBest,
    endReason: result.endReason,
    learningRates: result.history.map((r) => r.learningRate),
    divergences: result.divergences,
    restarts: runs.map((r) => ({ ...r, bestLoss: round(r.bestLoss, 6), loss: round(r.loss, 6) })),
  };
  if (kept.stopped) {
    return {
      model,
      stopped: true,
      history: result.history,
      training: result,
      restarts: runs,
      encoding: null,
      peaks: null,
      mixture: null,
      files: { ...checkpoints },
      figures: [],
      parameters,
      extra: { ...extra, interrupted: true },
      summary: `train: interrupted after epoch ${result.history.length}` +
        (restarts > 1 ? ` of restart ${runs.length} of ${restarts}` : ""),
    };
  }
  const files: Record<string, Uint8Array | string> = { ...checkpoints };
  const windows: WindowSpec = { ...options.windows, window: size };
  for (const [name, bytes] of Object.entries(modelFiles(model, training, windows))) {
    files[`model/${name}`] = bytes;
  }
  await hooks.onStep?.("encode");
  const encoding = encodeStack(model, data);
  if ((options.figures ?? true)) await hooks.onStep?.("figures");
  const latent = latentOutputs({
    model,
    encoding,
    positions,
    frame: options.frame,
    background: options.background,
    pixelSizeNm: options.pixelSizeNm,
    source: input.source,
    figures: options.figures,
  });
  Object.assign(files, latent.files);
  files["history.csv"] = historyCsv(result);
  Object.assign(extra, latent.extra);
  const warnings: Warning[] = trainingWarnings(result);
  const figures = latent.figures;
  const lossFigure = (options.figures ?? true)
    ? [{ name: "training_loss", svg: trainingLossFigure(result) }]
    : [];
  const restartText = restarts > 1
    ? `; restart ${kept.chosen + 1} of ${restarts} kept (held-out ${
      runs.map((r) => r.loss.toFixed(2)).join(", ")
    })`
    : "";
  return {
    model,
    stopped: false,
    history: result.history,
    training: result,
    restarts: runs,
    encoding,
    peaks: latent.peaks,
    mixture: latent.mixture,
    files,
    figures: [...lossFigure, ...figures],
    parameters,
    extra,
    warnings,
    summary:
      `train: ${count} windows, ${result.history.length} epochs (${endText(result)}), ${
        heldOutText(result)
      }${restartText}; angle: ${describePeaks(latent.peaks)}` +
      `, ${seconds.toFixed(0)} s`,
  };
}

function endText(result: TrainResult): string {
  return result.endReason === "patience" ? "stopped early: no better held-out loss" : "all run";
}
