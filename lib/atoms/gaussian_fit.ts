/**
 * Levenberg-Marquardt fit of one elliptical 2-D Gaussian plus a constant
 * background to the pixels of a window:
 * f = B + A·exp(−½(a·dx² + 2b·dx·dy + c·dy²)), dx = x − x0, dy = y − y0.
 * The inverse-covariance parametrisation (a, b, c) has no angle wrap-around,
 * so the fit is smooth for round and elongated columns alike.
 *
 * References: K. Levenberg, A method for the solution of certain non-linear
 * problems in least squares, Q. Appl. Math. 2, 164-168 (1944),
 * doi:10.1090/qam/10666; D. W. Marquardt, An algorithm for least-squares
 * estimation of nonlinear parameters, J. SIAM 11, 431-441 (1963),
 * doi:10.1137/0111030.
 *
 * @module
 */

import { choleskyInPlace, solveCholesky } from "../linalg/dense.ts";

/** Number of parameters: A, x0, y0, a, b, c, B. */
const P = 7;

/** A fitted Gaussian. */
export interface GaussianParams {
  /** Peak height above the background. */
  amplitude: number;
  /** Centre x, px. */
  x: number;
  /** Centre y, px. */
  y: number;
  /** Inverse covariance entries (a, b, c), px⁻². */
  a: number;
  /** Off-diagonal inverse covariance entry. */
  b: number;
  /** Inverse covariance, yy entry. */
  c: number;
  /** Constant background. */
  background: number;
}

/** Pixels of a fit window: coordinates and values, `n` of them used. */
export interface FitWindow {
  /** x of each pixel. */
  xs: Float64Array;
  /** y of each pixel. */
  ys: Float64Array;
  /** Value of each pixel. */
  values: Float64Array;
  /** Number of pixels in use. */
  n: number;
}

/** Outcome of {@linkcode fitGaussian}. */
export interface FitResult {
  /** Parameters at the end (meaningful only when `converged`). */
  params: GaussianParams;
  /** Whether the iteration met its tolerance within the iteration budget. */
  converged: boolean;
  /** Iterations used. */
  iterations: number;
}

/** Scratch space reused between fits, so a fit allocates nothing per pixel. */
export class FitScratch {
  /** Normal matrix JᵀJ. */
  readonly jtj: Float64Array = new Float64Array(P * P);
  /** Gradient Jᵀr. */
  readonly jtr: Float64Array = new Float64Array(P);
  /** Damped system. */
  readonly system: Float64Array = new Float64Array(P * P);
  /** Step. */
  readonly step: Float64Array = new Float64Array(P);
  /** Trial parameters. */
  readonly trial: Float64Array = new Float64Array(P);
  /** exp(−q/2) per pixel at the current parameters. */
  expCurrent: Float64Array = new Float64Array(0);
  /** exp(−q/2) per pixel at the trial parameters. */
  expTrial: Float64Array = new Float64Array(0);

  /** Make the per-pixel buffers hold at least `n` pixels. */
  reserve(n: number): void {
    if (this.expCurrent.length < n) {
      this.expCurrent = new Float64Array(n);
      this.expTrial = new Float64Array(n);
    }
  }

  /** Swap the per-pixel buffers (the trial became current). */
  swap(): void {
    const t = this.expCurrent;
    this.expCurrent = this.expTrial;
    this.expTrial = t;
  }
}

/** Sum of squared residuals at `p`, keeping exp(−q/2) of each pixel in `e`. */
function sse(p: Float64Array, w: FitWindow, e: Float64Array): number {
  const [amp, x0, y0, a, b, c, bg] = p;
  let s = 0;
  for (let k = 0; k < w.n; k++) {
    const dx = w.xs[k] - x0;
    const dy = w.ys[k] - y0;
    const ek = Math.exp(-0.5 * (a * dx * dx + 2 * b * dx * dy + c * dy * dy));
    e[k] = ek;
    const r = w.values[k] - (bg + amp * ek);
    s += r * r;
  }
  return s;
}

