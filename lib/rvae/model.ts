/**
 * The rVAE model object and its pure-ish entry points:
 * {@linkcode createRvae}, {@linkcode rvaeLoss} (what a training step
 * differentiates), {@linkcode disposeRvae}.
 *
 * A model holds tfjs variables on the current backend; call
 * `initBackend()` (lib/rvae/backend.ts) before creating one.
 *
 * References: the rotationally invariant VAE, T. Bepler, E. D. Zhong,
 * K. Kelley, E. Brignole, B. Berger, Explicitly disentangling image content
 * from translation and rotation with spatial-VAE, NeurIPS 2019,
 * arXiv:1909.11663, doi:10.48550/arXiv.1909.11663, and S. V. Kalinin,
 * O. Dyck, S. Jesse, M. Ziatdinov, Sci. Adv. 7, eabd5084 (2021),
 * doi:10.1126/sciadv.abd5084; its use on ferroic variants, S. M. P. Valleti
 * et al., AIP Advances 12, 105122 (2022), doi:10.1063/5.0105406.
 *
 * @module
 */

import { type Scalar, type Tensor2D, tf } from "../deps.ts";
import { canonicalSize, type Normalization, type RvaeConfig } from "./config.ts";
import { ensureGradients } from "./gradients.ts";
import { klPerSample, reconstructionPerSample } from "./loss.ts";
import {
  decoderForward,
  encoderForward,
  rotatedCopies,
  splitLatents,
  type Variables,
  windowGrid,
} from "./networks.ts";
import { initialParams, makeVariables, type ParamArrays, readVariables } from "./params.ts";

/** A model: configuration, data scaling, variables and the constant grid. */
export interface Rvae {
  /** Architecture and prior. */
  readonly config: RvaeConfig;
  /** How raw intensities were scaled for training (applied by encode, undone by decode). */
  readonly normalization: Normalization;
  /** Trainable variables by name, in a fixed order. */
  readonly variables: Variables;
  /** The window's coordinate grid (constant). */
  readonly grid: { x: Tensor2D; y: Tensor2D };
  /** Mean scaled window subtracted from the encoder's input ([1, size²]), or null. */
  readonly inputMean: Tensor2D | null;
}

/** Options of {@linkcode createRvae}. */
export interface CreateRvaeOptions {
  /** Seed of the initial weights (default 0). */
  seed?: number;
  /** Parameter values to start from instead (a loaded model or checkpoint). */
  params?: ParamArrays;
  /** Data scaling (default: none). */
  normalization?: Normalization;
}

/**
 * Make a model with seeded initial weights (or given ones).
 *
 * @example
 * ```ts
 * import { createRvae, disposeRvae, modelParams } from "./model.ts";
 * import { initBackend } from "./backend.ts";
 * import { makeConfig } from "./config.ts";
 * await initBackend({ backend: "cpu" });
 * const config = makeConfig(8, { hiddenUnits: 8 });
 * const a = createRvae(config, { seed: 4 }), b = createRvae(config, { seed: 4 });
 * const same = modelParams(a).every((p, i) => p.data.every((v, j) => v === modelParams(b)[i].data[j]));
 * disposeRvae(a), disposeRvae(b);
 * if (!same) throw new Error("the same seed gives the same weights");
 * ```
 */
export function createRvae(config: RvaeConfig, options: CreateRvaeOptions = {}): Rvae {
  ensureGradients();
  const normalization = options.normalization ?? { offset: 0, scale: 1 };
  const params = options.params ?? initialParams(config, options.seed ?? 0);
  if (!options.params && config.decoder === "fast" && normalization.meanWindow) {
    startCanonicalAtMean(config, params, normalization.meanWindow);
  }
  const pixels = config.size * config.size;
  let inputMean: tf.Tensor2D | null = null;
  if (config.centerInput) {
    // A model made without data (no mean window yet) centres on zero.
    const mean = normalization.meanWindow ?? new Array(pixels).fill(0);
    if (mean.length !== pixels) {
      throw new RangeError(`normalization.meanWindow has ${mean.length} values, not ${pixels}`);
    }
    // Averaged over the encoder's turns, so that centring commutes with them: a
    // stack with unequal numbers of variants has a lopsided mean, which would
    // otherwise bias every angle towards the commonest variant.
    inputMean = tf.tidy(() => {
      const turns = rotatedCopies(tf.tensor2d(mean, [1, pixels]), config.size, config.rotations);
      return tf.mean(turns, 0, true) as tf.Tensor2D;
    });
  }
  return {
    config,
    normalization,
    variables: makeVariables(config, params),
    grid: windowGrid(config.size),
    inputMean,
  };
}

/**
 * A fresh fast decoder starts from the mean window: the canonical image's
 * bias is the mean window, extended into the margin by its edge pixels (what
 * the sampler reads beyond the edge anyway). Decoding then starts at the
 * constant predictor instead of noise, and the angle feels the lattice from
 * the first step.
 */
