/**
 * The flags the scripts share: each stage's flag builder (a script adds its
 * stage's flags with it, and `analyze` adds every stage's) and the
 * translation of flag values into the pipeline's options.
 *
 * @module
 */

import { type AveragingSpec, parseAveraging } from "../lib/atoms/averaging.ts";
import type { FindAtomsOptions } from "../lib/atoms/find_atoms.ts";
import { parseReference, type ReferenceSpec } from "../lib/atoms/reference.ts";
import type { TrustOptions } from "../lib/atoms/trust.ts";
import type { NeighbourRule } from "../lib/atoms/polarization.ts";
import type { SublatticeRule } from "../lib/atoms/sublattice.ts";
import { type EmbeddingName, EMBEDDINGS } from "../lib/baselines/suite.ts";
import { type Command, InvalidArgumentError, type OptionValues } from "../lib/deps.ts";
import { BACKEND_CHOICES, type BackendChoice } from "../lib/rvae/backend.ts";
import {
  DECODER_KINDS,
  type DecoderKind,
  DEFAULT_CONFIG,
  DEFAULT_TRAINING,
  ENCODER_KINDS,
  type EncoderKind,
  makeTrainOptions,
  REFERENCE_CONFIG,
  REFERENCE_TRAINING,
  type RvaeConfig,
  type TrainOptions,
} from "../lib/rvae/config.ts";
import { type Centring, CENTRINGS, type Normalization, NORMALIZATIONS } from "../lib/stack.ts";
import {
  type Assert,
  choiceFlag,
  intFlag,
  numberFlag,
  withFlags,
  type YieldsExactly,
} from "./_cli.ts";

// ---- atoms ----------------------------------------------------------------------------------

/**
 * The values of {@linkcode atomsFlags}' flags. A type, not an interface: only an object
 * type satisfies commander's `OptionValues` (`Record<string, unknown>`) in later chains.
 */
export type AtomsFlagValues = {
  /** Lattice period, px. */
  spacing?: number;
  /** Detection filter width, px. */
  sigma?: number;
  /** How A and B are told apart. */
  sublatticeRule: SublatticeRule;
  /** Whether A columns are the brighter ones. */
  aBrighter: "true" | "false";
  /** Which A neighbours define a B site's centre. */
  neighbours: NeighbourRule;
  /** Whether to estimate and remove the fast-scan row jitter. */
  rowJitter: "true" | "false";
};

/** The atom finder's flags on `cmd`, with the option values commander infers for them. */
function addAtomsOptions(cmd: Command) {
  return cmd
    .option(
      "--spacing <px>",
      "lattice period in px (default: from the power spectrum)",
      numberFlag("--spacing", 3, 1000),
    )
    .option(
      "--sigma <px>",
      "detection filter width in px (default: 0.12 x period)",
      numberFlag("--sigma", 0.3, 100),
    )
    .option(
      "--sublattice-rule <rule>",
      "geometry (graph + contrast) or intensity (threshold)",
      choiceFlag("--sublattice-rule", ["geometry", "intensity"] as const),
      "geometry" as const,
    )
    .option(
      "--a-brighter <bool>",
      "A columns are the brighter ones",
      choiceFlag("--a-brighter", ["true", "false"] as const),
      "true" as const,
    )
    .option(
      "--neighbours <rule>",
      "A neighbours defining a B site's centre: four, pair ([110]) or auto",
      choiceFlag("--neighbours", ["auto", "four", "pair"] as const),
      "auto" as const,
    )
    .option(
      "--row-jitter <bool>",
      "estimate and remove the fast-scan row jitter",
      choiceFlag("--row-jitter", ["true", "false"] as const),
      "true" as const,
    );
}
// Does not compile when AtomsFlagValues and the flags above disagree.
type _AtomsFlagValuesExact = Assert<
  YieldsExactly<ReturnType<typeof addAtomsOptions>, AtomsFlagValues>
>;

/**
 * Add the atom finder's flags to `cmd` (all but the fit window, `--window` here
 * and `--fit-window` in analyze, whose `--window` is the stack's).
 */
