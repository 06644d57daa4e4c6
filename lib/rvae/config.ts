/**
 * The rVAE's configuration: architecture (what `model/config.json` keeps)
 * and training options, with defaults and validation.
 *
 * Latent layout, as AtomAI's rVAE: index 0 is the angle φ, then (with
 * translation) the shifts dx, dy, then the K content variables.
 *
 * @module
 */

import { UserError } from "../errors.ts";

/** The encoder: AtomAI's MLP (its default) or the paper's convolutional one. */
export type EncoderKind = "mlp" | "conv";
/**
 * The decoder: `faithful` is AtomAI's per-pixel coordinate network; `fast`
 * decodes one canonical image per sample and resamples it, bilinearly, on
 * the rotated and shifted grid.
 */
export type DecoderKind = "fast" | "faithful";

/** The encoders, for flag parsers. */
export const ENCODER_KINDS: readonly EncoderKind[] = ["mlp", "conv"];
/** The decoders, for flag parsers. */
export const DECODER_KINDS: readonly DecoderKind[] = ["fast", "faithful"];

/** What defines a model's shape and its prior; saved with its weights. */
export interface RvaeConfig {
  /** Window side in pixels (windows are square). */
  size: number;
  /** Number of content latents K (the paper: 2). */
  latentDim: number;
  /** Encoder kind. */
  encoder: EncoderKind;
  /** Decoder kind. */
  decoder: DecoderKind;
  /** Whether the latent vector carries the shifts dx, dy. */
  translation: boolean;
  /** Width of every hidden layer (AtomAI: 128). */
  hiddenUnits: number;
  /** Prior width p of the angle (radians; AtomAI: 0.1). */
  anglePrior: number;
  /** Shift, in grid units (the window spans [-1, 1]), per unit of dx or dy (AtomAI: 0.1). */
  translationScale: number;
  /** Fast decoder: the canonical image extends this fraction of the window beyond each side. */
  canonicalMargin: number;
  /**
   * How the encoder gives the angle's mean: `linear` (AtomAI: one output,
   * unbounded) or `vector` (two outputs (a, b), φ = atan2(b, a): circular,
   * and a sample's angle can swing round the circle from small weight changes).
   */
  angleHead: "linear" | "vector";
  /** Subtract the training stack's mean window from the encoder's input (not the decoder's target). */
  centerInput: boolean;
  /**
   * Rotation equivariance of the encoder: 1 (none, AtomAI), 2 or 4. With n,
   * the encoder sees the window rotated by every multiple of 360°/n
   * (exact pixel rotations) and combines the results so that rotating the
   * input by 360°/n adds exactly 360°/n to the encoded angle and leaves
   * shifts and content unchanged, as a rotationally invariant VAE should.
   * Needs the vector angle head when n > 1.
   */
  rotations: 1 | 2 | 4;
  /**
   * The encoder sees the window binned by this factor (1: full resolution,
   * AtomAI; 2: 2 × 2 means, a quarter of the pixels). Binning commutes with
   * the 90° turns, and sub-pixel displacements still change the binned
   * values; it pays for the equivariant encoder's four views.
   */
  encoderBinning: 1 | 2;
}

/** How the training data are scaled before training: `x' = (x - offset) / scale`. */
export interface Normalization {
  /** Subtracted first. */
  offset: number;
  /** Then divided by. */
  scale: number;
  /** Mean scaled window (size² values), subtracted from the encoder's input when `centerInput`. */
  meanWindow?: number[];
}

/** Options of the training loop. */
export interface TrainOptions {
  /** Passes over the training set. */
  epochs: number;
  /** Samples per step. */
  batchSize: number;
  /** Adam's learning rate. */
  learningRate: number;
  /** Seed of initialisation, split, shuffling and the reparameterisation noise. */
  seed: number;
  /** Fraction held out for the validation loss (AtomAI: 0.15). */
  validationFraction: number;
  /**
   * Epochs over which the angle's sampling noise is annealed: its standard
   * deviation is raised to at least `angleNoise · (1 − epoch/angleAnnealEpochs)`.
   * Early on, a wide angle noise blurs the lattice's n-fold symmetric detail
   * away, so the angle locks onto the low-order (polar) part of the image
   * first; 0 disables it (AtomAI's behaviour).
   */
  angleAnnealEpochs: number;
  /** Starting floor of the angle noise, radians. */
  angleNoise: number;
  /**
   * Epochs during which the content latents and the shifts are withheld from
   * the decoder (0: none), so that only the angle can explain the windows'
   * differences while it finds them.
   */
  contentDelayEpochs: number;
  /** Epochs of linear KL warm-up from 0 to 1 (0: full KL from the start). */
  klWarmupEpochs: number;
  /**
   * End on the epoch with the lowest held-out loss: its parameters are kept
   * and restored when training ends (AtomAI keeps the last epoch's).
   */
  restoreBest: boolean;
  /** Early stopping: stop after this many epochs without a better held-out loss (0: never). */
  patience: number;
  /**
   * Reduce on plateau: multiply the learning rate by `lrFactor` after this
   * many epochs without a better held-out loss (0: constant rate).
   */
  lrPatience: number;
  /** Factor of each learning-rate reduction, in (0, 1). */
  lrFactor: number;
  /** The learning rate is never reduced below this. */
  minLearningRate: number;
  /** A held-out loss above its best by more than this fraction of it is "well above". */
  divergenceRatio: number;
  /** Consecutive epochs well above the best that are reported as a divergence. */
  divergenceEpochs: number;
  /**
   * Seed of the held-out split (default: `seed`). Restarts share it, so that
   * their held-out losses are comparable.
   */
  splitSeed?: number;
}