function startCanonicalAtMean(config: RvaeConfig, params: ParamArrays, mean: number[]): void {
  const bias = params.find((p) => p.name === "dec.out.b");
  if (!bias) return;
  const c = canonicalSize(config);
  const s = config.size;
  const margin = (c - s) / 2;
  const clamp = (v: number) => Math.min(s - 1, Math.max(0, v));
  for (let row = 0; row < c; row++) {
    for (let col = 0; col < c; col++) {
      bias.data[row * c + col] = mean[clamp(row - margin) * s + clamp(col - margin)];
    }
  }
}

/**
 * Free the model's tensors.
 *
 * @example
 * ```ts
 * import { createRvae, disposeRvae } from "./model.ts";
 * import { initBackend } from "./backend.ts";
 * import { makeConfig } from "./config.ts";
 * import { tf } from "../deps.ts";
 * await initBackend({ backend: "cpu" });
 * const before = tf.memory().numTensors;
 * disposeRvae(createRvae(makeConfig(8, { hiddenUnits: 8 })));
 * if (tf.memory().numTensors !== before) throw new Error("every tensor freed");
 * ```
 */
export function disposeRvae(model: Rvae): void {
  for (const v of model.variables.values()) v.dispose();
  model.grid.x.dispose();
  model.grid.y.dispose();
  model.inputMean?.dispose();
}

/** The model's current parameter values. */
export function modelParams(model: Rvae): ParamArrays {
  return readVariables(model.variables);
}

/** Overwrite the model's parameters (same names and shapes). */
export function assignParams(model: Rvae, params: ParamArrays): void {
  for (const p of params) {
    const v = model.variables.get(p.name);
    if (!v) throw new Error(`rVAE parameter ${p.name} is not in this model`);
    // The variable keeps the data; the temporary tensor can go.
    const value = tf.tensor(p.data, v.shape);
    v.assign(value);
    value.dispose();
  }
}

/** Training-time schedule values for one step (the reference: all neutral). */
export interface StepSchedule {
  /** Weight of the KL term (1: the ELBO). */
  klWeight: number;
  /** Lower bound of the angle's sampling standard deviation, radians (0: none). */
  angleNoiseFloor: number;
  /** Factor on the content latents and shifts fed to the decoder (1: normal, 0: withheld). */
  contentGate: number;
}

/** The neutral schedule: the plain ELBO. */
export const PLAIN_SCHEDULE: StepSchedule = { klWeight: 1, angleNoiseFloor: 0, contentGate: 1 };

/** The loss of one batch and its parts (scalars; the caller disposes them). */
export interface LossTerms {
  /** reconstruction + klWeight · KL, averaged over the batch. */
  loss: Scalar;
  /** Reconstruction term, averaged over the batch. */
  reconstruction: Scalar;
  /** KL term, averaged over the batch. */
  kl: Scalar;
}

/**
 * The loss of batch `x` ([B, size·size], normalised) with reparameterisation
 * noise `noise` ([B, L], standard normal; zeros give the posterior means).
 * Differentiable with respect to the model's variables.
 */
export function rvaeLoss(
  model: Rvae,
  x: Tensor2D,
  noise: Tensor2D,
  schedule: StepSchedule = PLAIN_SCHEDULE,
): LossTerms {
  const { config, variables } = model;
  const batch = x.shape[0];
  const { mean, logSd } = encoderForward(config, variables, x, model.inputMean);
  let sd: tf.Tensor2D = tf.exp(logSd);
  if (schedule.angleNoiseFloor > 0) {
    const floor = new Float32Array(mean.shape[1]);
    floor[0] = schedule.angleNoiseFloor ** 2;
    sd = tf.sqrt(tf.add(tf.square(sd), tf.tensor2d(floor, [1, floor.length])));
  }
  const z = tf.add(mean, tf.mul(sd, noise)) as tf.Tensor2D;
  const { pose, content } = splitLatents(config, z);
  const gate = schedule.contentGate;
  const gated = gate === 1 ? content : tf.mul(content, gate) as tf.Tensor2D;
  const gatedPose = gate === 1 || !pose.shift
    ? pose
    : { angle: pose.angle, shift: tf.mul(pose.shift, gate) as tf.Tensor2D };
  const decoded = decoderForward(config, variables, model.grid, gatedPose, gated);
  const reconstruction = tf.div(tf.sum(reconstructionPerSample(decoded, x)), batch) as tf.Scalar;
  const kl = tf.div(tf.sum(klPerSample(config, mean, logSd)), batch) as tf.Scalar;
  const loss = schedule.klWeight === 1
    ? tf.add(reconstruction, kl)
    : tf.add(reconstruction, tf.mul(kl, schedule.klWeight));
  return { loss: loss as tf.Scalar, reconstruction, kl };
}
