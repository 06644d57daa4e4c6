/**
 * `deno task train STACK.npy --out DIR [--epochs N] [--latent K] [--seed S]
 * [--encoder mlp|conv] [--decoder fast|faithful] [--resume] ...`: train the
 * rotationally invariant VAE on a stack of windows and write `model/`
 * (config.json + weights.bin), `latents.csv` (`i,angle,dx,dy,z1..zK`: angle
 * in [0, 2π), dx,dy the content's displacement in pixels, image frame; plus
 * `dx_pm,dy_pm` with `--pixel-size`, `angle_raw`, the raw latent shifts,
 * `angle_sd`, and `x,y` when `stack.csv` sits beside the stack),
 * `history.csv`, `checkpoint.bin`, figures and `run.json`.
 *
 * A checkpoint is written after every epoch, into the run's outputs and into
 * `.<DIR>.ferrovae-checkpoint/` beside DIR, which outlives an interrupted or
 * killed run (DIR itself is left as it was) and is removed when a run
 * completes. Ctrl-C lets the current checkpoint write finish and exits
 * (status 130); `--resume` continues from the kept checkpoint (or from a
 * complete run's `DIR/checkpoint.bin`) to exactly the result of an
 * uninterrupted run (same backend).
 *
 * @module
 */

import { FormatError, UserError } from "../lib/errors.ts";
import { formatCsv } from "../lib/io/csv.ts";
import { readStackFile, readStackPositions } from "../lib/io/stack_files.ts";
import { modelFiles } from "../lib/io/rvae_files.ts";
import { type Run, sha256Hex } from "../lib/io/run.ts";
import { BACKEND_CHOICES, type BackendChoice, initBackend } from "../lib/rvae/backend.ts";
import {
  DECODER_KINDS,
  type DecoderKind,
  DEFAULT_CONFIG,
  DEFAULT_TRAINING,
  ENCODER_KINDS,
  type EncoderKind,
  makeConfig,
  makeTrainOptions,
  REFERENCE_CONFIG,
  REFERENCE_TRAINING,
  type RvaeConfig,
  type TrainOptions,
} from "../lib/rvae/config.ts";
import { createRvae, disposeRvae, type Rvae } from "../lib/rvae/model.ts";
import { stackNormalization } from "../lib/rvae/normalize.ts";
import { encodeStack, type Encoding } from "../lib/rvae/inference.ts";
import { type AnglePeaks, findAnglePeaks } from "../lib/rvae/angles.ts";
import { decodeCheckpoint, encodeCheckpoint } from "../lib/rvae/serialize.ts";
import { type EpochRecord, type TrainCheckpoint, trainRvae } from "../lib/rvae/train.ts";
import { type Command, type OptionValues, tf } from "../lib/deps.ts";
import {
  type Assert,
  choiceFlag,
  FORCE_HELP,
  intFlag,
  numberFlag,
  parseArgs,
  program,
  runMain,
  type StageReport,
  withFlags,
  type YieldsExactly,
} from "./_cli.ts";
import { type ProgressReporter, progressReporter } from "./_progress.ts";
import { writeRvaeFigures } from "./_rvae_figures.ts";

const CHECKPOINT = "checkpoint.bin";

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

