/**
 * ferrovae: unsupervised discovery of ferroic variants in atomically resolved
 * STEM images — atom columns, polarisation, sub-image stacks, classical
 * baselines and a rotationally invariant VAE.
 *
 * Every function here works on data in memory, except `readImage` and the
 * writers under "files", which read and write files.
 *
 * @module
 */

// Core types and errors
export type { Image, PixelSize } from "./lib/image.ts";
export { pixelSizeInPm } from "./lib/image.ts";
export { FormatError, UsageError, UserError } from "./lib/errors.ts";
export { VERSION } from "./lib/version.ts";
export { Random } from "./lib/random.ts";

// Formats (pure: bytes in, arrays out)
export { decodeNpy, encodeNpy } from "./lib/formats/npy.ts";
export type { NpyArray, NumericArray } from "./lib/formats/npy.ts";
export { decodePng, encodePng } from "./lib/formats/png.ts";
export type { PngPixels } from "./lib/formats/png.ts";
export { decodeImage, detectFormat, IMAGE_EXTENSIONS, listImages } from "./lib/formats/decode.ts";
export type { ImageFormat } from "./lib/formats/decode.ts";
export { decodeDm, listDmImages } from "./lib/formats/dm.ts";
export { decodeTiff, listTiffImages } from "./lib/formats/tiff.ts";
export { encodeTiff } from "./lib/formats/tiff_write.ts";
export type { TiffWriteOptions } from "./lib/formats/tiff_write.ts";
export { decodeHdf5, listHdf5Images } from "./lib/formats/hdf5.ts";
export type { Hdf5Options } from "./lib/formats/hdf5.ts";
export { MAX_IMAGE_PIXELS } from "./lib/formats/samples.ts";
export type { AxisCalibration, DecodeOptions, ImageEntry } from "./lib/formats/samples.ts";
export { formatCsv, numericColumn, parseCsv, stringColumn } from "./lib/io/csv.ts";
export type { CsvColumn, CsvTable, FormatCsvOptions } from "./lib/io/csv.ts";

// Figures (pure: data in, SVG strings out; rasterising needs no permissions)
export {
  amplitudePhaseColor,
  categoricalColor,
  colormap,
  cssColor,
  oklabToRgb,
  rgbToOklab,
} from "./lib/figures/color.ts";
export type { AmplitudePhaseOptions, Colormap, ColormapName, Rgb } from "./lib/figures/color.ts";
export { imagePanel, imageToRgba, percentileRange } from "./lib/figures/image_panel.ts";
export type {
  ImageData,
  ImageFrame,
  ImagePanelOptions,
  ImageToRgbaOptions,
  Layer,
} from "./lib/figures/image_panel.ts";
export { arrowsLayer, categoryLegend, pointsLayer } from "./lib/figures/layers.ts";
export type {
  ArrowsOptions,
  MarkColorOptions,
  MarkerShape,
  PointsOptions,
  VectorField,
} from "./lib/figures/layers.ts";
export {
  histogramCounts,
  histogramFigure,
  lineFigure,
  scatterFigure,
} from "./lib/figures/charts.ts";
export type {
  ChartOptions,
  HistogramMarker,
  HistogramOptions,
  LineOptions,
  LineSeries,
  ScatterOptions,
} from "./lib/figures/charts.ts";
export { mosaicFigure, tilesFromStack } from "./lib/figures/mosaic.ts";
export type { MosaicOptions } from "./lib/figures/mosaic.ts";
export { categoricalLegend, colorBar, colorWheelSvg } from "./lib/figures/legends.ts";
export type {
  ColorBarOptions,
  ColorWheelOptions,
  LegendEntry,
  LegendOptions,
} from "./lib/figures/legends.ts";
export { chooseScaleBar } from "./lib/figures/scale_bar.ts";
export type { ScaleBar, ScaleBarOptions } from "./lib/figures/scale_bar.ts";
export { figureGrid } from "./lib/figures/layout.ts";
export type { FigureGridOptions } from "./lib/figures/layout.ts";
export { svgDocument, svgSize, svgText } from "./lib/figures/svg.ts";
export type { Rect, RgbaPixels, SvgDocumentOptions, TextOptions } from "./lib/figures/svg.ts";
export { svgContentBox, svgOverflows, svgToPng, svgToRgba } from "./lib/figures/raster.ts";
export type { RasterOptions, SvgOverflow } from "./lib/figures/raster.ts";
export { plotAreaOf, siteMapArea, siteMapFigure } from "./lib/figures/site_map.ts";
export type {
  SiteMapFrame,
  SiteMapLayout,
  SiteMapOptions,
  SitePositions,
} from "./lib/figures/site_map.ts";
export {
  contentColumn,
  encodedAngleHistogramFigure,
  latentClassesFigure,
  latentManifoldFigure,
  latentMapFigures,
  latentScatterFigure,
  manifoldGrid,
} from "./lib/figures/latent_figures.ts";
export type { LatentMapOptions, LatentValues, ManifoldGrid } from "./lib/figures/latent_figures.ts";
export { degrees, lengthUnit, plural, smallLength, VOCABULARY } from "./lib/figures/text.ts";
export type { LengthUnit } from "./lib/figures/text.ts";
export {
  encodeHspy,
  HSPY_FORMAT_VERSION,
  imageSignal,
  latentMaps,
  mapSignal,
  polarizationMaps,
  resultsSignals,
  siteGrid,
  tableSignal,
} from "./lib/formats/hspy_write.ts";
export type {
  HspyAxis,
  HspyOptions,
  HspySignal,
  ResultsHspyInput,
  SiteGrid,
  SiteGridOptions,
  SiteMaps,
} from "./lib/formats/hspy_write.ts";

