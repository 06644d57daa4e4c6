/**
 * How far to trust each refined column position and each polarisation
 * vector: the standard error of a column's centre from its least-squares
 * fit, with the image's own noise measured from the fit residuals.
 *
 * The noise is modelled as counting noise plus a floor, variance =
 * `offset + gain · μ` for a pixel of expected value μ (Poisson shot noise
 * in any unit of counts, plus read noise), fitted to the residuals of all
 * columns' windows binned by μ (robust: median absolute deviations, so a
 * column's small misfit barely counts). Noise correlated between
 * neighbouring pixels (filtered or binned data, probe jitter within a
 * dwell) is measured as the residuals' autocorrelation up to `maxLag`
 * pixels. The fit is unweighted least squares, so each centre's covariance
 * is the sandwich (JᵀJ)⁻¹ JᵀVJ (JᵀJ)⁻¹ with J the Gaussian model's Jacobian
 * (amplitude, centre, background) and V the modelled pixel covariance —
 * the Cramér-Rao bound's information, for the estimator actually used
 * (den Dekker et al., Ultramicroscopy 104, 83 (2005),
 * doi:10.1016/j.ultramic.2005.02.003). A column kept at its centre of mass
 * (failed fit) gets the centre of mass's own error.
 *
 * A polarisation vector is the B column minus the mean of its m A
 * neighbours, so each component's variance is that of the B column plus
 * 1/m² times the sum of the A columns' (independent fits).
 *
 * @module
 */

import { KDBush } from "../deps.ts";
import type { Grid } from "./filters.ts";
import type { GaussianParams } from "./gaussian_fit.ts";
import type { Polarization } from "./polarization.ts";
import type { RefinedColumns } from "./refine.ts";
import { median } from "../math.ts";

/** The image's noise as measured from the fit residuals. */
export interface NoiseModel {
  /** Variance of a pixel of expected value 0 (read noise², in image units²). */
  offset: number;
  /** Variance per unit expected value (1 for Poisson noise in counts). */
  gain: number;
  /** Largest pixel lag whose correlation is measured. */
  maxLag: number;
  /**
   * Residual correlation at lag (dx, dy), dx, dy in [−maxLag, maxLag]:
   * entry `(dy + maxLag) * (2 maxLag + 1) + dx + maxLag` (1 at lag 0).
   */
  correlation: Float64Array;
  /** Pixels the model was measured on. */
  pixels: number;
}

/** Options for {@linkcode positionUncertainty}. */
export interface UncertaintyOptions {
  /** Fit window radius the columns were refined with, px. */
  radius: number;
  /** x offset of each image row the columns were refined with (see `findAtoms`' `rowShift`). */
  rowShift?: Float64Array;
  /** Largest pixel lag of measured noise correlation (default 2; 0 assumes white noise). */
  maxLag?: number;
  /**
   * Sublattice of each column (0 = A, 1 = B): with it, scan noise shared by
   * the columns on the same image rows is measured on the A sublattice and
   * added (see {@linkcode rowNoise}); without it, none is.
   */
  sublattice?: ArrayLike<number>;
}

/** Standard errors of the column centres. */
export interface PositionUncertainty {
  /** Standard error of each x, px. */
  xErr: Float64Array;
  /** Standard error of each y, px. */
  yErr: Float64Array;
  /** The noise measured on the image. */
  noise: NoiseModel;
  /**
   * Scan noise shared by columns on the same image rows, px per axis (its
   * variance is included in `xErr`, `yErr`): residual row jitter along x,
   * at most the jitter the correction found; zero when not measured.
   */
  rowNoise: RowNoise;
  /** The errors from the pixel noise alone (without `rowNoise`), px. */
  pixelXErr: Float64Array;
  /** y counterpart of `pixelXErr`. */
  pixelYErr: Float64Array;
  /** y of each column, px (to correlate the row noise of two columns). */
  y: Float64Array;
}

/**
 * Scan noise shared by the columns on the same image rows: fast-scan
 * (flyback) jitter left after the row-jitter correction, and line-to-line
 * noise along y. Its standard deviation per column, px, along each axis,
 * and how far apart (rows) two columns may be and still share it: the
 * error of two columns at a row distance Δy correlates as
 * exp(−Δy² / (4 span²)).
 */
export interface RowNoise {
  /** Standard deviation along x, px. */
  x: number;
  /** Standard deviation along y, px. */
  y: number;
  /** Row span of a column (its median fitted sigma along y), px. */
  span: number;
  /** Pairs of columns it was measured on. */
  pairs: number;
  /** As measured, before the limits `positionUncertainty` applies (x at most the row jitter found; y not counted). */
  measured?: { x: number; y: number };
}

