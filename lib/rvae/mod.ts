/**
 * The rotationally invariant variational autoencoder (rVAE) of the analysis:
 * each sub-image (window) is encoded as an angle, a shift and a few content
 * latents, and decoded from them through a rotated, shifted sampling grid, so
 * that the content latents hold what rotation cannot explain and the angle
 * reveals the ferroic variants. Configuration and training options with
 * documented defaults, a hand-written seeded training loop with exact resume,
 * restarts, encoding and decoding, saved-model files as bytes, the angle
 * peaks, and the comparison of the encoded angle with the measured
 * polarisation. Call {@linkcode initBackend} once before creating a model.
 *
 * References: the rVAE paper, S. M. P. Valleti, S. V. Kalinin, C. T. Nelson,
 * J. J. P. Peters, W. Dong, R. Beanland, X. Zhang, I. Takeuchi, M. Ziatdinov,
 * Unsupervised learning of ferroic variants from atomically resolved STEM
 * images, AIP Advances 12, 105122 (2022), doi:10.1063/5.0105406; the rVAE
 * method, T. Bepler, E. D. Zhong, K. Kelley, E. Brignole, B. Berger,
 * Explicitly disentangling image content from translation and rotation with
 * spatial-VAE, NeurIPS 2019, arXiv:1909.11663, doi:10.48550/arXiv.1909.11663,
 * and S. V. Kalinin, O. Dyck, S. Jesse, M. Ziatdinov, Exploring order
 * parameters and dynamic processes in disordered systems via variational
 * autoencoders, Sci. Adv. 7, eabd5084 (2021), doi:10.1126/sciadv.abd5084;
 * the optimiser, D. P. Kingma, J. Ba, Adam: a method for stochastic
 * optimization, arXiv:1412.6980 (2014), doi:10.48550/arXiv.1412.6980.
 *
 * @example
 * ```ts
 * import {
 *   createRvae,
 *   encodeStack,
 *   initBackend,
 *   makeConfig,
 *   makeTrainOptions,
 *   stackNormalization,
 *   trainRvae,
 * } from "./mod.ts";
 * await initBackend({ backend: "cpu" });
 * const stack = new Float32Array(16 * 8 * 8).map((_, i) => Math.sin(i));
 * const normalization = stackNormalization(stack, 8 * 8);
 * const model = createRvae(makeConfig(8, { hiddenUnits: 8 }), { seed: 1, normalization });
 * await trainRvae(model, stack, makeTrainOptions({ epochs: 1, batchSize: 8 }));
 * const { angle, content } = encodeStack(model, stack);
 * if (angle.length !== 16 || content.length !== 2 * 16) throw new Error("one encoding per window");
 * ```
 *
 * @module
 */

/**
 * @example
 * ```ts
 * import { initBackend } from "./mod.ts";
 * // "auto" (the default) picks the wasm backend: its binary needs --allow-read of node_modules.
 * const name = await initBackend({ backend: "cpu" });
 * if (name !== "cpu") throw new Error("the backend asked for");
 * ```
 */
export { initBackend } from "./backend.ts";
export { BACKEND_CHOICES } from "./backend.ts";
export type { BackendChoice, BackendOptions } from "./backend.ts";
export {
  DEFAULT_CONFIG,
  DEFAULT_TRAINING,
  makeConfig,
  makeTrainOptions,
  REFERENCE_CONFIG,
  REFERENCE_TRAINING,
} from "./config.ts";
export type {
  DecoderKind,
  EncoderKind,
  Normalization,
  RvaeConfig,
  TrainOptions,
} from "./config.ts";
export { createRvae, disposeRvae } from "./model.ts";
export type { CreateRvaeOptions, Rvae } from "./model.ts";
export { stackNormalization } from "./normalize.ts";
export { heldOutLoss, historyColumns, trainingWarnings, trainRvae } from "./train.ts";
export type {
  BatchProgress,
  EpochRecord,
  LossValues,
  TrainCheckpoint,
  TrainHooks,
  TrainResult,
} from "./train.ts";
export type { DivergenceEvent, ScheduleState } from "./schedule.ts";
export { trainRestarts } from "./restarts.ts";
export type { RestartOptions, RestartResult, RestartRun } from "./restarts.ts";
export { chooseWindow, DEFAULT_WINDOW_CELLS } from "./window.ts";
export type { RvaeWarning, WindowChoice, WindowOptions } from "./window.ts";
export { decodeWithPose, encodeStack } from "./inference.ts";
export type { DecodeRequest, Encoding } from "./inference.ts";
export { checkModelApplies, combineStacks, encodeWithModel, latentColumns } from "./encode.ts";
export type { ApplyOptions, CombinedStacks, LatentColumnOptions, WindowStack } from "./encode.ts";
export { angleHistogram, describePeaks, findAnglePeaks, peakCountText } from "./angles.ts";
export type { AnglePeak, AnglePeakOptions, AnglePeaks } from "./angles.ts";
export { circularCorrelation, compareWithPolarization } from "./polarization_check.ts";
export type {
  AngleRelation,
  PolarizationCheckOptions,
  PolarizationComparison,
} from "./polarization_check.ts";
export { decodeModel, encodeModel } from "./serialize.ts";
export type { ModelFile, WindowSpec } from "./serialize.ts";

// Types the API above names
export type { AdamState } from "./adam.ts";
export type { ParamArrays } from "./params.ts";
export type { TensorEntry } from "./serialize.ts";
export type { Variables } from "./networks.ts";
