/**
 * The analyze stage: the whole analysis of one image — atom columns and
 * polarisation, windows on one sublattice, the classical baselines, the
 * rVAE, the agreement with a ground truth when there is one, and
 * `report.html` — as every file and figure `analyze` writes.
 *
 * @module
 */

import { join } from "node:path";
import type { TrustReport } from "../atoms/trust.ts";
import { UserError } from "../errors.ts";
import { type Image, pixelSizeInPm } from "../image.ts";
import {
  analysisSummary,
  type AnalysisSummaryInput,
  type StageTiming,
} from "../report/analysis_summary.ts";
import { makeConfig, type RvaeConfig, type TrainOptions } from "../rvae/config.ts";
import {
  compareWithPolarization,
  type PolarizationComparison,
} from "../rvae/polarization_check.ts";
import { type Normalization, NORMALIZATIONS } from "../stack.ts";
import type { Warning } from "../warnings.ts";
import { type AngleAgreement, scoreSiteAngles, type TruthSites } from "../score.ts";
import { atomsStage, type AtomsStageOptions, type AtomsStageResult } from "./atoms.ts";
import {
  baselinesStage,
  type BaselinesStageOptions,
  type BaselinesStageResult,
} from "./baselines.ts";
import { analysisReportHtml } from "./_report.ts";
import { resultsHspy } from "./_results_hspy.ts";
import { methodsSection } from "../report/methods.ts";
import type { StageFiles, StageHooks, StageOutput } from "./_stage.ts";
import { encodeStage, type EncodeStageResult, type SavedModel } from "./encode.ts";
import {
  selectAtoms,
  type StackCentres,
  stackStage,
  type StackStageOptions,
  type StackStageResult,
} from "./stack.ts";
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
  /**
   * The rVAE: its configuration (the window size comes from the stack),
   * training options and seeds to train (`restarts`, default 1).
   */
  rvae: { config: Partial<RvaeConfig>; training: TrainOptions; restarts?: number };
  /**
   * A saved model to encode the windows with instead of training one
   * (`--model`): the windows are cut with its window side, sublattice,
   * centring and normalisation.
   */
  model?: SavedModel | null;
  /** The image in grey under the latent maps (default false). */
  latentBackground?: boolean;
  /** The saved model's folder, for the summary. */
  modelName?: string;
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
  /** The image in grey under the polarisation, domain, lattice and cluster maps (default "none"). */
  mapBackground?: "image" | "none";
  /** Write `results.hspy` (default true). */
  hspy?: boolean;
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
    /** The rVAE trained here, or the saved model's encoding (`model`). */
    train: TrainStageResult | EncodeStageResult;
  } | null;
  /** The encoded angle against the polarisation on the same sites (per domain too). */
  rvaeVsPolarization: PolarizationComparison | null;
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
    rvaeVsPolarization: null,
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

  const saved = options.model ?? null;
  // A saved model sets the windows; a --window it cannot take is refused before any work.
  const fromModel = saved ? modelWindows(saved, options.stack ?? {}) : {};
  const mapBackground = options.mapBackground ?? "none";
  const atoms = await stage(
    "atoms",
    (sub) => atomsStage(image, { source, mapBackground, ...options.atoms }, sub),
  );
  if (stop()) return stopped();
  const stackOptions: StackStageOptions = {
    source,
    periodPx: atoms.result.lattice.period,
    ...options.stack,
    ...fromModel,
  };
  const sublattice = stackOptions.sublattice ?? "B";
  let centres: StackCentres | null = null;
  const stacked = await stage("stack", (sub) => {
    // From atoms.csv's text, so that the windows are exactly those `stack` cuts from the file.
    const name = options.outDir ? join(options.outDir, "atoms.csv") : "atoms.csv";
    centres = selectAtoms(atoms.files["atoms.csv"], name, sublattice);
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
    (sub) =>
      baselinesStage(
        { stack, positions },
        { seed, image, mapBackground, ...options.baselines },
        sub,
      ),
  );
  if (stop()) return stopped();

  const config = makeConfig(stack.window, options.rvae.config);
  const training = options.rvae.training;
  const pm = pixelSizeInPm(image.pixelSize);
  const pixelSizeNm = pm === undefined ? undefined : pm / 1000;
  const trained = await stage<TrainStageResult | EncodeStageResult>(
    "rVAE",
    (sub) =>
      saved
        ? encodeStage(saved, {
          stack: { data: stack.data, window: stack.window },
          positions,
          periodPx: atoms.result.lattice.period,
        }, {
          name: source,
          modelName: options.modelName,
          pixelSizeNm,
          frame: image,
          background: options.latentBackground ? image : null,
        }, sub)
        : trainStage(
          { stack: { data: stack.data, size: stack.window }, positions },
          {
            config,
            training,
            restarts: options.rvae.restarts,
            pixelSizeNm,
            windows: { ...stacked.windows },
            frame: image,
            background: options.latentBackground ? image : null,
          },
          {
            onBatch: hooks.onBatch,
            onEpoch: hooks.onEpoch,
            onNotice: hooks.onNotice,
            onCheckpoint: hooks.onCheckpoint,
            ...sub,
          },
        ),
  );
  if ("stopped" in trained && trained.stopped) return { ...stopped(), stages: null };
  const rvaeVsPolarization = trained.encoding && centres
    ? compareWithPolarization(
      trained.encoding.angle,
      ...windowPolarization(atoms, centres, stack.kept),
    )
    : null;

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
  const comparison = rvaeVsPolarization ? comparisonRecord(rvaeVsPolarization) : null;
  const extra = {
    atoms: atoms.extra,
    stack: stacked.extra,
    ...(baselines ? { baselines: baselines.extra } : {}),
    rvae: trained.extra,
    ...(comparison ? { rvaeVsPolarization: comparison } : {}),
    ...(agreement && truth ? { truth: { file: truth.path, ...agreement, toleranceDeg: 30 } } : {}),
  };
  const warnings: Warning[] = rvaeVsPolarization?.warnings ?? [];
  const summaryInput: AnalysisSummaryInput = {
    imagePath: source,
    image,
    outDir: options.outDir ?? ".",
    atoms: atoms.result,
    trust: atoms.trustLines,
    stack,
    sublattice,
    baselines: baselines?.results ?? null,
    training: {
      epochs: "history" in trained ? trained.history.length : 0,
      backend: options.backend ?? "unknown",
      history: "history" in trained ? trained.history : [],
      peaks: trained.peaks,
      result: "training" in trained ? trained.training : null,
      model: saved ? options.modelName ?? "a saved model" : null,
    },
    window: stacked.choice.text,
    rvaeVsPolarization,
    agreement,
    timings: [...timings],
  };
  const files: StageFiles = {};
  // Every stage's doubts, first in the report (run.json gets each stage's from its output).
  const allWarnings = [atoms, stacked, baselines, trained].flatMap((s) => s?.warnings ?? [])
    .concat(warnings);
  if (options.hspy ?? true) {
    await stage("results.hspy", async () => {
      const e = trained.encoding;
      const latents = e ? { ...positions, ...e, latentDim: config.latentDim } : null;
      files["results.hspy"] = await resultsHspy(image, atoms.result, atoms.trust, latents, {
        source,
      });
    });
  }
  if (options.report) {
    const { provenance, d3Source } = options.report;
    await stage("report", () => {
      const given = (provenance.parameters ?? {}) as Record<string, unknown>;
      const givenExtra = (provenance.extra ?? {}) as Record<string, unknown>;
      const manifest = {
        ...provenance,
        parameters: { ...given, ...parameters },
        extra: { ...givenExtra, ...extra },
      };
      files["report.html"] = analysisReportHtml({
        title: `ferrovae analysis of ${source}`,
        warnings: allWarnings,
        methods: methodsSection(manifest, {
          columns: atoms.result.columns.x.length,
          vectors: atoms.trust.summary.vectors,
          windows: stack.count,
        }),
        summary: analysisSummary(summaryInput).rows,
        figures: [atoms, stacked, baselines, trained].flatMap((s) => s?.figures ?? []),
        parameters: manifest,
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
    rvaeVsPolarization,
    timings,
    summaryInput,
    files,
    figures: [],
    parameters,
    extra,
    warnings,
    summary: analysisSummary({ ...summaryInput, timings: [...timings] }).text,
  };
}

/**
 * The stack options a saved model dictates: its window side, sublattice,
 * centring and normalisation. A `--window` other than the model's is
 * refused in one line.
 */
function modelWindows(saved: SavedModel, given: StackStageOptions): StackStageOptions {
  const size = saved.model.config.size;
  const spec = saved.file.windows;
  if (given.window !== undefined && given.window !== size) {
    throw new UserError(
      "--window",
      `${given.window} px, but the model (--model) takes ${size} px windows; leave --window out`,
    );
  }
  return {
    window: size,
    ...(spec?.sublattice ? { sublattice: spec.sublattice } : {}),
    ...(spec?.centring === "integer" || spec?.centring === "bilinear"
      ? { centring: spec.centring }
      : {}),
    ...(NORMALIZATIONS.find((n) => n === spec?.normalization)
      ? { normalize: spec!.normalization as Normalization }
      : {}),
    ...(spec?.perWindow !== undefined ? { perWindow: spec.perWindow } : {}),
  };
}

/**
 * The polarisation direction at each window's site (NaN unless the vector is
 * ok and, with the trust layer, significant) and its domain label (-1 for
 * none), for `compareWithPolarization`.
 */
function windowPolarization(
  atoms: AtomsStageResult,
  centres: StackCentres,
  kept: ArrayLike<number>,
): [Float64Array, { labels?: Int32Array }] {
  const p = atoms.result.polarization;
  // The trust layer's significance and domains, when the atom stage has them.
  const trust = (atoms as { trust?: TrustReport }).trust;
  const byColumn = new Map<number, number>();
  for (let j = 0; j < p.column.length; j++) byColumn.set(p.column[j], j);
  const polar = new Float64Array(kept.length).fill(NaN);
  const labels = new Int32Array(kept.length).fill(-1);
  for (let i = 0; i < kept.length; i++) {
    const j = byColumn.get(centres.rows[kept[i]]);
    if (j === undefined || p.status[j] !== "ok") continue;
    if (trust) {
      if (!trust.vectors.significant[j]) continue;
      polar[i] = trust.vectors.angle[j];
      labels[i] = trust.domains.domain[j];
    } else {
      polar[i] = p.angle[j];
    }
  }
  return [polar, trust ? { labels } : {}];
}

/** The comparison as `run.json` records it (angles in degrees). */
function comparisonRecord(c: PolarizationComparison): Record<string, unknown> {
  const r = (v: number, digits = 3) => Number.isFinite(v) ? Number(v.toFixed(digits)) : null;
  return {
    sites: c.count,
    agreement: r(c.agreement),
    agreementErr: r(c.agreementErr),
    toleranceDeg: 30,
    offsetDeg: r((c.offset * 180) / Math.PI, 1),
    sign: c.sign,
    correlation: r(c.correlation),
    correlationErr: r(c.correlationErr),
    meanResidualDeg: r(c.meanResidualDeg, 1),
    spreadDeg: r(c.spreadDeg, 1),
    polarizationConcentration: r(c.polarizationConcentration),
    byDomain: c.byDomain.map((d) => ({
      domain: d.label,
      sites: d.count,
      agreement: r(d.agreement),
      agreementErr: r(d.agreementErr),
      meanResidualDeg: r(d.meanResidualDeg, 1),
    })),
    text: c.text,
  };
}
