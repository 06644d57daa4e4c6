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
 * rotated by +φ (the angle convention of every angle ferrovae reports).
 *
 * @module
 */

import { tf, type Variable } from "../deps.ts";
import { sampleBilinear } from "./kernels/bilinear.ts";
import { canonicalSize, contentOffset, encoderSize, type RvaeConfig } from "./config.ts";

/** A model's variables by name (see `params.ts`). */
export type Variables = Map<string, Variable>;

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
  const side = encoderSize(config);
  if (config.encoderBinning > 1) x = binned(x, config.size, config.encoderBinning);
  const n = config.rotations;
  if (n > 1) x = rotatedCopies(x, side, n);
  let features: tf.Tensor2D;
  if (config.encoder === "mlp") {
    const h1 = tf.tanh(denseLayer(vars, "enc.fc1", x));
    features = tf.tanh(denseLayer(vars, "enc.fc2", h1));
  } else {
    const image = tf.reshape(x, [x.shape[0], side, side, 1]) as tf.Tensor4D;
    const h = convLayer(vars, "enc.conv2", convLayer(vars, "enc.conv1", image));
    features = tf.reshape(h, [x.shape[0], side * side * config.hiddenUnits]);
  }
  let mean = denseLayer(vars, "enc.mean", features);
  let logSd = denseLayer(vars, "enc.logsd", features);
  if (config.angleHead === "vector") {
    // φ = atan2(b, a) of the first two outputs; the others are the remaining latents.
    const outputs = mean.shape[1];
    let ab: tf.Tensor2D;
    let rest: tf.Tensor2D | null;
    if (n > 1) {
      // Row b·n + k saw window b turned by k·360°/n: turn its (a, b) back by −k·360°/n
      // and sum (one product with a constant [2n, 2] matrix); average the invariant
      // outputs (shifts live in the canonical frame, so they are invariant too).
      const views = tf.reshape(mean, [batch, n, outputs]);
      ab = tf.matMul(
        tf.reshape(tf.slice(views, [0, 0, 0], [batch, n, 2]), [batch, 2 * n]),
        tf.tensor2d(unturnMatrix(n), [2 * n, 2]),
      );
      rest = outputs > 2
        ? tf.mul(
          tf.sum(tf.slice(views, [0, 0, 2], [batch, n, outputs - 2]), 1),
          1 / n,
        ) as tf.Tensor2D
        : null;
      logSd = tf.mul(
        tf.sum(tf.reshape(logSd, [batch, n, logSd.shape[1]]), 1),
        1 / n,
      ) as tf.Tensor2D;
    } else {
      ab = tf.slice(mean, [0, 0], [batch, 2]);
      rest = outputs > 2 ? tf.slice(mean, [0, 2], [batch, outputs - 2]) : null;
    }
    const angle = tf.atan2(tf.slice(ab, [0, 1], [batch, 1]), tf.slice(ab, [0, 0], [batch, 1]));
    mean = rest ? tf.concat([angle, rest], 1) as tf.Tensor2D : angle as tf.Tensor2D;
  }
  return { mean, logSd };
}

/** Mean of each `factor` × `factor` block of the windows `x` ([B, size²]): [B, (size/factor)²]. */
export function binned(x: tf.Tensor2D, size: number, factor: number): tf.Tensor2D {
  const batch = x.shape[0];
  const side = size / factor;
  const blocks = tf.reshape(x, [batch, side, factor, side, factor]);
  return tf.reshape(tf.mul(tf.sum(blocks, [2, 4]), 1 / (factor * factor)), [batch, side * side]);
}

/**
 * `x` ([B, size²]) and its copies turned by 360°/n, 2·360°/n, ... in the
 * image frame (y down; +90° takes right to down): [B·n, size²], row b·n + k
 * holding window b turned k times. Turns by multiples of 90° move pixel
 * centres onto pixel centres, so this is one exact gather.
 */
export function rotatedCopies(x: tf.Tensor2D, size: number, n: number): tf.Tensor2D {
  const batch = x.shape[0];
  const pixels = size * size;
  const source = new Int32Array(n * pixels);
  for (let k = 0; k < n; k++) {
    const quarterTurns = (k * 4) / n;
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        // Turned by +90°: out[i][j] = in[size − 1 − j][i]; apply it quarterTurns times.
        let row = i;
        let col = j;
        for (let q = 0; q < quarterTurns; q++) [row, col] = [size - 1 - col, row];
        source[k * pixels + i * size + j] = row * size + col;
      }
    }
  }
  const copies = tf.gather(x, tf.tensor1d(source, "int32"), 1);
  return tf.reshape(copies, [batch * n, pixels]);
}

/**
 * The constant [2n, 2] matrix taking the n views' (a, b) pairs, view k seen
 * turned by k·360°/n, back to the upright frame and summing them:
 * R(−θ)(a, b) = (cos θ·a + sin θ·b, −sin θ·a + cos θ·b).
 */
function unturnMatrix(n: number): Float32Array {
  const m = new Float32Array(4 * n);
  for (let k = 0; k < n; k++) {
    const turn = (k * 2 * Math.PI) / n;
    const c = Math.round(Math.cos(turn));
    const s = Math.round(Math.sin(turn));
    m.set([c, -s, s, c], 4 * k); // rows a_k, b_k; columns a, b
  }
  return m;
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
  const coords = tf.concat(
    [tf.reshape(u, [batch * pixels, 1]), tf.reshape(v, [batch * pixels, 1])],
    1,
  ) as tf.Tensor2D;
  const fromCoords = denseLayer(vars, "dec.coord", coords);
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