// Synthetic data with ground truth, and scores against it
export { generateHaadf, SUBLATTICE_A, SUBLATTICE_B } from "./lib/synth/generate.ts";
export type {
  SuperlatticeLayerMeta,
  SynthMeta,
  SynthResult,
  SynthTruth,
} from "./lib/synth/generate.ts";
export { resolveSynthOptions, SYNTH_DEFAULTS } from "./lib/synth/options.ts";
export type {
  MistiltKey,
  ResolvedSynthOptions,
  Structure,
  SuperlatticeKey,
  SynthOptions,
} from "./lib/synth/options.ts";
export { synthFiles } from "./lib/synth/files.ts";
export { synthPreviewFigure, variantMap } from "./lib/synth/figure.ts";
export type { CropBox } from "./lib/synth/figure.ts";
export {
  adjustedRandIndex,
  angleVariantAgreement,
  matchPoints,
  scoreAtoms,
  scorePolarization,
  scoreSiteAngles,
  truthFromCsv,
} from "./lib/score.ts";
export type {
  AngleAgreement,
  AngleAgreementOptions,
  AngleSites,
  AtomScore,
  FoundPolarization,
  MatchOptions,
  PolarizationScore,
  PolarizationScoreOptions,
  ScoredPoints,
  TruthSites,
} from "./lib/score.ts";

// Atom columns, sublattices and polarisation
export { findAtoms } from "./lib/atoms/find_atoms.ts";
export { columnsPerCell, nearestNeighbourDistance } from "./lib/atoms/column_geometry.ts";
export type { AtomColumns, AtomResult, FindAtomsOptions } from "./lib/atoms/find_atoms.ts";
export { estimateLattice, reduceBasis } from "./lib/atoms/spacing.ts";
export type { BraggPeak, LatticeEstimate, LatticeOptions } from "./lib/atoms/spacing.ts";
export { findPeaks } from "./lib/atoms/detect.ts";
export type { FindPeaksOptions, PeakDetection, Peaks } from "./lib/atoms/detect.ts";
export type { Grid } from "./lib/atoms/filters.ts";
export {
  fitColumns,
  refineColumns,
  refitDimColumns,
  refitWithLocalShape,
  renderColumns,
} from "./lib/atoms/refine.ts";
export type {
  LocalShapeOptions,
  RefinedColumns,
  RefineOptions,
  Starts,
} from "./lib/atoms/refine.ts";
export type { GaussianParams } from "./lib/atoms/gaussian_fit.ts";
export { assignSublattices } from "./lib/atoms/sublattice.ts";
export type { SublatticeOptions, SublatticeRule } from "./lib/atoms/sublattice.ts";
export { computePolarization } from "./lib/atoms/polarization.ts";
export type {
  NeighbourRule,
  Polarization,
  PolarizationOptions,
  PolarizationStatus,
} from "./lib/atoms/polarization.ts";
export { atomsCsv, polarizationCsv } from "./lib/atoms/tables.ts";
export {
  angleHistogramFigure,
  arrowsFigure,
  polarizationMapFigure,
  sublatticeFigure,
} from "./lib/atoms/figures.ts";
export type { PolarizationMapOptions } from "./lib/atoms/figures.ts";

