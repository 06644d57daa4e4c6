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
 * a vector drawn from `random`. A single Krylov space holds one vector of
 * each eigenspace, so a repeated eigenvalue would be missed: the run is
 * followed by runs orthogonal to the pairs found, until one finds nothing
 * larger than the k-th.
 */
export function largestEigenpairs(
  product: SymmetricProduct,
  n: number,
  k: number,
  random: Random,
  options: LanczosOptions = {},
): Eigenpairs {
  const tolerance = options.tolerance ?? 1e-8;
  const maxSteps = options.maxSteps ?? 300;
  k = Math.min(k, n);
  let best = lanczos(product, n, k, random, tolerance, maxSteps, new Float64Array(0));
  while (best.values.length === k && k < n) {
    const more = lanczos(product, n, 1, random, tolerance, maxSteps, best.vectors);
    const scale = Math.abs(best.values[0]) || 1;
    if (more.values.length === 0 || more.values[0] <= best.values[k - 1] + tolerance * scale) break;
    // The k-th pair gives way to the one found outside the span of the others.
    const pairs = Array.from({ length: k - 1 }, (_, t) => ({
      value: best.values[t],
      vector: best.vectors.subarray(t * n, (t + 1) * n),
    }));
    pairs.push({ value: more.values[0], vector: more.vectors });
    pairs.sort((p, q) => q.value - p.value);
    const values = Float64Array.from(pairs, (p) => p.value);
    const vectors = new Float64Array(k * n);
    pairs.forEach((p, t) => vectors.set(p.vector, t * n));
    best = { values, vectors };
  }
  return best;
}

/**
 * One Lanczos run for the top `k` pairs within the orthogonal complement of
 * the unit vectors `locked` (one after another).
 */
function lanczos(
  product: SymmetricProduct,
  n: number,
  k: number,
  random: Random,
  tolerance: number,
  maxSteps: number,
  locked: Float64Array,
): Eigenpairs {
  const lockedCount = locked.length / n;
  maxSteps = Math.min(n - lockedCount, maxSteps);
  k = Math.min(k, maxSteps);
  const q = new Float64Array(maxSteps * n); // Lanczos basis, one vector after another
  const alpha = new Float64Array(maxSteps), beta = new Float64Array(maxSteps);
  const w = new Float64Array(n);
  let steps = 0;
  let ritz: Eigenpairs = { values: new Float64Array(0), vectors: new Float64Array(0) };
  if (k < 1 || !startVector(q, 0, n, random, locked)) return ritz;
  for (let j = 0; j < maxSteps; j++) {
    const qj = q.subarray(j * n, (j + 1) * n);
    product(qj, w);
    let a = 0;
    for (let i = 0; i < n; i++) a += qj[i] * w[i];
    alpha[j] = a;
    // Twice is enough (Kahan–Parlett): keeps the basis orthogonal to working precision.
    for (let pass = 0; pass < 2; pass++) {
      orthogonalise(w, q, j + 1, n);
      orthogonalise(w, locked, lockedCount, n);
    }
    let b = 0;
    for (let i = 0; i < n; i++) b += w[i] * w[i];
    b = Math.sqrt(b);
    steps = j + 1;
    const scale = Math.abs(a) + (j > 0 ? beta[j - 1] : 0);
    const converged = steps >= k && ritzConverged(alpha, beta, steps, b, k, tolerance);
    if (converged || steps === maxSteps) break;
    if (b <= 1e-12 * scale) {
      // Invariant subspace found: continue from a fresh vector orthogonal to it.
      beta[j] = 0;
      if (!startVector(q, j + 1, n, random, locked)) break;
    } else {
      beta[j] = b;
      const next = q.subarray((j + 1) * n, (j + 2) * n);
      for (let i = 0; i < n; i++) next[i] = w[i] / b;
    }
  }
  const t = tridiagonalEigen(alpha, beta, steps, steps);
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

/**
 * Eigenvalues (descending) of the `m x m` symmetric tridiagonal matrix with
 * diagonal `alpha` and off-diagonal `beta`, by implicit QL with Wilkinson
 * shifts; `vectors` holds, for each, its last `rows` components (all of them
 * when rows = m), so a convergence check costs O(m²) rather than O(m³).
 */
function tridiagonalEigen(
  alpha: Float64Array,
  beta: Float64Array,
  m: number,
  rows: number,
): Eigenpairs {
  const d = alpha.slice(0, m);
  const e = new Float64Array(m);
  e.set(beta.subarray(0, m - 1));
  // z holds the tracked rows (the last `rows`) of the rotation product, row-major.
  const z = new Float64Array(rows * m);
  for (let r = 0; r < rows; r++) z[r * m + m - rows + r] = 1;
  for (let l = 0; l < m; l++) {
    for (let iter = 0; iter < 100; iter++) {
      let end = l;
      while (end < m - 1 && Math.abs(e[end]) > 1e-15 * (Math.abs(d[end]) + Math.abs(d[end + 1]))) {
        end++;
      }
      if (end === l) break;
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[end] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1, c = 1, p = 0;
      let i = end - 1;
      for (; i >= l; i--) {
        const f = s * e[i], b = c * e[i];
        e[i + 1] = r = Math.hypot(f, g);
        if (r === 0) {
          d[i + 1] -= p;
          e[end] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        for (let row = 0; row < rows; row++) {
          const o = row * m;
          const zi1 = z[o + i + 1];
          z[o + i + 1] = s * z[o + i] + c * zi1;
          z[o + i] = c * z[o + i] - s * zi1;
        }
      }
      if (r === 0 && i >= l) continue;
      d[l] -= p;
      e[l] = g;
      e[end] = 0;
    }
  }
  const order = Array.from({ length: m }, (_, t) => t).sort((p, q) => d[q] - d[p]);
  const values = new Float64Array(m);
  const vectors = new Float64Array(m * rows);
  order.forEach((col, t) => {
    values[t] = d[col];
    for (let row = 0; row < rows; row++) vectors[t * rows + row] = z[row * m + col];
  });
  return { values, vectors };
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
  const t = tridiagonalEigen(alpha, beta, m, 1);
  const top = Math.abs(t.values[0]) || 1;
  for (let r = 0; r < k; r++) {
    if (Math.abs(nextBeta * t.vectors[r]) > tolerance * top) return false;
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

/**
 * Put a random unit vector orthogonal to basis vectors 0..j-1 and to the
 * `locked` vectors at slot j; false if none is left.
 */
function startVector(
  q: Float64Array,
  j: number,
  n: number,
  random: Random,
  locked: Float64Array,
): boolean {
  const v = q.subarray(j * n, (j + 1) * n);
  for (let i = 0; i < n; i++) v[i] = random.normal();
  for (let pass = 0; pass < 2; pass++) {
    orthogonalise(v, q, j, n);
    orthogonalise(v, locked, locked.length / n, n);
  }
  let s = 0;
  for (let i = 0; i < n; i++) s += v[i] * v[i];
  s = Math.sqrt(s);
  if (s < 1e-10 * Math.sqrt(n)) return false;
  for (let i = 0; i < n; i++) v[i] /= s;
  return true;
}
