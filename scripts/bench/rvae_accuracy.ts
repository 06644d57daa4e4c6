/**
 * `deno task bench rvae-accuracy`: the rVAE's angle against ground truth.
 * For each generator seed: a synthetic 560 × 560 HAADF image with four
 * polar variants (`generateHaadf`), windows of 48 × 48 centred on the true
 * B sites (`extractStack`, sub-pixel), the default configuration trained
 * from scratch; then the angle-to-variant agreement on the polar sites
 * (`angleVariantAgreement`), the detected angle peaks and the angles between
 * neighbours, the epochs, the training time and images/s.
 * `deno task bench rvae-accuracy-reference` scores AtomAI's configuration
 * instead (faithful decoder, lr 1e-4, 20 epochs, no equivariance) for comparison.
 *
 * @module
 */

import { tf } from "../../lib/deps.ts";
import { angleVariantAgreement } from "../../lib/score.ts";
import { extractStack } from "../../lib/stack.ts";
import { generateHaadf } from "../../lib/synth/generate.ts";
import { findAnglePeaks } from "../../lib/rvae/angles.ts";
import { initBackend } from "../../lib/rvae/backend.ts";
import {
  makeConfig,
  makeTrainOptions,
  REFERENCE_CONFIG,
  REFERENCE_TRAINING,
} from "../../lib/rvae/config.ts";
import { encodeStack } from "../../lib/rvae/inference.ts";
import { createRvae, disposeRvae } from "../../lib/rvae/model.ts";
import { stackNormalization } from "../../lib/rvae/normalize.ts";
import { trainRvae } from "../../lib/rvae/train.ts";

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

/** Generate, train and score one image; `reference` trains AtomAI's configuration instead. */
export async function scoreRvae(
  seed: number,
  options: { reference?: boolean; size?: number; epochs?: number } = {},
): Promise<AccuracyResult> {
  const side = options.size ?? 560;
  const synth = generateHaadf({ seed, width: side, height: side });
  const { truth } = synth;
  const b: number[] = [];
  for (let i = 0; i < truth.x.length; i++) if (truth.sublattice[i] === 1) b.push(i);
  const stack = extractStack(synth.image, {
    x: b.map((i) => truth.x[i]),
    y: b.map((i) => truth.y[i]),
  }, { window: 48 });
  const variants = Int8Array.from(stack.kept, (k) => truth.variant[b[k]]);
  const config = options.reference ? makeConfig(48, REFERENCE_CONFIG) : makeConfig(48);
  const training = makeTrainOptions(
    options.reference
      ? { ...REFERENCE_TRAINING, epochs: options.epochs ?? 20 }
      : { ...(options.epochs ? { epochs: options.epochs } : {}) },
  );
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

/** Print the default configuration's scores on seeds 1-3. */
export function run(): Promise<void> {
  return report(false);
}

/** Print AtomAI's reference configuration's scores on seeds 1-3. */
export function runReference(): Promise<void> {
  return report(true);
}

async function report(reference: boolean): Promise<void> {
  const backend = await initBackend();
  console.log(
    `rVAE accuracy on generated 560x560 images, 48x48 windows on the true B sites, ` +
      `${reference ? "AtomAI's reference configuration" : "default configuration"}, ` +
      `tfjs ${tf.version_core} ${backend}`,
  );
  console.log("seed windows polar agreement peaks(deg) separations(deg) epochs seconds images/s");
  for (const seed of [1, 2, 3]) {
    const r = await scoreRvae(seed, { reference });
    console.log(
      [
        r.seed,
        r.windows,
        r.polar,
        r.agreement.toFixed(3),
        r.peaksDeg.map((p) => p.toFixed(0)).join("/"),
        r.separationsDeg.map((s) => s.toFixed(1)).join("/"),
        r.epochs,
        r.seconds.toFixed(0),
        r.imagesPerSecond.toFixed(0),
      ].join(" "),
    );
  }
}
