/**
 * The rVAE's loss (AtomAI 0.5.2's `rvae_loss`, minimised): reconstruction
 * 0.5·Σ_pixels (x̂ − x)² averaged over the batch, plus the KL divergences:
 * for the angle −log σ + log p + σ²/(2p²) − ½ (no μ² term: the mean angle
 * is free), standard normal for shifts and content.
 *
 * @module
 */

import { tf } from "../deps.ts";
import type { RvaeConfig } from "./config.ts";

/** Per-sample KL divergence of the posterior from the prior, [B]. */
export function klPerSample(
  config: RvaeConfig,
  mean: tf.Tensor2D,
  logSd: tf.Tensor2D,
): tf.Tensor1D {
  const [batch, latents] = mean.shape;
  const p = config.anglePrior;
  const logSdAngle = tf.slice(logSd, [0, 0], [batch, 1]);
  const varAngle = tf.exp(tf.mul(logSdAngle, 2));
  const klAngle = tf.add(
    tf.sub(tf.mul(varAngle, 1 / (2 * p * p)), logSdAngle),
    Math.log(p) - 0.5,
  );
  let kl = tf.reshape(klAngle, [batch]);
  if (latents > 1) {
    const m = tf.slice(mean, [0, 1], [batch, latents - 1]);
    const l = tf.slice(logSd, [0, 1], [batch, latents - 1]);
    const rest = tf.sub(
      tf.mul(tf.add(tf.exp(tf.mul(l, 2)), tf.square(m)), 0.5),
      tf.add(l, 0.5),
    );
    kl = tf.add(kl, tf.sum(rest, 1));
  }
  return kl as tf.Tensor1D;
}

/** Reconstruction term 0.5·Σ (x̂ − x)² per sample, [B]. */
export function reconstructionPerSample(decoded: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor1D {
  return tf.mul(tf.sum(tf.square(tf.sub(decoded, x)), 1), 0.5) as tf.Tensor1D;
}
