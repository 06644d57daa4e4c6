/**
 * Sub-pixel refinement of column positions: centre of mass, then an
 * elliptical Gaussian with background fitted by Levenberg-Marquardt in a
 * circular window. A second pass refits every column with the fitted
 * neighbours subtracted, so a dim column beside bright ones is not pulled
 * towards them. A failed fit keeps the centre of mass and is flagged.
 *
 * @module
 */

import { KDBush } from "../deps.ts";
import type { Grid } from "./filters.ts";
import {
  ellipseShape,
  fitGaussian,
  type FitResult,
  FitScratch,
  type FitWindow,
  type GaussianParams,
} from "./gaussian_fit.ts";

/** Options for {@linkcode refineColumns}. */
export interface RefineOptions {
  /** Fit window radius, px (about 0.4 nearest-neighbour distances). */
  radius: number;
  /** Starting Gaussian sigma, px. */
  sigma: number;
  /** Refit with fitted neighbours subtracted (default true). */
  subtractNeighbours?: boolean;
}

/** Refined columns, one entry per input peak, in input order. */
export interface RefinedColumns {
  /** Final x: the Gaussian centre, or the centre of mass where the fit failed. */
  x: Float64Array;
  /** Final y. */
  y: Float64Array;
  /** Centre-of-mass x. */
  comX: Float64Array;
  /** Centre-of-mass y. */
  comY: Float64Array;
  /** Peak height above the local background (window maximum minus background where the fit failed). */
  amplitude: Float64Array;
  /** Local background level. */
  background: Float64Array;
  /** Gaussian standard deviation along x, px (NaN where the fit failed). */
  sigmaX: Float64Array;
  /** Gaussian standard deviation along y, px. */
  sigmaY: Float64Array;
  /** Major-axis angle of the fitted ellipse, radians in (−π/2, π/2]. */
  ellipseAngle: Float64Array;
  /** 1 where the Gaussian fit succeeded, 0 where the centre of mass was kept. */
  fitOk: Uint8Array;
}

/** Refine `peaks` (starting positions) on `image`. */
export function refineColumns(
  image: Grid,
  peaks: { x: ArrayLike<number>; y: ArrayLike<number> },
  options: RefineOptions,
): RefinedColumns {
  const n = peaks.x.length;
  const out: RefinedColumns = {
    x: new Float64Array(n),
    y: new Float64Array(n),
    comX: new Float64Array(n),
    comY: new Float64Array(n),
    amplitude: new Float64Array(n),
    background: new Float64Array(n),
    sigmaX: new Float64Array(n),
    sigmaY: new Float64Array(n),
    ellipseAngle: new Float64Array(n),
    fitOk: new Uint8Array(n),
  };
  const R = options.radius;
  const side = 2 * Math.ceil(R) + 3;
  const win: FitWindow = {
    xs: new Float64Array(side * side),
    ys: new Float64Array(side * side),
    values: new Float64Array(side * side),
    n: 0,
  };
  const scratch = new FitScratch();
  const fits: (GaussianParams | undefined)[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const [cx, cy] = centreOfMass(image, undefined, peaks.x[k], peaks.y[k], R, win);
    out.comX[k] = cx;
    out.comY[k] = cy;
    fits[k] = fitOne(image, undefined, cx, cy, R, options.sigma, win, scratch, undefined);
    store(out, k, fits[k], win, cx, cy);
  }
  if (options.subtractNeighbours ?? true) {
    const shared = medianShape(fits, options.sigma);
    const models = fits.map((f, k) =>
      f ?? { ...shared, amplitude: out.amplitude[k], x: out.x[k], y: out.y[k], background: 0 }
    );
    const index = new KDBush(n);
    for (let k = 0; k < n; k++) index.add(out.x[k], out.y[k]);
    index.finish();
    let widest = 0;
    for (const m of models) widest = Math.max(widest, Math.sqrt(Math.max(m.a, m.c) / det(m)));
    const reach = R + 4 * Math.min(widest, 2 * R);
    for (let k = 0; k < n; k++) {
      // Only columns much brighter than this one bias it; subtract those.
      const brighter = index.within(out.x[k], out.y[k], reach)
        .filter((j) => j !== k && models[j].amplitude > BRIGHTER * models[k].amplitude)
        .map((j) => models[j]);
      if (brighter.length === 0) continue;
      const cx = out.x[k];
      const cy = out.y[k];
      const [mx, my] = centreOfMass(image, brighter, cx, cy, R, win);
      const fit = fitOne(image, brighter, mx, my, R, options.sigma, win, scratch, fits[k]);
      if (fit || !fits[k]) {
        out.comX[k] = mx;
        out.comY[k] = my;
        store(out, k, fit, win, mx, my);
      }
    }
  }
  return out;
}

/** A neighbour counts as much brighter above this amplitude ratio. */
const BRIGHTER = 1.5;

function det(p: GaussianParams): number {
  return p.a * p.c - p.b * p.b;
}

