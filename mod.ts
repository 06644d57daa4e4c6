/**
 * ferrovae: unsupervised discovery of ferroic variants in atomically resolved
 * STEM images — atom columns, polarisation with its uncertainty, sub-image
 * stacks, classical baselines and a rotationally invariant VAE (Valleti et
 * al. 2022, doi:10.1063/5.0105406).
 *
 * This is the curated API a user's own script needs. Each stage has its own
 * module with everything it offers: `@ferrovae/ferrovae/atoms`, `/formats`,
 * `/baselines`, `/rvae`, `/figures`, `/report`, `/score`, `/series`,
 * `/synth` and `/pipeline` (one function per stage, as the scripts run it).
 *
 * Every function here works on data in memory, except `readImage`, `Run`
 * and `writeFileAtomic`, which read and write files.
 *
 * @example
 * ```ts
 * import { atomsStage, generateHaadf } from "./mod.ts";
 * const { image } = generateHaadf({ width: 128, height: 128, seed: 1 });
 * const atoms = await atomsStage(image, { figures: false });
 * if (!("atoms.csv" in atoms.files)) throw new Error("atoms.csv expected");
 * ```
 *
 * @module
 */

// Core: images, errors, warnings, maths
export type { Image, PixelSize } from "./lib/image.ts";
export { pixelSizeInPm } from "./lib/image.ts";
export { FormatError, OptionError, UsageError, UserError } from "./lib/errors.ts";
export { VERSION } from "./lib/version.ts";
export { Random } from "./lib/random.ts";
export { formatWarnings, warning } from "./lib/warnings.ts";
export type { Warning, WarningCode } from "./lib/warnings.ts";
export { angleDelta, median, quantile, wrapAngle } from "./lib/math.ts";

// Files: reading, crash-safe writing, run folders and their manifest
export { readImage } from "./lib/io/read_image.ts";
export { writeFileAtomic } from "./lib/io/atomic_write.ts";
export { Run } from "./lib/io/run.ts";
export type { RunManifest, RunOptions } from "./lib/io/run.ts";
export { writeStageOutput } from "./lib/io/stage_output.ts";
export { formatCsv, parseCsv } from "./lib/io/csv.ts";
export { loadRvae, loadRvaeFile, saveRvae } from "./lib/io/rvae_files.ts";

// Formats (bytes in, arrays out)
export {
  decodeImage,
  decodeNpy,
  decodePng,
  encodeNpy,
  encodePng,
  encodeTiff,
  listImages,
} from "./lib/formats/mod.ts";
export { encodeHspy, resultsSignals } from "./lib/formats/hspy_write.ts";

// The stages as the scripts run them
export {
  analyzeStage,
  atomsStage,
  baselinesStage,
  encodeStage,
  stackStage,
  trainStage,
} from "./lib/pipeline/mod.ts";
export { seriesFrameStage, seriesPoolStage } from "./lib/pipeline/series.ts";

// Atom columns, polarisation and how far to trust it
export {
  assessPolarization,
  atomsCsv,
  domainsCsv,
  estimateLattice,
  findAtoms,
  latticeCsv,
  parseAveraging,
  parseReference,
  polarizationCsv,
  polarizationMapFigure,
} from "./lib/atoms/mod.ts";

// Sub-image stacks and the classical baselines
export { extractStack } from "./lib/stack.ts";
export {
  bicSweep,
  gaussianMixture,
  isomap,
  kmeans,
  mds,
  nmf,
  pca,
  runBaselines,
  tsne,
  umap,
} from "./lib/baselines/mod.ts";

// rVAE
export {
  chooseWindow,
  compareWithPolarization,
  createRvae,
  describePeaks,
  disposeRvae,
  encodeStack,
  encodeWithModel,
  findAnglePeaks,
  initBackend,
  makeConfig,
  makeTrainOptions,
  trainRvae,
} from "./lib/rvae/mod.ts";

// Synthetic images with ground truth, and scores against it
export { generateHaadf, resolveSynthOptions, SYNTH_DEFAULTS, synthFiles } from "./lib/synth/mod.ts";
export {
  adjustedRandIndex,
  scoreAtoms,
  scorePolarization,
  scoreSiteAngles,
  truthFromCsv,
} from "./lib/score/mod.ts";

// Series of frames, and Slurm
export {
  frameShift,
  readSeries,
  slurmArrayScript,
  slurmPoolScript,
  trackSites,
} from "./lib/series/mod.ts";

// Figures and the report
export {
  histogramFigure,
  latentMapFigures,
  lineFigure,
  scatterFigure,
  siteMapFigure,
  svgToPng,
} from "./lib/figures/mod.ts";
export { analysisReport, buildReportHtml, methodsSection } from "./lib/report/mod.ts";

// Types the API above names
export type { AtomicWriteOptions } from "./lib/io/atomic_write.ts";
export type {
  Centres,
  Centring,
  Normalization as StackNormalization,
  StackOptions,
  SubImageStack,
} from "./lib/stack.ts";
export type { CsvColumn, CsvTable, FormatCsvOptions } from "./lib/io/csv.ts";
export type { NamedFigure, WriteFigureOptions } from "./lib/io/figure.ts";
export type { QuantileOptions } from "./lib/math.ts";
export type { RunInterrupted } from "./lib/io/run.ts";
export type { StackFile } from "./lib/io/stack_files.ts";
export type { StageOutputFiles } from "./lib/io/stage_output.ts";
export type { Tensor2D } from "./lib/deps.ts";
export type { Workspace } from "./lib/linalg/workspace.ts";
export type { QuantileMethod } from "./lib/math.ts";
export type { Variable } from "./lib/deps.ts";
export type { WasmMatrix } from "./lib/linalg/workspace.ts";
