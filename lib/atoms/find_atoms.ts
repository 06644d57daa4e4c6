/**
 * The whole atom stage on one image: lattice from the power spectrum,
 * columns by Laplacian-of-Gaussian (on the image, then on the residual once
 * the columns found are subtracted, then at the centres of squares of A
 * columns), refinement by Gaussian fits, A/B sublattices and the
 * polarisation of each B column.
 *
 * References: Laplacian-of-Gaussian detection, T. Lindeberg, Int. J. Comput.
 * Vision 30, 79-116 (1998), doi:10.1023/A:1008045108935; Levenberg-Marquardt
 * fitting, K. Levenberg, Q. Appl. Math. 2, 164-168 (1944),
 * doi:10.1090/qam/10666, and D. W. Marquardt, J. SIAM 11, 431-441 (1963),
 * doi:10.1137/0111030.
 *
 * @module
 */

import { UserError } from "../errors.ts";
import type { Image } from "../image.ts";
import {
  columnsPerCell,
  dropDuplicates,
  nearestNeighbourDistance,
  symmetricSites,
} from "./_column_geometry.ts";
import { findPeaks, type PeakDetection, type Peaks } from "./detect.ts";
import { computePolarization, type NeighbourRule, type Polarization } from "./polarization.ts";
import {
  concatColumns,
  copyColumns,
  fitColumns,
  type RefinedColumns,
  refitDimColumns,
  refitWithLocalShape,
  renderColumns,
} from "./refine.ts";
import { rescuePeaks, squareCentres } from "./_rescue.ts";
import { estimateRowShift, meanRowShift } from "./row_jitter.ts";
import { estimateLattice, type LatticeEstimate } from "./spacing.ts";
import { A, assignSublattices, type SublatticeRule } from "./sublattice.ts";

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
  /** Look again, with a lower threshold, at the centres of squares of A columns (default true). */
  rescue?: boolean;
  /** Threshold of that second look, in filtered-noise standard deviations (default 2). */
  rescueThreshold?: number;
  /** Refit with each column's shape fixed to its sublattice's local median (default true). */
  sharedShape?: boolean;
  /** How A and B are told apart (default "geometry"). */
  sublatticeRule?: SublatticeRule;
  /** Whether A columns are the brighter ones (default true). */
  aBrighter?: boolean;
  /** Which A neighbours define a B column's centre (default "auto"). */
  neighbours?: NeighbourRule;
  /**
   * Estimate the random x offset of each image row (fast-scan flyback
   * jitter) from the lattice and refit the columns with it removed
   * (default true). Smooth scan distortion stays in the positions.
   */
  rowJitter?: boolean;
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
  /** Columns added by the second look at the centres of A squares. */
  rescued: number;
  /**
   * Columns per primitive cell of the lattice, counted away from the image
   * border (about 2 for a perovskite showing both cation columns; NaN when
   * the period was given instead of measured). Below 1.4 every column is
   * called A: the sublattices cannot be told apart.
   */
  columnsPerCell: number;
  /**
   * Estimated x offset of each image row, px (row-to-row jitter only; all
   * zero when `rowJitter` is false): pixel x of row y shows what a
   * jitter-free scan shows at x + rowShift[y]. Reported positions are in
   * that jitter-free frame.
   */
  rowShift: Float64Array;
}

/**
 * Find, refine and classify the atom columns of `image` and compute the polarisation.
 *
 * @example
 * ```ts
 * import { findAtoms } from "./find_atoms.ts";
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image, truth } = generateHaadf({ seed: 1, width: 96, height: 96 });
 * const atoms = findAtoms(image);
 * const found = atoms.columns.x.length;
 * if (Math.abs(found - truth.x.length) > 0.2 * truth.x.length) throw new Error(`${found} columns`);
 * if (Math.abs(atoms.lattice.period - 14.7) > 0.5) throw new Error("the generator's 14.7 px period");
 * ```
 */
