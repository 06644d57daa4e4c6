/**
 * Using a trained rVAE: encode windows into (angle, shift, content) and
 * decode content WITH a pose (AtomAI's decode ignores angle and shift).
 *
 * Shift conventions: the latent shift (dx, dy) moves the sampling grid by
 * s·(dx, dy) grid units (y up). The decoded content then moves, in the
 * image frame (pixels, y down), by
 *   px = −h·(cos φ·tx + sin φ·ty),  py = h·(cos φ·ty − sin φ·tx),
 * with (tx, ty) = s·(dx, dy) and h = (size − 1)/2 pixels per grid unit.
 * {@linkcode shiftToPixels} and {@linkcode pixelsToShift} convert.
 *
 * @module
 */

import { tf } from "../deps.ts";
import { contentOffset, latentCount, type RvaeConfig } from "./config.ts";
import { wrapAngle } from "../math.ts";
import type { Rvae } from "./model.ts";
import { decoderForward, encoderForward } from "./networks.ts";

/** Encoded windows (posterior means and standard deviations). */
export interface Encoding {
  /** Number of windows. */
  count: number;
  /** Latents per window L = 1 + (2) + K. */
  latents: number;
  /** Posterior means, row-major [count, L]. */
  mean: Float32Array;
  /** Posterior standard deviations, [count, L]. */
  sd: Float32Array;
  /** Angle φ wrapped into [0, 2π) (content rotated by +φ in the image frame, y down). */
  angle: Float64Array;
  /** Angle as the encoder gave it (unwrapped). */
  angleRaw: Float64Array;
  /** Content displacement in pixels (image frame), [count, 2]; zeros without translation. */
  shiftPixels: Float64Array;
  /** Content latents, [count, K]. */
  content: Float32Array;
}

/** Content displacement in pixels (image frame) of latent shift (dx, dy) at angle φ. */
export function shiftToPixels(
  config: RvaeConfig,
  angle: number,
  dx: number,
  dy: number,
): [number, number] {
  const h = (config.size - 1) / 2;
  const tx = config.translationScale * dx;
  const ty = config.translationScale * dy;
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return [-h * (c * tx + s * ty), h * (c * ty - s * tx)];
}

/** Latent shift (dx, dy) that displaces the content by (px, py) pixels at angle φ. */
export function pixelsToShift(
  config: RvaeConfig,
  angle: number,
  px: number,
  py: number,
): [number, number] {
  const h = (config.size - 1) / 2;
  const a = -px / h;
  const b = py / h;
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return [(c * a - s * b) / config.translationScale, (s * a + c * b) / config.translationScale];
}

/**
 * Encode `stack` (raw intensities, N windows of size², row-major).
 *
 * @example
 * ```ts
 * import { encodeStack } from "./inference.ts";
 * import { initBackend } from "./backend.ts";
 * import { makeConfig } from "./config.ts";
 * import { createRvae } from "./model.ts";
 * await initBackend({ backend: "cpu" });
 * const model = createRvae(makeConfig(8, { hiddenUnits: 8, latentDim: 2 }));
 * const encoding = encodeStack(model, new Float32Array(5 * 8 * 8).fill(0.5));
 * if (encoding.count !== 5 || encoding.content.length !== 10) throw new Error("5 x (z1, z2)");
 * if (!encoding.angle.every((a) => a >= 0 && a < 2 * Math.PI)) throw new Error("in [0, 2π)");
 * ```
 */
