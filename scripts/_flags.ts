/**
 * The flags the scripts share: each stage's flag builder (a script adds its
 * stage's flags with it, and `analyze` adds every stage's) and the
 * translation of flag values into the pipeline's options.
 *
 * @module
 */

import type { FindAtomsOptions } from "../lib/atoms/find_atoms.ts";
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

// ---- stack ----------------------------------------------------------------------------------

/**
 * The values of {@linkcode stackFlags}' flags. A type, not an interface: only an object
 * type satisfies commander's `OptionValues` (`Record<string, unknown>`) in later chains.
 */
export type StackFlagValues = {
  /** Window side in px. */
  window: number;
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
    .option("--window <px>", "window side in px", intFlag("--window", 4, 1024), 48)
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
): { config: Partial<RvaeConfig>; training: TrainOptions } {
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
  });
  return { config, training };
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
