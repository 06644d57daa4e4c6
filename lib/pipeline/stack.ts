/**
 * The stack stage: square windows centred on the atoms of one sublattice, as
 * the files and figures `stack` writes.
 *
 * @module
 */

import { aLatticeVectors } from "../atoms/lattice_map.ts";
import { FormatError, UserError } from "../errors.ts";
import type { Image } from "../image.ts";
import { numericColumn, parseCsv, stringColumn } from "../io/csv.ts";
import { stackFiles } from "../io/stack_files.ts";
import { type Centring, extractStack, type Normalization, type SubImageStack } from "../stack.ts";
import { stackMosaicFigure, stackOverviewFigure } from "../stack_figures.ts";
import { chooseWindow, type WindowChoice } from "../rvae/window.ts";
import type { WindowSpec } from "../rvae/serialize.ts";
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

/**
 * The lattice period of the columns in atoms.csv's text, px: the shorter
 * primitive vector of the A sublattice (every row when there is no
 * `sublattice` column), as the atom stage's lattice maps read it off the
 * columns (`aLatticeVectors`). Undefined with fewer than 6 such columns.
 *
 * @example
 * ```ts
 * const rows = ["x,y,sublattice"];
 * for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) rows.push(`${12 * i},${12 * j},A`);
 * console.log(latticePeriodFromAtoms(rows.join("\n"), "atoms.csv")); // 12
 * ```
 */
export function latticePeriodFromAtoms(text: string, path: string): number | undefined {
  const table = parseCsv(text, path);
  const x = numericColumn(table, "x", path);
  const y = numericColumn(table, "y", path);
  const rows = table.header.includes("sublattice")
    ? stringColumn(table, "sublattice", path).flatMap((s, i) => s === "A" ? [i] : [])
    : Array.from(x, (_, i) => i);
  const vectors = aLatticeVectors({
    x: rows.map((i) => x[i]),
    y: rows.map((i) => y[i]),
  });
  if (!vectors) return undefined;
  const period = Math.min(Math.hypot(...vectors[0]), Math.hypot(...vectors[1]));
  return period > 0 && Number.isFinite(period) ? period : undefined;
}

/** Options of {@linkcode stackStage}. */
export interface StackStageOptions {
  /**
   * Window side, px (`--window`): overrides the side chosen from the
   * lattice (default: {@linkcode StackStageOptions.windowCells} periods, see `chooseWindow`).
   */
  window?: number;
  /** Window side in lattice periods (`--window-cells`; default 1.9). */
  windowCells?: number;
  /** The lattice period, px (the atom stage's); without it and `window`, 48 px with a warning. */
  periodPx?: number;
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
  /** The window side and where it came from (the lattice period, a flag). */
  choice: WindowChoice;
  /** How the windows were cut, as a model trained on them records it (`config.json`'s `windows`). */
  windows: WindowSpec;
}

/**
 * How a stack's windows were cut, from the `parameters` of the `stack` (or
 * `analyze`: its `stack` entry) run that made it, as `run.json` records
 * them; undefined when they do not say.
 *
 * @example
 * ```ts
 * const spec = windowSpecOf({ window: 28, periodPx: 14.7, sublattice: "B", normalize: "minmax" });
 * console.log(spec?.periodPx); // 14.7
 * ```
 */
export function windowSpecOf(parameters: unknown): WindowSpec | undefined {
  if (!parameters || typeof parameters !== "object") return undefined;
  const p = parameters as Record<string, unknown>;
  if (typeof p.window !== "number") return undefined;
  const text = (v: unknown) => typeof v === "string" ? v : undefined;
  const spec: WindowSpec = { window: p.window };
  if (typeof p.periodPx === "number") spec.periodPx = p.periodPx;
  if (typeof p.cells === "number") spec.cells = p.cells;
  if (text(p.sublattice)) spec.sublattice = text(p.sublattice);
  if (text(p.centring)) spec.centring = text(p.centring);
  if (text(p.normalize)) spec.normalization = text(p.normalize);
  if (typeof p.perWindow === "boolean") spec.perWindow = p.perWindow;
  return spec;
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
  const choice = chooseWindow(options.periodPx, {
    window: options.window,
    windowCells: options.windowCells,
    // Windows of more than half the image would mostly cross its border.
    maxWindow: Math.max(8, Math.floor(Math.min(image.width, image.height) / 2)),
  });
  const window = choice.window;
  const {
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
        `or holds NaN pixels (image ${image.width} x ${image.height}); try a smaller --window ` +
        `or --window-cells`,
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
  const parameters = {
    window,
    windowCells: options.windowCells ?? null,
    periodPx: Number.isFinite(choice.periodPx) ? Number(choice.periodPx.toFixed(3)) : null,
    cells: Number.isFinite(choice.cells) ? Number(choice.cells.toFixed(3)) : null,
    windowSource: choice.source,
    sublattice,
    centring,
    normalize,
    perWindow,
  };
  return {
    stack,
    choice,
    windows: windowSpecOf(parameters)!,
    files,
    figures,
    parameters,
    extra: {
      atoms: centres.x.length,
      kept: stack.count,
      droppedBorder: stack.droppedBorder,
      droppedNonFinite: stack.droppedNonFinite,
      scaling: { offset: stack.offset, scale: stack.scale },
      totalMs: Math.round(performance.now() - started),
    },
    warnings: choice.warnings,
    summary: `stack: ${stack.count} windows of ${choice.text} from ${centres.x.length} ` +
      `${sublattice} atoms (${stack.droppedBorder} across the border, ` +
      `${stack.droppedNonFinite} with NaN pixels)`,
  };
}