export function atomsFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  cmd: Command<A, O, G>,
): Command<A, O & AtomsFlagValues, G> {
  return withFlags<AtomsFlagValues, A, O, G>(cmd, addAtomsOptions);
}

/** The finder's options from the values of {@linkcode atomsFlags} and the fit window. */
export function findAtomsOptions(flags: AtomsFlagValues, window: number): FindAtomsOptions {
  return {
    spacing: flags.spacing,
    sigma: flags.sigma,
    window,
    sublatticeRule: flags.sublatticeRule,
    aBrighter: flags.aBrighter === "true",
    neighbours: flags.neighbours,
    rowJitter: flags.rowJitter === "true",
  };
}

// ---- calibration and trust (issue 15) ---------------------------------------------------------

/** The value of {@linkcode pixelSizeFlag}: nm per pixel, overriding the file's. */
export type PixelSizeFlagValues = {
  /** nm per pixel (absent: the file's calibration). */
  pixelSize?: number;
};

function addPixelSizeOption(cmd: Command) {
  return cmd.option(
    "--pixel-size <nm>",
    "pixel size in nm: supplies or overrides the file's calibration (lengths in pm)",
    numberFlag("--pixel-size", 1e-6, 999),
  );
}
type _PixelSizeFlagValuesExact = Assert<
  YieldsExactly<ReturnType<typeof addPixelSizeOption>, PixelSizeFlagValues>
>;

/** Add `--pixel-size NM` to `cmd` (every script that reads an image has it). */
export function pixelSizeFlag<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  cmd: Command<A, O, G>,
): Command<A, O & PixelSizeFlagValues, G> {
  return withFlags<PixelSizeFlagValues, A, O, G>(cmd, addPixelSizeOption);
}

/**
 * The values of {@linkcode trustFlags}' flags. A type, not an interface: only an object
 * type satisfies commander's `OptionValues` (`Record<string, unknown>`) in later chains.
 */
export type TrustFlagValues = {
  /** Subtract a smooth field fitted to all vectors: true (a plane) or the order (absent: off). */
  tiltCorrection?: true | number;
  /** Averaging of the polarisation maps. */
  average: AveragingSpec;
  /** Exit with status 1 when the columns do not fit a perovskite (set by the switch). */
  strict?: true;
  /** The image in grey under the site maps, or not. */
  mapBackground: "image" | "none";
};

/** A flag parser from a library parser that throws a UserError. */
function parsedFlag<T>(flag: string, parse: (text: string) => T): (v: string) => T {
  return (value: string) => {
    try {
      return parse(value);
    } catch (err) {
      throw new InvalidArgumentError(`${flag} ${(err as Error).message}`);
    }
  };
}

const REFERENCE_HELP = "measure the polarisation against: none (as measured), mean (of the " +
  "image), box:x0,y0,x1,y1 (the B sites in that box, px, e.g. a substrate) or auto (a " +
  "substrate band at an image edge, found from the A intensities; none when there is none)";

/** The value of {@linkcode referenceFlag}. */
export type ReferenceFlagValues = {
  /** What the vectors are measured against. */
  reference: ReferenceSpec;
};

function addReferenceOption(cmd: Command) {
  return cmd.option(
    "--reference <ref>",
    REFERENCE_HELP,
    parsedFlag("--reference", (v) => parseReference(v, "--reference")),
    { kind: "none" } as ReferenceSpec,
  );
}
type _ReferenceFlagValuesExact = Assert<
  YieldsExactly<ReturnType<typeof addReferenceOption>, ReferenceFlagValues>
>;

/** Add `--reference none|mean|box:x0,y0,x1,y1|auto` (atoms). */
export function referenceFlag<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  cmd: Command<A, O, G>,
): Command<A, O & ReferenceFlagValues, G> {
  return withFlags<ReferenceFlagValues, A, O, G>(cmd, addReferenceOption);
}

/** The value of {@linkcode polarizationReferenceFlag}. */
export type PolarizationReferenceFlagValues = {
  /** What the vectors are measured against. */
  polarizationReference: ReferenceSpec;
};

