/**
 * `deno task atoms IMAGE --out DIR [--pixel-size NM] [--reference none|mean|box:x0,y0,x1,y1|auto]
 * [--tilt-correction [1|2]] [--average none|cell|radius:R] [--strict]`: find the atom
 * columns of an atomically resolved HAADF-STEM image, refine them, split
 * them into the A and B sublattices, compute the polarisation of every B
 * column and how far to trust it. Writes `atoms.csv`, `polarization.csv`,
 * `domains.csv`, `lattice.csv`, the figures (SVG + PNG) and `run.json`
 * (with the warnings and the trust record; see `atomsStage` in
 * lib/pipeline); prints the summary, the trust lines and the warnings.
 *
 * @module
 */

import { decodeImage } from "../lib/formats/decode.ts";
import { writeStageOutput } from "../lib/io/stage_output.ts";
import { atomsStage } from "../lib/pipeline/mod.ts";
import {
  FORCE_HELP,
  intFlag,
  numberFlag,
  parseArgs,
  printSummary,
  program,
  runMain,
} from "./_cli.ts";
import {
  atomsFlags,
  findAtomsOptions,
  pixelSizeFlag,
  referenceFlag,
  trustFlags,
  trustOptions,
} from "./_flags.ts";

await runMain(async (context) => {
  const cmd = referenceFlag(trustFlags(pixelSizeFlag(atomsFlags(
    program("atoms", "Find atom columns, A/B sublattices and the polarisation of every B column")
      .argument("<image>", "image file (.dm3 .dm4 .tif .png .npy .emd .h5 .hdf5 .hspy)")
      .requiredOption("--out <dir>", "output folder")
      .option("--force", FORCE_HELP)
      .option(
        "--image <n>",
        "which image of a multi-image file (default: the largest)",
        intFlag("--image", 0),
      ),
  ))))
    .option(
      "--window <fraction>",
      "fit window radius, fraction of the column spacing",
      numberFlag("--window", 0.15, 1),
      0.5,
    )
    .option("--no-figures", "skip the figures");
  parseArgs(cmd);
  const [path] = cmd.processedArgs;
  const flags = cmd.opts();
  const run = context.open({ script: "atoms", outDir: flags.out, force: flags.force === true });
  const image = await decodeImage(await run.readInput(path), path, { index: flags.image });
  const stage = await atomsStage(image, {
    source: path,
    figures: flags.figures,
    ...findAtomsOptions(flags, flags.window),
    trust: trustOptions(flags, flags.reference),
    strict: flags.strict === true,
    mapBackground: flags.mapBackground,
  });
  await writeStageOutput(run, stage);
  run.setParameters({ image: path, imageIndex: flags.image ?? null, ...stage.parameters });
  run.setExtra(stage.extra);
  const manifest = await run.finish();
  printSummary(
    [`${stage.summary} -> ${flags.out}`, ...stage.trustLines.map((l) => `  ${l}`)].join("\n"),
    manifest,
  );
});