export function findAtoms(image: Image, options: FindAtomsOptions = {}): AtomResult {
  if (image.width < 16 || image.height < 16) {
    throw new UserError(
      "",
      `image is ${image.width} x ${image.height} px; atoms needs at least 16 x 16`,
    );
  }
  const lattice: LatticeEstimate | { period: number } | undefined = options.spacing
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
  const detection = detectColumns(image, lattice, sigma, options);
  const peaks = detection.peaks;
  const nnDistance = nearestNeighbourDistance(peaks.x, peaks.y);
  const windowRadius = Math.max(1.5, (options.window ?? 0.5) * nnDistance);
  const subtract = options.subtractNeighbours ?? true;
  const fit = { radius: windowRadius, sigma };
  let refined = fitColumns(image, peaks, fit);
  if (subtract) refined = refitDimColumns(image, refined, peaks, fit);
  const keep = dropDuplicates(refined, peaks.response, 0.35 * nnDistance);
  let kept = copyColumns(refined, keep);
  let response = Float64Array.from(keep, (k) => peaks.response[k]);
  const finalNn = nearestNeighbourDistance(kept.x, kept.y);
  const classify = () =>
    assignSublattices(
      { x: kept.x, y: kept.y, intensity: kept.amplitude },
      { nnDistance: finalNn, rule: options.sublatticeRule, aBrighter: options.aBrighter },
    );
  let perCell = "vectors" in lattice ? columnsPerCell(kept, lattice, image) : NaN;
  // One column per primitive cell: a single sublattice (or two that look alike).
  const single = perCell < 1.4;
  let sublattice = single ? new Uint8Array(kept.x.length) : classify();
  let rescued = 0;
  if (!single && (options.rescue ?? true)) {
    const extra = rescueAtSquareCentres(kept, sublattice, finalNn, detection, options);
    if (extra.x.length) {
      response = Float64Array.from([...response, ...extra.response]);
      kept = fitRescued(image, kept, extra, response, fit);
      sublattice = classify();
      rescued = extra.x.length;
      if ("vectors" in lattice) perCell = columnsPerCell(kept, lattice, image);
    }
  }
  const rowShift = (options.rowJitter ?? true)
    ? estimateRowShift({ ...kept, sublattice }, image.height, { period })
    : new Float64Array(image.height);
  if (options.sharedShape ?? true) {
    kept = refitWithLocalShape(image, kept, sublattice, response, {
      ...fit,
      shapeRadius: 2.5 * period,
      subtractNeighbours: subtract,
      rowShift,
    });
    // A refit may walk a spurious detection onto a real column: keep one.
    const unique = dropDuplicates(kept, response, 0.35 * finalNn);
    if (unique.length < kept.x.length) {
      kept = copyColumns(kept, unique);
      response = Float64Array.from(unique, (k) => response[k]);
      sublattice = Uint8Array.from(unique, (k) => sublattice[k]);
    }
  } else {
    // No refit: move each column by the mean offset of the rows it spans.
    for (let k = 0; k < kept.x.length; k++) kept.x[k] += meanRowShift(rowShift, kept.y[k], period);
  }
  const columns: AtomColumns = { ...kept, sublattice, response };
  const polarization = computePolarization(columns, { neighbours: options.neighbours });
  return {
    columns,
    polarization,
    lattice,
    nnDistance: finalNn,
    sigma,
    windowRadius,
    rescued,
    columnsPerCell: perCell,
    rowShift,
  };
}

/**
 * Column candidates: peaks of the image's filter response, then, when
 * fewer than two columns per lattice cell turned up, peaks of the residual
 * once Gaussians fitted to those are subtracted. A dim column whose bright
 * neighbours' negative filter lobes cancel its own response (a dense
 * lattice, B at 12 % of A) shows up in the residual.
 */
