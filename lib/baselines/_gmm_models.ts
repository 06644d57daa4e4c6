/**
 * The two covariance models of the Gaussian mixture: each computes the
 * weighted log-densities of every row under every component (E-step) and
 * re-estimates the components from responsibilities (M-step), as
 * scikit-learn's `GaussianMixture` does (same regularisation `reg_covar`
 * added to the variances, same `10·ε` added to the component masses).
 *
 * - `full`: dense covariances, float64, through Cholesky factors; meant for
 *   a few dozen features (e.g. PCA scores).
 * - `diag`: per-feature variances; any number of features (a flattened
 *   stack). On large problems both products of an iteration run in the
 *   float32 SIMD kernels over `[x, x²]` of the centred data, as
 *   scikit-learn computes them with `X @ (μ/σ²)ᵀ` and `X² @ (1/σ²)ᵀ`; small
 *   ones (n·k·d ≤ 4·10⁶, e.g. PCA scores) run in float64, where the
 *   log-likelihood then rises monotonically to the last digit.
 *
 * @module
 */

import { cholesky, invertLower } from "../linalg/dense.ts";
import type { WasmMatrix, Workspace } from "../linalg/workspace.ts";
import type { Matrix } from "./matrix.ts";

const LOG_2PI = Math.log(2 * Math.PI);
const MASS_EPSILON = 10 * Number.EPSILON;
// Responsibilities below this add less than 1e-12 of a row to a component's
// sums (the sums hold ≥ 10ε of mass and typically thousands of rows): skipped.
const NEGLIGIBLE = 1e-12;

/** A mixture's components: E-step densities and M-step updates. */
export interface MixtureModel {
  /** `out[i*k + j]` = log w_j + log N(x_i | μ_j, Σ_j). */
  logDensities(out: Float64Array): void;
  /** Re-estimate weights, means and covariances from responsibilities (`n x k`). */
  update(resp: Float64Array): void;
  /** Mixing weights (k). */
  readonly weights: Float64Array;
  /** Means, k rows of d, in the input's frame. */
  means(): Float64Array;
  /** Covariances: k d x d blocks (full) or k rows of d variances (diag). */
  covariances(): Float64Array;
  /** Free parameters, for BIC. */
  readonly parameterCount: number;
}

/** Component masses N_j = Σ_i r_ij + 10ε and weights N_j / n. */
function masses(resp: Float64Array, n: number, k: number, weights: Float64Array): Float64Array {
  const mass = new Float64Array(k).fill(MASS_EPSILON);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) mass[j] += resp[i * k + j];
  for (let j = 0; j < k; j++) weights[j] = mass[j] / n;
  return mass;
}

/** Full-covariance components, in float64. */
export class FullModel implements MixtureModel {
  readonly weights: Float64Array;
  readonly parameterCount: number;
  readonly #x: Matrix;
  readonly #data: Float64Array; // the rows in float64, read every iteration
  readonly #k: number;
  readonly #regularization: number;
  #means: Float64Array;
  #covariances: Float64Array;
  #whiteners: Float64Array[] = []; // L⁻¹ per component, with Σ = L Lᵀ
  #logDets: Float64Array; // log det Σ_j⁻¹ / 2

  /** Components for the rows of `x`, with `regularization` added to the variances. */
  constructor(x: Matrix, k: number, regularization: number) {
    const d = x.cols;
    this.#x = x;
    this.#data = Float64Array.from(x.data);
    this.#k = k;
    this.#regularization = regularization;
    this.weights = new Float64Array(k);
    this.#means = new Float64Array(k * d);
    this.#covariances = new Float64Array(k * d * d);
    this.#logDets = new Float64Array(k);
    this.parameterCount = k * d * (d + 1) / 2 + k * d + k - 1;
  }

