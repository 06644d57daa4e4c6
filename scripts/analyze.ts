/**
 * `deno task analyze IMAGE --out DIR [--epochs N] [--window W] [--seed S] ...`:
 * the whole analysis of one image into one folder. Reads the image, finds
 * the atom columns and the polarisation (`atoms`), cuts windows on one
 * sublattice (`stack`), runs the classical baselines (`baselines`), trains
 * the rVAE (`train`) and writes every file those scripts write — atoms.csv,
 * polarization.csv, stack.npy, stack.csv, clusters.csv, embeddings.csv,
 * pca.npy, model/, latents.csv (with x,y), history.csv, figures — plus
 * `report.html` and one `run.json`. Every stage's options are flags; a
 * one-screen summary ends the run. When a `truth.csv` (from `synth`) sits
 * beside the image, the encoded angles are scored against its variants.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { tf } from "../lib/deps.ts";
import { UserError } from "../lib/errors.ts";
import { decodeImage } from "../lib/formats/decode.ts";
import { pixelSizeInPm } from "../lib/image.ts";
import { parseCsv } from "../lib/io/csv.ts";
import { type Run, sha256Hex } from "../lib/io/run.ts";
import { initBackend } from "../lib/rvae/backend.ts";
import { disposeRvae } from "../lib/rvae/model.ts";
import { type AngleAgreement, scoreSiteAngles, truthFromCsv } from "../lib/score.ts";
import { FORCE_HELP, intFlag, numberFlag, parseArgs, program, runMain } from "./_cli.ts";
import { atomsFlags, atomsStage, findAtomsOptions } from "./atoms.ts";
import { baselinesFlags, baselinesStage } from "./baselines.ts";
import { selectAtoms, stackFlags, stackStage } from "./stack.ts";
import { trainFlags, trainSettings, trainStage } from "./train.ts";
import { type ReportRvae, writeAnalysisReport } from "./_analyze_report.ts";
import { analysisSummary, type StageTiming } from "../lib/report/analysis_summary.ts";

/** Read `truth.csv` (and `meta.json`'s variant angles) beside the image, if there. */
async function readTruthBeside(run: Run, imagePath: string) {
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

if (import.meta.main) {
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
      .option("--skip-baselines", "skip PCA, NMF, k-means, GMM and the embeddings");
    // Each stage's own flags, under the name of the script that has them.
    const withAtoms = atomsFlags(general.optionsGroup("Atom columns and polarisation (atoms):"))
      .option(
        "--fit-window <fraction>",
        "fit window radius, fraction of the column spacing (atoms' --window)",
        numberFlag("--fit-window", 0.15, 1),
        0.5,
      );
    const withStack = stackFlags(withAtoms.optionsGroup("Windows (stack):"));
    const withBaselines = baselinesFlags(
      withStack.optionsGroup("Classical baselines (baselines):"),
    );
    const cmd = trainFlags(withBaselines.optionsGroup("rVAE (train):"));
    parseArgs(cmd);
    const flags = cmd.opts();
    const imagePath = cmd.args[0];
    const run = context.open({ script: "analyze", outDir: flags.out, force: flags.force === true });
    const timings: StageTiming[] = [];
    const log = (line: string) => console.error(`analyze: ${line}`);
    async function stage<T>(name: string, work: () => Promise<T>): Promise<T> {
      log(`${name}…`);
      const started = performance.now();
      const result = await work();
      timings.push({ name, seconds: (performance.now() - started) / 1000 });
      return result;
    }
    const begun = performance.now();

    const image = await stage("read", async () => {
      const bytes = await run.readInput(imagePath);
      return await decodeImage(bytes, imagePath, { index: flags.imageIndex });
    });
    const atoms = await stage(
      "atoms",
      () =>
        atomsStage(run, image, { source: imagePath, ...findAtomsOptions(flags, flags.fitWindow) }),
    );
    log(atoms.summary);
    const stacked = await stage("stack", () => {
      // From atoms.csv's text, so that the windows are exactly those `stack` cuts from the file.
      const centres = selectAtoms(atoms.atomsCsv, join(flags.out, "atoms.csv"), flags.sublattice);
      return stackStage(run, image, centres, {
        ...flags,
        source: imagePath,
        perWindow: flags.perWindow === true,
      });
    });
    log(stacked.summary);
    const stack = stacked.stack;
    if (stack.count < 4) {
      throw new UserError(
        imagePath,
        `only ${stack.count} windows of ${stack.window} px fit in the image; ` +
          `the learning stages need at least 4 (try a smaller --window)`,
      );
    }
    const positions = { x: stack.x, y: stack.y };

    const baselines = flags.skipBaselines
      ? null
      : await stage("baselines", () =>
        baselinesStage(run, stack, {
          ...flags,
          positions,
          onStage: (step) => log(`baselines: ${step}`),
        }));
    if (baselines) log(baselines.summary);

    const pm = pixelSizeInPm(image.pixelSize);
    const backend = await initBackend({ backend: flags.backend });
    run.setBackend(backend, tf.version_core);
    const { config, training } = trainSettings(stack.window, {
      ...flags,
      rotations: flags.rotations === undefined ? undefined : Number(flags.rotations),
    });
    const trained = await stage(
      "rVAE",
      async () =>
        trainStage(run, { data: stack.data, size: stack.window }, {
          config,
          training,
          positions,
          pixelSizeNm: pm === undefined ? undefined : pm / 1000,
          dataSha256: await sha256Hex(new Uint8Array(stack.data.buffer)),
          shouldStop: context.interrupted,
        }),
    );
    if (trained.stopped) {
      disposeRvae(trained.model);
      throw run.interrupted();
    }
    log(trained.summary);

    let agreement: AngleAgreement | null = null;
    const truth = await readTruthBeside(run, imagePath).catch((err) => {
      if (!(err instanceof UserError)) throw err;
      log(`truth beside the image not used: ${err.message}`);
      return null;
    });
    if (truth && trained.encoding) {
      agreement = scoreSiteAngles({ ...positions, angle: trained.encoding.angle }, truth.truth, {
        variantAngles: truth.variantAngles,
      });
    }

    run.setSeed(flags.seed);
    run.setParameters({
      image: imagePath,
      imageIndex: flags.imageIndex ?? null,
      seed: flags.seed,
      atoms: atoms.parameters,
      stack: stacked.parameters,
      baselines: baselines ? { seed: flags.seed, ...baselines.parameters } : null,
      rvae: trained.parameters,
    });
    run.setExtra({
      atoms: atoms.extra,
      stack: stacked.extra,
      ...(baselines ? { baselines: baselines.extra } : {}),
      rvae: trained.extra,
      ...(agreement && truth
        ? { truth: { file: truth.path, ...agreement, toleranceDeg: 30 } }
        : {}),
    });
    const summaryInput = {
      imagePath,
      image,
      outDir: flags.out,
      atoms: atoms.result,
      stack,
      sublattice: flags.sublattice,
      baselines: baselines?.results ?? null,
      training: {
        epochs: trained.history.length,
        backend,
        history: trained.history,
        peaks: trained.peaks,
      },
      agreement,
      timings,
    };
    const rvae: ReportRvae | null = trained.encoding
      ? { model: trained.model, encoding: trained.encoding, classes: trained.latentClasses }
      : null;
    await stage("report", () =>
      writeAnalysisReport(run, {
        title: `ferrovae analysis of ${imagePath}`,
        summary: analysisSummary({ ...summaryInput, timings: [...timings] }).rows,
        parameters: run.manifest,
        image,
        stack,
        rvae,
      }));
    disposeRvae(trained.model);
    const total = (performance.now() - begun) / 1000;
    run.setExtra({
      timingsSeconds: Object.fromEntries([
        ...timings.map((t) => [t.name, Math.round(t.seconds * 10) / 10]),
        ["total", Math.round(total * 10) / 10],
      ]),
    });
    await run.finish();
    console.log(analysisSummary({ ...summaryInput, totalSeconds: total }).text);
  });
}