function detectColumns(
  image: Image,
  lattice: LatticeEstimate | { period: number },
  sigma: number,
  options: FindAtomsOptions,
): { peaks: Peaks; residual: PeakDetection } {
  const period = lattice.period;
  const detect = {
    sigma,
    minDistance: 0.3 * period,
    noiseThreshold: options.noiseThreshold,
    relativeThreshold: options.relativeThreshold,
  };
  const first = findPeaks(image, detect);
  if (first.x.length < 3) {
    throw new UserError(
      "",
      `found only ${first.x.length} atom columns; is this an atomic-resolution image?`,
    );
  }
  // Two columns per cell or more: nothing is hidden (and a residual would only show
  // the faint oxygen columns of some projections). Fewer: look at the residual.
  const perCell = "vectors" in lattice ? columnsPerCell(first, lattice, image) : NaN;
  if (perCell >= 1.8) return { peaks: first, residual: first };
  const radius = Math.max(1.5, 0.5 * nearestNeighbourDistance(first.x, first.y));
  const models = fitColumns(image, first, { radius, sigma }).models;
  const rendered = renderColumns(models, image);
  const data = Float32Array.from(image.data, (v, i) => v - rendered[i]);
  const residual = findPeaks({ data, width: image.width, height: image.height }, {
    ...detect,
    // Everywhere in the image, and after a subtraction: ask for a little more evidence.
    noiseThreshold: (options.noiseThreshold ?? 3.5) + 1,
    known: first,
    // A column's fitted Gaussian leaves a faint ring in the residual (the probe is not
    // quite Gaussian); nothing new is looked for that close to a column found already.
    knownDistance: 0.45 * period,
  });
  // Only where the columns found make a centrosymmetric site: a column hidden by its
  // neighbours' filter lobes sits at such a site, noise and filtering artefacts do not.
  const site = symmetricSites(residual, first);
  const peaks = {
    x: Float64Array.from([...first.x, ...residual.x.filter((_, k) => site[k])]),
    y: Float64Array.from([...first.y, ...residual.y.filter((_, k) => site[k])]),
    response: Float64Array.from([
      ...first.response,
      ...residual.response.filter((_, k) => site[k]),
    ]),
  };
  return { peaks, residual };
}

/**
 * `kept` followed by the rescued columns `extra`, fitted with their much
 * brighter neighbours subtracted (`response` covers both). One whose fit
 * fails, or ends more than half a window from where it was found, stays
 * there: between four much brighter columns its centre of mass and a free
 * fit slide onto one of them.
 */
function fitRescued(
  image: Image,
  kept: RefinedColumns,
  extra: Peaks,
  response: Float64Array,
  fit: { radius: number; sigma: number },
): RefinedColumns {
  const n = kept.x.length;
  const starts = {
    x: Float64Array.from([...kept.x, ...extra.x]),
    y: Float64Array.from([...kept.y, ...extra.y]),
    response,
  };
  const joined = concatColumns(kept, fitColumns(image, extra, fit));
  const out = refitDimColumns(image, joined, starts, { ...fit, from: n });
  for (let k = n; k < out.x.length; k++) {
    const [sx, sy] = [starts.x[k], starts.y[k]];
    if (out.fitOk[k] && Math.hypot(out.x[k] - sx, out.y[k] - sy) <= 0.5 * fit.radius) continue;
    out.fitOk[k] = 0;
    out.x[k] = sx;
    out.y[k] = sy;
    out.models[k] = { ...out.models[k], x: sx, y: sy };
  }
  return out;
}

/**
 * The second look: at the centres of squares of A columns ([001]
 * perovskite) where no column was found, a weaker residual response is
 * enough.
 */
function rescueAtSquareCentres(
  columns: RefinedColumns,
  sublattice: Uint8Array,
  nnDistance: number,
  detection: { residual: PeakDetection },
  options: FindAtomsOptions,
): Peaks {
  const ax = columns.x.filter((_, k) => sublattice[k] === A);
  const ay = columns.y.filter((_, k) => sublattice[k] === A);
  const side = nearestNeighbourDistance(ax, ay);
  if (!(side > 1.25 * nnDistance && side < 1.6 * nnDistance)) {
    return { x: new Float64Array(0), y: new Float64Array(0), response: new Float64Array(0) };
  }
  const { residual } = detection;
  return rescuePeaks(residual.responseMap, squareCentres(ax, ay, side), columns, {
    emptyRadius: 0.4 * nnDistance,
    searchRadius: 0.25 * nnDistance,
    threshold: (options.rescueThreshold ?? 2) * residual.noise,
  });
}
