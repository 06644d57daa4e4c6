/**
 * Guard rails: how well the columns found fit the two-sublattice
 * perovskite model the polarisation assumes — about two columns per
 * primitive cell (A and B), most B columns in a regular cage of A
 * neighbours, the A and B sublattices equally numerous and with the same
 * period. A tungsten bronze, a spinel, a dumbbell projection or a single
 * sublattice fails one of these, and its "polarisation" is not physics.
 *
 * @module
 */

import { nearestNeighbourDistance } from "./_column_geometry.ts";
import type { PolarizationStatus } from "./polarization.ts";

/** The measures and the verdict. */
export interface PerovskiteFit {
  /** Columns per primitive cell of the image's lattice (2 expected; NaN when unknown). */
  columnsPerCell: number;
  /** Fraction of B columns, away from the border, with a regular cage of A neighbours. */
  regularCages: number;
  /** B-sublattice nearest-neighbour distance over the A sublattice's (1 expected). */
  periodRatio: number;
  /** |A − B| / (A + B) column counts (0 expected). */
  countImbalance: number;
  /** Whether every measure is within its bound. */
  fits: boolean;
  /** What failed, in words (empty when it fits). */
  failures: string[];
  /** One line with every measure. */
  message: string;
}

/** Bounds of {@linkcode perovskiteFit}. */
export interface PerovskiteFitOptions {
  /** Accepted columns per cell (default [1.7, 2.3]). */
  columnsPerCell?: [number, number];
  /** Least fraction of regular cages (default 0.7). */
  minRegularCages?: number;
  /** Largest |periodRatio − 1| (default 0.1). */
  maxPeriodMismatch?: number;
  /** Largest count imbalance (default 0.15). */
  maxImbalance?: number;
}

/**
 * Measure the perovskite fit of an atom result.
 *
 * @example
 * ```ts
 * import { perovskiteFit } from "./perovskite_fit.ts";
 * import { findAtoms } from "./find_atoms.ts";
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image } = generateHaadf({ seed: 1, width: 128, height: 128 });
 * const r = findAtoms(image);
 * const fit = perovskiteFit(r.columns, r.polarization.status, { columnsPerCell: r.columnsPerCell });
 * if (!fit.fits) throw new Error(`a generated perovskite fits: ${fit.message}`);
 * ```
 */
export function perovskiteFit(
  columns: { x: ArrayLike<number>; y: ArrayLike<number>; sublattice: ArrayLike<number> },
  status: readonly PolarizationStatus[],
  measured: { columnsPerCell: number },
  options: PerovskiteFitOptions = {},
): PerovskiteFit {
  const [lo, hi] = options.columnsPerCell ?? [1.7, 2.3];
  const ax: number[] = [];
  const ay: number[] = [];
  const bx: number[] = [];
  const by: number[] = [];
  for (let k = 0; k < columns.x.length; k++) {
    if (columns.sublattice[k] === 0) {
      ax.push(columns.x[k]);
      ay.push(columns.y[k]);
    } else {
      bx.push(columns.x[k]);
      by.push(columns.y[k]);
    }
  }
  const inner = status.filter((s) => s !== "too_few_neighbours");
  const regularCages = inner.length ? inner.filter((s) => s === "ok").length / inner.length : 0;
  const periodRatio = ax.length >= 2 && bx.length >= 2
    ? nearestNeighbourDistance(bx, by) / nearestNeighbourDistance(ax, ay)
    : NaN;
  const countImbalance = Math.abs(ax.length - bx.length) / Math.max(ax.length + bx.length, 1);
  const perCell = measured.columnsPerCell;
  const failures: string[] = [];
  if (Number.isFinite(perCell) && (perCell < lo || perCell > hi)) {
    failures.push(`${perCell.toFixed(2)} columns per lattice cell (a perovskite shows 2)`);
  }
  if (bx.length === 0) failures.push("no B sublattice");
  else if (regularCages < (options.minRegularCages ?? 0.7)) {
    failures.push(
      `${Math.round(100 * regularCages)} % of B columns sit in a regular cage of A columns`,
    );
  }
  if (!(Math.abs(periodRatio - 1) <= (options.maxPeriodMismatch ?? 0.1))) {
    failures.push(`the B and A sublattice spacings differ by a factor ${periodRatio.toFixed(2)}`);
  }
  if (countImbalance > (options.maxImbalance ?? 0.15)) {
    failures.push(`${ax.length} A against ${bx.length} B columns`);
  }
  const message = `${Number.isFinite(perCell) ? perCell.toFixed(2) : "?"} columns per cell, ${
    Math.round(100 * regularCages)
  } % regular B cages, B/A spacing ${periodRatio.toFixed(3)}, ${ax.length} A / ${bx.length} B`;
  return {
    columnsPerCell: perCell,
    regularCages,
    periodRatio,
    countImbalance,
    fits: failures.length === 0,
    failures,
    message,
  };
}
