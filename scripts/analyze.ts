/**
 * `deno task analyze IMAGE --out DIR [--epochs N] [--window W] [--seed S] ...`:
 * the whole analysis of one image into one folder. Reads the image, finds
 * the atom columns and the polarisation (`atoms`), cuts windows on one
 * sublattice (`stack`), runs the classical baselines (`baselines`), trains
 * the rVAE (`train`) and writes every file those scripts write — atoms.csv,
 * polarization.csv, stack.npy, stack.csv, clusters.csv, embeddings.csv,
 * pca.npy, model/, latents.csv (with x,y), history.csv, figures — plus
 * `report.html` and one `run.json` (see `analyzeStage` in lib/pipeline).
 * Every stage's options are flags; a one-screen summary ends the run. When a
 * `truth.csv` (from `synth`) sits beside the image, the encoded angles are
 * scored against its variants.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { tf } from "../lib/deps.ts";
import { UserError } from "../lib/errors.ts";
import { decodeImage } from "../lib/formats/decode.ts";
import { readD3Bundle } from "../lib/io/assets.ts";
import { parseCsv } from "../lib/io/csv.ts";
import type { Run } from "../lib/io/run.ts";
import { writeStageOutput } from "../lib/io/stage_output.ts";
import {
  analyzeStage,
  type AnalyzeTruth,
  type SavedModel,
  savedModelFromFiles,
} from "../lib/pipeline/mod.ts";
import { analysisSummary } from "../lib/report/analysis_summary.ts";
import { initBackend } from "../lib/rvae/backend.ts";
import { disposeRvae } from "../lib/rvae/model.ts";
import { truthFromCsv } from "../lib/score.ts";
import {
  FORCE_HELP,
  intFlag,
  numberFlag,
  parseArgs,
  printSummary,
  program,
  runMain,
} from "./_cli.ts";
import { withPixelSize } from "../lib/image.ts";
import {
  atomsFlags,
  baselinesFlags,
  findAtomsOptions,
  pixelSizeFlag,
  polarizationReferenceFlag,
  rvaeSettings,
  stackFlags,
  trainFlags,
  trainFlagsOf,
  trustFlags,
  trustOptions,
} from "./_flags.ts";
import { progressHooks, progressReporter } from "./_progress.ts";

/** Read `truth.csv` (and `meta.json`'s variant angles) beside the image, if there. */
async function readTruthBeside(run: Run, imagePath: string): Promise<AnalyzeTruth | null> {
  const path = join(dirname(imagePath), "truth.csv");
  if (!await Deno.stat(path).then((s) => s.isFile, () => false)) return null;
  const truth = truthFromCsv(
    parseCsv(new TextDecoder().decode(await run.readInput(path)), path),
    path,
  );
  const metaPath = join(dirname(imagePath), "meta.json");
  let variantAngles: number[] | undefined;
  if (await Deno.stat(metaPath).then((s) => s.isFile, () => false)) {
    try {
      const meta = JSON.parse(new TextDecoder().decode(await run.readInput(metaPath)));
      if (Array.isArray(meta.variantAngles)) variantAngles = meta.variantAngles;
    } catch {
      // A meta.json of another kind: the default variant directions are used.
    }
  }
  return { path, truth, variantAngles };
}

/** A saved model folder, its two files recorded as inputs of the run. */
async function readModel(run: Run, dir: string): Promise<SavedModel> {
  const paths = { config: join(dir, "config.json"), weights: join(dir, "weights.bin") };
  const configJson = new TextDecoder().decode(await run.readInput(paths.config));
  return savedModelFromFiles(configJson, await run.readInput(paths.weights), paths);
}

