/**
 * Scoring the rVAE against ground truth: train on windows cut from a
 * generated image with known polar variants and measure the angle-to-variant
 * agreement and the angle histogram's peaks. Used by `deno task bench
 * rvae-accuracy` and by the accuracy test.
 *
 * @module
 */

import { angleVariantAgreement } from "../score.ts";
import { extractStack } from "../stack.ts";
import { generateHaadf, type SynthOptions } from "../synth/generate.ts";
import { findAnglePeaks } from "./angles.ts";
import { makeConfig, makeTrainOptions, type RvaeConfig, type TrainOptions } from "./config.ts";
import { encodeStack } from "./inference.ts";
import { createRvae, disposeRvae } from "./model.ts";
import { stackNormalization } from "./normalize.ts";
import { trainRvae } from "./train.ts";

/** One scored training run. */
export interface AccuracyResult {
  /** Generator seed. */
  seed: number;
  /** Windows (B sites) and polar ones among them. */
  windows: number;
  /** Polar windows scored. */
  polar: number;
  /** Fraction of polar sites whose angle matches the variant within 30°. */
  agreement: number;
  /** Detected peaks (degrees) and neighbour separations (degrees). */
  peaksDeg: number[];
  /** Angles between neighbouring peaks, degrees. */
  separationsDeg: number[];
  /** Epochs trained. */
  epochs: number;
  /** Training wall time, seconds. */
  seconds: number;
  /** Mean training images per second. */
  imagesPerSecond: number;
}

/** Options of {@linkcode scoreOnGenerated}. */
export interface ScoreOptions {
  /** Model settings over the defaults (e.g. `REFERENCE_CONFIG`). */
  config?: Partial<RvaeConfig>;
  /** Training settings over the defaults (e.g. `REFERENCE_TRAINING`). */
  training?: Partial<TrainOptions>;
  /** Side of the generated image, px (default 560: about 1,200 B sites). */
  imageSize?: number;
  /** Epochs (default: the configuration's). */
  epochs?: number;
  /** Further generator options (e.g. `domainWidth`). */
  synth?: SynthOptions;
}

/**
 * Generate an image with four polar variants (seed `seed`), cut 48 × 48
 * windows on its true B sites, train an rVAE from scratch and score its
 * angles against the variants. Needs `initBackend()`.
 */
export async function scoreOnGenerated(
  seed: number,
  options: ScoreOptions = {},
): Promise<AccuracyResult> {
  const side = options.imageSize ?? 560;
  const synth = generateHaadf({ ...options.synth, seed, width: side, height: side });
  const { truth } = synth;
  const b: number[] = [];
  for (let i = 0; i < truth.x.length; i++) if (truth.sublattice[i] === 1) b.push(i);
  const stack = extractStack(synth.image, {
    x: b.map((i) => truth.x[i]),
    y: b.map((i) => truth.y[i]),
  }, { window: 48 });
  const variants = Int8Array.from(stack.kept, (k) => truth.variant[b[k]]);
  const config = makeConfig(48, options.config ?? {});
  const training = makeTrainOptions({
    ...options.training,
    ...(options.epochs ? { epochs: options.epochs } : {}),
  });
  const model = createRvae(config, {
    seed: training.seed,
    normalization: stackNormalization(stack.data, 48 * 48),
  });
  const started = performance.now();
  const result = await trainRvae(model, stack.data, training);
  const seconds = (performance.now() - started) / 1000;
  const encoding = encodeStack(model, stack.data);
  disposeRvae(model);
  const agreement = angleVariantAgreement(encoding.angle, variants, {
    variantAngles: synth.meta.variantAngles,
  });
  const polarAngles = Array.from(encoding.angle).filter((_, i) => variants[i] >= 0);
  const peaks = findAnglePeaks(polarAngles);
  return {
    seed,
    windows: stack.count,
    polar: agreement.count,
    agreement: agreement.agreement,
    peaksDeg: peaks.peaks.map((p) => (p.angle * 180) / Math.PI),
    separationsDeg: peaks.separationsDeg,
    epochs: result.history.length,
    seconds,
    imagesPerSecond: result.history.reduce((s, r) => s + r.imagesPerSecond, 0) /
      result.history.length,
  };
}
