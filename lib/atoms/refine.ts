/**
 * Sub-pixel refinement of column positions: centre of mass, then an
 * elliptical Gaussian with background fitted by Levenberg-Marquardt in a
 * circular window. Dim columns are refitted with their much brighter
 * neighbours subtracted (otherwise a B column is pulled towards its A
 * neighbours' tails), and, once sublattices are known, with the shape fixed
 * to the local median shape of their sublattice: a dim column's width is
 * poorly determined by its own few counts, and leaving it free costs
 * position precision. A failed fit keeps the centre of mass and is flagged.
 *
 * @module
 */

import { KDBush } from "../deps.ts";
import type { Grid } from "./filters.ts";
import { median } from "../math.ts";
import {
  ellipseShape,
  fitGaussian,
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
  /** Refit dim columns with their much brighter neighbours subtracted (default true). */
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
  /** Peak height above the local background (window maximum minus minimum where the fit failed). */
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
  /** The fitted Gaussians (a round one at the centre of mass where the fit failed). */
  models: GaussianParams[];
}

/** A neighbour counts as much brighter above this amplitude ratio. */
const BRIGHTER = 1.5;

/** Detected columns: start positions and a brightness measure (e.g. the filter response). */
export interface Starts {
  /** Start x of each column, px. */
  x: ArrayLike<number>;
  /** Start y of each column, px. */
  y: ArrayLike<number>;
  /** How bright each column looks; decides which neighbours are much brighter. */
  response: ArrayLike<number>;
}

/** Refine `peaks` on `image`: {@linkcode fitColumns}, then {@linkcode refitDimColumns}. */
export function refineColumns(image: Grid, peaks: Starts, options: RefineOptions): RefinedColumns {
  const first = fitColumns(image, peaks, options);
  return (options.subtractNeighbours ?? true)
    ? refitDimColumns(image, first, peaks, options)
    : first;
}

/** Centre of mass, then a free elliptical Gaussian, for each peak on its own. */
export function fitColumns(
  image: Grid,
  peaks: { x: ArrayLike<number>; y: ArrayLike<number> },
  options: { radius: number; sigma: number },
): RefinedColumns {
  const n = peaks.x.length;
  const out = emptyColumns(n);
  const ctx = new FitContext(image, options.radius, options.sigma);
  for (let k = 0; k < n; k++) {
    const [cx, cy] = ctx.centreOfMass(undefined, peaks.x[k], peaks.y[k]);
    const fit = ctx.fit(undefined, cx, cy, undefined, false);
    ctx.store(out, k, fit, cx, cy);
  }
  return out;
}

/**
 * Refit the columns that have much brighter neighbours (by `peaks.response`)
 * with those neighbours' fitted Gaussians subtracted, starting again from
 * the detected position: next to a bright column the first centre of mass
 * and fit may have slid towards it.
 */
export function refitDimColumns(
  image: Grid,
  columns: RefinedColumns,
  peaks: Starts,
  options: {
    radius: number;
    sigma: number;
    /** Refit only columns `from` on (the others still count as neighbours); default 0. */
    from?: number;
  },
): RefinedColumns {
  const out = copyColumns(columns);
  const ctx = new FitContext(image, options.radius, options.sigma);
  const brighterOf = brighterNeighbours(columns, peaks.response, options.radius);
  for (let k = options.from ?? 0; k < out.x.length; k++) {
    const brighter = brighterOf(k);
    if (brighter.length === 0) continue;
    const [mx, my] = ctx.centreOfMass(brighter, peaks.x[k], peaks.y[k]);
    const previous = columns.fitOk[k] ? columns.models[k] : undefined;
    const fit = ctx.fit(brighter, mx, my, previous, false);
    if (fit || !previous) ctx.store(out, k, fit, mx, my);
  }
  return out;
}

/** The sum of the columns' Gaussians (no background) on a `width × height` grid. */
export function renderColumns(
  models: readonly GaussianParams[],
  size: { width: number; height: number },
): Float32Array {
  const { width, height } = size;
  const out = new Float32Array(width * height);
  for (const p of models) {
    const reach = 4 * Math.sqrt(Math.max(p.a, p.c) / det(p));
    if (!Number.isFinite(reach)) continue;
    const x0 = Math.max(0, Math.ceil(p.x - reach));
    const x1 = Math.min(width - 1, Math.floor(p.x + reach));
    const y0 = Math.max(0, Math.ceil(p.y - reach));
    const y1 = Math.min(height - 1, Math.floor(p.y + reach));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) out[y * width + x] += gaussianAt(p, x, y);
    }
  }
  return out;
}