/** The faithful reference: AtomAI 0.5.2 as the paper ran it (except the encoder, see below). */
export const REFERENCE_CONFIG: Omit<RvaeConfig, "size"> = {
  latentDim: 2,
  encoder: "mlp",
  decoder: "faithful",
  translation: true,
  hiddenUnits: 128,
  anglePrior: 0.1,
  translationScale: 0.1,
  canonicalMargin: 0.25,
  angleHead: "linear",
  centerInput: false,
  rotations: 1,
  encoderBinning: 1,
};

/** ferrovae's default model: the reference with the fast decoder. */
export const DEFAULT_CONFIG: Omit<RvaeConfig, "size"> = {
  ...REFERENCE_CONFIG,
  decoder: "fast",
  angleHead: "vector",
  centerInput: true,
  rotations: 4,
  encoderBinning: 2,
};

/**
 * AtomAI's training: Adam 1e-4, batch 32, 15% held out, no schedules, the
 * last epoch kept (divergence is still reported).
 */
export const REFERENCE_TRAINING: TrainOptions = {
  epochs: 100,
  batchSize: 32,
  learningRate: 1e-4,
  seed: 0,
  validationFraction: 0.15,
  angleAnnealEpochs: 0,
  angleNoise: 0,
  contentDelayEpochs: 0,
  klWarmupEpochs: 0,
  restoreBest: false,
  patience: 0,
  lrPatience: 0,
  lrFactor: 0.5,
  minLearningRate: 1e-5,
  divergenceRatio: 0.25,
  divergenceEpochs: 3,
};

/**
 * ferrovae's default training, measured on generated stacks with known
 * variants (`deno task bench rvae-accuracy`): AtomAI's loss and batch with a
 * 30x learning rate (with 1e-4, and still with 1e-3, the decoder stays near
 * the mean window for tens of epochs; with 3e-3 it reaches the noise floor
 * in about ten). Angle-noise annealing and withholding the content first were
 * tried and did not help once the encoder is rotation-equivariant; they stay
 * available as options. Training ends on its best held-out epoch, halves
 * the learning rate after 2 epochs without a better held-out loss (down to
 * AtomAI's 1e-4) and stops after 6 (see lib/rvae/schedule.ts).
 */
export const DEFAULT_TRAINING: TrainOptions = {
  ...REFERENCE_TRAINING,
  epochs: 20,
  learningRate: 3e-3,
  restoreBest: true,
  patience: 6,
  lrPatience: 2,
  minLearningRate: 1e-4,
};

/** Number of latent variables: φ, (dx, dy), content. */
export function latentCount(config: RvaeConfig): number {
  return 1 + (config.translation ? 2 : 0) + config.latentDim;
}

/** Side of the window the encoder sees, after binning. */
export function encoderSize(config: RvaeConfig): number {
  return config.size / config.encoderBinning;
}

/** Index of the first content latent. */
export function contentOffset(config: RvaeConfig): number {
  return config.translation ? 3 : 1;
}

/** Side of the fast decoder's canonical image, in pixels (same pitch as the window). */
export function canonicalSize(config: RvaeConfig): number {
  return config.size + 2 * Math.ceil(config.canonicalMargin * config.size);
}

function checkWhole(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new UserError(name, `must be a whole number >= ${min}, got ${value}`);
  }
}

/**
 * Complete `partial` with the defaults and check every field; throws a `UserError`.
 *
 * @example
 * ```ts
 * import { DEFAULT_CONFIG, makeConfig } from "./config.ts";
 * const config = makeConfig(28, { latentDim: 3 });
 * if (config.size !== 28 || config.decoder !== DEFAULT_CONFIG.decoder) throw new Error("defaults");
 * let refused = false;
 * try {
 *   makeConfig(28, { latentDim: -1 });
 * } catch {
 *   refused = true;
 * }
 * if (!refused) throw new Error("a negative latent count is refused");
 * ```
 */
