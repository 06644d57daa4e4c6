/**
 * `deno task stack IMAGE --atoms atoms.csv --out DIR [--window 48]
 * [--sublattice B] [--centring bilinear|integer] [--normalize minmax|max|zscore|none]
 * [--per-window]`: cut square windows centred on the atoms of one sublattice
 * and write `stack.npy` (N x w x w float32), `stack.csv` (`i,x,y,atom`),
 * the figures `stack_windows` (a mosaic of sample windows) and
 * `stack_overview` (kept and dropped centres on the image), and `run.json`.
 *
 * @module
 */

import { UserError } from "../lib/errors.ts";
import { FormatError } from "../lib/errors.ts";
import { decodeImage } from "../lib/formats/decode.ts";
import { numericColumn, parseCsv, stringColumn } from "../lib/io/csv.ts";
import { writeFigure } from "../lib/io/figure.ts";
import type { Run } from "../lib/io/run.ts";
import type { Image } from "../lib/image.ts";
import { stackFiles } from "../lib/io/stack_files.ts";
import {
  type Centring,
  CENTRINGS,
  extractStack,
  type Normalization,
  NORMALIZATIONS,
  type SubImageStack,
} from "../lib/stack.ts";
import { stackMosaicFigure, stackOverviewFigure } from "../lib/stack_figures.ts";
import type { Command, OptionValues } from "../lib/deps.ts";
import {
  type Assert,
  choiceFlag,
  FORCE_HELP,
  intFlag,
  parseArgs,
  program,
  runMain,
  type StageReport,
  withFlags,
  type YieldsExactly,
} from "./_cli.ts";

/** Rows of atoms.csv on `sublattice` ("all" for every row): coordinates and row numbers. */
export function selectAtoms(
  text: string,
  path: string,
  sublattice: string,
): { x: Float64Array; y: Float64Array; rows: Int32Array } {
  const table = parseCsv(text, path);
  const x = numericColumn(table, "x", path);
  const y = numericColumn(table, "y", path);
  if (sublattice === "all") return { x, y, rows: Int32Array.from(x, (_, i) => i) };
  if (!table.header.includes("sublattice")) {
    throw new FormatError(
      path,
      `missing column "sublattice" (needed for --sublattice ${sublattice}; use --sublattice all)`,
    );
  }
  const labels = stringColumn(table, "sublattice", path);
  const rows = Int32Array.from(labels.flatMap((s, i) => s === sublattice ? [i] : []));
  if (rows.length === 0) {
    const have = [...new Set(labels)].sort().join(", ") || "none";
    throw new UserError(
      path,
      `no atoms on sublattice ${sublattice} (sublattices present: ${have})`,
    );
  }
  return {
    x: Float64Array.from(rows, (i) => x[i]),
    y: Float64Array.from(rows, (i) => y[i]),
    rows,
  };
}

/** Options of {@linkcode stackStage}. */
export interface StackStageOptions extends Omit<StackFlagValues, "perWindow"> {
  /** The image's file name, for error messages. */
  source: string;
  /** Normalise each window on its own. */
  perWindow: boolean;
  /** Write the two figures (default true). */
  figures?: boolean;
}

/** What {@linkcode stackStage} cut and wrote. */
export interface StackStageResult extends StageReport {
  /** The windows. */
  stack: SubImageStack;
}

/**
 * The stack stage on an image already read and centres already chosen (see
 * {@linkcode selectAtoms}): write `stack.npy`, `stack.csv` and (unless
 * `figures` is false) the figures through `run`. Records nothing in the
 * run's manifest: the caller does, from `parameters` and `extra`.
 */
export async function stackStage(
  run: Run,
  image: Image,
  centres: { x: Float64Array; y: Float64Array; rows: Int32Array },
  options: StackStageOptions,
): Promise<StackStageResult> {
  const started = performance.now();
  const stack = extractStack(image, centres, {
    window: options.window,
    centring: options.centring,
    normalization: options.normalize,
    perWindow: options.perWindow,
  });
  if (stack.count === 0) {
    throw new UserError(
      options.source,
      `every one of the ${centres.x.length} windows of ${options.window} px crosses the border ` +
        `or holds NaN pixels (image ${image.width} x ${image.height}); try a smaller --window`,
    );
  }
  for (const [name, data] of Object.entries(stackFiles(stack, centres.rows))) {
    await run.write(name, data);
  }
  if (options.figures ?? true) {
    await writeFigure(run, { name: "stack_windows", svg: stackMosaicFigure(stack) });
    await writeFigure(run, {
      name: "stack_overview",
      svg: stackOverviewFigure(image, centres, stack),
    });
  }
  return {
    stack,
    parameters: {
      window: options.window,
      sublattice: options.sublattice,
      centring: options.centring,
      normalize: options.normalize,
      perWindow: options.perWindow,
    },
    extra: {
      atoms: centres.x.length,
      kept: stack.count,
      droppedBorder: stack.droppedBorder,
      droppedNonFinite: stack.droppedNonFinite,
      scaling: { offset: stack.offset, scale: stack.scale },
      totalMs: Math.round(performance.now() - started),
    },
    summary: `stack: ${stack.count} windows of ${stack.window} px from ${centres.x.length} ` +
      `${options.sublattice} atoms (${stack.droppedBorder} across the border, ` +
      `${stack.droppedNonFinite} with NaN pixels)`,
  };
}

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

if (import.meta.main) {
  await runMain(async (context) => {
    const cmd = stackFlags(
      program("stack", "Cut windows centred on the atoms of one sublattice")
        .argument("<image>", "image file (.dm3 .dm4 .tif .png .npy .emd .h5 .hspy)")
        .requiredOption("--atoms <csv>", "atoms.csv with columns x,y[,sublattice]")
        .requiredOption("--out <dir>", "output folder")
        .option("--force", FORCE_HELP),
    )
      .option("--no-figures", "skip the figures");
    parseArgs(cmd);
    const flags = cmd.opts();
    const imagePath = cmd.args[0];
    const run = context.open({ script: "stack", outDir: flags.out, force: flags.force === true });
    const image = await decodeImage(await run.readInput(imagePath), imagePath);
    const atomsText = new TextDecoder().decode(await run.readInput(flags.atoms));
    const centres = selectAtoms(atomsText, flags.atoms, flags.sublattice);
    const stage = await stackStage(run, image, centres, {
      source: imagePath,
      window: flags.window,
      sublattice: flags.sublattice,
      centring: flags.centring,
      normalize: flags.normalize,
      perWindow: flags.perWindow === true,
      figures: flags.figures,
    });
    run.setParameters({ image: imagePath, atoms: flags.atoms, ...stage.parameters });
    run.setExtra(stage.extra);
    await run.finish();
    console.log(`${stage.summary} -> ${flags.out}`);
  });
}