/** Options for {@linkcode refitWithLocalShape}. */
export interface LocalShapeOptions {
  /** Fit window radius, px. */
  radius: number;
  /** Fallback Gaussian sigma, px. */
  sigma: number;
  /** Columns of the same group within this distance share their median shape, px. */
  shapeRadius: number;
  /** Subtract much brighter neighbours (default true). */
  subtractNeighbours?: boolean;
  /**
   * x offset of each image row, px: pixel x of row y is fitted at x + rowShift[y]
   * (see `estimateRowShift` in row_jitter.ts); none by default.
   */
  rowShift?: Float64Array;
}

/**
 * Refit every column with its shape fixed to the median fitted shape of the
 * columns of its group (sublattice) nearby, much brighter neighbours
 * (refitted first) subtracted. Returns new columns; a column whose refit fails keeps its
 * previous result.
 */
export function refitWithLocalShape(
  image: Grid,
  columns: RefinedColumns,
  groups: ArrayLike<number>,
  response: ArrayLike<number>,
  options: LocalShapeOptions,
): RefinedColumns {
  const n = columns.x.length;
  const out = copyColumns(columns);
  const ctx = new FitContext(image, options.radius, options.sigma, options.rowShift);
  const index = pointIndex(columns.x, columns.y);
  // Brightest first, and much brighter neighbours subtracted as refitted here: their
  // free fits' noisy widths would leave residuals, at the edge of a dim column's
  // window, as large as the dim column itself (a broad probe, B at 12 % of A).
  const brighterOf = (options.subtractNeighbours ?? true)
    ? brighterNeighbours(columns, response, options.radius, out.models)
    : () => [];
  const order = Array.from({ length: n }, (_, k) => k).sort((i, j) => response[j] - response[i]);
  const a = new Float64Array(64);
  const b = new Float64Array(64);
  const c = new Float64Array(64);
  for (const k of order) {
    let m = 0;
    for (const j of index.within(columns.x[k], columns.y[k], options.shapeRadius)) {
      if (groups[j] !== groups[k] || !columns.fitOk[j] || m >= 64) continue;
      a[m] = columns.models[j].a;
      b[m] = columns.models[j].b;
      c[m] = columns.models[j].c;
      m++;
    }
    if (m < 3) continue;
    const start: GaussianParams = {
      ...columns.models[k],
      a: median(a.subarray(0, m)),
      b: median(b.subarray(0, m)),
      c: median(c.subarray(0, m)),
    };
    if (!(start.a * start.c - start.b * start.b > 0)) continue;
    const brighter = brighterOf(k);
    const fit = ctx.fit(
      brighter.length ? brighter : undefined,
      columns.x[k],
      columns.y[k],
      start,
      true,
    );
    if (fit) ctx.store(out, k, fit, columns.comX[k], columns.comY[k]);
  }
  return out;
}

/**
 * For column k, the neighbours much brighter than it (by `strength`) that
 * reach its window, as their entries in `models` (default: `cols.models`),
 * read at call time.
 */
function brighterNeighbours(
  cols: RefinedColumns,
  strength: ArrayLike<number>,
  radius: number,
  models: readonly GaussianParams[] = cols.models,
): (k: number) => GaussianParams[] {
  const index = pointIndex(cols.x, cols.y);
  // Reach of a typical column's tail (4 sigma of the median major axis).
  const major = Float64Array.from(cols.models, (m) => Math.sqrt(Math.max(m.a, m.c) / det(m)));
  const reach = radius + 4 * Math.min(median(major), radius);
  return (k) =>
    index.within(cols.x[k], cols.y[k], reach)
      .filter((j) => j !== k && cols.fitOk[j] && strength[j] > BRIGHTER * strength[k])
      .map((j) => models[j]);
}

