/**
 * The atoms stage: atom columns, A/B sublattices and the polarisation of
 * every B column, as the files and figures `atoms` writes.
 *
 * @module
 */

import { type AtomResult, findAtoms, type FindAtomsOptions } from "../atoms/find_atoms.ts";
import {
  angleHistogramFigure,
  arrowsFigure,
  polarizationMapFigure,
  sublatticeFigure,
} from "../atoms/figures.ts";
import { atomsCsv, polarizationCsv } from "../atoms/tables.ts";
import { UserError } from "../errors.ts";
import { type Image, pixelSizeInPm } from "../image.ts";
import type { StageHooks, StageOutput } from "./_stage.ts";

/** Options of {@linkcode atomsStage}: the finder's options, the image's name and whether to draw. */
export interface AtomsStageOptions extends FindAtomsOptions {
  /** The image's file name, named in error messages (default "image"). */
  source?: string;
  /** Draw the four figures (default true). */
  figures?: boolean;
}

/** What {@linkcode atomsStage} found: `atoms.csv`, `polarization.csv` and the figures. */
export interface AtomsStageResult extends StageOutput {
  /** The two tables' text. */
  files: { "atoms.csv": string; "polarization.csv": string };
  /** Columns, sublattices, polarisation. */
  result: AtomResult;
}

/**
 * Find the atom columns of `image` (LoG detection, Levenberg-Marquardt
 * refinement, sublattices, polarisation; see `findAtoms`) and make
 * `atoms.csv`, `polarization.csv` and, unless `figures` is false, the
 * figures `atoms`, `polarization_map`, `polarization_angles` and
 * `polarization_arrows`. Throws a UserError naming `source` when the image
 * holds no lattice.
 *
 * @example
 * ```ts
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image } = generateHaadf({ width: 128, height: 128, seed: 1 });
 * const stage = await atomsStage(image, { figures: false });
 * console.log(stage.summary, Object.keys(stage.files)); // atoms.csv, polarization.csv
 * ```
 */
export async function atomsStage(
  image: Image,
  options: AtomsStageOptions = {},
  hooks: StageHooks = {},
): Promise<AtomsStageResult> {
  const { source = "image", figures = true, ...findOptions } = options;
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
  const files = {
    "atoms.csv": atomsCsv(result.columns),
    "polarization.csv": polarizationCsv(result.polarization, pm),
  };
  if (figures) await hooks.onStep?.("figures");
  const drawn = figures
    ? [
      { name: "atoms", svg: sublatticeFigure(image, result) },
      { name: "polarization_map", svg: polarizationMapFigure(image, result) },
      { name: "polarization_angles", svg: angleHistogramFigure(image, result) },
      { name: "polarization_arrows", svg: arrowsFigure(image, result) },
    ]
    : [];
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
  return { result, files, figures: drawn, parameters, extra, summary };
}