/**
 * Standard errors of the refined column positions of `columns` (as
 * `findAtoms` returns them) on `image`.
 *
 * @example
 * ```ts
 * import { positionUncertainty } from "./uncertainty.ts";
 * import { findAtoms } from "./find_atoms.ts";
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image } = generateHaadf({ seed: 1, width: 96, height: 96 });
 * const r = findAtoms(image);
 * const { xErr } = positionUncertainty(image, r.columns, {
 *   radius: r.windowRadius,
 *   rowShift: r.rowShift,
 * });
 * if (!(xErr[0] > 0 && xErr[0] < 1)) throw new Error(`a fraction of a pixel: ${xErr[0]}`);
 * ```
 */
export function positionUncertainty(
  image: Grid,
  columns: RefinedColumns,
  options: UncertaintyOptions,
): PositionUncertainty {
  const { width, height } = image;
  const radius = options.radius;
  const shift = options.rowShift ?? new Float64Array(height);
  const maxLag = Math.max(0, Math.round(options.maxLag ?? 2));
  const n = columns.x.length;
  const model = renderModels(columns.models, image, shift);
  // Each pixel near a column belongs to its nearest column (that column's background).
  const owner = new Int32Array(width * height).fill(-1);
  const ownerDistance = new Float64Array(width * height).fill(Infinity);
  forWindow(columns.x, columns.y, radius, image, shift, (k, i, d) => {
    if (d < ownerDistance[i]) {
      ownerDistance[i] = d;
      owner[i] = k;
    }
  });
  const mu = new Float64Array(width * height).fill(NaN);
  const residual = new Float64Array(width * height).fill(NaN);
  for (let i = 0; i < owner.length; i++) {
    const k = owner[i];
    if (k < 0 || !columns.fitOk[k]) continue;
    mu[i] = columns.background[k] + model[i];
    residual[i] = image.data[i] - mu[i];
  }
  removeMeanMisfit(residual, owner, columns, options.sublattice, radius, width);
  removeRowShifts(residual, owner, columns, radius, image, shift);
  const noise = measureNoise(mu, residual, width, maxLag);
  const variance = (m: number) => Math.max(noise.offset + noise.gain * Math.max(m, 0), 1e-30);

  const xErr = new Float64Array(n).fill(NaN);
  const yErr = new Float64Array(n).fill(NaN);
  const side = 2 * Math.ceil(radius) + 3;
  const jac = new Float64Array(side * side * 4);
  const sd = new Float64Array(side * side);
  const used = new Uint8Array(side * side);
  const L = maxLag;
  const span = 2 * L + 1;
  for (let k = 0; k < n; k++) {
    const cx = columns.x[k];
    const cy = columns.y[k];
    const gx0 = Math.floor(cx) - Math.ceil(radius) - 1;
    const gy0 = Math.floor(cy) - Math.ceil(radius) - 1;
    used.fill(0);
    const p = columns.models[k];
    const fit = columns.fitOk[k] === 1;
    // Centre of mass (failed fit): weights above the window minimum.
    let lo = Infinity;
    if (!fit) {
      forPixels(cx, cy, radius, image, shift, (i) => lo = Math.min(lo, image.data[i]));
    }
    let comW = 0;
    let comXX = 0;
    let comYY = 0;
    forPixels(cx, cy, radius, image, shift, (i, x, y) => {
      const gx = Math.round(x - shift[y]) - gx0;
      const gy = y - gy0;
      if (gx < 0 || gy < 0 || gx >= side || gy >= side) return;
      const g = gy * side + gx;
      const m = Number.isFinite(mu[i]) ? mu[i] : image.data[i];
      sd[g] = Math.sqrt(variance(m));
      used[g] = 1;
      if (fit) {
        const dx = x - p.x;
        const dy = y - p.y;
        const e = Math.exp(-0.5 * (p.a * dx * dx + 2 * p.b * dx * dy + p.c * dy * dy));
        jac[4 * g] = e;
        jac[4 * g + 1] = p.amplitude * e * (p.a * dx + p.b * dy);
        jac[4 * g + 2] = p.amplitude * e * (p.b * dx + p.c * dy);
        jac[4 * g + 3] = 1;
      } else {
        const w = image.data[i] - lo;
        comW += w;
        comXX += (x - cx) ** 2 * sd[g] ** 2;
        comYY += (y - cy) ** 2 * sd[g] ** 2;
      }
    });
    if (!fit) {
      if (comW > 0) {
        xErr[k] = Math.sqrt(comXX) / comW;
        yErr[k] = Math.sqrt(comYY) / comW;
      }
      continue;
    }
    const a = new Float64Array(16);
    const b = new Float64Array(16);
    for (let g = 0; g < side * side; g++) {
      if (!used[g]) continue;
      const gx = g % side;
      const gy = (g - gx) / side;
      for (let r = 0; r < 4; r++) {
        for (let c = 0; c < 4; c++) a[r * 4 + c] += jac[4 * g + r] * jac[4 * g + c];
      }
      for (let ly = -L; ly <= L; ly++) {
        const hy = gy + ly;
        if (hy < 0 || hy >= side) continue;
        for (let lx = -L; lx <= L; lx++) {
          const hx = gx + lx;
          if (hx < 0 || hx >= side) continue;
          const h = hy * side + hx;
          if (!used[h]) continue;
          const rho = noise.correlation[(ly + L) * span + lx + L];
          if (rho === 0) continue;
          const w = rho * sd[g] * sd[h];
          for (let r = 0; r < 4; r++) {
            const jr = jac[4 * g + r] * w;
            for (let c = 0; c < 4; c++) b[r * 4 + c] += jr * jac[4 * h + c];
          }
        }
      }
    }
    const inv = invert4(a);
    if (!inv) continue;
    const cov = sandwich(inv, b);
    xErr[k] = Math.sqrt(Math.max(cov[5], 0));
    yErr[k] = Math.sqrt(Math.max(cov[10], 0));
  }
  const pixelXErr = Float64Array.from(xErr);
  const pixelYErr = Float64Array.from(yErr);
  const measured = options.sublattice
    ? rowNoise(columns, options.sublattice)
    : { x: 0, y: 0, span: 1, pairs: 0 };
  // Counted: what is left of the row jitter, along x, at most the jitter the
  // correction found. Films are layered along the rows, and a layer's own
  // structure correlates along a row much as scan noise does: what exceeds
  // the jitter, and anything along y, is left to the cell-to-cell scatter
  // (`neighbourScatter`) rather than called noise.
  const jitterRms = Math.sqrt(shift.reduce((s, v) => s + v * v, 0) / Math.max(shift.length, 1));
  // The comparisons the correction was fitted to understate what it left
  // (it fits them): the error left is at least that of an estimate which
  // correlates 0.8 with the column-averaged jitter (bench atoms), i.e. 0.75
  // times the size of the correction each column received.
  const corrections: number[] = [];
  for (let k = 0; k < n; k++) {
    let sw = 0;
    let sv = 0;
    const y0 = Math.max(0, Math.floor(columns.y[k] - 3 * measured.span));
    const y1 = Math.min(height - 1, Math.ceil(columns.y[k] + 3 * measured.span));
    for (let y = y0; y <= y1; y++) {
      const w = Math.exp(-0.5 * ((y - columns.y[k]) / measured.span) ** 2);
      sw += w;
      sv += w * shift[y];
    }
    if (sw > 0) corrections.push(sv / sw);
  }
  const correctionRms = Math.sqrt(
    corrections.reduce((s, v) => s + v * v, 0) / Math.max(corrections.length, 1),
  );
  const rows: RowNoise = {
    ...measured,
    x: Math.min(Math.max(measured.x, 0.75 * correctionRms), jitterRms),
    y: 0,
    measured: { x: measured.x, y: measured.y },
  };
  for (let k = 0; k < n; k++) {
    xErr[k] = Math.hypot(xErr[k], rows.x);
    yErr[k] = Math.hypot(yErr[k], rows.y);
  }
  return {
    xErr,
    yErr,
    noise,
    rowNoise: rows,
    pixelXErr,
    pixelYErr,
    y: Float64Array.from(columns.y),
  };
}

