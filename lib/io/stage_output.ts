/**
 * Writing what a pipeline stage made through a run: its files in order, then
 * each figure as SVG and PNG.
 *
 * @module
 */

import { writeFigure, type WriteFigureOptions } from "./figure.ts";
import type { Run } from "./run.ts";
import type { Warning } from "../warnings.ts";

/** What a stage made: files (name → bytes or text) and figures (SVG). */
export interface StageOutputFiles {
  /** Files in the order to write them. */
  files: Record<string, Uint8Array | string>;
  /** Figures, written after the files as `<name>.svg` and `<name>.png`. */
  figures: readonly { name: string; svg: string }[];
  /** Warnings, recorded in `run.json`. */
  warnings?: readonly Warning[];
}

/**
 * Write `output`'s files, then its figures (each as SVG and a PNG, 2x
 * unless `figureOptions.scale` says otherwise), through `run`.
 *
 * @example
 * ```ts
 * // In a script, after `const stage = await atomsStage(image, options);`:
 * // await writeStageOutput(run, stage);
 * ```
 */
export async function writeStageOutput(
  run: Run,
  output: StageOutputFiles,
  figureOptions: WriteFigureOptions = {},
): Promise<void> {
  run.addWarnings(output.warnings ?? []);
  for (const [name, data] of Object.entries(output.files)) await run.write(name, data);
  for (const figure of output.figures) await writeFigure(run, figure, figureOptions);
}