// Sub-image stacks and the classical baselines
export { CENTRINGS, extractStack, NORMALIZATIONS } from "./lib/stack.ts";
export type { Centres, Centring, Normalization, StackOptions, SubImageStack } from "./lib/stack.ts";
export { stackMosaicFigure, stackOverviewFigure } from "./lib/stack_figures.ts";
export type { Matrix } from "./lib/baselines/matrix.ts";
export { pca } from "./lib/baselines/pca.ts";
export type { PcaOptions, PcaResult } from "./lib/baselines/pca.ts";
export { kmeans } from "./lib/baselines/kmeans.ts";
export type { KMeansOptions, KMeansResult } from "./lib/baselines/kmeans.ts";
export { bicSweep, gaussianMixture } from "./lib/baselines/gmm.ts";
export type {
  BicSweep,
  BicSweepOptions,
  CovarianceType,
  GaussianMixtureOptions,
  GaussianMixtureResult,
} from "./lib/baselines/gmm.ts";
export { nmf } from "./lib/baselines/nmf.ts";
export type { NmfOptions, NmfResult } from "./lib/baselines/nmf.ts";
export { tsne } from "./lib/baselines/tsne.ts";
export type { TsneOptions } from "./lib/baselines/tsne.ts";
export { mds, mdsStress } from "./lib/baselines/mds.ts";
export type { MdsOptions } from "./lib/baselines/mds.ts";
export { isomap } from "./lib/baselines/isomap.ts";
export type { IsomapOptions } from "./lib/baselines/isomap.ts";
export { umap } from "./lib/baselines/umap.ts";
export type { UmapOptions } from "./lib/baselines/umap.ts";
export { knnGraph } from "./lib/baselines/knn.ts";
export type { KnnGraph } from "./lib/baselines/knn.ts";
export { WorkerPool } from "./lib/baselines/pool.ts";
export type { Task, TaskName } from "./lib/baselines/pool.ts";
export { gaussianBlobs, swissRoll } from "./lib/baselines/synthetic.ts";
export type { BlobOptions } from "./lib/baselines/synthetic.ts";
export { EMBEDDINGS, runBaselines } from "./lib/baselines/suite.ts";
export type { BaselineOptions, BaselineResults, EmbeddingName } from "./lib/baselines/suite.ts";
export {
  bicFigure,
  clusterMapFigure,
  clusterMeansFigure,
  embeddingsFigure,
  loadingsFigure,
  nmfFigure,
  screeFigure,
} from "./lib/baselines/figures.ts";
export type { ClusterMapOptions } from "./lib/baselines/figures.ts";
export { Workspace } from "./lib/linalg/workspace.ts";
export type { WasmMatrix, WorkspaceOptions } from "./lib/linalg/workspace.ts";

