/**
 * The whole atom stage on one image: lattice from the power spectrum,
 * columns by Laplacian-of-Gaussian, refinement by Gaussian fits, A/B
 * sublattices and the polarisation of each B column.
 *
 * @module
 */

import { UserError } from "../errors.ts";
import type { Image } from "../image.ts";
import { KDBush } from "../deps.ts";
import { findPeaks } from "./detect.ts";
import {
  computePolarization,
  median,
  type NeighbourRule,
  type Polarization,
} from "./polarization.ts";
import { copyColumns, refineColumns, type RefinedColumns, refitWithLocalShape } from "./refine.ts";
import { estimateLattice, type LatticeEstimate } from "./spacing.ts";
import { assignSublattices, type SublatticeRule } from "./sublattice.ts";

/** Options for {@linkcode findAtoms}; every one has a default read off the image. */
export interface FindAtomsOptions {
  /** Lattice period in px (the shortest lattice vector); estimated from the power spectrum when absent. */
  spacing?: number;
  /** Laplacian-of-Gaussian sigma in px (default 0.12 × period). */
  sigma?: number;
  /** Fit window radius as a fraction of the nearest-neighbour distance (default 0.5). */
  window?: number;
  /** Noise threshold of the detection, in filtered-noise standard deviations (default 3.5). */
  noiseThreshold?: number;
  /** Relative threshold of the detection: fraction of the strongest column nearby (default 0.05). */
  relativeThreshold?: number;
  /** Refit dim columns with their much brighter neighbours subtracted (default true). */
  subtractNeighbours?: boolean;
  /** Refit with each column's shape fixed to its sublattice's local median (default true). */
  sharedShape?: boolean;
  /** How A and B are told apart (default "geometry"). */
  sublatticeRule?: SublatticeRule;
  /** Whether A columns are the brighter ones (default true). */
  aBrighter?: boolean;
  /** Which A neighbours define a B column's centre (default "auto"). */
  neighbours?: NeighbourRule;
}

/** Atom columns found in an image, columnar. */
export interface AtomColumns extends RefinedColumns {
  /** 0 = A, 1 = B. */
  sublattice: Uint8Array;
  /** Filter response at detection. */
  response: Float64Array;
}

/** Everything the atom stage found. */
export interface AtomResult {
  /** The columns. */
  columns: AtomColumns;
  /** Polarisation of each B column. */
  polarization: Polarization;
  /** The lattice used (from the spectrum, or built from `spacing`). */
  lattice: LatticeEstimate | { period: number };
  /** Median nearest-neighbour distance between columns, px. */
  nnDistance: number;
  /** Laplacian-of-Gaussian sigma used, px. */
  sigma: number;
  /** Fit window radius used, px. */
  windowRadius: number;
}

/** Find, refine and classify the atom columns of `image` and compute the polarisation. */
export function findAtoms(image: Image, options: FindAtomsOptions = {}): AtomResult {
  if (image.width < 16 || image.height < 16) {
    throw new UserError(
      "",
      `image is ${image.width} x ${image.height} px; atoms needs at least 16 x 16`,
    );
  }
  let lattice: LatticeEstimate | { period: number } | undefined = options.spacing
    ? { period: options.spacing }
    : estimateLattice(image);
  if (!lattice) {
    throw new UserError(
      "",
      "found no crystal lattice in the image's power spectrum; give the lattice period with --spacing",
    );
  }
  const period = lattice.period;
  const sigma = options.sigma ?? 0.12 * period;
  const peaks = findPeaks(image, {
    sigma,
    minDistance: 0.3 * period,
    noiseThreshold: options.noiseThreshold,
    relativeThreshold: options.relativeThreshold,
  });
  if (peaks.x.length < 3) {
    throw new UserError(
      "",
      `found only ${peaks.x.length} atom columns; is this an atomic-resolution image?`,
    );
  }
  const nnDistance = nearestNeighbourDistance(peaks.x, peaks.y);
  const windowRadius = Math.max(1.5, (options.window ?? 0.5) * nnDistance);
  const sharedShape = options.sharedShape ?? true;
  const subtract = options.subtractNeighbours ?? true;
  // With the shape pass to come, that pass subtracts the neighbours.
  const refined = refineColumns(image, peaks, {
    radius: windowRadius,
    sigma,
    subtractNeighbours: subtract,
  });
  const keep = dropDuplicates(refined, peaks.response, 0.35 * nnDistance);
  let kept = copyColumns(refined, keep);
  const finalNn = nearestNeighbourDistance(kept.x, kept.y);
  const sublattice = assignSublattices(
    { x: kept.x, y: kept.y, intensity: kept.amplitude },
    { nnDistance: finalNn, rule: options.sublatticeRule, aBrighter: options.aBrighter },
  );
  if (sharedShape) {
    kept = refitWithLocalShape(image, kept, sublattice, {
      radius: windowRadius,
      sigma,
      shapeRadius: 2.5 * period,
      subtractNeighbours: subtract,
    });
  }
  const columns: AtomColumns = {
    ...kept,
    sublattice,
    response: Float64Array.from(keep, (k) => peaks.response[k]),
  };
  const polarization = computePolarization(columns, { neighbours: options.neighbours });
  lattice = lattice ?? { period };
  return { columns, polarization, lattice, nnDistance: finalNn, sigma, windowRadius };
}

/** Median distance from each point to its nearest other point. */
export function nearestNeighbourDistance(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const index = new KDBush(n);
  for (let k = 0; k < n; k++) index.add(xs[k], ys[k]);
  index.finish();
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let k = 0; k < n; k++) {
    x0 = Math.min(x0, xs[k]);
    x1 = Math.max(x1, xs[k]);
    y0 = Math.min(y0, ys[k]);
    y1 = Math.max(y1, ys[k]);
  }
  const start = Math.sqrt(Math.max((x1 - x0) * (y1 - y0), 1) / n);
  const nearest: number[] = [];
  for (let k = 0; k < n; k++) {
    for (let r = start; r < 1e7; r *= 2) {
      let best = Infinity;
      for (const j of index.within(xs[k], ys[k], r)) {
        if (j !== k) best = Math.min(best, Math.hypot(xs[j] - xs[k], ys[j] - ys[k]));
      }
      if (best < Infinity) {
        nearest.push(best);
        break;
      }
    }
  }
  return median(nearest);
}

/** Indices to keep when refinement made two detections converge on one column. */
function dropDuplicates(
  cols: RefinedColumns,
  response: Float64Array,
  minDistance: number,
): number[] {
  const n = cols.x.length;
  const order = Array.from({ length: n }, (_, k) => k).sort((p, q) =>
    (cols.fitOk[q] - cols.fitOk[p]) || (response[q] - response[p])
  );
  const index = new KDBush(Math.max(n, 1));
  for (let k = 0; k < n; k++) index.add(cols.x[k], cols.y[k]);
  index.finish();
  const dropped = new Uint8Array(n);
  for (const k of order) {
    if (dropped[k]) continue;
    for (const j of index.within(cols.x[k], cols.y[k], minDistance)) if (j !== k) dropped[j] = 1;
  }
  return Array.from({ length: n }, (_, k) => k).filter((k) => !dropped[k]);
}