/** The model's configuration and the training options the flags ask for (throws a `UserError`). */
export function trainSettings(
  size: number,
  flags: TrainFlags,
): { config: RvaeConfig; training: TrainOptions } {
  const config = makeConfig(size, {
    ...(flags.reference ? REFERENCE_CONFIG : DEFAULT_CONFIG),
    ...(flags.rotations !== undefined ? { rotations: flags.rotations as 1 | 2 | 4 } : {}),
    latentDim: flags.latent,
    encoder: flags.encoder,
    decoder: flags.decoder ?? (flags.reference ? "faithful" : "fast"),
    translation: flags.translation,
    ...(flags.anglePrior !== undefined ? { anglePrior: flags.anglePrior } : {}),
    ...(flags.translationPrior !== undefined ? { translationScale: flags.translationPrior } : {}),
  });
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

/** Options of {@linkcode trainStage}. */
export interface TrainStageOptions {
  /** The model's configuration. */
  config: RvaeConfig;
  /** The training options. */
  training: TrainOptions;
  /** Window centres in the image (`stack.csv`), written into latents.csv as x,y. */
  positions: { x: ArrayLike<number>; y: ArrayLike<number> } | null;
  /** Calibration of the image the windows come from, nm per pixel: adds `dx_pm,dy_pm` to latents.csv. */
  pixelSizeNm?: number;
  /** SHA-256 of the stack's bytes, kept in checkpoints. */
  dataSha256: string;
  /** Continue from this checkpoint. */
  resume?: TrainCheckpoint;
  /** Where training progress goes (default: standard error). */
  progress?: ProgressReporter;
  /** Asked after every batch; true stops training after the current checkpoint. */
  shouldStop?: () => boolean;
  /** Keep each checkpoint beside the output folder too, for `--resume` (see `Run.writeCheckpoint`). */
  keepCheckpoints?: boolean;
}

/** What {@linkcode trainStage} trained and wrote. */
export interface TrainStageResult extends StageReport {
  /** The trained model; the caller disposes of it (`disposeRvae`). */
  model: Rvae;
  /** True when `shouldStop` ended training early (nothing but the checkpoint was written). */
  stopped: boolean;
  /** One record per epoch. */
  history: EpochRecord[];
  /** The stack encoded (null when stopped). */
  encoding: Encoding | null;
  /** Peaks of the encoded angle (null when stopped). */
  peaks: AnglePeaks | null;
  /** Class of each window from the GMM on the latents (null when stopped or not fitted). */
  latentClasses: Int32Array | null;
}

/**
 * The training stage on a stack already read: train (checkpointing every
 * epoch), then write `model/`, `latents.csv`, `history.csv` and the figures
 * through `run`. Records nothing in the run's manifest: the caller does,
 * from `parameters` and `extra`.
 */
export async function trainStage(
  run: Run,
  stack: { data: Float32Array; size: number },
  options: TrainStageOptions,
): Promise<TrainStageResult> {
  const { config, training, positions, dataSha256, resume } = options;
  const { data, size } = stack;
  const count = data.length / (size * size);
  const normalization = stackNormalization(data, size * size);
  const parameters = { ...config, ...training, normalization, resume: !!resume };
  const model = createRvae(config, { seed: training.seed, normalization });
  const progress = options.progress ?? progressReporter(Deno.stderr);
  const started = performance.now();
  const result = await trainRvae(model, data, {
    ...training,
    resume,
    hooks: {
      onBatch: (p) => progress.batch(p),
      onEpoch: (r) => progress.epoch(r),
      onNotice: (m) => progress.notice(m),
      shouldStop: () => options.shouldStop?.() ?? false,
      onCheckpoint: async (checkpoint) => {
        const bytes = encodeCheckpoint(checkpoint, { config, normalization, training, dataSha256 });
        if (options.keepCheckpoints) await run.writeCheckpoint(CHECKPOINT, bytes);
        else await run.write(CHECKPOINT, bytes);
      },
    },
  });
  progress.done();
  const seconds = (performance.now() - started) / 1000;
  const extra: Record<string, unknown> = {
    epochsCompleted: result.history.length,
    trainSeconds: Math.round(seconds * 10) / 10,
    // Wall-clock rates stay out of history.csv, so that reruns give identical CSV files.
    imagesPerSecondByEpoch: result.history.map((r) => Math.round(r.imagesPerSecond)),
    imagesPerSecond: Math.round(
      result.history.slice(resume?.epoch ?? 0).reduce((s, r) => s + r.imagesPerSecond, 0) /
        Math.max(1, result.history.length - (resume?.epoch ?? 0)),
    ),
  };
  if (result.stopped) {
    return {
      model,
      stopped: true,
      history: result.history,
      encoding: null,
      peaks: null,
      latentClasses: null,
      parameters,
      extra: { ...extra, interrupted: true },
      summary: `train: interrupted after epoch ${result.history.length}`,
    };
  }
  for (const [name, bytes] of Object.entries(modelFiles(model, training))) {
    await run.write(`model/${name}`, bytes);
  }
  const encoding = encodeStack(model, data);
  const k = config.latentDim;
  const latentColumns: Record<string, ArrayLike<number>> = {
    i: Float64Array.from({ length: count }, (_, i) => i),
    angle: encoding.angle,
    dx: Float64Array.from({ length: count }, (_, i) => encoding.shiftPixels[2 * i]),
    dy: Float64Array.from({ length: count }, (_, i) => encoding.shiftPixels[2 * i + 1]),
  };
  for (let j = 0; j < k; j++) {
    latentColumns[`z${j + 1}`] = Float64Array.from(
      { length: count },
      (_, i) => encoding.content[i * k + j],
    );
  }
  if (options.pixelSizeNm !== undefined) {
    const pm = options.pixelSizeNm * 1000;
    latentColumns.dx_pm = Float64Array.from(latentColumns.dx, (v) => v * pm);
    latentColumns.dy_pm = Float64Array.from(latentColumns.dy, (v) => v * pm);
  }
  latentColumns.angle_raw = encoding.angleRaw;
  if (config.translation) {
    const l = encoding.latents;
    latentColumns.shift_x_latent = Float64Array.from(
      { length: count },
      (_, i) => encoding.mean[i * l + 1],
    );
    latentColumns.shift_y_latent = Float64Array.from(
      { length: count },
      (_, i) => encoding.mean[i * l + 2],
    );
  }
  latentColumns.angle_sd = Float64Array.from(
    { length: count },
    (_, i) => encoding.sd[i * encoding.latents],
  );
  if (positions) {
    latentColumns.x = positions.x;
    latentColumns.y = positions.y;
  }
  await run.write("latents.csv", formatCsv(latentColumns));
  await run.write(
    "history.csv",
    formatCsv({
      epoch: result.history.map((r) => r.epoch),
      train_loss: result.history.map((r) => r.train.loss),
      train_reconstruction: result.history.map((r) => r.train.reconstruction),
      train_kl: result.history.map((r) => r.train.kl),
      validation_loss: result.history.map((r) => r.validation?.loss ?? NaN),
      learning_rate: result.history.map((r) => r.learningRate),
    }),
  );
  const peaks = findAnglePeaks(encoding.angle);
  Object.assign(extra, {
    anglePeaksDeg: peaks.peaks.map((p) => Math.round((p.angle * 1800) / Math.PI) / 10),
    peakSeparationsDeg: peaks.separationsDeg.map((s) => Math.round(s * 10) / 10),
  });
  const figures = await writeRvaeFigures(run, { model, encoding, peaks, positions });
  const last = result.history[result.history.length - 1];
  return {
    model,
    stopped: false,
    history: result.history,
    encoding,
    peaks,
    latentClasses: figures.classes,
    parameters,
    extra,
    summary:
      `train: ${count} windows, ${result.history.length} epochs, loss ${
        last.train.loss.toFixed(2)
      } (held-out ${last.validation?.loss.toFixed(2) ?? "-"}), angle peaks ` +
      `${peaks.peaks.length} (${peaks.separationsDeg.map((s) => s.toFixed(0)).join("°, ")}°)` +
      `, ${seconds.toFixed(0)} s`,
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

if (import.meta.main) {
  await runMain(async (context) => {
    const cmd = trainFlags(
      program("train", "Train the rotationally invariant VAE on a stack of windows")
        .argument("<stack>", "stack.npy (N x w x w)")
        .requiredOption("--out <dir>", "output folder")
        .option("--force", FORCE_HELP),
    )
      .option("--seed <s>", "seed of every random choice", intFlag("--seed", 0, 2 ** 31 - 1), 0)
      .option(
        "--pixel-size <nm>",
        "calibration of the image, nm per pixel: adds dx_pm, dy_pm to latents.csv",
        numberFlag("--pixel-size", 1e-6, 1e6),
      )
      .option(
        "--resume",
        "continue from the checkpoint an interrupted run kept beside DIR, or DIR/checkpoint.bin",
      );
    parseArgs(cmd);
    const flags = cmd.opts();
    const stackPath = cmd.args[0];
    const outDir = flags.out;
    const run = context.open({ script: "train", outDir, force: flags.force === true });

    const { data, count, window: size } = await readStackFile(run, stackPath);
    if (size < 4) throw new FormatError(stackPath, "windows must be at least 4 x 4 pixels");
    const positions = await readStackPositions(stackPath, count, { run });
    const dataSha256 = await sha256Hex(new Uint8Array(data.buffer));
    const backend = await initBackend({ backend: flags.backend });
    run.setBackend(backend, tf.version_core);

    const { config, training } = trainSettings(size, {
      ...flags,
      rotations: flags.rotations === undefined ? undefined : Number(flags.rotations),
    });

    let resume: TrainCheckpoint | undefined;
    if (flags.resume) {
      const { path, bytes } = await run.readCheckpoint(CHECKPOINT);
      const { checkpoint, context: saved } = decodeCheckpoint(bytes, path);
      if (saved.dataSha256 !== dataSha256) {
        throw new UserError(path, `was made from another stack than ${stackPath}`);
      }
      if (JSON.stringify(saved.config) !== JSON.stringify(config)) {
        throw new UserError(
          path,
          "was made with other model flags (--latent/--encoder/--decoder/...)",
        );
      }
      const { epochs: _a, ...savedRest } = saved.training;
      const { epochs: _b, ...givenRest } = training;
      if (JSON.stringify(savedRest) !== JSON.stringify(givenRest)) {
        throw new UserError(path, "was made with other training flags (--seed/--lr/--batch/...)");
      }
      resume = checkpoint;
    }
    run.setSeed(training.seed);
    const stage = await trainStage(run, { data, size }, {
      config,
      training,
      positions,
      dataSha256,
      resume,
      pixelSizeNm: flags.pixelSize,
      shouldStop: context.interrupted,
      keepCheckpoints: true,
    });
    disposeRvae(stage.model);
    if (stage.stopped) {
      throw run.interrupted(
        `after epoch ${stage.history.length}`,
        `the checkpoint is kept in ${run.checkpointDir}; continue with the same command ` +
          "plus --resume",
      );
    }
    run.setParameters({ stack: stackPath, ...stage.parameters });
    run.setExtra(stage.extra);
    await run.finish();
    console.log(`${stage.summary} on ${backend} -> ${outDir}`);
  });
}