/** JᵀJ (lower triangle mirrored) and Jᵀr at `p`, from the cached exponentials `e`. */
function normalEquations(
  p: Float64Array,
  w: FitWindow,
  e: Float64Array,
  jtj: Float64Array,
  jtr: Float64Array,
): void {
  const [amp, x0, y0, a, b, c, bg] = p;
  // Accumulate in locals: the 28 distinct entries of the symmetric 7 × 7 matrix.
  let s00 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s22 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
  let s40 = 0, s41 = 0, s42 = 0, s43 = 0, s44 = 0, s50 = 0, s51 = 0, s52 = 0, s53 = 0, s54 = 0;
  let s55 = 0, s60 = 0, s61 = 0, s62 = 0, s63 = 0, s64 = 0, s65 = 0, s66 = 0;
  let g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0;
  for (let k = 0; k < w.n; k++) {
    const dx = w.xs[k] - x0;
    const dy = w.ys[k] - y0;
    const j0 = e[k];
    const ae = amp * j0;
    const r = w.values[k] - (bg + ae);
    const j1 = ae * (a * dx + b * dy);
    const j2 = ae * (b * dx + c * dy);
    const j3 = -0.5 * ae * dx * dx;
    const j4 = -ae * dx * dy;
    const j5 = -0.5 * ae * dy * dy;
    s00 += j0 * j0;
    s10 += j1 * j0;
    s11 += j1 * j1;
    s20 += j2 * j0;
    s21 += j2 * j1;
    s22 += j2 * j2;
    s30 += j3 * j0;
    s31 += j3 * j1;
    s32 += j3 * j2;
    s33 += j3 * j3;
    s40 += j4 * j0;
    s41 += j4 * j1;
    s42 += j4 * j2;
    s43 += j4 * j3;
    s44 += j4 * j4;
    s50 += j5 * j0;
    s51 += j5 * j1;
    s52 += j5 * j2;
    s53 += j5 * j3;
    s54 += j5 * j4;
    s55 += j5 * j5;
    s60 += j0;
    s61 += j1;
    s62 += j2;
    s63 += j3;
    s64 += j4;
    s65 += j5;
    s66 += 1;
    g0 += j0 * r;
    g1 += j1 * r;
    g2 += j2 * r;
    g3 += j3 * r;
    g4 += j4 * r;
    g5 += j5 * r;
    g6 += r;
  }
  const lower = [
    [s00],
    [s10, s11],
    [s20, s21, s22],
    [s30, s31, s32, s33],
    [s40, s41, s42, s43, s44],
    [s50, s51, s52, s53, s54, s55],
    [s60, s61, s62, s63, s64, s65, s66],
  ];
  for (let i = 0; i < P; i++) {
    for (let j = 0; j <= i; j++) jtj[i * P + j] = jtj[j * P + i] = lower[i][j];
  }
  jtr[0] = g0;
  jtr[1] = g1;
  jtr[2] = g2;
  jtr[3] = g3;
  jtr[4] = g4;
  jtr[5] = g5;
  jtr[6] = g6;
}

/**
 * Fit from `start` by Levenberg-Marquardt; at most `maxIterations` (default
 * 60) accepted or rejected steps.
 */
export function fitGaussian(
  window: FitWindow,
  start: GaussianParams,
  scratch: FitScratch,
  options: { fixShape?: boolean; maxIterations?: number } = {},
): FitResult {
  const maxIterations = options.maxIterations ?? 60;
  // With the shape fixed only amplitude, centre and background move (a, b, c frozen).
  const fixShape = options.fixShape ?? false;
  const p = Float64Array.of(
    start.amplitude,
    start.x,
    start.y,
    start.a,
    start.b,
    start.c,
    start.background,
  );
  const { jtj, jtr, system, step, trial } = scratch;
  scratch.reserve(window.n);
  let cost = sse(p, window, scratch.expCurrent);
  let lambda = 1e-3;
  let converged = false;
  let iter = 0;
  let fresh = true;
  for (; iter < maxIterations && !converged; iter++) {
    if (fresh) {
      normalEquations(p, window, scratch.expCurrent, jtj, jtr);
      fresh = false;
    }
    system.set(jtj);
    for (let i = 0; i < P; i++) system[i * P + i] += lambda * (jtj[i * P + i] + 1e-12);
    if (fixShape) {
      for (let i = 3; i <= 5; i++) {
        for (let j = 0; j < P; j++) system[i * P + j] = system[j * P + i] = 0;
        system[i * P + i] = 1;
        jtr[i] = 0;
      }
    }
    if (!solveSymmetric(system, jtr, step)) {
      lambda *= 10;
      continue;
    }
    for (let i = 0; i < P; i++) trial[i] = p[i] + step[i];
    const trialCost = sse(trial, window, scratch.expTrial);
    if (Number.isFinite(trialCost) && trialCost <= cost) {
      scratch.swap();
      const shift = Math.max(Math.abs(step[1]), Math.abs(step[2]));
      const relative = (cost - trialCost) / Math.max(cost, 1e-300);
      p.set(trial);
      cost = trialCost;
      lambda = Math.max(lambda / 3, 1e-9);
      fresh = true;
      if (shift < 1e-3 && relative < 1e-6) converged = true;
    } else {
      lambda *= 4;
      if (lambda > 1e10) break;
    }
  }
  return {
    params: { amplitude: p[0], x: p[1], y: p[2], a: p[3], b: p[4], c: p[5], background: p[6] },
    converged,
    iterations: iter,
  };
}

/** Solve the symmetric positive-definite system `m·x = v` by Cholesky (m is overwritten). */
function solveSymmetric(m: Float64Array, v: Float64Array, x: Float64Array): boolean {
  if (!choleskyInPlace(m, P)) return false;
  solveCholesky(m, v, x, P);
  return true;
}

/** Standard deviations along x and y and the major-axis angle (radians) of the fitted ellipse. */
export function ellipseShape(p: GaussianParams): { sigmaX: number; sigmaY: number; angle: number } {
  const det = p.a * p.c - p.b * p.b;
  // Covariance = inverse of [[a, b], [b, c]].
  const sxx = p.c / det;
  const syy = p.a / det;
  const sxy = -p.b / det;
  return {
    sigmaX: Math.sqrt(sxx),
    sigmaY: Math.sqrt(syy),
    angle: 0.5 * Math.atan2(2 * sxy, sxx - syy),
  };
}
