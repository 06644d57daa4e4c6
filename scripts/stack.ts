/**
 * `deno task stack IMAGE --atoms atoms.csv --out DIR [--window PX | --window-cells 1.9]
 * [--sublattice B] [--centring bilinear|integer] [--normalize minmax|max|zscore|none]
 * [--per-window]`: cut square windows centred on the atoms of one sublattice
 * (by default about 1.9 lattice periods wide, the period read off the A
 * columns of atoms.csv; 48 px with a warning when it cannot be)
 * and write `stack.npy` (N x w x w float32), `stack.csv` (`i,x,y,atom`),
 * the figures `stack_windows` (a mosaic of sample windows) and
 * `stack_overview` (kept and dropped centres on the image), and `run.json`
 * (see `stackStage` in lib/pipeline).
 *
 * @module
 */

import { decodeImage } from "../lib/formats/decode.ts";
import { withPixelSize } from "../lib/image.ts";
import { writeStageOutput } from "../lib/io/stage_output.ts";
import { latticePeriodFromAtoms, selectAtoms, stackStage } from "../lib/pipeline/mod.ts";
import { FORCE_HELP, parseArgs, printSummary, program, runMain } from "./_cli.ts";
import { pixelSizeFlag, stackFlags } from "./_flags.ts";

await runMain(async (context) => {
  const cmd = pixelSizeFlag(stackFlags(
    program("stack", "Cut windows centred on the atoms of one sublattice")
      .argument("<image>", "image file (.dm3 .dm4 .tif .png .npy .emd .h5 .hspy)")
      .requiredOption("--atoms <csv>", "atoms.csv with columns x,y[,sublattice]")
      .requiredOption("--out <dir>", "output folder")
      .option("--force", FORCE_HELP),
  ))
    .option("--no-figures", "skip the figures");
  parseArgs(cmd);
  const flags = cmd.opts();
  const imagePath = cmd.args[0];
  const run = context.open({ script: "stack", outDir: flags.out, force: flags.force === true });
  const image = withPixelSize(
    await decodeImage(await run.readInput(imagePath), imagePath),
    flags.pixelSize,
  );
  const atomsText = new TextDecoder().decode(await run.readInput(flags.atoms));
  const centres = selectAtoms(atomsText, flags.atoms, flags.sublattice);
  const stage = await stackStage({ image, centres }, {
    source: imagePath,
    window: flags.window,
    windowCells: flags.windowCells,
    periodPx: latticePeriodFromAtoms(atomsText, flags.atoms),
    sublattice: flags.sublattice,
    centring: flags.centring,
    normalize: flags.normalize,
    perWindow: flags.perWindow === true,
    figures: flags.figures,
  });
  await writeStageOutput(run, stage);
  run.setParameters({
    image: imagePath,
    atoms: flags.atoms,
    pixelSizeNm: flags.pixelSize ?? null,
    ...stage.parameters,
  });
  run.setExtra(stage.extra);
  printSummary(`${stage.summary} -> ${flags.out}`, await run.finish());
});