  update(resp: Float64Array): void {
    const { rows: n, cols: d } = this.#x;
    const data = this.#data;
    const k = this.#k;
    const mass = masses(resp, n, k, this.weights);
    const means = this.#means.fill(0);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        const r = resp[i * k + j];
        if (r < NEGLIGIBLE) continue;
        for (let c = 0; c < d; c++) means[j * d + c] += r * data[i * d + c];
      }
    }
    for (let j = 0; j < k; j++) for (let c = 0; c < d; c++) means[j * d + c] /= mass[j];
    const cov = this.#covariances.fill(0);
    const diff = new Float64Array(d);
    for (let j = 0; j < k; j++) {
      const block = cov.subarray(j * d * d, (j + 1) * d * d);
      const mean = means.subarray(j * d, (j + 1) * d);
      for (let i = 0; i < n; i++) {
        const r = resp[i * k + j];
        if (r < NEGLIGIBLE) continue;
        const o = i * d;
        for (let c = 0; c < d; c++) diff[c] = data[o + c] - mean[c];
        for (let p = 0; p < d; p++) {
          const rp = r * diff[p];
          const row = p * d;
          for (let q = p; q < d; q++) block[row + q] += rp * diff[q];
        }
      }
      for (let p = 0; p < d; p++) {
        for (let q = p; q < d; q++) {
          block[p * d + q] = block[q * d + p] = block[p * d + q] / mass[j];
        }
        block[p * d + p] += this.#regularization;
      }
      const l = cholesky(block, d);
      if (!l) {
        throw new RangeError(
          "gaussianMixture: a covariance is not positive definite; increase the regularization",
        );
      }
      this.#whiteners[j] = invertLower(l, d);
      let logDet = 0;
      for (let p = 0; p < d; p++) logDet -= Math.log(l[p * d + p]);
      this.#logDets[j] = logDet;
    }
  }

  logDensities(out: Float64Array): void {
    const { rows: n, cols: d } = this.#x;
    const data = this.#data;
    const k = this.#k;
    const white = new Float64Array(d);
    for (let j = 0; j < k; j++) {
      const w = this.#whiteners[j];
      const mean = this.#means.subarray(j * d, (j + 1) * d);
      // ‖L⁻¹(x − μ)‖² = ‖L⁻¹x − L⁻¹μ‖²: whiten the mean once per component.
      for (let p = 0; p < d; p++) {
        let y = 0;
        for (let c = 0; c <= p; c++) y += w[p * d + c] * mean[c];
        white[p] = y;
      }
      const constant = Math.log(this.weights[j]) + this.#logDets[j] - 0.5 * d * LOG_2PI;
      // Two rows at a time: each entry of L⁻¹ is loaded once for both.
      for (let i = 0; i < n; i += 2) {
        const o = i * d;
        const o2 = i + 1 < n ? o + d : o;
        let q = 0, q2 = 0;
        for (let p = 0; p < d; p++) {
          let y = -white[p], y2 = y;
          const row = p * d;
          for (let c = 0; c <= p; c++) {
            const wc = w[row + c];
            y += wc * data[o + c];
            y2 += wc * data[o2 + c];
          }
          q += y * y;
          q2 += y2 * y2;
        }
        out[i * k + j] = constant - 0.5 * q;
        if (i + 1 < n) out[(i + 1) * k + j] = constant - 0.5 * q2;
      }
    }
  }

  means(): Float64Array {
    return this.#means.slice();
  }

  covariances(): Float64Array {
    return this.#covariances.slice();
  }
}

/** Diagonal-covariance components; the products run in `workspace`. */
export class DiagonalModel implements MixtureModel {
  readonly weights: Float64Array;
  readonly parameterCount: number;
  readonly #ws: Workspace;
  readonly #n: number;
  readonly #d: number;
  readonly #k: number;
  readonly #regularization: number;
  readonly #x: Matrix;
  readonly #precise: boolean; // float64 in JavaScript instead of the float32 kernels
  readonly #offset: Float64Array; // the data's column means, removed for float32 accuracy
  readonly #xx: WasmMatrix; // [x - offset, (x - offset)²], n x 2d
  readonly #coefficients: WasmMatrix; // [μ/σ², -1/(2σ²)], k x 2d
  readonly #resp: WasmMatrix; // n x k, float32
  readonly #moments: WasmMatrix; // Σ r [x, x²], k x 2d
  readonly #density: WasmMatrix; // n x k
  readonly #means: Float64Array; // centred frame
  readonly #variances: Float64Array;
  readonly #constants: Float64Array;