function addPolarizationReferenceOption(cmd: Command) {
  return cmd.option(
    "--polarization-reference <ref>",
    REFERENCE_HELP + " (atoms' --reference; analyze's --reference is the rVAE's)",
    parsedFlag(
      "--polarization-reference",
      (v) => parseReference(v, "--polarization-reference"),
    ),
    { kind: "none" } as ReferenceSpec,
  );
}
type _PolarizationReferenceFlagValuesExact = Assert<
  YieldsExactly<ReturnType<typeof addPolarizationReferenceOption>, PolarizationReferenceFlagValues>
>;

/**
 * Add `--polarization-reference none|mean|box:x0,y0,x1,y1|auto` (analyze,
 * where `--reference` is the rVAE's AtomAI switch).
 */
export function polarizationReferenceFlag<
  A extends unknown[],
  O extends OptionValues,
  G extends OptionValues,
>(cmd: Command<A, O, G>): Command<A, O & PolarizationReferenceFlagValues, G> {
  return withFlags<PolarizationReferenceFlagValues, A, O, G>(cmd, addPolarizationReferenceOption);
}

function addTrustOptions(cmd: Command) {
  return cmd
    .option(
      "--tilt-correction [order]",
      "subtract a smooth field fitted to all vectors (mistilt, scan distortion): a plane, or " +
        "order 2; off by default because it also removes a real uniform polarisation",
      parsedFlag("--tilt-correction", (v) => {
        if (v !== "1" && v !== "2") throw new Error(`takes 1 or 2, not "${v}"`);
        return Number(v);
      }),
    )
    .option(
      "--average <how>",
      "average the mapped polarisation: none, cell (each site and its nearest neighbours) or " +
        "radius:R (sites within R cells); the CSV keeps the per-site vectors",
      parsedFlag("--average", (v) => parseAveraging(v)),
      { kind: "none", radius: 0 } as AveragingSpec,
    )
    .option("--strict", "exit with status 1 when the columns do not fit a perovskite")
    .option(
      "--map-background <what>",
      "under the site maps: none (default; smaller files) or image (the image in grey)",
      choiceFlag("--map-background", ["image", "none"] as const),
      "none" as const,
    );
}
// Does not compile when TrustFlagValues and the flags above disagree.
type _TrustFlagValuesExact = Assert<
  YieldsExactly<ReturnType<typeof addTrustOptions>, TrustFlagValues>
>;

/**
 * Add the polarisation-trust flags (`--tilt-correction`, `--average`,
 * `--strict`, `--map-background`) to `cmd`; atoms and analyze have them
 * (with {@linkcode referenceFlag} or {@linkcode polarizationReferenceFlag}).
 */
export function trustFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  cmd: Command<A, O, G>,
): Command<A, O & TrustFlagValues, G> {
  return withFlags<TrustFlagValues, A, O, G>(cmd, addTrustOptions);
}

/** The trust options from the values of {@linkcode trustFlags}, the reference and `--pixel-size`. */
export function trustOptions(
  flags: TrustFlagValues & PixelSizeFlagValues,
  reference: ReferenceSpec,
  seed = 0,
): TrustOptions {
  return {
    reference,
    tiltCorrection: flags.tiltCorrection === undefined ? false : flags.tiltCorrection,
    average: flags.average,
    pixelSizeNm: flags.pixelSize,
    seed,
  };
}

// ---- stack ----------------------------------------------------------------------------------

/**
 * The values of {@linkcode stackFlags}' flags. A type, not an interface: only an object
 * type satisfies commander's `OptionValues` (`Record<string, unknown>`) in later chains.
 */
export type StackFlagValues = {
  /** Window side in px (absent: from the lattice period, see `--window-cells`). */
  window?: number;
  /** Window side in lattice periods (absent: 1.9). */
  windowCells?: number;
  /** The sublattice the windows are centred on (A, B, or all; recorded, and named in messages). */
  sublattice: string;
  /** Sub-pixel or integer centring. */
  centring: Centring;
  /** Scaling of the values. */
  normalize: Normalization;
  /** Normalise each window on its own (set by the switch, else absent). */
  perWindow?: true;
};

