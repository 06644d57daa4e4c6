/**
 * The analyze stage: the whole analysis of one image — atom columns and
 * polarisation, windows on one sublattice, the classical baselines, the
 * rVAE, the agreement with a ground truth when there is one, and
 * `report.html` — as every file and figure `analyze` writes.
 *
 * @module
 */

import { join } from "node:path";
import { UserError } from "../errors.ts";
import { type Image, pixelSizeInPm } from "../image.ts";
import {
  analysisSummary,
  type AnalysisSummaryInput,
  type StageTiming,
} from "../report/analysis_summary.ts";
import { makeConfig, type RvaeConfig, type TrainOptions } from "../rvae/config.ts";
import { type AngleAgreement, scoreSiteAngles, type TruthSites } from "../score.ts";
import { atomsStage, type AtomsStageOptions, type AtomsStageResult } from "./atoms.ts";
import {
  baselinesStage,
  type BaselinesStageOptions,
  type BaselinesStageResult,
} from "./baselines.ts";
import { analysisReportHtml } from "./_report.ts";
import type { StageFiles, StageHooks, StageOutput } from "./_stage.ts";
import { selectAtoms, stackStage, type StackStageOptions, type StackStageResult } from "./stack.ts";
import { trainStage, type TrainStageHooks, type TrainStageResult } from "./train.ts";

/** A ground truth to score the encoded angles against (e.g. synth's `truth.csv`). */
export interface AnalyzeTruth {
  /** Its file name, recorded with the score. */
  path: string;
  /** The true sites. */
  truth: TruthSites;
  /** The variants' directions, radians (default: the scorer's). */
  variantAngles?: number[];
}

/** Options of {@linkcode analyzeStage}. */
export interface AnalyzeOptions {
  /** The image's file name, named in messages and the summary (default "image"). */
  source?: string;
  /** Seed of the baselines' random choices (the rVAE's is `rvae.training.seed`; default 0). */
  seed?: number;
  /** The atom finder's options. */
  atoms?: AtomsStageOptions;
  /** The windows' options; `sublattice` (default "B") chooses the atoms they are centred on. */
  stack?: StackStageOptions;
  /** The baselines' options, or null to skip them (default: run with their defaults). */
  baselines?: BaselinesStageOptions | null;
  /** The rVAE: its configuration (the window size comes from the stack) and training options. */
  rvae: { config: Partial<RvaeConfig>; training: TrainOptions };
  /** Ground truth to score the encoded angle against, when there is one. */
  truth?: AnalyzeTruth | null;
  /** The compute backend in use, for the summary (default "unknown"). */
  backend?: string;
  /** Where the outputs go, for the summary (default "."). */
  outDir?: string;
  /**
   * `report.html`: the run's provenance (its manifest so far; the stages'
   * parameters and facts are merged into it) and d3's browser bundle. No
   * report without it.
   */
  report?: { provenance: Record<string, unknown>; d3Source: string } | null;
  /** Stages the caller timed before (e.g. reading the image), listed first. */
  timings?: StageTiming[];
}

/** How a caller follows, checkpoints and stops an analysis. */
export interface AnalyzeHooks extends TrainStageHooks {
  /** Each stage's one-line summary, when it is done. */
  onSummary?: (line: string) => void;
}

/** What {@linkcode analyzeStage} made: every stage's result and `report.html`. */
export interface AnalyzeResult extends StageOutput {
  /** True when `hooks.shouldStop` ended the analysis early (then nothing else is complete). */
  stopped: boolean;
  /** Each stage's result, in the order their files are written (baselines null when skipped). */
  stages: {
    atoms: AtomsStageResult;
    stack: StackStageResult;
    baselines: BaselinesStageResult | null;
    train: TrainStageResult;
  } | null;
  /** Agreement of the encoded angle with the truth, when one was given. */
  agreement: AngleAgreement | null;
  /** Each stage's wall time, in order. */
  timings: StageTiming[];
  /** What the one-screen summary is made from (add `totalSeconds` at the end). */
  summaryInput: AnalysisSummaryInput | null;
}

/**
 * The whole analysis of `image`: {@linkcode atomsStage}, windows on the
 * chosen sublattice cut from atoms.csv's text ({@linkcode stackStage}),
 * {@linkcode baselinesStage} unless skipped, {@linkcode trainStage}, the
 * agreement with `truth`, and `report.html` (with `report`). `hooks.onStep`
 * hears each stage's name ("atoms", "stack", "baselines", "rVAE", "report")
 * and each stage's steps as `<stage>: <step>`; `hooks.shouldStop` is asked
 * between stages and training batches. Files and figures are in the order
 * to write them: `files` holds only `report.html`; each stage's are in
 * `stages`. The caller disposes of `stages.train.model`.
 *
 * @example
 * ```ts
 * import { generateHaadf } from "../synth/generate.ts";
 * import { initBackend } from "../rvae/backend.ts";
 * import { DEFAULT_CONFIG, DEFAULT_TRAINING, makeTrainOptions } from "../rvae/config.ts";
 * await initBackend({ backend: "cpu" });
 * const { image } = generateHaadf({ width: 128, height: 128, seed: 3 });
 * const result = await analyzeStage(image, {
 *   stack: { window: 16, figures: false },
 *   atoms: { figures: false },
 *   baselines: null,
 *   rvae: { config: DEFAULT_CONFIG, training: makeTrainOptions({ ...DEFAULT_TRAINING, epochs: 1 }) },
 * });
 * console.log(result.summary);
 * ```
 */