/**
 * Measure {@linkcode RowNoise} on the A sublattice. Each A column is
 * compared with the mean of a pair of A neighbours mirrored through it
 * (from other rows): the comparison cancels the lattice, any smooth
 * distortion and strain, and holds the column's errors and static
 * disorder. Two such comparisons that share no column are independent —
 * pixel noise and static disorder are independent between columns —
 * except for noise shared by image rows; so the covariance of the
 * comparisons of nearby columns on nearly the same rows, against the
 * covariance their row distances predict, gives its variance. Measuring
 * it from the data keeps it honest for residual row jitter (synthetic
 * and real) and for line-to-line noise along y, which the row-jitter
 * correction does not touch.
 */
export function rowNoise(
  columns: { x: ArrayLike<number>; y: ArrayLike<number>; sigmaY: ArrayLike<number> },
  sublattice: ArrayLike<number>,
): RowNoise {
  const aIdx: number[] = [];
  for (let k = 0; k < columns.x.length; k++) if (sublattice[k] === 0) aIdx.push(k);
  const span = median(aIdx.map((k) => columns.sigmaY[k]).filter(Number.isFinite)) || 1;
  const none = { x: 0, y: 0, span, pairs: 0 };
  if (aIdx.length < 16) return none;
  const index = new KDBush(aIdx.length);
  for (const k of aIdx) index.add(columns.x[k], columns.y[k]);
  index.finish();
  const xs = (m: number) => columns.x[aIdx[m]];
  const ys = (m: number) => columns.y[aIdx[m]];
  const nn = median(
    aIdx.map((_, m) => {
      const near = index.within(xs(m), ys(m), 4 * span + 50).filter((q) => q !== m)
        .map((q) => Math.hypot(xs(q) - xs(m), ys(q) - ys(m)));
      return near.length ? Math.min(...near) : NaN;
    }).filter(Number.isFinite),
  );
  if (!(nn > 0)) return none;
  // For each A column the most vertical mirror pair from other rows.
  const partners: ([number, number] | undefined)[] = new Array(aIdx.length);
  const cx = new Float64Array(aIdx.length).fill(NaN);
  const cy = new Float64Array(aIdx.length).fill(NaN);
  for (let m = 0; m < aIdx.length; m++) {
    const near = index.within(xs(m), ys(m), 1.5 * nn).filter((q) => q !== m);
    let best: [number, number] | undefined;
    let bestRise = 0;
    for (let p = 0; p < near.length; p++) {
      for (let q = p + 1; q < near.length; q++) {
        const i = near[p];
        const j = near[q];
        const mx = 0.5 * (xs(i) + xs(j)) - xs(m);
        const my = 0.5 * (ys(i) + ys(j)) - ys(m);
        if (Math.hypot(mx, my) > 0.25 * nn) continue;
        const rise = Math.abs(ys(i) - ys(j));
        if (rise > bestRise && Math.abs(ys(i) - ys(m)) > 2 * span) {
          best = [i, j];
          bestRise = rise;
        }
      }
    }
    if (!best) continue;
    partners[m] = best;
    cx[m] = xs(m) - 0.5 * (xs(best[0]) + xs(best[1]));
    cy[m] = ys(m) - 0.5 * (ys(best[0]) + ys(best[1]));
  }
  const rho = (dy: number) => Math.exp(-(dy * dy) / (4 * span * span));
  // Robust scale of the comparisons, to leave out defects.
  const finite = Array.from(cx).filter(Number.isFinite);
  const scaleX = 1.4826 * median(finite.map((v) => Math.abs(v - median(finite))));
  const finiteY = Array.from(cy).filter(Number.isFinite);
  const scaleY = 1.4826 * median(finiteY.map((v) => Math.abs(v - median(finiteY))));
  let sxx = 0;
  let syy = 0;
  let ff = 0;
  let pairs = 0;
  for (let m = 0; m < aIdx.length; m++) {
    const pm = partners[m];
    if (!pm || Math.abs(cx[m]) > 5 * scaleX || Math.abs(cy[m]) > 5 * scaleY) continue;
    const setM = [m, pm[0], pm[1]];
    // Nearest column on nearly the same rows whose comparison shares no column.
    let partner = -1;
    let bestD = Infinity;
    for (const l of index.within(xs(m), ys(m), 4 * nn)) {
      const pl = partners[l];
      if (l === m || !pl || Math.abs(ys(l) - ys(m)) > 0.5 * span) continue;
      if (Math.abs(cx[l]) > 5 * scaleX || Math.abs(cy[l]) > 5 * scaleY) continue;
      if ([l, pl[0], pl[1]].some((v) => setM.includes(v))) continue;
      const d = Math.abs(xs(l) - xs(m));
      if (d < bestD) [bestD, partner] = [d, l];
    }
    if (partner < 0) continue;
    const pl = partners[partner]!;
    const wa = [1, -0.5, -0.5];
    const ya = setM.map(ys);
    const yb = [partner, pl[0], pl[1]].map(ys);
    let f = 0;
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) f += wa[a] * wa[b] * rho(ya[a] - yb[b]);
    }
    sxx += f * cx[m] * cx[partner];
    syy += f * cy[m] * cy[partner];
    ff += f * f;
    pairs++;
  }
  if (pairs < 10 || !(ff > 0)) return { ...none, pairs };
  return {
    x: Math.sqrt(Math.max(sxx / ff, 0)),
    y: Math.sqrt(Math.max(syy / ff, 0)),
    span,
    pairs,
  };
}

