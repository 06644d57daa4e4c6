/**
 * Symmetric eigenproblems for the embeddings: cyclic Jacobi for small dense
 * matrices, and Lanczos with full reorthogonalisation for the few largest
 * eigenpairs of a large symmetric operator given only as a product
 * (Isomap's double-centred geodesic kernel, a covariance).
 *
 * @module
 */

import type { Random } from "../random.ts";

/** Eigenpairs, largest eigenvalue first; vector t is `vectors[t*n .. t*n+n)`. */
export interface Eigenpairs {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** Unit eigenvectors, one per value, each of length n, one after another. */
  vectors: Float64Array;
}

/** `out = A v` for a symmetric operator A; must not keep `v` or `out`. */
export type SymmetricProduct = (v: Float64Array, out: Float64Array) => void;

/**
 * All eigenpairs of the dense symmetric `n x n` matrix `a` (row-major, not
 * modified) by cyclic Jacobi rotations — for the small matrices (n ≲ 300)
 * Lanczos produces.
 */
export function symmetricEigen(a: Float64Array, n: number): Eigenpairs {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0, diag = 0;
    for (let p = 0; p < n; p++) {
      diag += m[p * n + p] * m[p * n + p];
      for (let q = p + 1; q < n; q++) off += m[p * n + q] * m[p * n + q];
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (apq === 0) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let r = 0; r < n; r++) { // columns p, q
          const rp = m[r * n + p], rq = m[r * n + q];
          m[r * n + p] = c * rp - s * rq;
          m[r * n + q] = s * rp + c * rq;
        }
        for (let r = 0; r < n; r++) { // rows p, q
          const pr = m[p * n + r], qr = m[q * n + r];
          m[p * n + r] = c * pr - s * qr;
          m[q * n + r] = s * pr + c * qr;
        }
        for (let r = 0; r < n; r++) {
          const rp = v[r * n + p], rq = v[r * n + q];
          v[r * n + p] = c * rp - s * rq;
          v[r * n + q] = s * rp + c * rq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((p, q) => m[q * n + q] - m[p * n + p]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((col, t) => {
    values[t] = m[col * n + col];
    for (let r = 0; r < n; r++) vectors[t * n + r] = v[r * n + col];
  });
  return { values, vectors };
}

/** Options of {@link largestEigenpairs}. */
export interface LanczosOptions {
  /** Relative residual at which a Ritz pair counts as converged (default 1e-8). */
  tolerance?: number;
  /** Most Lanczos steps (default min(n, 300)). */
  maxSteps?: number;
}

/**
 * The `k` algebraically largest eigenpairs of the symmetric `n x n` operator
 * `product`, by Lanczos iteration with full reorthogonalisation, started from
 * a vector drawn from `random`.
 */
export function largestEigenpairs(
  product: SymmetricProduct,
  n: number,
  k: number,
  random: Random,
  options: LanczosOptions = {},
): Eigenpairs {
  const tolerance = options.tolerance ?? 1e-8;
  const maxSteps = Math.min(n, options.maxSteps ?? 300);
  k = Math.min(k, n);
  const q = new Float64Array(maxSteps * n); // Lanczos basis, one vector after another
  const alpha = new Float64Array(maxSteps), beta = new Float64Array(maxSteps);
  const w = new Float64Array(n);
  let steps = 0;
  let ritz: Eigenpairs = { values: new Float64Array(0), vectors: new Float64Array(0) };
  if (!startVector(q, 0, n, random)) return ritz;
  for (let j = 0; j < maxSteps; j++) {
    const qj = q.subarray(j * n, (j + 1) * n);
    product(qj, w);
    let a = 0;
    for (let i = 0; i < n; i++) a += qj[i] * w[i];
    alpha[j] = a;
    // Twice is enough (Kahan–Parlett): keeps the basis orthogonal to working precision.
    for (let pass = 0; pass < 2; pass++) orthogonalise(w, q, j + 1, n);
    let b = 0;
    for (let i = 0; i < n; i++) b += w[i] * w[i];
    b = Math.sqrt(b);
    steps = j + 1;
    const scale = Math.abs(a) + (j > 0 ? beta[j - 1] : 0);
    const converged = steps >= k && (steps === maxSteps || steps % 5 === 0 || b <= 1e-12 * scale) &&
      ritzConverged(alpha, beta, steps, b, k, tolerance);
    if (converged || steps === maxSteps) break;
    if (b <= 1e-12 * scale) {
      // Invariant subspace found: continue from a fresh vector orthogonal to it.
      beta[j] = 0;
      if (!startVector(q, j + 1, n, random)) break;
    } else {
      beta[j] = b;
      const next = q.subarray((j + 1) * n, (j + 2) * n);
      for (let i = 0; i < n; i++) next[i] = w[i] / b;
    }
  }
  const t = tridiagonalEigen(alpha, beta, steps);
  ritz = { values: t.values.slice(0, k), vectors: new Float64Array(k * n) };
  for (let r = 0; r < k; r++) {
    const out = ritz.vectors.subarray(r * n, (r + 1) * n);
    for (let j = 0; j < steps; j++) {
      const s = t.vectors[r * steps + j];
      const qj = q.subarray(j * n, (j + 1) * n);
      for (let i = 0; i < n; i++) out[i] += s * qj[i];
    }
  }
  return ritz;
}

function tridiagonalEigen(alpha: Float64Array, beta: Float64Array, m: number): Eigenpairs {
  const t = new Float64Array(m * m);
  for (let j = 0; j < m; j++) {
    t[j * m + j] = alpha[j];
    if (j + 1 < m) t[j * m + j + 1] = t[(j + 1) * m + j] = beta[j];
  }
  return symmetricEigen(t, m);
}

/** True when the top `k` Ritz pairs of the `m`-step tridiagonal have small residuals. */
function ritzConverged(
  alpha: Float64Array,
  beta: Float64Array,
  m: number,
  nextBeta: number,
  k: number,
  tolerance: number,
): boolean {
  const t = tridiagonalEigen(alpha, beta, m);
  const top = Math.abs(t.values[0]) || 1;
  for (let r = 0; r < k; r++) {
    const residual = Math.abs(nextBeta * t.vectors[r * m + m - 1]);
    if (residual > tolerance * top) return false;
  }
  return true;
}

/** Subtract from `w` its projection on the first `count` basis vectors of `q`. */
function orthogonalise(w: Float64Array, q: Float64Array, count: number, n: number): void {
  for (let j = 0; j < count; j++) {
    const qj = q.subarray(j * n, (j + 1) * n);
    let d = 0;
    for (let i = 0; i < n; i++) d += qj[i] * w[i];
    for (let i = 0; i < n; i++) w[i] -= d * qj[i];
  }
}

/** Put a random unit vector orthogonal to basis vectors 0..j-1 at slot j; false if none is left. */
function startVector(q: Float64Array, j: number, n: number, random: Random): boolean {
  const v = q.subarray(j * n, (j + 1) * n);
  for (let i = 0; i < n; i++) v[i] = random.normal();
  for (let pass = 0; pass < 2; pass++) orthogonalise(v, q, j, n);
  let s = 0;
  for (let i = 0; i < n; i++) s += v[i] * v[i];
  s = Math.sqrt(s);
  if (s < 1e-10 * Math.sqrt(n)) return false;
  for (let i = 0; i < n; i++) v[i] /= s;
  return true;
}