  /**
   * Components for the rows of `x`; allocates in `workspace` (the caller
   * releases), with `regularization` added to the variances.
   */
  constructor(x: Matrix, k: number, regularization: number, workspace: Workspace) {
    const { rows: n, cols: d, data } = x;
    this.#ws = workspace;
    this.#n = n;
    this.#d = d;
    this.#k = k;
    this.#regularization = regularization;
    this.weights = new Float64Array(k);
    this.parameterCount = 2 * k * d + k - 1;
    this.#means = new Float64Array(k * d);
    this.#variances = new Float64Array(k * d);
    this.#constants = new Float64Array(k);
    const offset = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) offset[c] += data[i * d + c];
    for (let c = 0; c < d; c++) offset[c] /= n;
    this.#offset = offset;
    this.#x = x;
    this.#precise = n * k * d <= 4e6;
    const ws = workspace;
    if (this.#precise) {
      // Nothing to allocate: placeholders keep the fields typed.
      this.#xx =
        this.#coefficients =
        this.#resp =
        this.#moments =
        this.#density =
          ws.matrix(0, 0);
      return;
    }
    this.#xx = ws.matrix(n, 2 * d);
    this.#coefficients = ws.matrix(k, 2 * d, this.#xx.stride);
    this.#resp = ws.matrix(n, k);
    this.#moments = ws.matrix(k, 2 * d, this.#xx.stride);
    this.#density = ws.matrix(n, k);
    const v = ws.view(this.#xx);
    const stride = this.#xx.stride;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < d; c++) {
        const t = data[i * d + c] - offset[c];
        v[i * stride + c] = t;
        v[i * stride + d + c] = t * t;
      }
    }
  }

  update(resp: Float64Array): void {
    const ws = this.#ws;
    const n = this.#n, d = this.#d, k = this.#k;
    const mass = masses(resp, n, k, this.weights);
    if (this.#precise) {
      this.#updatePrecise(resp, mass);
      return;
    }
    const rv = ws.view(this.#resp);
    const rs = this.#resp.stride;
    for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) rv[i * rs + j] = resp[i * k + j];
    ws.productTNInto(this.#resp, this.#xx, this.#moments);
    const mv = ws.view(this.#moments);
    const ms = this.#moments.stride;
    for (let j = 0; j < k; j++) {
      let constant = Math.log(this.weights[j]) - 0.5 * d * LOG_2PI;
      for (let c = 0; c < d; c++) {
        const mean = mv[j * ms + c] / mass[j];
        const variance = Math.max(0, mv[j * ms + d + c] / mass[j] - mean * mean) +
          this.#regularization;
        this.#means[j * d + c] = mean;
        this.#variances[j * d + c] = variance;
        constant -= 0.5 * (mean * mean / variance + Math.log(variance));
      }
      this.#constants[j] = constant;
    }
    const cv = ws.view(this.#coefficients);
    const cs = this.#coefficients.stride;
    for (let j = 0; j < k; j++) {
      for (let c = 0; c < d; c++) {
        const precision = 1 / this.#variances[j * d + c];
        cv[j * cs + c] = this.#means[j * d + c] * precision;
        cv[j * cs + d + c] = -0.5 * precision;
      }
    }
  }

  #updatePrecise(resp: Float64Array, mass: Float64Array): void {
    const n = this.#n, d = this.#d, k = this.#k;
    const data = this.#x.data;
    const means = this.#means.fill(0);
    const squares = this.#variances.fill(0);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        const r = resp[i * k + j];
        if (r === 0) continue;
        for (let c = 0; c < d; c++) {
          const t = data[i * d + c] - this.#offset[c];
          means[j * d + c] += r * t;
          squares[j * d + c] += r * t * t;
        }
      }
    }
    for (let j = 0; j < k; j++) {
      let constant = Math.log(this.weights[j]) - 0.5 * d * LOG_2PI;
      for (let c = 0; c < d; c++) {
        const mean = means[j * d + c] / mass[j];
        const variance = Math.max(0, squares[j * d + c] / mass[j] - mean * mean) +
          this.#regularization;
        means[j * d + c] = mean;
        squares[j * d + c] = variance;
        constant -= 0.5 * Math.log(variance);
      }
      this.#constants[j] = constant;
    }
  }

  logDensities(out: Float64Array): void {
    const ws = this.#ws;
    const n = this.#n, k = this.#k;
    if (this.#precise) {
      const d = this.#d;
      const data = this.#x.data;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < k; j++) {
          let q = 0;
          for (let c = 0; c < d; c++) {
            const t = data[i * d + c] - this.#offset[c] - this.#means[j * d + c];
            q += t * t / this.#variances[j * d + c];
          }
          out[i * k + j] = this.#constants[j] - 0.5 * q;
        }
      }
      return;
    }
    ws.productNTInto(this.#xx, this.#coefficients, this.#density);
    const dv = ws.view(this.#density);
    const ds = this.#density.stride;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) out[i * k + j] = dv[i * ds + j] + this.#constants[j];
    }
  }

  means(): Float64Array {
    const out = this.#means.slice();
    for (let j = 0; j < this.#k; j++) {
      for (let c = 0; c < this.#d; c++) out[j * this.#d + c] += this.#offset[c];
    }
    return out;
  }

  covariances(): Float64Array {
    return this.#variances.slice();
  }
}