await runMain(async (context) => {
  const general = program(
    "analyze",
    "The whole analysis of one image: atoms, polarisation, stack, baselines, rVAE, report",
  )
    .argument("<image>", "image file (.dm3 .dm4 .tif .png .npy .emd .h5 .hdf5 .hspy)")
    .requiredOption("--out <dir>", "output folder")
    .option("--force", FORCE_HELP)
    .option(
      "--image-index <n>",
      "which image of a multi-image file (default: the largest)",
      intFlag("--image-index", 0),
    )
    .option("--seed <s>", "seed of every random choice", intFlag("--seed", 0, 2 ** 31 - 1), 0)
    .option(
      "--model <dir>",
      "encode with a saved model (a model/ folder of train or analyze) instead of training one",
    )
    .option("--skip-baselines", "skip PCA, NMF, k-means, GMM and the embeddings")
    .option(
      "--keep-checkpoint",
      "keep the training checkpoint (checkpoint.bin, ~9 MB) in the output; by default it is " +
        "not written, as the model/ folder holds the trained weights",
    );
  // Each stage's own flags, under the name of the script that has them.
  const withAtoms = polarizationReferenceFlag(trustFlags(pixelSizeFlag(atomsFlags(
    general.optionsGroup("Atom columns and polarisation (atoms):"),
  ))))
    .option(
      "--fit-window <fraction>",
      "fit window radius, fraction of the column spacing (atoms' --window)",
      numberFlag("--fit-window", 0.15, 1),
      0.5,
    );
  const withStack = stackFlags(withAtoms.optionsGroup("Windows (stack):"));
  const withBaselines = baselinesFlags(withStack.optionsGroup("Classical baselines (baselines):"));
  const cmd = trainFlags(withBaselines.optionsGroup("rVAE (train):"));
  parseArgs(cmd);
  const flags = cmd.opts();
  const imagePath = cmd.args[0];
  const run = context.open({ script: "analyze", outDir: flags.out, force: flags.force === true });
  const log = (line: string) => console.error(`analyze: ${line}`);
  const begun = performance.now();

  log("read…");
  const image = withPixelSize(
    await decodeImage(await run.readInput(imagePath), imagePath, { index: flags.imageIndex }),
    flags.pixelSize,
  );
  const read = { name: "read", seconds: (performance.now() - begun) / 1000 };
  const rvae = rvaeSettings(trainFlagsOf(flags));
  const truth = await readTruthBeside(run, imagePath).catch((err) => {
    if (!(err instanceof UserError)) throw err;
    log(`truth beside the image not used: ${err.message}`);
    return null;
  });
  const backend = await initBackend({ backend: flags.backend });
  run.setBackend(backend, tf.version_core);
  const saved: SavedModel | null = flags.model ? await readModel(run, flags.model) : null;
  run.setSeed(flags.seed);
  run.setParameters({ image: imagePath, imageIndex: flags.imageIndex ?? null });
  const progress = progressReporter(Deno.stderr);
  const result = await analyzeStage(image, {
    source: imagePath,
    seed: flags.seed,
    atoms: {
      ...findAtomsOptions(flags, flags.fitWindow),
      trust: trustOptions(flags, flags.polarizationReference, flags.seed),
      strict: flags.strict === true,
    },
    mapBackground: flags.mapBackground,
    stack: {
      window: flags.window,
      windowCells: flags.windowCells,
      sublattice: flags.sublattice,
      centring: flags.centring,
      normalize: flags.normalize,
      perWindow: flags.perWindow === true,
    },
    baselines: flags.skipBaselines ? null : {
      classes: flags.classes,
      components: flags.components,
      pcaDims: flags.pcaDims,
      bicMax: flags.bicMax,
      embeddings: flags.embeddings,
      embedMax: flags.embedMax,
      threads: flags.threads,
    },
    rvae,
    model: saved,
    modelName: flags.model,
    // Latent maps have no image under them unless --map-background is given (~250 KB each).
    latentBackground: cmd.getOptionValueSource("mapBackground") === "cli" &&
      flags.mapBackground === "image",
    truth,
    backend,
    outDir: flags.out,
    report: { provenance: { ...run.manifest }, d3Source: await readD3Bundle() },
    timings: [read],
  }, {
    ...progressHooks(progress),
    onStep: (step) => log(`${step}…`),
    onSummary: log,
    shouldStop: context.interrupted,
    // Written only when asked for: a finished analyze's model/ holds the weights (issue 17 sizes).
    onCheckpoint: flags.keepCheckpoint
      ? async (bytes, file) => void await run.write(file, bytes)
      : undefined,
  });
  progress.done();
  if (result.stopped || !result.stages || !result.summaryInput) throw run.interrupted();
  disposeRvae(result.stages.train.model);
  const { atoms, stack, baselines } = result.stages;
  // The training checkpoints stay out of a finished analysis unless asked for (model/ has the weights).
  const train = flags.keepCheckpoint ? result.stages.train : {
    ...result.stages.train,
    files: Object.fromEntries(
      Object.entries(result.stages.train.files).filter(([name]) =>
        !/^checkpoint(_\d+)?\.bin$/.test(name)
      ),
    ),
  };
  for (const stage of [atoms, stack, baselines, train, result]) {
    // PNGs at 1x: the SVGs are the figures (and are in report.html); keeps the folder small.
    if (stage) await writeStageOutput(run, stage, { scale: 1 });
  }
  run.setParameters(result.parameters);
  run.setExtra(result.extra);
  const total = (performance.now() - begun) / 1000;
  run.setExtra({
    timingsSeconds: Object.fromEntries([
      ...result.timings.map((t) => [t.name, Math.round(t.seconds * 10) / 10]),
      ["total", Math.round(total * 10) / 10],
    ]),
  });
  const manifest = await run.finish();
  printSummary(
    analysisSummary({ ...result.summaryInput, timings: result.timings, totalSeconds: total }).text,
    manifest,
  );
});
