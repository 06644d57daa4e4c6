/**
 * Forward passes of the rVAE's networks, as tfjs-core ops on a model's
 * variables: the encoders (MLP, conv), the coordinate transform, and the
 * two decoders (AtomAI's per-pixel coordinate network, and the fast
 * canonical-image decoder with bilinear resampling).
 *
 * Frames: the window's grid has x = linspace(−1, 1) across columns and
 * y = linspace(1, −1) down the rows (AtomAI's `imcoordgrid`). A sample's
 * grid is rotated by φ and shifted: (u, v) = R(φ)(x, y) + s·(dx, dy) with
 * R(φ) = [[cos φ, −sin φ], [sin φ, cos φ]] and s the translation scale;
 * the decoded image is the canonical one read at (u, v). Seen in the
 * image frame (y down), the decoded content is the canonical content
 * rotated by +φ (the contract's angle convention).
 *
 * @module
 */

import { tf } from "../deps.ts";
import { sampleBilinear } from "./kernels/bilinear.ts";
import { canonicalSize, contentOffset, type RvaeConfig } from "./config.ts";

/** A model's variables by name (see `params.ts`). */
export type Variables = Map<string, tf.Variable>;

function param(vars: Variables, name: string): tf.Variable {
  const v = vars.get(name);
  if (!v) throw new Error(`rVAE parameter ${name} is missing`);
  return v;
}

function denseLayer(vars: Variables, prefix: string, x: tf.Tensor2D): tf.Tensor2D {
  const y: tf.Tensor2D = tf.matMul(x, param(vars, `${prefix}.w`) as tf.Tensor2D);
  const b = vars.get(`${prefix}.b`);
  return b ? (tf.add(y, b) as tf.Tensor2D) : y;
}

function convLayer(vars: Variables, prefix: string, x: tf.Tensor4D): tf.Tensor4D {
  const y = tf.conv2d(x, param(vars, `${prefix}.w`) as tf.Tensor4D, 1, "same");
  return tf.leakyRelu(tf.add(y, param(vars, `${prefix}.b`)), 0.1);
}

/** Encoder outputs: posterior means and log standard deviations, [B, L] each. */
export interface Posterior {
  /** Means, [B, L]. */
  mean: tf.Tensor2D;
  /** Log standard deviations, [B, L]. */
  logSd: tf.Tensor2D;
}

/**
 * Run the encoder on `x` ([B, size·size], normalised); `inputMean` ([1, size²])
 * is subtracted first when given (see `RvaeConfig.centerInput`).
 */