/** Standard errors of the polarisation vectors. */
export interface PolarizationUncertainty {
  /** Standard error of px, px (NaN where the vector is flagged). */
  pxErr: Float64Array;
  /** Standard error of py, px. */
  pyErr: Float64Array;
  /** One standard error for both components: √((σx² + σy²)/2), px — `p_err` of polarization.csv. */
  pErr: Float64Array;
  /** 1 when |p| > `threshold` · pErr. */
  significant: Uint8Array;
  /** The threshold used, in standard errors. */
  threshold: number;
}

/**
 * Standard errors of each polarisation vector from those of its B column
 * and its A neighbours, and which vectors are significant (|p| above
 * `threshold` standard errors, default 3: a vector of pure noise passes
 * with probability e^(−t²/2) = 1.1 %).
 *
 * @example
 * ```ts
 * import { polarizationUncertainty, positionUncertainty } from "./uncertainty.ts";
 * import { findAtoms } from "./find_atoms.ts";
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image } = generateHaadf({ seed: 1, width: 96, height: 96 });
 * const r = findAtoms(image);
 * const errors = positionUncertainty(image, r.columns, { radius: r.windowRadius });
 * const { pErr } = polarizationUncertainty(r.polarization, errors);
 * if (pErr.length !== r.polarization.px.length) throw new Error("one error per B column");
 * ```
 */