function gatherWindow(
  image: Grid,
  subtract: GaussianParams[] | undefined,
  cx: number,
  cy: number,
  R: number,
  win: FitWindow,
): void {
  const { data, width, height } = image;
  const x0 = Math.max(0, Math.ceil(cx - R));
  const x1 = Math.min(width - 1, Math.floor(cx + R));
  const y0 = Math.max(0, Math.ceil(cy - R));
  const y1 = Math.min(height - 1, Math.floor(cy + R));
  const r2 = R * R;
  let m = 0;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const dx = x - cx;
      const dy = y - cy;
      if (dx * dx + dy * dy > r2) continue;
      let v = data[y * width + x];
      if (subtract) { for (const m of subtract) v -= gaussianAt(m, x, y); }
      win.xs[m] = x;
      win.ys[m] = y;
      win.values[m] = v;
      m++;
    }
  }
  win.n = m;
}

function centreOfMass(
  image: Grid,
  subtract: GaussianParams[] | undefined,
  startX: number,
  startY: number,
  R: number,
  win: FitWindow,
): [number, number] {
  let cx = startX;
  let cy = startY;
  for (let iter = 0; iter < 3; iter++) {
    gatherWindow(image, subtract, cx, cy, R, win);
    if (win.n === 0) break;
    let lo = Infinity;
    for (let k = 0; k < win.n; k++) lo = Math.min(lo, win.values[k]);
    let sw = 0, sx = 0, sy = 0;
    for (let k = 0; k < win.n; k++) {
      const w = win.values[k] - lo;
      sw += w;
      sx += w * win.xs[k];
      sy += w * win.ys[k];
    }
    if (!(sw > 0)) break;
    const nx = sx / sw;
    const ny = sy / sw;
    // Never let the centre of mass walk off to a neighbour.
    if (Math.hypot(nx - startX, ny - startY) > R) break;
    const moved = Math.hypot(nx - cx, ny - cy);
    cx = nx;
    cy = ny;
    if (moved < 0.01) break;
  }
  return [cx, cy];
}

function fitOne(
  image: Grid,
  subtract: GaussianParams[] | undefined,
  cx: number,
  cy: number,
  R: number,
  sigma: number,
  win: FitWindow,
  scratch: FitScratch,
  previous: GaussianParams | undefined,
): GaussianParams | undefined {
  gatherWindow(image, subtract, cx, cy, R, win);
  if (win.n < 12) return undefined;
  let lo = Infinity, hi = -Infinity;
  for (let k = 0; k < win.n; k++) {
    lo = Math.min(lo, win.values[k]);
    hi = Math.max(hi, win.values[k]);
  }
  const inv = 1 / (sigma * sigma);
  const start: GaussianParams = previous
    ? { ...previous, x: cx, y: cy }
    : { amplitude: hi - lo, x: cx, y: cy, a: inv, b: 0, c: inv, background: lo };
  const result = fitGaussian(win, start, scratch);
  return accept(result, cx, cy, R) ? result.params : undefined;
}

function accept(result: FitResult, cx: number, cy: number, R: number): boolean {
  const p = result.params;
  if (!result.converged) return false;
  const values = [p.amplitude, p.x, p.y, p.a, p.b, p.c, p.background];
  if (!values.every(Number.isFinite)) return false;
  if (!(p.amplitude > 0) || !(p.a > 0) || !(p.c > 0) || !(p.a * p.c - p.b * p.b > 0)) return false;
  if (Math.hypot(p.x - cx, p.y - cy) > R) return false;
  const { sigmaX, sigmaY } = ellipseShape(p);
  const widest = Math.max(sigmaX, sigmaY);
  // A Gaussian wider than its window is a slope, not a column.
  return widest <= R && Math.min(sigmaX, sigmaY) >= 0.25;
}

function store(
  out: RefinedColumns,
  k: number,
  fit: GaussianParams | undefined,
  win: FitWindow,
  comX: number,
  comY: number,
): void {
  if (fit) {
    const shape = ellipseShape(fit);
    out.x[k] = fit.x;
    out.y[k] = fit.y;
    out.amplitude[k] = fit.amplitude;
    out.background[k] = fit.background;
    out.sigmaX[k] = shape.sigmaX;
    out.sigmaY[k] = shape.sigmaY;
    out.ellipseAngle[k] = shape.angle;
    out.fitOk[k] = 1;
    return;
  }
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < win.n; i++) {
    lo = Math.min(lo, win.values[i]);
    hi = Math.max(hi, win.values[i]);
  }
  out.x[k] = comX;
  out.y[k] = comY;
  out.amplitude[k] = win.n ? hi - lo : 0;
  out.background[k] = win.n ? lo : 0;
  out.sigmaX[k] = NaN;
  out.sigmaY[k] = NaN;
  out.ellipseAngle[k] = NaN;
  out.fitOk[k] = 0;
}

function gaussianAt(p: GaussianParams, x: number, y: number): number {
  const dx = x - p.x;
  const dy = y - p.y;
  return p.amplitude * Math.exp(-0.5 * (p.a * dx * dx + 2 * p.b * dx * dy + p.c * dy * dy));
}

/** Median inverse covariance of the successful fits (round `sigma` when none). */
function medianShape(
  fits: (GaussianParams | undefined)[],
  sigma: number,
): { a: number; b: number; c: number } {
  const ok = fits.filter((f): f is GaussianParams => f !== undefined);
  if (ok.length === 0) return { a: 1 / (sigma * sigma), b: 0, c: 1 / (sigma * sigma) };
  const med = (key: "a" | "b" | "c") => {
    const v = Float64Array.from(ok, (f) => f[key]).sort();
    return v[v.length >> 1];
  };
  return { a: med("a"), b: med("b"), c: med("c") };
}