export function encoderForward(
  config: RvaeConfig,
  vars: Variables,
  x: tf.Tensor2D,
  inputMean: tf.Tensor2D | null = null,
): Posterior {
  if (inputMean) x = tf.sub(x, inputMean) as tf.Tensor2D;
  const batch = x.shape[0];
  const n = config.rotations;
  if (n > 1) x = rotatedCopies(x, config.size, n);
  let features: tf.Tensor2D;
  if (config.encoder === "mlp") {
    const h1 = tf.tanh(denseLayer(vars, "enc.fc1", x));
    features = tf.tanh(denseLayer(vars, "enc.fc2", h1));
  } else {
    const s = config.size;
    const image = tf.reshape(x, [x.shape[0], s, s, 1]) as tf.Tensor4D;
    const h = convLayer(vars, "enc.conv2", convLayer(vars, "enc.conv1", image));
    features = tf.reshape(h, [x.shape[0], s * s * config.hiddenUnits]);
  }
  let mean = denseLayer(vars, "enc.mean", features);
  let logSd = denseLayer(vars, "enc.logsd", features);
  if (config.angleHead === "vector") {
    // φ = atan2(b, a) of the first two outputs; the others are the remaining latents.
    const outputs = mean.shape[1];
    let a = tf.slice(mean, [0, 0], [batch, 1]);
    let b = tf.slice(mean, [0, 1], [batch, 1]);
    let rest = outputs > 2 ? tf.slice(mean, [0, 2], [batch, outputs - 2]) : null;
    if (n > 1) {
      // Copy k saw the window turned by k·360°/n: turn its (a, b) back by −k·360°/n and
      // sum; average the invariant outputs (shifts are in the canonical frame, so invariant).
      const part = (t: tf.Tensor2D, k: number, col: number, width: number) =>
        tf.slice(t, [k * batch, col], [batch, width]);
      let sumA: tf.Tensor = tf.zeros([batch, 1]);
      let sumB: tf.Tensor = tf.zeros([batch, 1]);
      for (let k = 0; k < n; k++) {
        const ak = part(mean, k, 0, 1);
        const bk = part(mean, k, 1, 1);
        const turn = (k * 2 * Math.PI) / n;
        const c = Math.round(Math.cos(turn));
        const s = Math.round(Math.sin(turn));
        // R(−turn)(a, b) = (c·a + s·b, −s·a + c·b) for turns by multiples of 90°.
        sumA = tf.add(sumA, tf.add(tf.mul(ak, c), tf.mul(bk, s)));
        sumB = tf.add(sumB, tf.sub(tf.mul(bk, c), tf.mul(ak, s)));
      }
      a = sumA as tf.Tensor2D;
      b = sumB as tf.Tensor2D;
      const average = (t: tf.Tensor2D, col: number, width: number) => {
        let sum: tf.Tensor = part(t, 0, col, width);
        for (let k = 1; k < n; k++) sum = tf.add(sum, part(t, k, col, width));
        return tf.mul(sum, 1 / n) as tf.Tensor2D;
      };
      rest = rest ? average(mean, 2, outputs - 2) : null;
      logSd = average(logSd, 0, logSd.shape[1]);
    }
    const angle = tf.atan2(b, a);
    mean = rest ? tf.concat([angle, rest], 1) as tf.Tensor2D : angle as tf.Tensor2D;
  }
  return { mean, logSd };
}

/**
 * `x` ([B, size²]) and its copies turned by 360°/n, 2·360°/n, ... in the
 * image frame (y down; +90° takes right to down), stacked: [n·B, size²].
 * Turns by multiples of 90° move pixel centres onto pixel centres: exact.
 */
export function rotatedCopies(x: tf.Tensor2D, size: number, n: number): tf.Tensor2D {
  const batch = x.shape[0];
  const image = tf.reshape(x, [batch, size, size]);
  // +90°: out[i][j] = in[size − 1 − j][i], a transpose then a flip of the columns.
  const turn90 = (t: tf.Tensor) => tf.reverse(tf.transpose(t, [0, 2, 1]), 2);
  const copies: tf.Tensor[] = [image];
  if (n === 2) copies.push(tf.reverse(image, [1, 2]));
  if (n === 4) { for (let k = 1; k < 4; k++) copies.push(turn90(copies[k - 1])); }
  return tf.reshape(tf.concat(copies, 0), [n * batch, size * size]);
}

/** The window's coordinate grid, [1, P] each (x across columns, y up the rows). */
export function windowGrid(size: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const xs = new Float32Array(size * size);
  const ys = new Float32Array(size * size);
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      // Same float32 values as torch.linspace(-1, 1, size) and linspace(1, -1, size).
      xs[row * size + col] = size > 1 ? -1 + (2 * col) / (size - 1) : 0;
      ys[row * size + col] = size > 1 ? 1 - (2 * row) / (size - 1) : 0;
    }
  }
  return {
    x: tf.tensor2d(xs, [1, size * size]),
    y: tf.tensor2d(ys, [1, size * size]),
  };
}

/** A sample's pose: angle [B, 1] and, with translation, shift [B, 2] (latent units). */
export interface Pose {
  /** φ, radians, [B, 1]. */
  angle: tf.Tensor2D;
  /** (dx, dy) in latent units, [B, 2], or null without translation. */
  shift: tf.Tensor2D | null;
}

