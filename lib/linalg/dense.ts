/**
 * Small dense linear algebra in float64 (baselines, column fits): Cholesky
 * factors, triangular solves and orthonormalisation of a few long vectors.
 * Matrices are row-major Float64Arrays.
 *
 * @module
 */

/**
 * Lower Cholesky factor L of the symmetric positive-definite `n x n`
 * matrix `a` (A = L Lᵀ), or undefined when A is not positive definite.
 */
export function cholesky(a: Float64Array, n: number): Float64Array | undefined {
  const l = a.slice(0, n * n);
  if (!choleskyInPlace(l, n)) return undefined;
  for (let i = 0; i < n; i++) l.fill(0, i * n + i + 1, (i + 1) * n);
  return l;
}

/**
 * Overwrite the lower triangle (diagonal included) of the symmetric `n x n`
 * matrix `m` with its Cholesky factor L, reading only that triangle; false
 * when `m` is not positive definite. Allocates nothing, for hot loops.
 */
export function choleskyInPlace(m: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = m[j * n + j];
    for (let k = 0; k < j; k++) d -= m[j * n + k] * m[j * n + k];
    if (!(d > 0)) return false;
    const diag = Math.sqrt(d);
    m[j * n + j] = diag;
    for (let i = j + 1; i < n; i++) {
      let t = m[i * n + j];
      for (let k = 0; k < j; k++) t -= m[i * n + k] * m[j * n + k];
      m[i * n + j] = t / diag;
    }
  }
  return true;
}

/** Solve L Lᵀ x = v for x, with L the lower triangle of `l` (from {@linkcode choleskyInPlace}). */
export function solveCholesky(l: Float64Array, v: Float64Array, x: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    let s = v[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * x[k];
    x[i] = s / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
    x[i] = s / l[i * n + i];
  }
}

/** Inverse of the lower-triangular `n x n` matrix `l` (also lower triangular). */
export function invertLower(l: Float64Array, n: number): Float64Array {
  const inv = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    inv[j * n + j] = 1 / l[j * n + j];
    for (let i = j + 1; i < n; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= l[i * n + k] * inv[k * n + j];
      inv[i * n + j] = s / l[i * n + i];
    }
  }
  return inv;
}

/**
 * Orthonormalise the `count` vectors of length `n` stored one after another
 * in `v` (in place), by modified Gram-Schmidt, applied `passes` times
 * (default 2: orthogonal to working precision). A vector that is
 * (numerically) in the span of the previous ones becomes zero; returns the
 * number of vectors kept non-zero.
 */
export function orthonormalize(v: Float64Array, count: number, n: number, passes = 2): number {
  let rank = 0;
  for (let j = 0; j < count; j++) {
    const vj = v.subarray(j * n, (j + 1) * n);
    let before = 0;
    for (let i = 0; i < n; i++) before += vj[i] * vj[i];
    for (let pass = 0; pass < passes; pass++) {
      for (let p = 0; p < j; p++) {
        const vp = v.subarray(p * n, (p + 1) * n);
        let d = 0;
        for (let i = 0; i < n; i++) d += vp[i] * vj[i];
        for (let i = 0; i < n; i++) vj[i] -= d * vp[i];
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += vj[i] * vj[i];
    if (norm <= 1e-24 * before || norm === 0) {
      vj.fill(0);
      continue;
    }
    const scale = 1 / Math.sqrt(norm);
    for (let i = 0; i < n; i++) vj[i] *= scale;
    rank++;
  }
  return rank;
}

/** Gram matrix (`count x count`) of `count` vectors of length `len` stored one after another in `a`. */
export function gramOfRows(a: Float64Array, count: number, len: number): Float64Array {
  const g = new Float64Array(count * count);
  for (let p = 0; p < count; p++) {
    for (let q = p; q < count; q++) {
      let s = 0;
      for (let t = 0; t < len; t++) s += a[p * len + t] * a[q * len + t];
      g[p * count + q] = g[q * count + p] = s;
    }
  }
  return g;
}