/** The stack's flags on `cmd`, with the option values commander infers for them. */
function addStackOptions(cmd: Command) {
  return cmd
    .option(
      "--window <px>",
      "window side in px (default: --window-cells lattice periods, rounded to an even number)",
      intFlag("--window", 4, 1024),
    )
    .option(
      "--window-cells <c>",
      "window side in lattice periods when --window is not given (default 1.9, the paper's)",
      numberFlag("--window-cells", 0.5, 20),
    )
    .option("--sublattice <name>", "sublattice to centre on (A, B, or all)", "B")
    .option(
      "--centring <how>",
      "bilinear (sub-pixel, default) or integer (AtomAI)",
      choiceFlag("--centring", CENTRINGS),
      "bilinear" as Centring,
    )
    .option(
      "--normalize <how>",
      "minmax to [0,1] (default), max (divide by the maximum), zscore or none",
      choiceFlag("--normalize", NORMALIZATIONS),
      "minmax" as Normalization,
    )
    .option("--per-window", "normalise each window on its own instead of the whole stack");
}
// Does not compile when StackFlagValues and the flags above disagree.
type _StackFlagValuesExact = Assert<
  YieldsExactly<ReturnType<typeof addStackOptions>, StackFlagValues>
>;

/** Add the stack's flags (window, sublattice, centring, scaling) to `cmd`; shared with analyze. */
export function stackFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  cmd: Command<A, O, G>,
): Command<A, O & StackFlagValues, G> {
  return withFlags<StackFlagValues, A, O, G>(cmd, addStackOptions);
}

// ---- baselines ------------------------------------------------------------------------------

/** Parse `--embeddings`: a comma-separated list of embedding names, or `none`. */
export function embeddingList(value: string): EmbeddingName[] {
  if (value === "none") return [];
  const names = value.split(",").map((s) => s.trim()).filter(Boolean);
  for (const name of names) {
    if (!(EMBEDDINGS as readonly string[]).includes(name)) {
      throw new InvalidArgumentError(
        `--embeddings takes a comma-separated list of ${
          EMBEDDINGS.join(", ")
        } (or none), not "${name}"`,
      );
    }
  }
  return names as EmbeddingName[];
}

/**
 * The values of {@linkcode baselinesFlags}' flags. A type, not an interface: only an object
 * type satisfies commander's `OptionValues` (`Record<string, unknown>`) in later chains.
 */
export type BaselinesFlagValues = {
  /** Classes for k-means, the mixtures and NMF (the stage caps them at the window count). */
  classes: number;
  /** PCA components for the scree plot. */
  components: number;
  /** PCA scores fed to the full GMM and BIC. */
  pcaDims: number;
  /** Largest k of the BIC sweep. */
  bicMax: number;
  /** 2-D embeddings to compute. */
  embeddings: EmbeddingName[];
  /** Most windows Isomap and MDS embed. */
  embedMax: number;
  /** Threads for the heavy kernels. */
  threads: number;
};

/** The baselines' flags on `cmd`, with the option values commander infers for them. */
function addBaselinesOptions(cmd: Command) {
  return cmd
    .option(
      "--classes <k>",
      "classes for k-means, the mixtures and NMF",
      intFlag("--classes", 2, 64),
      4,
    )
    .option(
      "--components <n>",
      "PCA components for the scree plot",
      intFlag("--components", 2, 500),
      20,
    )
    .option(
      "--pca-dims <n>",
      "PCA scores fed to the full GMM and BIC",
      intFlag("--pca-dims", 1, 256),
      10,
    )
    .option("--bic-max <k>", "largest k of the BIC sweep", intFlag("--bic-max", 1, 64), 10)
    .option(
      "--embeddings <list>",
      `2-D embeddings: ${EMBEDDINGS.join(",")} or none`,
      embeddingList,
      [...EMBEDDINGS],
    )
    .option(
      "--embed-max <n>",
      "most windows Isomap and MDS embed",
      intFlag("--embed-max", 10, 20000),
      3000,
    )
    .option("--threads <n>", "threads for the heavy kernels", intFlag("--threads", 1, 64), 2);
}
// Does not compile when BaselinesFlagValues and the flags above disagree.
type _BaselinesFlagValuesExact = Assert<
  YieldsExactly<ReturnType<typeof addBaselinesOptions>, BaselinesFlagValues>
