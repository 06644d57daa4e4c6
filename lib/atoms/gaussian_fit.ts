/**
 * Levenberg-Marquardt fit of one elliptical 2-D Gaussian plus a constant
 * background to the pixels of a window:
 * f = B + A·exp(−½(a·dx² + 2b·dx·dy + c·dy²)), dx = x − x0, dy = y − y0.
 * The inverse-covariance parametrisation (a, b, c) has no angle wrap-around,
 * so the fit is smooth for round and elongated columns alike.
 *
 * @module
 */

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
  /** Jacobian row. */
  readonly row: Float64Array = new Float64Array(P);
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
}

function sse(p: Float64Array, w: FitWindow): number {
  let s = 0;
  for (let k = 0; k < w.n; k++) {
    const dx = w.xs[k] - p[1];
    const dy = w.ys[k] - p[2];
    const q = p[3] * dx * dx + 2 * p[4] * dx * dy + p[5] * dy * dy;
    const r = w.values[k] - (p[6] + p[0] * Math.exp(-0.5 * q));
    s += r * r;
  }
  return s;
}

/**
 * Fit from `start` by Levenberg-Marquardt; at most `maxIterations` (default
 * 60) accepted or rejected steps.
 */
export function fitGaussian(
  window: FitWindow,
  start: GaussianParams,
  scratch: FitScratch,
  maxIterations = 60,
): FitResult {
  const p = Float64Array.of(
    start.amplitude,
    start.x,
    start.y,
    start.a,
    start.b,
    start.c,
    start.background,
  );
  const { row, jtj, jtr, system, step, trial } = scratch;
  let cost = sse(p, window);
  let lambda = 1e-3;
  let converged = false;
  let iter = 0;
  let fresh = true;
  for (; iter < maxIterations && !converged; iter++) {
    if (fresh) {
      jtj.fill(0);
      jtr.fill(0);
      for (let k = 0; k < window.n; k++) {
        const dx = window.xs[k] - p[1];
        const dy = window.ys[k] - p[2];
        const e = Math.exp(-0.5 * (p[3] * dx * dx + 2 * p[4] * dx * dy + p[5] * dy * dy));
        const ae = p[0] * e;
        const r = window.values[k] - (p[6] + ae);
        row[0] = e;
        row[1] = ae * (p[3] * dx + p[4] * dy);
        row[2] = ae * (p[4] * dx + p[5] * dy);
        row[3] = -0.5 * ae * dx * dx;
        row[4] = -ae * dx * dy;
        row[5] = -0.5 * ae * dy * dy;
        row[6] = 1;
        for (let i = 0; i < P; i++) {
          const ri = row[i];
          jtr[i] += ri * r;
          for (let j = 0; j <= i; j++) jtj[i * P + j] += ri * row[j];
        }
      }
      for (let i = 0; i < P; i++) for (let j = 0; j < i; j++) jtj[j * P + i] = jtj[i * P + j];
      fresh = false;
    }
    system.set(jtj);
    for (let i = 0; i < P; i++) system[i * P + i] += lambda * (jtj[i * P + i] + 1e-12);
    if (!solveSymmetric(system, jtr, step)) {
      lambda *= 10;
      continue;
    }
    for (let i = 0; i < P; i++) trial[i] = p[i] + step[i];
    const trialCost = sse(trial, window);
    if (Number.isFinite(trialCost) && trialCost <= cost) {
      const shift = Math.max(Math.abs(step[1]), Math.abs(step[2]));
      const relative = (cost - trialCost) / Math.max(cost, 1e-300);
      p.set(trial);
      cost = trialCost;
      lambda = Math.max(lambda / 3, 1e-9);
      fresh = true;
      if (shift < 1e-4 && relative < 1e-8) converged = true;
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
  for (let j = 0; j < P; j++) {
    let d = m[j * P + j];
    for (let k = 0; k < j; k++) d -= m[j * P + k] * m[j * P + k];
    if (!(d > 0)) return false;
    const l = Math.sqrt(d);
    m[j * P + j] = l;
    for (let i = j + 1; i < P; i++) {
      let s = m[i * P + j];
      for (let k = 0; k < j; k++) s -= m[i * P + k] * m[j * P + k];
      m[i * P + j] = s / l;
    }
  }
  for (let i = 0; i < P; i++) {
    let s = v[i];
    for (let k = 0; k < i; k++) s -= m[i * P + k] * x[k];
    x[i] = s / m[i * P + i];
  }
  for (let i = P - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < P; k++) s -= m[k * P + i] * x[k];
    x[i] = s / m[i * P + i];
  }
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
