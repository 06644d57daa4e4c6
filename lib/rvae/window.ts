/**
 * The rVAE's window side from the measured lattice: by default about 1.9
 * lattice periods (what the paper's 48 px window held of its BiFeO3 image),
 * rounded to an even number of pixels (the default encoder bins 2 × 2), so
 * that every image's windows hold the same part of the crystal whatever its
 * sampling. A fixed 48 px held 0.95 cells of one real image and 4.5 of
 * another.
 *
 * @module
 */

/** A doubt about the input, for the summary, `run.json` and the report. */
export interface RvaeWarning {
  /** Stable machine-readable code, e.g. `window-cells`. */
  code: string;
  /** One sentence for the user. */
  message: string;
}

/** Options of {@linkcode chooseWindow}. */
export interface WindowOptions {
  /** Window side in px, as flagged (`--window`): overrides everything else. */
  window?: number;
  /** Window side in lattice periods (`--window-cells`); default {@linkcode DEFAULT_WINDOW_CELLS}. */
  windowCells?: number;
  /** Smallest side chosen from the lattice, px (default 8). */
  minWindow?: number;
  /** Largest side, px, e.g. half the image's smaller side so that windows fit (default none). */
  maxWindow?: number;
  /** Side used when the period is unknown, px (default 48, the paper's). */
  fallbackWindow?: number;
  /** Warn below this many periods per window (default 1.5). */
  minCells?: number;
  /** Warn above this many periods per window (default 3). */
  maxCells?: number;
}

/** The window chosen and where it came from. */
export interface WindowChoice {
  /** Window side, px. */
  window: number;
  /** Lattice period it was measured against, px (NaN when unknown). */
  periodPx: number;
  /** Periods per window side (window / period; NaN when the period is unknown). */
  cells: number;
  /** `window` (flagged in px), `cells` (flagged in periods), `lattice` (default) or `fallback` (no period). */
  source: "window" | "cells" | "lattice" | "fallback";
  /** One line for the summary, e.g. "28 px = 1.91 periods of 14.7 px (lattice)". */
  text: string;
  /** `window-cells` when the window holds fewer than `minCells` or more than `maxCells` periods. */
  warnings: RvaeWarning[];
}

/** Default window side in lattice periods (the paper: 48 px ≈ 1.9 cells of BiFeO3). */
export const DEFAULT_WINDOW_CELLS = 1.9;

/**
 * The window side for lattice period `periodPx` (the atom stage's
 * `AtomResult.lattice.period`): `window` when given, else
 * `windowCells` (default 1.9) periods rounded to an even number of pixels,
 * clamped to [`minWindow`, `maxWindow`]; a warning when it holds fewer than
 * 1.5 or more than 3 periods.
 *
 * @example
 * ```ts
 * import { chooseWindow } from "./window.ts";
 * const choice = chooseWindow(14.7);
 * if (choice.window !== 28 || choice.source !== "lattice") throw new Error("1.9 periods, even");
 * const flagged = chooseWindow(14.7, { window: 64 });
 * if (flagged.warnings[0]?.code !== "window-cells") throw new Error("4.35 periods is too many");
 * ```
 */
export function chooseWindow(
  periodPx: number | undefined,
  options: WindowOptions = {},
): WindowChoice {
  const period = periodPx !== undefined && Number.isFinite(periodPx) && periodPx > 0
    ? periodPx
    : NaN;
  const minCells = options.minCells ?? 1.5;
  const maxCells = options.maxCells ?? 3;
  const cellsWanted = options.windowCells ?? DEFAULT_WINDOW_CELLS;
  if (!(cellsWanted > 0 && Number.isFinite(cellsWanted))) {
    throw new RangeError(`windowCells must be > 0, got ${cellsWanted}`);
  }
  let window: number;
  let source: WindowChoice["source"];
  const warnings: RvaeWarning[] = [];
  if (options.window !== undefined) {
    window = options.window;
    source = "window";
  } else if (Number.isNaN(period)) {
    window = options.fallbackWindow ?? 48;
    source = "fallback";
    warnings.push({
      code: "window-cells",
      message: `the lattice period is unknown, so the window is ${window} px whatever the ` +
        `cell size; give --window or --window-cells with a known period`,
    });
  } else {
    source = options.windowCells !== undefined ? "cells" : "lattice";
    // Even, so that the default encoder can bin it 2 × 2.
    window = 2 * Math.round((cellsWanted * period) / 2);
    const lo = options.minWindow ?? 8;
    const hi = options.maxWindow ?? Infinity;
    if (hi < lo) throw new RangeError(`maxWindow ${hi} is below minWindow ${lo}`);
    window = Math.min(Math.max(window, lo), 2 * Math.floor(hi / 2));
  }
  const cells = window / period;
  if (Number.isFinite(cells) && (cells < minCells || cells > maxCells)) {
    const why = cells < minCells
      ? `fewer than ${minCells}: a window may not hold a whole cell around its site`
      : `more than ${maxCells}: each window mixes several cells and blurs domain walls`;
    warnings.push({
      code: "window-cells",
      message: `the ${window} px window holds ${cells.toFixed(2)} lattice periods ` +
        `(${period.toFixed(1)} px), ${why}; about ${DEFAULT_WINDOW_CELLS} is the default ` +
        `(--window-cells)`,
    });
  }
  const text = Number.isFinite(cells)
    ? `${window} px = ${cells.toFixed(2)} periods of ${period.toFixed(1)} px (${source})`
    : `${window} px (${source}; lattice period unknown)`;
  return { window, periodPx: period, cells, source, text, warnings };
}
