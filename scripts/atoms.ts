/**
 * `deno task atoms IMAGE --out DIR`: find the atom columns of an atomically
 * resolved HAADF-STEM image, refine them, split them into the A and B
 * sublattices and compute the polarisation of every B column. Writes
 * `atoms.csv`, `polarization.csv`, four figures (SVG + PNG) and `run.json`.
 *
 * @module
 */

import { type AtomResult, findAtoms, type FindAtomsOptions } from "../lib/atoms/find_atoms.ts";
import {
  angleHistogramFigure,
  arrowsFigure,
  polarizationMapFigure,
  sublatticeFigure,
} from "../lib/atoms/figures.ts";
import { atomsCsv, polarizationCsv } from "../lib/atoms/tables.ts";
import type { NeighbourRule } from "../lib/atoms/polarization.ts";
import type { SublatticeRule } from "../lib/atoms/sublattice.ts";
import { UserError } from "../lib/errors.ts";
import { decodeImage } from "../lib/formats/decode.ts";
import { type Image, pixelSizeInPm } from "../lib/image.ts";
import { writeFigure } from "../lib/io/figure.ts";
import type { Run } from "../lib/io/run.ts";
import type { Command, OptionValues } from "../lib/deps.ts";
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

/** Options of {@linkcode atomsStage}: the finder's options, the image's name and whether to draw. */
export interface AtomsStageOptions extends FindAtomsOptions {
  /** The image's file name, for error messages. */
  source: string;
  /** Write the four figures (default true). */
  figures?: boolean;
}

/** What {@linkcode atomsStage} found and wrote. */
export interface AtomsStageResult extends StageReport {
  /** Columns, sublattices, polarisation. */
  result: AtomResult;
  /** The text of `atoms.csv` as written. */
  atomsCsv: string;
}

/**
 * The atoms stage on an image already read: find the columns, write
 * `atoms.csv`, `polarization.csv` and (unless `figures` is false) the four
 * figures through `run`. Records nothing in the run's manifest: the caller
 * does, from `parameters` and `extra`.
 */
export async function atomsStage(
  run: Run,
  image: Image,
  options: AtomsStageOptions,
): Promise<AtomsStageResult> {
  const { source, figures = true, ...findOptions } = options;
  const started = performance.now();
  let result;
  try {
    result = findAtoms(image, findOptions);
  } catch (err) {
    // findAtoms does not know the file's name; name it here.
    if (err instanceof UserError && !err.subject) throw new UserError(source, err.message);
    throw err;
  }
  const found = performance.now();
  const pm = pixelSizeInPm(image.pixelSize);
  const parameters = {
    ...findOptions,
    period: result.lattice.period,
    sigma: result.sigma,
    windowRadius: result.windowRadius,
    neighbours: result.polarization.rule,
    pixelSizePm: pm ?? null,
  };
  const atomsText = atomsCsv(result.columns);
  await run.write("atoms.csv", atomsText);
  await run.write("polarization.csv", polarizationCsv(result.polarization, pm));
  if (figures) {
    await writeFigure(run, { name: "atoms", svg: sublatticeFigure(image, result) });
    await writeFigure(run, {
      name: "polarization_map",
      svg: polarizationMapFigure(image, result),
    });
    await writeFigure(run, {
      name: "polarization_angles",
      svg: angleHistogramFigure(image, result),
    });
    await writeFigure(run, { name: "polarization_arrows", svg: arrowsFigure(image, result) });
  }
  const c = result.columns;
  const p = result.polarization;
  const countA = c.sublattice.filter((s) => s === 0).length;
  const flagged = p.status.filter((s) => s !== "ok").length;
  const failedFits = c.fitOk.length - c.fitOk.reduce((a, b) => a + b, 0);
  const shifts = result.rowShift;
  const rowJitter = Math.sqrt(shifts.reduce((s, v) => s + v * v, 0) / Math.max(1, shifts.length));
  const extra = {
    columns: c.x.length,
    a: countA,
    b: c.x.length - countA,
    polarizationFlagged: flagged,
    failedFits,
    nearestNeighbourPx: result.nnDistance,
    columnsPerCell: result.columnsPerCell,
    rescued: result.rescued,
    rowJitterRmsPx: Number(rowJitter.toFixed(4)),
    findMs: Math.round(found - started),
    totalMs: Math.round(performance.now() - started),
  };
  const summary = `atoms: ${c.x.length} columns (${countA} A, ${c.x.length - countA} B; ` +
    `${failedFits} fits failed), period ${result.lattice.period.toFixed(2)} px, ` +
    `${p.x.length - flagged} polarisation vectors (${flagged} flagged, ${p.rule} neighbours), ` +
    `row jitter removed ${rowJitter.toFixed(3)} px rms, ${Math.round(found - started)} ms` +
    (p.x.length === 0
      ? `; ${result.columnsPerCell.toFixed(2)} columns per lattice cell: one sublattice (or two ` +
        "that look alike), every column is called A and no polarisation is computed"
      : "");
  return { result, atomsCsv: atomsText, parameters, extra, summary };
}

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

if (import.meta.main) {
  await runMain(async (context) => {
    const cmd = atomsFlags(
      program(
        "atoms",
        "Find atom columns, A/B sublattices and the polarisation of every B column",
      )
        .argument("<image>", "image file (.dm3 .dm4 .tif .png .npy .emd .h5 .hdf5 .hspy)")
        .requiredOption("--out <dir>", "output folder")
        .option("--force", FORCE_HELP)
        .option(
          "--image <n>",
          "which image of a multi-image file (default: the largest)",
          intFlag("--image", 0),
        ),
    )
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
    const bytes = await run.readInput(path);
    const image = await decodeImage(bytes, path, { index: flags.image });
    const stage = await atomsStage(run, image, {
      source: path,
      figures: flags.figures,
      ...findAtomsOptions(flags, flags.window),
    });
    run.setParameters({ image: path, imageIndex: flags.image ?? null, ...stage.parameters });
    run.setExtra(stage.extra);
    await run.finish();
    console.log(`${stage.summary} -> ${flags.out}`);
  });
}