/** Window gathering, centre of mass and fitting with shared scratch buffers. */
class FitContext {
  readonly #image: Grid;
  readonly #radius: number;
  readonly #sigma: number;
  readonly #win: FitWindow;
  readonly #scratch = new FitScratch();
  readonly #rowShift: Float64Array | undefined;

  constructor(image: Grid, radius: number, sigma: number, rowShift?: Float64Array) {
    this.#image = image;
    this.#rowShift = rowShift;
    this.#radius = radius;
    this.#sigma = sigma;
    const side = 2 * Math.ceil(radius) + 3;
    this.#win = {
      xs: new Float64Array(side * side),
      ys: new Float64Array(side * side),
      values: new Float64Array(side * side),
      n: 0,
    };
  }

  /** Pixels within the radius of (cx, cy), minus the `subtract` models. */
  gather(subtract: GaussianParams[] | undefined, cx: number, cy: number): void {
    const { data, width, height } = this.#image;
    const R = this.#radius;
    const win = this.#win;
    const y0 = Math.max(0, Math.ceil(cy - R));
    const y1 = Math.min(height - 1, Math.floor(cy + R));
    let m = 0;
    for (let y = y0; y <= y1; y++) {
      // Pixel x of this row sits at x + shift in the corrected frame.
      const shift = this.#rowShift ? this.#rowShift[y] : 0;
      const x0 = Math.max(0, Math.ceil(cx - R - shift));
      const x1 = Math.min(width - 1, Math.floor(cx + R - shift));
      for (let ix = x0; ix <= x1; ix++) {
        const x = ix + shift;
        if ((x - cx) ** 2 + (y - cy) ** 2 > R * R) continue;
        let v = data[y * width + ix];
        if (subtract) { for (const s of subtract) v -= gaussianAt(s, x, y); }
        win.xs[m] = x;
        win.ys[m] = y;
        win.values[m] = v;
        m++;
      }
    }
    win.n = m;
  }

  /** Background-subtracted centre of mass, re-centred up to three times, never beyond the radius. */
  centreOfMass(subtract: GaussianParams[] | undefined, sx: number, sy: number): [number, number] {
    const win = this.#win;
    let cx = sx;
    let cy = sy;
    for (let iter = 0; iter < 3; iter++) {
      this.gather(subtract, cx, cy);
      if (win.n === 0) break;
      let lo = Infinity;
      for (let k = 0; k < win.n; k++) lo = Math.min(lo, win.values[k]);
      let sw = 0, swx = 0, swy = 0;
      for (let k = 0; k < win.n; k++) {
        const w = win.values[k] - lo;
        sw += w;
        swx += w * win.xs[k];
        swy += w * win.ys[k];
      }
      if (!(sw > 0)) break;
      const nx = swx / sw;
      const ny = swy / sw;
      if (Math.hypot(nx - sx, ny - sy) > this.#radius) break;
      const moved = Math.hypot(nx - cx, ny - cy);
      cx = nx;
      cy = ny;
      if (moved < 0.01) break;
    }
    return [cx, cy];
  }

  /** Fit in the window at (cx, cy); undefined when the fit fails any check. */
  fit(
    subtract: GaussianParams[] | undefined,
    cx: number,
    cy: number,
    start: GaussianParams | undefined,
    fixShape: boolean,
  ): GaussianParams | undefined {
    this.gather(subtract, cx, cy);
    const win = this.#win;
    if (win.n < 12) return undefined;
    let lo = Infinity, hi = -Infinity;
    for (let k = 0; k < win.n; k++) {
      lo = Math.min(lo, win.values[k]);
      hi = Math.max(hi, win.values[k]);
    }
    const inv = 1 / (this.#sigma * this.#sigma);
    const first: GaussianParams = start
      ? { ...start, x: cx, y: cy }
      : { amplitude: hi - lo, x: cx, y: cy, a: inv, b: 0, c: inv, background: lo };
    const result = fitGaussian(win, first, this.#scratch, { fixShape });
    const p = result.params;
    if (!result.converged) return undefined;
    if (![p.amplitude, p.x, p.y, p.a, p.b, p.c, p.background].every(Number.isFinite)) {
      return undefined;
    }
    if (!(p.amplitude > 0) || !(p.a > 0) || !(p.c > 0) || !(det(p) > 0)) return undefined;
    if (Math.hypot(p.x - cx, p.y - cy) > this.#radius) return undefined;
    const { sigmaX, sigmaY } = ellipseShape(p);
    // A Gaussian wider than its window is a slope, not a column.
    if (Math.max(sigmaX, sigmaY) > this.#radius || Math.min(sigmaX, sigmaY) < 0.25) {
      return undefined;
    }
    return p;
  }

  /** Record column k: the fit, or the centre of mass with a round model when the fit failed. */
  store(
    out: RefinedColumns,
    k: number,
    fit: GaussianParams | undefined,
    comX: number,
    comY: number,
  ): void {
    out.comX[k] = comX;
    out.comY[k] = comY;
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
      out.models[k] = fit;
      return;
    }
    this.gather(undefined, comX, comY);
    const win = this.#win;
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < win.n; i++) {
      lo = Math.min(lo, win.values[i]);
      hi = Math.max(hi, win.values[i]);
    }
    const inv = 1 / (this.#sigma * this.#sigma);
    out.x[k] = comX;
    out.y[k] = comY;
    out.amplitude[k] = win.n ? hi - lo : 0;
    out.background[k] = win.n ? lo : 0;
    out.sigmaX[k] = NaN;
    out.sigmaY[k] = NaN;
    out.ellipseAngle[k] = NaN;
    out.fitOk[k] = 0;
    out.models[k] = {
      amplitude: out.amplitude[k],
      x: comX,
      y: comY,
      a: inv,
      b: 0,
      c: inv,
      background: 0,
    };
  }
}

function emptyColumns(n: number): RefinedColumns {
  return {
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
    models: new Array(n),
  };
}

/** Columns `keep` (default all) of `cols`, copied. */
export function copyColumns(cols: RefinedColumns, keep?: ArrayLike<number>): RefinedColumns {
  const idx = keep ?? Array.from({ length: cols.x.length }, (_, k) => k);
  const pick = (a: Float64Array) => Float64Array.from(idx, (k) => a[k]);
  return {
    x: pick(cols.x),
    y: pick(cols.y),
    comX: pick(cols.comX),
    comY: pick(cols.comY),
    amplitude: pick(cols.amplitude),
    background: pick(cols.background),
    sigmaX: pick(cols.sigmaX),
    sigmaY: pick(cols.sigmaY),
    ellipseAngle: pick(cols.ellipseAngle),
    fitOk: Uint8Array.from(idx, (k) => cols.fitOk[k]),
    models: Array.from(idx, (k) => cols.models[k]),
  };
}

/** The columns of `a` followed by those of `b`. */
export function concatColumns(a: RefinedColumns, b: RefinedColumns): RefinedColumns {
  const cat = (p: Float64Array, q: Float64Array) => {
    const out = new Float64Array(p.length + q.length);
    out.set(p);
    out.set(q, p.length);
    return out;
  };
  const fitOk = new Uint8Array(a.fitOk.length + b.fitOk.length);
  fitOk.set(a.fitOk);
  fitOk.set(b.fitOk, a.fitOk.length);
  return {
    x: cat(a.x, b.x),
    y: cat(a.y, b.y),
    comX: cat(a.comX, b.comX),
    comY: cat(a.comY, b.comY),
    amplitude: cat(a.amplitude, b.amplitude),
    background: cat(a.background, b.background),
    sigmaX: cat(a.sigmaX, b.sigmaX),
    sigmaY: cat(a.sigmaY, b.sigmaY),
    ellipseAngle: cat(a.ellipseAngle, b.ellipseAngle),
    fitOk,
    models: [...a.models, ...b.models],
  };
}

function pointIndex(xs: ArrayLike<number>, ys: ArrayLike<number>): KDBush {
  const index = new KDBush(Math.max(xs.length, 1));
  for (let k = 0; k < xs.length; k++) index.add(xs[k], ys[k]);
  return index.finish();
}

function det(p: GaussianParams): number {
  return p.a * p.c - p.b * p.b;
}

function gaussianAt(p: GaussianParams, x: number, y: number): number {
  const dx = x - p.x;
  const dy = y - p.y;
  return p.amplitude * Math.exp(-0.5 * (p.a * dx * dx + 2 * p.b * dx * dy + p.c * dy * dy));
}