>;

/** Add the baselines' flags (all but `--seed`) to `cmd`; shared with analyze. */
export function baselinesFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  cmd: Command<A, O, G>,
): Command<A, O & BaselinesFlagValues, G> {
  return withFlags<BaselinesFlagValues, A, O, G>(cmd, addBaselinesOptions);
}

// ---- train ----------------------------------------------------------------------------------

/**
 * The values of {@linkcode trainFlags}' flags. A type, not an interface: only an object
 * type satisfies commander's `OptionValues` (`Record<string, unknown>`) in later chains.
 */
export type TrainFlagValues = {
  /** Passes over the training set (default: the training defaults'). */
  epochs?: number;
  /** Content latents K. */
  latent: number;
  /** Encoder kind. */
  encoder: EncoderKind;
  /** Decoder kind (default fast; faithful with `reference`). */
  decoder?: DecoderKind;
  /** Whether the latents carry the shifts (`--no-translation` makes it false). */
  translation: boolean;
  /** Adam learning rate. */
  lr?: number;
  /** Batch size. */
  batch?: number;
  /** Held-out fraction. */
  holdout?: number;
  /** Epochs without a better held-out loss before training stops (0: never). */
  patience?: number;
  /** Epochs without a better held-out loss before the learning rate is halved (0: never). */
  lrPatience?: number;
  /** The learning rate is never halved below this. */
  minLr?: number;
  /** Seeds to train; the one with the lowest held-out loss is kept. */
  restarts: number;
  /** Prior width of the angle. */
  anglePrior?: number;
  /** Shift per unit of dx, dy, in grid units (AtomAI's translation prior, 0.1). */
  translationPrior?: number;
  /** Rotation equivariance of the encoder, as flagged (default 4; 1 with `reference`). */
  rotations?: "1" | "2" | "4";
  /** AtomAI's model and training exactly (set by the switch, else absent). */
  reference?: true;
  /** The tfjs backend. */
  backend: BackendChoice;
};

/** Flags that shape the model and its training (see `train --help`). */
export interface TrainFlags extends Omit<TrainFlagValues, "rotations" | "reference" | "backend"> {
  /** Seed of every random choice. */
  seed: number;
  /** AtomAI's model and training exactly (encoder, decoder, K and translation as flagged). */
  reference?: boolean;
  /** Rotation equivariance of the encoder: 1, 2 or 4 (default 4; 1 with `reference`). */
  rotations?: number;
}

/**
 * The model's configuration (all but the window size) and the training
 * options the flags ask for (throws a `UserError` for a bad training option).
 */
export function rvaeSettings(
  flags: TrainFlags,
): { config: Partial<RvaeConfig>; training: TrainOptions; restarts: number } {
  const config: Partial<RvaeConfig> = {
    ...(flags.reference ? REFERENCE_CONFIG : DEFAULT_CONFIG),
    ...(flags.rotations !== undefined ? { rotations: flags.rotations as 1 | 2 | 4 } : {}),
    latentDim: flags.latent,
    encoder: flags.encoder,
    decoder: flags.decoder ?? (flags.reference ? "faithful" : "fast"),
    translation: flags.translation,
    ...(flags.anglePrior !== undefined ? { anglePrior: flags.anglePrior } : {}),
    ...(flags.translationPrior !== undefined ? { translationScale: flags.translationPrior } : {}),
  };
  const base = flags.reference ? REFERENCE_TRAINING : DEFAULT_TRAINING;
  const training = makeTrainOptions({
    ...base,
    seed: flags.seed,
    ...(flags.epochs !== undefined ? { epochs: flags.epochs } : {}),
    ...(flags.lr !== undefined ? { learningRate: flags.lr } : {}),
    ...(flags.batch !== undefined ? { batchSize: flags.batch } : {}),
    ...(flags.holdout !== undefined ? { validationFraction: flags.holdout } : {}),
    ...(flags.patience !== undefined ? { patience: flags.patience } : {}),
    ...(flags.lrPatience !== undefined ? { lrPatience: flags.lrPatience } : {}),
    ...(flags.minLr !== undefined ? { minLearningRate: flags.minLr } : {}),
  });
  return { config, training, restarts: flags.restarts };
}

