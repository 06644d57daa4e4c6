/**
 * `deno task encode MODEL_DIR STACK.npy|IMAGE --out DIR [--pixel-size NM]
 * [--image-index N] [--map-background none|image] [--backend auto|wasm|cpu]`:
 * apply a saved rVAE (the `model/` folder of `train` or `analyze`) to other
 * windows and write `latents.csv` (the columns `train` writes), the latent
 * figures and `run.json` (see `encodeStage` in lib/pipeline). A stack
 * (N x w x w `.npy`) is encoded as it is, with `stack.csv` beside it for
 * positions; from an image the windows are cut here, centred on its own
 * atoms, with the model's window side, sublattice, centring and
 * normalisation. A model that cannot apply (another window side, scaling
 * or lattice period) is refused in one line. Two fields of view encoded
 * with one model share one latent space; the training image encoded with
 * its own model gives its training run's `latents.csv` exactly.
 *
 * @module
 */

import { join } from "node:path";
import { tf } from "../lib/deps.ts";
import { decodeImage } from "../lib/formats/decode.ts";
import { decodeNpyHeader } from "../lib/formats/npy.ts";
import { withPixelSize } from "../lib/image.ts";
import type { Run } from "../lib/io/run.ts";
import { writeStageOutput } from "../lib/io/stage_output.ts";
import {
  readStackFile,
  readStackPositions,
  readStackRunParameters,
} from "../lib/io/stack_files.ts";
import { encodeStage, savedModelFromFiles, windowSpecOf } from "../lib/pipeline/mod.ts";
import { BACKEND_CHOICES, type BackendChoice, initBackend } from "../lib/rvae/backend.ts";
import { disposeRvae } from "../lib/rvae/model.ts";
import {
  choiceFlag,
  FORCE_HELP,
  intFlag,
  numberFlag,
  parseArgs,
  printSummary,
  program,
  runMain,
} from "./_cli.ts";
import { atomsFlags, findAtomsOptions } from "./_flags.ts";

/** True when `bytes` (named `path`) hold a stack: a 3-D `.npy` of square windows. */
function isStack(bytes: Uint8Array, path: string): boolean {
  if (!path.toLowerCase().endsWith(".npy")) return false;
  const shape = decodeNpyHeader(bytes, path).shape;
  return shape.length === 3 && shape[1] === shape[2];
}

/** The saved model in `dir`, its two files recorded as inputs of the run. */
async function readModel(run: Run, dir: string) {
  const paths = { config: join(dir, "config.json"), weights: join(dir, "weights.bin") };
  const configJson = new TextDecoder().decode(await run.readInput(paths.config));
  return savedModelFromFiles(configJson, await run.readInput(paths.weights), paths);
}

await runMain(async (context) => {
  const cmd = atomsFlags(
    program("encode", "Apply a saved rVAE to a stack of windows or to an image")
      .argument("<model>", "a saved model folder (model/ of train or analyze)")
      .argument("<input>", "stack.npy (N x w x w) or an image (its windows are cut here)")
      .requiredOption("--out <dir>", "output folder")
      .option("--force", FORCE_HELP),
  )
    .option(
      "--fit-window <fraction>",
      "image only: fit window radius, fraction of the column spacing (atoms' --window)",
      numberFlag("--fit-window", 0.15, 1),
      0.5,
    )
    .option(
      "--pixel-size <nm>",
      "nm per pixel: supplies or overrides the calibration (adds dx_pm, dy_pm to latents.csv)",
      numberFlag("--pixel-size", 1e-6, 999),
    )
    .option(
      "--image-index <n>",
      "which image of a multi-image file (default: the largest)",
      intFlag("--image-index", 0),
    )
    .option(
      "--map-background <what>",
      "under the latent maps: none (default) or image (the image in grey; needs an image)",
      choiceFlag("--map-background", ["none", "image"] as const),
      "none" as const,
    )
    .option(
      "--backend <name>",
      "tfjs backend: auto, wasm or cpu",
      choiceFlag("--backend", BACKEND_CHOICES),
      "auto" as BackendChoice,
    )
    .option("--no-figures", "skip the figures");
  parseArgs(cmd);
  const flags = cmd.opts();
  const [modelDir, inputPath] = cmd.args;
  const run = context.open({ script: "encode", outDir: flags.out, force: flags.force === true });
  const bytes = await run.readInput(inputPath);
  const backend = await initBackend({ backend: flags.backend });
  run.setBackend(backend, tf.version_core);
  const saved = await readModel(run, modelDir);
  const common = { name: inputPath, modelName: modelDir, figures: flags.figures };
  let stage;
  if (isStack(bytes, inputPath)) {
    const { data, count, window } = await readStackFile(run, inputPath, 1);
    const positions = await readStackPositions(inputPath, count, { run });
    const spec = windowSpecOf(await readStackRunParameters(run, inputPath));
    stage = await encodeStage(saved, {
      stack: { data, window },
      positions,
      periodPx: spec?.periodPx,
    }, { ...common, pixelSizeNm: flags.pixelSize });
  } else {
    const image = withPixelSize(
      await decodeImage(bytes, inputPath, { index: flags.imageIndex }),
      flags.pixelSize,
    );
    stage = await encodeStage(saved, { image }, {
      ...common,
      atoms: findAtomsOptions(flags, flags.fitWindow),
      background: flags.mapBackground === "image",
    });
  }
  disposeRvae(saved.model);
  await writeStageOutput(run, stage);
  run.setParameters({ model: modelDir, input: inputPath, ...stage.parameters });
  run.setExtra(stage.extra);
  printSummary(`${stage.summary} on ${backend} -> ${flags.out}`, await run.finish());
});
