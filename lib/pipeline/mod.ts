/**
 * The pipeline: one pure function per stage, callable without the CLI. Each
 * takes its input (an image, a stack), its options (documented defaults) and
 * optional hooks (progress, checkpoints, cancellation), and returns the
 * files it made (name → bytes or text, in the order to write them), its
 * figures (SVG), the parameters and facts for `run.json`, a one-line
 * summary, and its results in memory. Nothing is read or written: the
 * scripts read inputs, call a stage and write what it returns through
 * `Run` (`lib/io/run.ts`).
 *
 * - {@linkcode atomsStage}: atom columns, sublattices, polarisation;
 * - {@linkcode stackStage} (with {@linkcode selectAtoms}): windows on one sublattice;
 * - {@linkcode baselinesStage}: PCA, NMF, k-means, GMM, embeddings;
 * - {@linkcode trainStage}: the rVAE, its latents and the Gaussian mixture on them;
 * - {@linkcode encodeStage}: a saved rVAE applied to a stack or an image;
 * - {@linkcode analyzeStage}: all of them on one image, the truth's score and `report.html`.
 *
 * @example
 * ```ts
 * import { atomsStage } from "./mod.ts";
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image } = generateHaadf({ width: 128, height: 128, seed: 1 });
 * const { files, summary } = await atomsStage(image, { figures: false });
 * console.log(summary, Object.keys(files));
 * ```
 *
 * @module
 */

export { atomsStage } from "./atoms.ts";
export type { AtomsStageOptions, AtomsStageResult } from "./atoms.ts";
export { latticePeriodFromAtoms, selectAtoms, stackStage, windowSpecOf } from "./stack.ts";
export type { StackCentres, StackStageOptions, StackStageResult } from "./stack.ts";
export { baselinesStage } from "./baselines.ts";
export type { BaselinesStageOptions, BaselinesStageResult } from "./baselines.ts";
export {
  CHECKPOINT_FILE,
  checkpointFile,
  latentMixture,
  peaksRecord,
  trainStage,
} from "./train.ts";
export type {
  LatentMixture,
  LatentStageResult,
  TrainStageHooks,
  TrainStageOptions,
  TrainStageResult,
} from "./train.ts";
export { encodeStage, savedModelFromFiles } from "./encode.ts";
export type {
  EncodeStackInput,
  EncodeStageOptions,
  EncodeStageResult,
  SavedModel,
} from "./encode.ts";
export { analyzeStage } from "./analyze.ts";
export type { AnalyzeHooks, AnalyzeOptions, AnalyzeResult, AnalyzeTruth } from "./analyze.ts";
export { historyCsv, latentsCsv } from "./_tables.ts";
export type { LatentsTableOptions } from "./_tables.ts";
export type { StageFigure, StageFiles, StageHooks, StageOutput } from "./_stage.ts";

// Types the API above names
export type {
  SeriesFrameOptions,
  SeriesFrameResult,
  SeriesPoolHooks,
  SeriesPoolInput,
  SeriesPoolOptions,
  SeriesPoolResult,
} from "./series.ts";
export type { SeriesFrameData, SeriesFrameRecord } from "./series.ts";
export type { SeriesSites } from "./_series_outputs.ts";
