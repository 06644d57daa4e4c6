/**
 * The stack stage: square windows centred on the atoms of one sublattice, as
 * the files and figures `stack` writes.
 *
 * @module
 */

import { FormatError, UserError } from "../errors.ts";
import type { Image } from "../image.ts";
import { numericColumn, parseCsv, stringColumn } from "../io/csv.ts";
import { stackFiles } from "../io/stack_files.ts";
import { type Centring, extractStack, type Normalization, type SubImageStack } from "../stack.ts";
import { stackMosaicFigure, stackOverviewFigure } from "../stack_figures.ts";
import type { StageHooks, StageOutput } from "./_stage.ts";

/** Window centres: coordinates and the row of atoms.csv each comes from. */
export interface StackCentres {
  /** Column coordinates, px. */
  x: Float64Array;
  /** Row coordinates, px. */
  y: Float64Array;
  /** Row of atoms.csv of each centre. */
  rows: Int32Array;
}

/**
 * Rows of atoms.csv's text on `sublattice` ("all" for every row):
 * coordinates and row numbers. `path` names the file in error messages.
 *
 * @example
 * ```ts
 * const centres = selectAtoms("x,y,sublattice\n1,2,A\n3,4,B\n", "atoms.csv", "B");
 * console.log(centres.x[0], centres.rows[0]); // 3 1
 * ```
 */
export function selectAtoms(text: string, path: string, sublattice: string): StackCentres {
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
export interface StackStageOptions {
  /** Window side, px (default 48). */
  window?: number;
  /** The sublattice the centres are on (recorded, and named in messages; default "B"). */
  sublattice?: string;
  /** Sub-pixel (`bilinear`, default) or integer centring. */
  centring?: Centring;
  /** Scaling of the values (default `minmax`). */
  normalize?: Normalization;
  /** Normalise each window on its own (default false). */
  perWindow?: boolean;
  /** The image's file name, named in error messages (default "image"). */
  source?: string;
  /** Draw the two figures (default true). */
  figures?: boolean;
}

/** What {@linkcode stackStage} cut: `stack.npy`, `stack.csv` and the figures. */
export interface StackStageResult extends StageOutput {
  /** The windows. */
  stack: SubImageStack;
}

/**
 * Cut windows of `input.image` centred on `input.centres` (see
 * {@linkcode selectAtoms}) and make `stack.npy` (N × w × w float32),
 * `stack.csv` (`i,x,y,atom`) and, unless `figures` is false, the figures
 * `stack_windows` and `stack_overview`. Throws a UserError naming `source`
 * when no window fits.
 *
 * @example
 * ```ts
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image, truth } = generateHaadf({ width: 128, height: 128, seed: 1 });
 * const centres = { x: truth.x, y: truth.y, rows: Int32Array.from(truth.x, (_, i) => i) };
 * const stage = await stackStage({ image, centres }, { window: 16, figures: false });
 * console.log(stage.stack.count, Object.keys(stage.files)); // stack.npy, stack.csv
 * ```
 */
export async function stackStage(
  input: { image: Image; centres: StackCentres },
  options: StackStageOptions = {},
  hooks: StageHooks = {},
): Promise<StackStageResult> {
  const { image, centres } = input;
  const {
    window = 48,
    sublattice = "B",
    centring = "bilinear",
    normalize = "minmax",
    perWindow = false,
    source = "image",
  } = options;
  const started = performance.now();
  const stack = extractStack(image, centres, {
    window,
    centring,
    normalization: normalize,
    perWindow,
  });
  if (stack.count === 0) {
    throw new UserError(
      source,
      `every one of the ${centres.x.length} windows of ${window} px crosses the border ` +
        `or holds NaN pixels (image ${image.width} x ${image.height}); try a smaller --window`,
    );
  }
  const files = stackFiles(stack, centres.rows);
  const figures = [];
  if (options.figures ?? true) {
    await hooks.onStep?.("figures");
    figures.push(
      { name: "stack_windows", svg: stackMosaicFigure(stack) },
      { name: "stack_overview", svg: stackOverviewFigure(image, centres, stack) },
    );
  }
  return {
    stack,
    files,
    figures,
    parameters: { window, sublattice, centring, normalize, perWindow },
    extra: {
      atoms: centres.x.length,
      kept: stack.count,
      droppedBorder: stack.droppedBorder,
      droppedNonFinite: stack.droppedNonFinite,
      scaling: { offset: stack.offset, scale: stack.scale },
      totalMs: Math.round(performance.now() - started),
    },
    summary: `stack: ${stack.count} windows of ${stack.window} px from ${centres.x.length} ` +
      `${sublattice} atoms (${stack.droppedBorder} across the border, ` +
      `${stack.droppedNonFinite} with NaN pixels)`,
  };
}