export function encodeStack(
  model: Rvae,
  stack: Float32Array,
  options: { batchSize?: number } = {},
): Encoding {
  const { config } = model;
  const pixels = config.size * config.size;
  const count = stack.length / pixels;
  if (!Number.isInteger(count)) throw new RangeError(`stack length is not a multiple of ${pixels}`);
  const latents = latentCount(config);
  const mean = new Float32Array(count * latents);
  const sd = new Float32Array(count * latents);
  // The conv encoder holds size² × 128 activations per window (and per turn): smaller batches.
  const batchSize = options.batchSize ?? (config.encoder === "conv" ? 16 : 256);
  const { offset, scale } = model.normalization;
  for (let start = 0; start < count; start += batchSize) {
    const rows = Math.min(batchSize, count - start);
    tf.tidy(() => {
      const raw = tf.tensor2d(stack.subarray(start * pixels, (start + rows) * pixels), [
        rows,
        pixels,
      ]);
      const x = tf.div(tf.sub(raw, offset), scale) as tf.Tensor2D;
      const posterior = encoderForward(config, model.variables, x, model.inputMean);
      mean.set(posterior.mean.dataSync(), start * latents);
      sd.set(tf.exp(posterior.logSd).dataSync(), start * latents);
    });
  }
  const k = config.latentDim;
  const first = contentOffset(config);
  const angleRaw = new Float64Array(count);
  const angle = new Float64Array(count);
  const shiftPixels = new Float64Array(count * 2);
  const content = new Float32Array(count * k);
  for (let i = 0; i < count; i++) {
    const phi = mean[i * latents];
    angleRaw[i] = phi;
    angle[i] = wrapAngle(phi);
    if (config.translation) {
      const [px, py] = shiftToPixels(config, phi, mean[i * latents + 1], mean[i * latents + 2]);
      shiftPixels[2 * i] = px;
      shiftPixels[2 * i + 1] = py;
    }
    for (let j = 0; j < k; j++) content[i * k + j] = mean[i * latents + first + j];
  }
  return { count, latents, mean, sd, angle, angleRaw, shiftPixels, content };
}

/** What to decode: content for N windows, and optionally their poses. */
export interface DecodeRequest {
  /** Content latents, [N, K] row-major (N = 1 with K = 0 when empty). */
  content: ArrayLike<number>;
  /** Angle per window, radians (default 0). */
  angle?: ArrayLike<number>;
  /** Content displacement per window in pixels, image frame, [N, 2] (default 0). */
  shiftPixels?: ArrayLike<number>;
}

/**
 * Decode windows with pose; returns raw intensities, N windows of size² row-major.
 *
 * @example
 * ```ts
 * import { decodeWithPose } from "./inference.ts";
 * import { initBackend } from "./backend.ts";
 * import { makeConfig } from "./config.ts";
 * import { createRvae } from "./model.ts";
 * await initBackend({ backend: "cpu" });
 * const model = createRvae(makeConfig(8, { hiddenUnits: 8, latentDim: 2 }));
 * // Three windows: (z1, z2) = (-1, 0), (0, 0), (1, 0), the last one turned by 90°.
 * const windows = decodeWithPose(model, { content: [-1, 0, 0, 0, 1, 0], angle: [0, 0, Math.PI / 2] });
 * if (windows.length !== 3 * 8 * 8) throw new Error("three 8 x 8 windows");
 * ```
 */
export function decodeWithPose(model: Rvae, request: DecodeRequest): Float32Array {
  const { config } = model;
  const k = config.latentDim;
  const count = k > 0 ? request.content.length / k : Math.max(1, request.angle?.length ?? 1);
  if (!Number.isInteger(count)) throw new RangeError(`content length is not a multiple of ${k}`);
  const angles = Float32Array.from({ length: count }, (_, i) => request.angle?.[i] ?? 0);
  const shifts = new Float32Array(count * 2);
  for (let i = 0; i < count && request.shiftPixels; i++) {
    const [dx, dy] = pixelsToShift(
      config,
      angles[i],
      request.shiftPixels[2 * i],
      request.shiftPixels[2 * i + 1],
    );
    shifts[2 * i] = dx;
    shifts[2 * i + 1] = dy;
  }
  return tf.tidy(() => {
    const decoded = decoderForward(config, model.variables, model.grid, {
      angle: tf.tensor2d(angles, [count, 1]),
      shift: config.translation ? tf.tensor2d(shifts, [count, 2]) : null,
    }, tf.tensor2d(Float32Array.from(request.content), [count, k]));
    const { offset, scale } = model.normalization;
    return tf.add(tf.mul(decoded, scale), offset).dataSync() as Float32Array;
  });
}