export function polarizationUncertainty(
  polarization: Polarization,
  errors: PositionUncertainty,
  options: { threshold?: number } = {},
): PolarizationUncertainty {
  const threshold = options.threshold ?? 3;
  const nb = polarization.x.length;
  const pxErr = new Float64Array(nb).fill(NaN);
  const pyErr = new Float64Array(nb).fill(NaN);
  const pErr = new Float64Array(nb).fill(NaN);
  const significant = new Uint8Array(nb);
  const want = polarization.rule === "four" ? 4 : 2;
  for (let j = 0; j < nb; j++) {
    if (!Number.isFinite(polarization.px[j])) continue;
    const members = [polarization.column[j]];
    const weights = [1];
    for (let m = 0; m < want; m++) {
      members.push(polarization.neighbours[4 * j + m]);
      weights.push(-1 / want);
    }
    const [vx, vy] = combinationVariance(members, weights, errors);
    pxErr[j] = Math.sqrt(vx);
    pyErr[j] = Math.sqrt(vy);
    pErr[j] = Math.sqrt(0.5 * (vx + vy));
    significant[j] = polarization.magnitude[j] > threshold * pErr[j] ? 1 : 0;
  }
  return { pxErr, pyErr, pErr, significant, threshold };
}

/**
 * Variances (x, y), px², of Σ weights[m] · position of column members[m]:
 * pixel noise independent between columns, row noise shared by columns on
 * nearly the same rows (two A neighbours of a B column often are). Used for
 * polarisation vectors and their averages.
 *
 * @example
 * ```ts
 * import { combinationVariance, positionUncertainty } from "./uncertainty.ts";
 * import { findAtoms } from "./find_atoms.ts";
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image } = generateHaadf({ seed: 1, width: 96, height: 96 });
 * const r = findAtoms(image);
 * const errors = positionUncertainty(image, r.columns, { radius: r.windowRadius });
 * const [vx] = combinationVariance([0, 1], [1, -1], errors); // the difference of two columns
 * const [v0] = combinationVariance([0], [1], errors);
 * if (!(vx > v0)) throw new Error("a difference is noisier than either column");
 * ```
 */
export function combinationVariance(
  members: ArrayLike<number>,
  weights: ArrayLike<number>,
  errors: PositionUncertainty,
): [number, number] {
  const rows = errors.rowNoise;
  const span = rows.span;
  let vx = 0;
  let vy = 0;
  let shared = 0;
  for (let m = 0; m < members.length; m++) {
    const c = members[m];
    vx += weights[m] ** 2 * errors.pixelXErr[c] ** 2;
    vy += weights[m] ** 2 * errors.pixelYErr[c] ** 2;
    if (rows.x === 0 && rows.y === 0) continue;
    for (let q = 0; q < members.length; q++) {
      const dy = errors.y[c] - errors.y[members[q]];
      shared += weights[m] * weights[q] * Math.exp(-(dy * dy) / (4 * span * span));
    }
  }
  return [vx + rows.x ** 2 * shared, vy + rows.y ** 2 * shared];
}

/**
 * Subtract from each residual the mean residual, per unit amplitude, of the
 * columns of its group at the same pixel offset from the centre: the
 * model's systematic misfit (a probe that is not quite Gaussian), which is
 * the same for every column of a sublattice and is not noise.
 */