// rVAE (call initBackend() first; see lib/rvae/)
export { BACKEND_CHOICES, initBackend } from "./lib/rvae/backend.ts";
export type { BackendChoice, BackendOptions } from "./lib/rvae/backend.ts";
export type { Scalar, Tensor, Tensor2D, Tensor3D, Variable } from "./lib/deps.ts";
export { sampleBilinear } from "./lib/rvae/kernels/bilinear.ts";
export type { Padding } from "./lib/rvae/kernels/bilinear.ts";
export { adamUpdate } from "./lib/rvae/kernels/adam.ts";
export type { AdamConstants } from "./lib/rvae/kernels/adam.ts";
export { GradientWorkers, lossGradients } from "./lib/rvae/parallel.ts";
export type { BatchGradients } from "./lib/rvae/parallel.ts";
export {
  DECODER_KINDS,
  DEFAULT_CONFIG,
  DEFAULT_TRAINING,
  ENCODER_KINDS,
  latentCount,
  makeConfig,
  makeTrainOptions,
  REFERENCE_CONFIG,
  REFERENCE_TRAINING,
} from "./lib/rvae/config.ts";
export type {
  DecoderKind,
  EncoderKind,
  Normalization as RvaeNormalization,
  RvaeConfig,
  TrainOptions,
} from "./lib/rvae/config.ts";
export { assignParams, createRvae, disposeRvae, modelParams, rvaeLoss } from "./lib/rvae/model.ts";
export type { CreateRvaeOptions, LossTerms, Rvae, StepSchedule } from "./lib/rvae/model.ts";
export type { Variables } from "./lib/rvae/networks.ts";
export type { ParamArrays } from "./lib/rvae/params.ts";
export { stackNormalization } from "./lib/rvae/normalize.ts";
export { Adam } from "./lib/rvae/adam.ts";
export type { AdamState } from "./lib/rvae/adam.ts";
export {
  heldOutLoss,
  historyColumns,
  sampleNoise,
  trainingWarnings,
  trainRvae,
  trainStep,
} from "./lib/rvae/train.ts";
export { initialSchedule, nextSchedule } from "./lib/rvae/schedule.ts";
export type {
  DivergenceEvent,
  ScheduleOptions,
  ScheduleState,
  ScheduleStep,
} from "./lib/rvae/schedule.ts";
export { trainRestarts } from "./lib/rvae/restarts.ts";
export type { RestartOptions, RestartResult, RestartRun } from "./lib/rvae/restarts.ts";
export { chooseWindow, DEFAULT_WINDOW_CELLS } from "./lib/rvae/window.ts";
export type { RvaeWarning, WindowChoice, WindowOptions } from "./lib/rvae/window.ts";
export {
  checkModelApplies,
  combineStacks,
  encodeWithModel,
  latentColumns,
} from "./lib/rvae/encode.ts";
export type {
  ApplyOptions,
  CombinedStacks,
  LatentColumnOptions,
  WindowStack,
} from "./lib/rvae/encode.ts";
export { circularCorrelation, compareWithPolarization } from "./lib/rvae/polarization_check.ts";
export type {
  AngleRelation,
  PolarizationCheckOptions,
  PolarizationComparison,
} from "./lib/rvae/polarization_check.ts";
export type {
  BatchProgress,
  EpochRecord,
  LossValues,
  TrainCheckpoint,
  TrainHooks,
  TrainResult,
} from "./lib/rvae/train.ts";
export { decodeWithPose, encodeStack, pixelsToShift, shiftToPixels } from "./lib/rvae/inference.ts";
export type { DecodeRequest, Encoding } from "./lib/rvae/inference.ts";
export {
  angleDelta,
  angleHistogram,
  describePeaks,
  findAnglePeaks,
  peakCountText,
  wrapAngle,
} from "./lib/rvae/angles.ts";
export type { AnglePeak, AnglePeakOptions, AnglePeaks } from "./lib/rvae/angles.ts";
export {
  decodeCheckpoint,
  decodeModel,
  encodeCheckpoint,
  encodeModel,
} from "./lib/rvae/serialize.ts";
export type {
  CheckpointContext,
  ModelFile,
  TensorEntry,
  WindowSpec,
} from "./lib/rvae/serialize.ts";

// The report (analyze's report.html)
export { buildReportHtml, escapeHtml, svgDataUrl } from "./lib/report/report_html.ts";
export type {
  ExplorerData,
  ExplorerSites,
  ReportContent,
  ReportFigure,
  ReportOptions,
  ReportSection,
  ReportWarning,
} from "./lib/report/report_html.ts";
export { spriteSheet } from "./lib/report/sprites.ts";
export { methodsSection, REFERENCES } from "./lib/report/methods.ts";
export type {
  MethodsCounts,
  MethodsParagraph,
  MethodsSection,
  Reference,
} from "./lib/report/methods.ts";
export type { SpriteOptions, SpriteSheet } from "./lib/report/sprites.ts";
export {
  analysisReport,
  explorerData,
  figureSections,
  imageThumbnail,
} from "./lib/report/analysis_report.ts";
export type {
  AnalysisReportInput,
  ExplorerInput,
  ExplorerOptions,
  NamedSvg,
} from "./lib/report/analysis_report.ts";
export { analysisSummary } from "./lib/report/analysis_summary.ts";
export type { AnalysisSummaryInput, StageTiming } from "./lib/report/analysis_summary.ts";

// Files
export { readImage } from "./lib/io/read_image.ts";
export { readD3Bundle } from "./lib/io/assets.ts";
export { writeFigure } from "./lib/io/figure.ts";
export type { NamedFigure, WriteFigureOptions } from "./lib/io/figure.ts";
export { loadRvae, loadRvaeFile, saveRvae } from "./lib/io/rvae_files.ts";
export { ensureDir, readFileChecked, writeFileAtomic } from "./lib/io/atomic_write.ts";
export type { AtomicWriteOptions } from "./lib/io/atomic_write.ts";
export { Run, RunInterrupted, sha256Hex } from "./lib/io/run.ts";
export { readStackFile, readStackPositions, stackFiles } from "./lib/io/stack_files.ts";
export type { StackFile } from "./lib/io/stack_files.ts";
export type { RunManifest, RunOptions } from "./lib/io/run.ts";