export async function analyzeStage(
  image: Image,
  options: AnalyzeOptions,
  hooks: AnalyzeHooks = {},
): Promise<AnalyzeResult> {
  const source = options.source ?? "image";
  const seed = options.seed ?? 0;
  const timings: StageTiming[] = [...(options.timings ?? [])];
  const stopped = (): AnalyzeResult => ({
    stopped: true,
    stages: null,
    agreement: null,
    timings,
    summaryInput: null,
    files: {},
    figures: [],
    parameters: {},
    extra: {},
    summary: "analyze: interrupted",
  });
  async function stage<T>(name: string, work: (sub: StageHooks) => Promise<T>): Promise<T> {
    await hooks.onStep?.(name);
    const started = performance.now();
    const result = await work({
      onStep: (step) => hooks.onStep?.(`${name}: ${step}`),
      shouldStop: hooks.shouldStop,
    });
    timings.push({ name, seconds: (performance.now() - started) / 1000 });
    const summary = (result as { summary?: unknown } | undefined)?.summary;
    if (typeof summary === "string") hooks.onSummary?.(summary);
    return result;
  }
  const stop = () => hooks.shouldStop?.() ?? false;

  const atoms = await stage("atoms", (sub) => atomsStage(image, { source, ...options.atoms }, sub));
  if (stop()) return stopped();
  const stackOptions = { source, ...options.stack };
  const sublattice = stackOptions.sublattice ?? "B";
  const stacked = await stage("stack", (sub) => {
    // From atoms.csv's text, so that the windows are exactly those `stack` cuts from the file.
    const name = options.outDir ? join(options.outDir, "atoms.csv") : "atoms.csv";
    const centres = selectAtoms(atoms.files["atoms.csv"], name, sublattice);
    return stackStage({ image, centres }, stackOptions, sub);
  });
  const stack = stacked.stack;
  if (stack.count < 4) {
    throw new UserError(
      source,
      `only ${stack.count} windows of ${stack.window} px fit in the image; ` +
        `the learning stages need at least 4 (try a smaller --window)`,
    );
  }
  if (stop()) return stopped();
  const positions = { x: stack.x, y: stack.y };

  const baselines = options.baselines === null ? null : await stage(
    "baselines",
    (sub) => baselinesStage({ stack, positions }, { seed, ...options.baselines }, sub),
  );
  if (stop()) return stopped();

  const config = makeConfig(stack.window, options.rvae.config);
  const training = options.rvae.training;
  const pm = pixelSizeInPm(image.pixelSize);
  const trained = await stage("rVAE", (sub) =>
    trainStage(
      { stack: { data: stack.data, size: stack.window }, positions },
      {
        config,
        training,
        pixelSizeNm: pm === undefined ? undefined : pm / 1000,
      },
      {
        onBatch: hooks.onBatch,
        onEpoch: hooks.onEpoch,
        onNotice: hooks.onNotice,
        onCheckpoint: hooks.onCheckpoint,
        ...sub,
      },
    ));
  if (trained.stopped) return { ...stopped(), stages: null };

  let agreement: AngleAgreement | null = null;
  const truth = options.truth;
  if (truth && trained.encoding) {
    agreement = scoreSiteAngles({ ...positions, angle: trained.encoding.angle }, truth.truth, {
      variantAngles: truth.variantAngles,
    });
  }
  const parameters = {
    seed,
    atoms: atoms.parameters,
    stack: stacked.parameters,
    baselines: baselines ? { seed, ...baselines.parameters } : null,
    rvae: trained.parameters,
  };
  const extra = {
    atoms: atoms.extra,
    stack: stacked.extra,
    ...(baselines ? { baselines: baselines.extra } : {}),
    rvae: trained.extra,
    ...(agreement && truth ? { truth: { file: truth.path, ...agreement, toleranceDeg: 30 } } : {}),
  };
  const summaryInput: AnalysisSummaryInput = {
    imagePath: source,
    image,
    outDir: options.outDir ?? ".",
    atoms: atoms.result,
    stack,
    sublattice,
    baselines: baselines?.results ?? null,
    training: {
      epochs: trained.history.length,
      backend: options.backend ?? "unknown",
      history: trained.history,
      peaks: trained.peaks,
    },
    agreement,
    timings: [...timings],
  };
  const files: StageFiles = {};
  if (options.report) {
    const { provenance, d3Source } = options.report;
    await stage("report", () => {
      const given = (provenance.parameters ?? {}) as Record<string, unknown>;
      const givenExtra = (provenance.extra ?? {}) as Record<string, unknown>;
      files["report.html"] = analysisReportHtml({
        title: `ferrovae analysis of ${source}`,
        summary: analysisSummary(summaryInput).rows,
        figures: [atoms, stacked, baselines, trained].flatMap((s) => s?.figures ?? []),
        parameters: {
          ...provenance,
          parameters: { ...given, ...parameters },
          extra: { ...givenExtra, ...extra },
        },
        image,
        stack,
        rvae: trained.encoding
          ? {
            model: trained.model,
            encoding: trained.encoding,
            classes: trained.mixture?.classes ?? null,
          }
          : null,
        d3Source,
      });
      return Promise.resolve();
    });
  }
  return {
    stopped: false,
    stages: { atoms, stack: stacked, baselines, train: trained },
    agreement,
    timings,
    summaryInput,
    files,
    figures: [],
    parameters,
    extra,
    summary: analysisSummary({ ...summaryInput, timings: [...timings] }).text,
  };
}