function removeMeanMisfit(
  residual: Float64Array,
  owner: Int32Array,
  columns: RefinedColumns,
  groups: ArrayLike<number> | undefined,
  radius: number,
  width: number,
): void {
  const reach = Math.ceil(radius) + 1;
  const side = 2 * reach + 1;
  const sums = [new Float64Array(side * side), new Float64Array(side * side)];
  const counts = [new Float64Array(side * side), new Float64Array(side * side)];
  const cell = (i: number, k: number) => {
    const ox = Math.round((i % width) - columns.x[k]) + reach;
    const oy = Math.round(Math.floor(i / width) - columns.y[k]) + reach;
    return ox < 0 || oy < 0 || ox >= side || oy >= side ? -1 : oy * side + ox;
  };
  const group = (k: number) => (groups && groups[k] === 1 ? 1 : 0);
  for (let i = 0; i < residual.length; i++) {
    const k = owner[i];
    if (k < 0 || !Number.isFinite(residual[i]) || !(columns.amplitude[k] > 0)) continue;
    const c = cell(i, k);
    if (c < 0) continue;
    sums[group(k)][c] += residual[i] / columns.amplitude[k];
    counts[group(k)][c]++;
  }
  for (let i = 0; i < residual.length; i++) {
    const k = owner[i];
    if (k < 0 || !Number.isFinite(residual[i]) || !(columns.amplitude[k] > 0)) continue;
    const c = cell(i, k);
    const g = group(k);
    if (c < 0 || counts[g][c] < 10) continue;
    residual[i] -= (sums[g][c] / counts[g][c]) * columns.amplitude[k];
  }
}

/**
 * Within each column's window, take out of each row's residuals the part a
 * shift of that row along x and along y explains (the column's gradient),
 * scaling what is left up for the two degrees of freedom removed: a
 * row-shared shift (residual jitter, line noise) is measured as
 * {@linkcode RowNoise}, and counted once.
 */
function removeRowShifts(
  residual: Float64Array,
  owner: Int32Array,
  columns: RefinedColumns,
  radius: number,
  image: Grid,
  shift: Float64Array,
): void {
  const { width, height } = image;
  const idx: number[] = [];
  const gx: number[] = [];
  const gy: number[] = [];
  for (let k = 0; k < columns.x.length; k++) {
    if (!columns.fitOk[k]) continue;
    const p = columns.models[k];
    const y0 = Math.max(0, Math.ceil(p.y - radius));
    const y1 = Math.min(height - 1, Math.floor(p.y + radius));
    for (let y = y0; y <= y1; y++) {
      idx.length = 0;
      gx.length = 0;
      gy.length = 0;
      const x0 = Math.max(0, Math.ceil(p.x - radius - shift[y]));
      const x1 = Math.min(width - 1, Math.floor(p.x + radius - shift[y]));
      for (let ix = x0; ix <= x1; ix++) {
        const i = y * width + ix;
        if (owner[i] !== k || !Number.isFinite(residual[i])) continue;
        const dx = ix + shift[y] - p.x;
        const dy = y - p.y;
        const e = p.amplitude *
          Math.exp(-0.5 * (p.a * dx * dx + 2 * p.b * dx * dy + p.c * dy * dy));
        idx.push(i);
        gx.push(e * (p.a * dx + p.b * dy));
        gy.push(e * (p.b * dx + p.c * dy));
      }
      const m = idx.length;
      if (m < 4) {
        for (const i of idx) residual[i] = NaN;
        continue;
      }
      // Least squares of the row's residuals on (gx, gy).
      let sxx = 0, sxy = 0, syy = 0, rx = 0, ry = 0;
      for (let q = 0; q < m; q++) {
        const r = residual[idx[q]];
        sxx += gx[q] * gx[q];
        sxy += gx[q] * gy[q];
        syy += gy[q] * gy[q];
        rx += gx[q] * r;
        ry += gy[q] * r;
      }
      const det = sxx * syy - sxy * sxy;
      const ok = det > 1e-12 * (sxx * syy + 1e-300);
      const ex = ok ? (syy * rx - sxy * ry) / det : 0;
      const ey = ok ? (sxx * ry - sxy * rx) / det : 0;
      for (let q = 0; q < m; q++) {
        // Leverage of the pixel in that projection: its residual's variance
        // shrank by (1 − h).
        const h = ok
          ? (syy * gx[q] * gx[q] - 2 * sxy * gx[q] * gy[q] + sxx * gy[q] * gy[q]) / det
          : 0;
        residual[idx[q]] = (residual[idx[q]] - ex * gx[q] - ey * gy[q]) /
          Math.sqrt(Math.max(1 - h, 0.1));
      }
    }
  }
}

