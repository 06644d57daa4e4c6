/**
 * What every stage of the pipeline takes and gives: hooks in (progress,
 * cancellation), files, figures and the manifest's facts out.
 *
 * @module
 */

/** The files a stage made, by name relative to the output folder, in the order to write them. */
export type StageFiles = Record<string, Uint8Array | string>;

import type { NamedSvg } from "../report/analysis_report.ts";
import type { Warning } from "../warnings.ts";

/** A figure as drawn (`name` without extension): written as `<name>.svg` and `<name>.png`. */
export type StageFigure = NamedSvg;

/** What every stage returns. */
export interface StageOutput {
  /** Data files (CSV, NPY, the model, ...), in the order to write them. */
  files: StageFiles;
  /** Figures, in the order to write them (after the files). */
  figures: StageFigure[];
  /** Parameters after defaults, for `run.json`. */
  parameters: Record<string, unknown>;
  /** Counts, scores and timings, for `run.json`. */
  extra: Record<string, unknown>;
  /** One line for the terminal. */
  summary: string;
  /**
   * What the stage found doubtful (data that do not fit the model, signal
   * below the noise): recorded in `run.json`, printed after the summary and
   * at the top of `report.html`.
   */
  warnings?: Warning[];
}

/** How a caller follows and stops a stage. Every hook is optional. */
export interface StageHooks {
  /** A step begins (e.g. "pca", "figures"); awaited. */
  onStep?: (step: string) => void | Promise<void>;
  /** Polled between steps (and between training batches): true stops the stage early. */
  shouldStop?: () => boolean;
}

/** Milliseconds since `start`, rounded. */
export function elapsedMs(start: number): number {
  return Math.round(performance.now() - start);
}