export function makeConfig(size: number, partial: Partial<RvaeConfig> = {}): RvaeConfig {
  const config: RvaeConfig = { ...DEFAULT_CONFIG, ...partial, size };
  // An odd window cannot be binned: the default then falls back to full resolution.
  if (partial.encoderBinning === undefined && size % config.encoderBinning !== 0) {
    config.encoderBinning = 1;
  }
  checkWhole("window size", config.size, 4);
  checkWhole("--latent", config.latentDim, 0);
  checkWhole("hidden units", config.hiddenUnits, 1);
  if (!ENCODER_KINDS.includes(config.encoder)) {
    throw new UserError("--encoder", `must be one of ${ENCODER_KINDS.join(", ")}`);
  }
  if (!DECODER_KINDS.includes(config.decoder)) {
    throw new UserError("--decoder", `must be one of ${DECODER_KINDS.join(", ")}`);
  }
  for (
    const [name, v] of [["angle prior", config.anglePrior], [
      "translation scale",
      config.translationScale,
    ]] as const
  ) {
    if (!(v > 0 && Number.isFinite(v))) throw new UserError(name, `must be > 0, got ${v}`);
  }
  if (config.angleHead !== "linear" && config.angleHead !== "vector") {
    throw new UserError("angle head", `must be linear or vector, got ${config.angleHead}`);
  }
  if (![1, 2, 4].includes(config.rotations)) {
    throw new UserError("--rotations", `must be 1, 2 or 4, got ${config.rotations}`);
  }
  if (config.rotations > 1 && config.angleHead !== "vector") {
    throw new UserError("--rotations", "an equivariant encoder needs the vector angle head");
  }
  if (![1, 2].includes(config.encoderBinning)) {
    throw new UserError("encoder binning", `must be 1 or 2, got ${config.encoderBinning}`);
  }
  if (config.size % config.encoderBinning !== 0) {
    throw new UserError(
      "window size",
      `${config.size} px cannot be binned by ${config.encoderBinning} (use an even window)`,
    );
  }
  if (!(config.canonicalMargin >= 0 && config.canonicalMargin <= 2)) {
    throw new UserError("canonical margin", `must be in [0, 2], got ${config.canonicalMargin}`);
  }
  return config;
}

/**
 * Complete `partial` with the default training options and check them; throws a `UserError`.
 *
 * @example
 * ```ts
 * import { DEFAULT_TRAINING, makeTrainOptions } from "./config.ts";
 * const options = makeTrainOptions({ epochs: 5 });
 * if (options.epochs !== 5 || options.batchSize !== DEFAULT_TRAINING.batchSize) throw new Error();
 * ```
 */
export function makeTrainOptions(partial: Partial<TrainOptions> = {}): TrainOptions {
  const options: TrainOptions = { ...DEFAULT_TRAINING, ...partial };
  checkWhole("--epochs", options.epochs, 1);
  checkWhole("--batch", options.batchSize, 1);
  checkWhole("--seed", options.seed, 0);
  checkWhole("angle anneal epochs", options.angleAnnealEpochs, 0);
  checkWhole("content delay epochs", options.contentDelayEpochs, 0);
  checkWhole("KL warm-up epochs", options.klWarmupEpochs, 0);
  checkWhole("--patience", options.patience, 0);
  checkWhole("--lr-patience", options.lrPatience, 0);
  checkWhole("divergence epochs", options.divergenceEpochs, 1);
  if (options.splitSeed !== undefined) checkWhole("split seed", options.splitSeed, 0);
  if (!(options.lrFactor > 0 && options.lrFactor < 1)) {
    throw new UserError("--lr-factor", `must be in (0, 1), got ${options.lrFactor}`);
  }
  if (!(options.minLearningRate > 0 && options.minLearningRate < 1)) {
    throw new UserError("--min-lr", `must be in (0, 1), got ${options.minLearningRate}`);
  }
  if (!(options.divergenceRatio > 0 && Number.isFinite(options.divergenceRatio))) {
    throw new UserError("divergence ratio", `must be > 0, got ${options.divergenceRatio}`);
  }
  if (!(options.learningRate > 0 && options.learningRate < 1)) {
    throw new UserError("--lr", `must be in (0, 1), got ${options.learningRate}`);
  }
  if (!(options.validationFraction >= 0 && options.validationFraction < 1)) {
    throw new UserError(
      "--holdout",
      `must be in [0, 1), got ${options.validationFraction}`,
    );
  }
  if (!(options.angleNoise >= 0 && options.angleNoise < 10)) {
    throw new UserError("angle noise", `must be in [0, 10), got ${options.angleNoise}`);
  }
  return options;
}