/** Rotate and shift the grid for every sample: (u, v), [B, P] each. */
export function transformGrid(
  config: RvaeConfig,
  grid: { x: tf.Tensor2D; y: tf.Tensor2D },
  pose: Pose,
): { u: tf.Tensor2D; v: tf.Tensor2D } {
  const cos = tf.cos(pose.angle);
  const sin = tf.sin(pose.angle);
  let u = tf.sub(tf.mul(cos, grid.x), tf.mul(sin, grid.y));
  let v = tf.add(tf.mul(sin, grid.x), tf.mul(cos, grid.y));
  if (config.translation && pose.shift) {
    const batch = pose.shift.shape[0];
    const scaled = tf.mul(pose.shift, config.translationScale);
    u = tf.add(u, tf.slice(scaled, [0, 0], [batch, 1]));
    v = tf.add(v, tf.slice(scaled, [0, 1], [batch, 1]));
  }
  return { u: u as tf.Tensor2D, v: v as tf.Tensor2D };
}

/** The fast decoder's canonical images from the content latents: [B, C, C]. */
export function canonicalImages(
  config: RvaeConfig,
  vars: Variables,
  content: tf.Tensor2D,
): tf.Tensor3D {
  const c = canonicalSize(config);
  const batch = content.shape[0];
  let flat: tf.Tensor2D;
  if (config.latentDim > 0) {
    const h1 = tf.tanh(denseLayer(vars, "dec.fc1", content));
    const h2 = tf.tanh(denseLayer(vars, "dec.fc2", h1));
    flat = denseLayer(vars, "dec.out", h2);
  } else {
    flat = tf.add(tf.zeros([batch, c * c]), param(vars, "dec.out.b"));
  }
  return tf.reshape(flat, [batch, c, c]);
}

/** Decode images ([B, P], normalised) from pose and content ([B, K]). */
export function decoderForward(
  config: RvaeConfig,
  vars: Variables,
  grid: { x: tf.Tensor2D; y: tf.Tensor2D },
  pose: Pose,
  content: tf.Tensor2D,
): tf.Tensor2D {
  const { u, v } = transformGrid(config, grid, pose);
  const batch = u.shape[0];
  const pixels = u.shape[1];
  if (config.decoder === "fast") {
    // Grid units to canonical pixel units (same pitch as the window).
    const half = (config.size - 1) / 2;
    const centre = (canonicalSize(config) - 1) / 2;
    const cols = tf.add(tf.mul(u, half), centre) as tf.Tensor2D;
    const rows = tf.sub(centre, tf.mul(v, half)) as tf.Tensor2D;
    return sampleBilinear(canonicalImages(config, vars, content), cols, rows);
  }
  const h = config.hiddenUnits;
  // dense(2 → h) of (u, v), written as two outer products (no stacking needed).
  const w = param(vars, "dec.coord.w");
  const fromCoords = tf.add(
    tf.add(
      tf.mul(tf.reshape(u, [batch * pixels, 1]), tf.slice(w, [0, 0], [1, h])),
      tf.mul(tf.reshape(v, [batch * pixels, 1]), tf.slice(w, [1, 0], [1, h])),
    ),
    param(vars, "dec.coord.b"),
  );
  let hidden = tf.reshape(fromCoords, [batch, pixels, h]);
  if (config.latentDim > 0) {
    const fromLatent = tf.matMul(content, param(vars, "dec.latent.w"));
    hidden = tf.add(hidden, tf.reshape(fromLatent, [batch, 1, h]));
  }
  let flat = tf.tanh(tf.reshape(hidden, [batch * pixels, h])) as tf.Tensor2D;
  flat = tf.tanh(denseLayer(vars, "dec.fc1", flat));
  flat = tf.tanh(denseLayer(vars, "dec.fc2", flat));
  return tf.reshape(denseLayer(vars, "dec.out", flat), [batch, pixels]);
}

/** Split a latent matrix [B, L] into pose and content. */
export function splitLatents(
  config: RvaeConfig,
  z: tf.Tensor2D,
): { pose: Pose; content: tf.Tensor2D } {
  const batch = z.shape[0];
  const angle = tf.slice(z, [0, 0], [batch, 1]) as tf.Tensor2D;
  const shift = config.translation ? tf.slice(z, [0, 1], [batch, 2]) as tf.Tensor2D : null;
  const content = tf.slice(z, [0, contentOffset(config)], [batch, config.latentDim]) as tf.Tensor2D;
  return { pose: { angle, shift }, content };
}
