/**
 * `deno task train STACK.npy --out DIR [--epochs N] [--latent K] [--seed S]
 * [--encoder mlp|conv] [--decoder fast|faithful] [--resume] ...`: train the
 * rotationally invariant VAE on a stack of windows and write `model/`
 * (config.json + weights.bin), `latents.csv` (`i,angle,dx,dy,z1..zK`: angle
 * in [0, 2π), dx,dy the content's displacement in pixels, image frame; plus
 * `dx_pm,dy_pm` with `--pixel-size`, `angle_raw`, the raw latent shifts,
 * `angle_sd`, and `x,y` when `stack.csv` sits beside the stack),
 * `history.csv`, `checkpoint.bin`, figures and `run.json` (see `trainStage`
 * in lib/pipeline).
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

import { tf } from "../lib/deps.ts";
import { FormatError, UserError } from "../lib/errors.ts";
import { sha256Hex } from "../lib/io/run.ts";
import { writeStageOutput } from "../lib/io/stage_output.ts";
import { readStackFile, readStackPositions } from "../lib/io/stack_files.ts";
import { CHECKPOINT_FILE, trainStage } from "../lib/pipeline/mod.ts";
import { initBackend } from "../lib/rvae/backend.ts";
import { makeConfig } from "../lib/rvae/config.ts";
import { disposeRvae } from "../lib/rvae/model.ts";
import { decodeCheckpoint } from "../lib/rvae/serialize.ts";
import type { TrainCheckpoint } from "../lib/rvae/train.ts";
import {
  FORCE_HELP,
  intFlag,
  numberFlag,
  parseArgs,
  printSummary,
  program,
  runMain,
} from "./_cli.ts";
import { rvaeSettings, trainFlags, trainFlagsOf } from "./_flags.ts";
import { progressHooks, progressReporter } from "./_progress.ts";

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
  const settings = rvaeSettings(trainFlagsOf(flags));
  const config = makeConfig(size, settings.config);
  const training = settings.training;

  let resume: TrainCheckpoint | undefined;
  if (flags.resume) {
    const { path, bytes } = await run.readCheckpoint(CHECKPOINT_FILE);
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
  const progress = progressReporter(Deno.stderr);
  const stage = await trainStage({ stack: { data, size }, positions }, {
    config,
    training,
    dataSha256,
    resume,
    pixelSizeNm: flags.pixelSize,
  }, {
    ...progressHooks(progress),
    shouldStop: context.interrupted,
    onCheckpoint: async (bytes) => void await run.writeCheckpoint(CHECKPOINT_FILE, bytes),
  });
  progress.done();
  disposeRvae(stage.model);
  if (stage.stopped) {
    throw run.interrupted(
      `after epoch ${stage.history.length}`,
      `the checkpoint is kept in ${run.checkpointDir}; continue with the same command ` +
        "plus --resume",
    );
  }
  await writeStageOutput(run, stage);
  run.setParameters({ stack: stackPath, ...stage.parameters });
  run.setExtra(stage.extra);
  printSummary(`${stage.summary} on ${backend} -> ${outDir}`, await run.finish());
});