/** Noise model from residuals binned by expected value, and their lag correlations. */
function measureNoise(
  mu: Float64Array,
  residual: Float64Array,
  width: number,
  maxLag: number,
): NoiseModel {
  const idx: number[] = [];
  for (let i = 0; i < mu.length; i++) if (Number.isFinite(residual[i])) idx.push(i);
  idx.sort((p, q) => mu[p] - mu[q]);
  const bins = Math.max(1, Math.min(24, Math.floor(idx.length / 200)));
  const means: number[] = [];
  const vars: number[] = [];
  const counts: number[] = [];
  for (let b = 0; b < bins; b++) {
    const part = idx.slice(
      Math.floor((b * idx.length) / bins),
      Math.floor(((b + 1) * idx.length) / bins),
    );
    if (part.length < 20) continue;
    const r = part.map((i) => residual[i]);
    const mid = median(r);
    const mad = median(r.map((v) => Math.abs(v - mid)));
    means.push(part.reduce((s, i) => s + mu[i], 0) / part.length);
    vars.push((1.4826 * mad) ** 2);
    counts.push(part.length);
  }
  let [offset, gain] = fitLine(means, vars, counts);
  if (!(gain >= 0)) {
    gain = 0;
    offset = median(vars);
  } else if (!(offset >= 0)) {
    // Through the origin: pure counting noise.
    let sxy = 0, sxx = 0;
    for (let b = 0; b < means.length; b++) {
      const w = counts[b] / Math.max(vars[b], 1e-300) ** 2;
      sxy += w * means[b] * vars[b];
      sxx += w * means[b] * means[b];
    }
    offset = 0;
    gain = sxx > 0 ? Math.max(sxy / sxx, 0) : 0;
  }
  if (!(offset + gain > 0)) offset = Math.max(median(vars), 1e-30);
  const span = 2 * maxLag + 1;
  const correlation = new Float64Array(span * span);
  const sd = (i: number) => Math.sqrt(Math.max(offset + gain * Math.max(mu[i], 0), 1e-30));
  const reach = maxLag + 2;
  const wide = 2 * reach + 1;
  const sums = new Float64Array(wide * wide);
  const pairs = new Float64Array(wide * wide);
  for (const i of idx) {
    const zi = residual[i] / sd(i);
    const x = i % width;
    for (let ly = -reach; ly <= reach; ly++) {
      for (let lx = -reach; lx <= reach; lx++) {
        const xx = x + lx;
        if (xx < 0 || xx >= width) continue;
        const j = i + ly * width + lx;
        if (j < 0 || j >= mu.length || !Number.isFinite(residual[j])) continue;
        const e = (ly + reach) * wide + lx + reach;
        sums[e] += zi * residual[j] / sd(j);
        pairs[e]++;
      }
    }
  }
  const centre = reach * wide + reach;
  const zero = sums[centre] / Math.max(pairs[centre], 1);
  const rho = (lx: number, ly: number) => {
    const e = (ly + reach) * wide + lx + reach;
    const mirror = wide * wide - 1 - e;
    // Symmetrised (lag and −lag are the same pairs), relative to lag 0.
    return {
      r: (sums[e] + sums[mirror]) / Math.max(pairs[e] + pairs[mirror], 1) / zero,
      n: pairs[e] + pairs[mirror],
    };
  };
  // Fitting a few parameters per window leaves its residuals slightly
  // anti-correlated at every lag (about −p/n); noise correlation is short
  // range. So the baseline is the mean correlation at the lags just beyond
  // maxLag, and what differs from it by less than 3 standard errors is 0.
  let base = 0;
  let ring = 0;
  for (let ly = -reach; ly <= reach; ly++) {
    for (let lx = -reach; lx <= reach; lx++) {
      if (Math.max(Math.abs(lx), Math.abs(ly)) <= maxLag) continue;
      base += rho(lx, ly).r;
      ring++;
    }
  }
  base = ring ? base / ring : 0;
  for (let ly = -maxLag; ly <= maxLag; ly++) {
    for (let lx = -maxLag; lx <= maxLag; lx++) {
      // Pairs on one row also hold what is left of the row jitter (counted as
      // row noise): the lag along a row is read off the same lag along a column.
      const { r, n } = ly === 0 ? rho(0, lx) : rho(lx, ly);
      const v = Math.max(0, (r - base) / (1 - base));
      correlation[(ly + maxLag) * span + lx + maxLag] =
        zero > 0 && Math.abs(v) > 3 / Math.sqrt(Math.max(n, 1)) ? v : 0;
    }
  }
  correlation[maxLag * span + maxLag] = 1;
  return { offset, gain, maxLag, correlation, pixels: idx.length };
}

/** Weighted least-squares line v = a + b·m (weights n / v², the variance of a variance). */
function fitLine(m: number[], v: number[], n: number[]): [number, number] {
  let sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let b = 0; b < m.length; b++) {
    const w = n[b] / Math.max(v[b], 1e-300) ** 2;
    sw += w;
    sx += w * m[b];
    sy += w * v[b];
    sxx += w * m[b] * m[b];
    sxy += w * m[b] * v[b];
  }
  const det = sw * sxx - sx * sx;
  if (!(Math.abs(det) > 1e-300 * sw * sxx) || m.length < 2) return [sw > 0 ? sy / sw : NaN, 0];
  const slope = (sw * sxy - sx * sy) / det;
  return [(sy - slope * sx) / sw, slope];
}

