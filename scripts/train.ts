/**
 * `deno task train STACK.npy [STACK.npy ...] --out DIR [--epochs N] [--latent K]
 * [--seed S] [--encoder mlp|conv] [--decoder fast|faithful] [--patience N]
 * [--lr-patience N] [--min-lr R] [--restarts N] [--resume] ...`: train the
 * rotationally invariant VAE on one or several stacks of windows (one model
 * over all) and write `model/` (config.json + weights.bin; config.json
 * records how the windows were cut, from the `run.json` beside each stack),
 * `latents.csv` (`i,angle,dx,dy,z1..zK`: angle in [0, 2π), dx,dy the
 * content's displacement in pixels, image frame; plus `dx_pm,dy_pm` with
 * `--pixel-size`, `angle_raw`, the raw latent shifts, `angle_sd`, `x,y` when
 * `stack.csv` sits beside each stack, and `source`, the 0-based index of the
 * stack, with several), `history.csv` (with `best`), the checkpoints,
 * figures and `run.json` (see `trainStage` in lib/pipeline). Training ends
 * on its best held-out epoch.
 *
 * A checkpoint is written after every epoch (one per restart), into the
 * run's outputs and into `.<DIR>.ferrovae-checkpoint/` beside DIR, which
 * outlives an interrupted or killed run (DIR itself is left as it was) and
 * is removed when a run completes. Ctrl-C lets the current checkpoint write
 * finish and exits (status 130); `--resume` continues from the kept
 * checkpoints (or from a complete run's) to exactly the result of an
 * uninterrupted run (same backend).
 *
 * @module
 */

import { tf } from "../lib/deps.ts";
import { FormatError, UserError } from "../lib/errors.ts";
import { sha256Hex } from "../lib/io/run.ts";
import { writeStageOutput } from "../lib/io/stage_output.ts";
import {
  readStackFile,
  readStackPositions,
  readStackRunParameters,
} from "../lib/io/stack_files.ts";
import { checkpointFile, trainStage, windowSpecOf } from "../lib/pipeline/mod.ts";
import { initBackend } from "../lib/rvae/backend.ts";
import { makeConfig } from "../lib/rvae/config.ts";
import { combineStacks } from "../lib/rvae/encode.ts";
import { disposeRvae } from "../lib/rvae/model.ts";
import { decodeCheckpoint, type WindowSpec } from "../lib/rvae/serialize.ts";
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
    program("train", "Train the rotationally invariant VAE on one or several stacks of windows")
      .argument("<stacks...>", "stack.npy (N x w x w); several train one model over all")
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
      "continue from the checkpoints an interrupted run kept beside DIR, or DIR's",
    );
  parseArgs(cmd);
  const flags = cmd.opts();
  const stackPaths = cmd.args;
  const outDir = flags.out;
  const run = context.open({ script: "train", outDir, force: flags.force === true });

  const stacks = [];
  for (const path of stackPaths) {
    const { data, count, window } = await readStackFile(run, path);
    if (window < 4) throw new FormatError(path, "windows must be at least 4 x 4 pixels");
    const positions = await readStackPositions(path, count, { run });
    stacks.push({
      path,
      data,
      count,
      window,
      positions,
      spec: windowSpecOf(await readStackRunParameters(run, path)),
    });
  }
  const several = stacks.length > 1;
  const all = several
    ? combineStacks(stacks.map((s) => ({ data: s.data, window: s.window, name: s.path })))
    : null;
  const data = all ? all.data : stacks[0].data;
  const size = stacks[0].window;
  // Positions only when every stack has them (each in its own image's frame).
  const positions = stacks.every((s) => s.positions)
    ? {
      x: Float64Array.from(stacks.flatMap((s) => Array.from(s.positions!.x))),
      y: Float64Array.from(stacks.flatMap((s) => Array.from(s.positions!.y))),
    }
    : null;
  const spec = stacks[0].spec;
  if (several && spec) {
    for (const s of stacks.slice(1)) {
      const other = s.spec;
      if (other && other.normalization !== spec.normalization) {
        throw new UserError(
          s.path,
          `its windows were scaled ${other.normalization} but ${stacks[0].path}'s ` +
            `${spec.normalization}: one model needs one scaling (cut them with the same --normalize)`,
        );
      }
    }
  }
  const dataSha256 = await sha256Hex(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  const backend = await initBackend({ backend: flags.backend });
  run.setBackend(backend, tf.version_core);
  const settings = rvaeSettings(trainFlagsOf(flags));
  const config = makeConfig(size, settings.config);
  const training = settings.training;
  const restarts = settings.restarts;

  let resume: ((k: number) => TrainCheckpoint | undefined) | undefined;
  if (flags.resume) {
    const checkpoints: (TrainCheckpoint | undefined)[] = [];
    for (let k = 0; k < restarts; k++) {
      // The first restart's checkpoint must exist; later ones may not have started.
      const found = k === 0
        ? await run.readCheckpoint(checkpointFile(k))
        : await run.readCheckpoint(checkpointFile(k)).catch((err) => {
          if (err instanceof UserError) return null;
          throw err;
        });
      if (!found) break;
      const { checkpoint, context: saved } = decodeCheckpoint(found.bytes, found.path);
      if (saved.dataSha256 !== dataSha256) {
        throw new UserError(found.path, `was made from other stacks than ${stackPaths.join(" ")}`);
      }
      if (JSON.stringify(saved.config) !== JSON.stringify(config)) {
        throw new UserError(
          found.path,
          "was made with other model flags (--latent/--encoder/--decoder/...)",
        );
      }
      const { epochs: _a, ...savedRest } = saved.training;
      const { epochs: _b, ...givenRest } = training;
      if (JSON.stringify(savedRest) !== JSON.stringify(givenRest)) {
        throw new UserError(
          found.path,
          "was made with other training flags (--seed/--lr/--batch/--patience/...)",
        );
      }
      checkpoints[k] = checkpoint;
    }
    resume = (k) => checkpoints[k];
  }
  run.setSeed(training.seed);
  const progress = progressReporter(Deno.stderr);
  const windows: WindowSpec = {
    ...spec,
    window: size,
    ...(several ? { sources: stacks.length } : {}),
  };
  const stage = await trainStage({ stack: { data, size }, positions, source: all?.source }, {
    config,
    training,
    restarts,
    dataSha256,
    resume,
    windows,
    pixelSizeNm: flags.pixelSize,
  }, {
    ...progressHooks(progress),
    shouldStop: context.interrupted,
    onCheckpoint: async (bytes, file) => void await run.writeCheckpoint(file, bytes),
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
  run.setParameters({
    stack: several ? stackPaths : stackPaths[0],
    ...(several ? { stackWindows: all!.counts } : {}),
    ...stage.parameters,
  });
  run.setExtra(stage.extra);
  printSummary(`${stage.summary} on ${backend} -> ${outDir}`, await run.finish());
});