/** The values of {@linkcode trainFlags} (and `--seed`) as the flags' record of a script. */
export function trainFlagsOf(flags: TrainFlagValues & { seed: number }): TrainFlags {
  return {
    ...flags,
    reference: flags.reference,
    rotations: flags.rotations === undefined ? undefined : Number(flags.rotations),
  };
}

/** The model's and the training's flags on `cmd`, with the option values commander infers for them. */
function addTrainOptions(cmd: Command) {
  return cmd
    .option("--epochs <n>", "passes over the training set", intFlag("--epochs", 1, 100000))
    .option("--latent <k>", "number of content latents", intFlag("--latent", 0, 64), 2)
    .option(
      "--encoder <kind>",
      "mlp (AtomAI's default) or conv (the paper's)",
      choiceFlag("--encoder", ENCODER_KINDS),
      "mlp" as EncoderKind,
    )
    .option(
      "--decoder <kind>",
      "fast (canonical image + bilinear resampling; the default) or faithful (AtomAI's " +
        "per-pixel coordinate network; the default with --reference)",
      choiceFlag("--decoder", DECODER_KINDS),
    )
    .option("--no-translation", "no shift latents (angle and content only)")
    .option("--lr <rate>", "Adam learning rate", numberFlag("--lr", 1e-7, 0.5))
    .option("--batch <n>", "batch size", intFlag("--batch", 1, 4096))
    .option("--holdout <fraction>", "held-out fraction", numberFlag("--holdout", 0, 0.9))
    .option(
      "--patience <n>",
      "stop after N epochs without a better held-out loss; 0 never stops early (default 6)",
      intFlag("--patience", 0, 100000),
    )
    .option(
      "--lr-patience <n>",
      "halve the learning rate after N epochs without a better held-out loss; 0 keeps it " +
        "(default 2)",
      intFlag("--lr-patience", 0, 100000),
    )
    .option(
      "--min-lr <rate>",
      "never halve the learning rate below this (default 1e-4)",
      numberFlag("--min-lr", 1e-9, 0.5),
    )
    .option(
      "--restarts <n>",
      "train N seeds (seed, seed+1, ...) and keep the lowest held-out loss",
      intFlag("--restarts", 1, 100),
      1,
    )
    .option(
      "--angle-prior <rad>",
      "prior width p of the angle",
      numberFlag("--angle-prior", 1e-3, 10),
    )
    .option(
      "--translation-prior <s>",
      "shift in window half-widths per unit of the dx, dy latents (AtomAI: 0.1)",
      numberFlag("--translation-prior", 1e-4, 10),
    )
    .option(
      "--rotations <n>",
      "encoder equivariance: 1 (none, AtomAI), 2 or 4 (default 4)",
      choiceFlag("--rotations", ["1", "2", "4"] as const),
    )
    .option(
      "--reference",
      "AtomAI 0.5.2 exactly: linear angle head, no equivariance or centring, lr 1e-4, 100 epochs",
    )
    .option(
      "--backend <name>",
      "tfjs backend: auto, wasm or cpu",
      choiceFlag("--backend", BACKEND_CHOICES),
      "auto" as BackendChoice,
    );
}
// Does not compile when TrainFlagValues and the flags above disagree.
type _TrainFlagValuesExact = Assert<
  YieldsExactly<ReturnType<typeof addTrainOptions>, TrainFlagValues>
>;

/** Add the model's and the training's flags (all but `--seed`) to `cmd`; shared with analyze. */
export function trainFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  cmd: Command<A, O, G>,
): Command<A, O & TrainFlagValues, G> {
  return withFlags<TrainFlagValues, A, O, G>(cmd, addTrainOptions);
}