/** The columns' Gaussians (no background) at every pixel, in the row-shift-corrected frame. */
function renderModels(
  models: readonly GaussianParams[],
  image: Grid,
  shift: Float64Array,
): Float64Array {
  const { width, height } = image;
  const out = new Float64Array(width * height);
  for (const p of models) {
    const det = p.a * p.c - p.b * p.b;
    const reach = 4 * Math.sqrt(Math.max(p.a, p.c) / det);
    if (!Number.isFinite(reach) || !(p.amplitude > 0)) continue;
    const y0 = Math.max(0, Math.ceil(p.y - reach));
    const y1 = Math.min(height - 1, Math.floor(p.y + reach));
    for (let y = y0; y <= y1; y++) {
      const x0 = Math.max(0, Math.ceil(p.x - reach - shift[y]));
      const x1 = Math.min(width - 1, Math.floor(p.x + reach - shift[y]));
      const dy = y - p.y;
      for (let ix = x0; ix <= x1; ix++) {
        const dx = ix + shift[y] - p.x;
        out[y * width + ix] += p.amplitude *
          Math.exp(-0.5 * (p.a * dx * dx + 2 * p.b * dx * dy + p.c * dy * dy));
      }
    }
  }
  return out;
}

/** Call `visit(i, x, y)` for each pixel within `radius` of (cx, cy) (x in the corrected frame). */
function forPixels(
  cx: number,
  cy: number,
  radius: number,
  image: Grid,
  shift: Float64Array,
  visit: (i: number, x: number, y: number) => void,
): void {
  const { width, height } = image;
  const y0 = Math.max(0, Math.ceil(cy - radius));
  const y1 = Math.min(height - 1, Math.floor(cy + radius));
  for (let y = y0; y <= y1; y++) {
    const x0 = Math.max(0, Math.ceil(cx - radius - shift[y]));
    const x1 = Math.min(width - 1, Math.floor(cx + radius - shift[y]));
    for (let ix = x0; ix <= x1; ix++) {
      const x = ix + shift[y];
      if ((x - cx) ** 2 + (y - cy) ** 2 > radius * radius) continue;
      visit(y * width + ix, x, y);
    }
  }
}

/** {@linkcode forPixels} over every column's window: `visit(k, i, distance)`. */
function forWindow(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  radius: number,
  image: Grid,
  shift: Float64Array,
  visit: (k: number, i: number, d: number) => void,
): void {
  for (let k = 0; k < xs.length; k++) {
    forPixels(xs[k], ys[k], radius, image, shift, (i, x, y) => {
      visit(k, i, Math.hypot(x - xs[k], y - ys[k]));
    });
  }
}

/** Inverse of a symmetric 4 × 4 matrix by Gauss-Jordan with partial pivoting, or undefined. */
function invert4(m: Float64Array): Float64Array | undefined {
  const a = Float64Array.from(m);
  const inv = new Float64Array(16);
  for (let i = 0; i < 4; i++) inv[i * 5] = 1;
  for (let c = 0; c < 4; c++) {
    let pivot = c;
    for (let r = c + 1; r < 4; r++) {
      if (Math.abs(a[r * 4 + c]) > Math.abs(a[pivot * 4 + c])) pivot = r;
    }
    const pv = a[pivot * 4 + c];
    if (!(Math.abs(pv) > 0)) return undefined;
    if (pivot !== c) {
      for (let k = 0; k < 4; k++) {
        [a[c * 4 + k], a[pivot * 4 + k]] = [a[pivot * 4 + k], a[c * 4 + k]];
        [inv[c * 4 + k], inv[pivot * 4 + k]] = [inv[pivot * 4 + k], inv[c * 4 + k]];
      }
    }
    for (let k = 0; k < 4; k++) {
      a[c * 4 + k] /= pv;
      inv[c * 4 + k] /= pv;
    }
    for (let r = 0; r < 4; r++) {
      if (r === c) continue;
      const f = a[r * 4 + c];
      if (f === 0) continue;
      for (let k = 0; k < 4; k++) {
        a[r * 4 + k] -= f * a[c * 4 + k];
        inv[r * 4 + k] -= f * inv[c * 4 + k];
      }
    }
  }
  return inv;
}

/** inv · b · inv for 4 × 4 matrices (inv symmetric). */
function sandwich(inv: Float64Array, b: Float64Array): Float64Array {
  const t = new Float64Array(16);
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += inv[r * 4 + k] * b[k * 4 + c];
      t[r * 4 + c] = s;
    }
  }
  const out = new Float64Array(16);
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += t[r * 4 + k] * inv[k * 4 + c];
      out[r * 4 + c] = s;
    }
  }
  return out;
}
