/**
 * Gaussian mixture models fitted by expectation-maximisation (Dempster,
 * Laird & Rubin 1977, doi:10.1111/j.2517-6161.1977.tb01600.x), with full or
 * diagonal covariances, initialised from k-means labels, and a BIC sweep
 * over the number of components — scikit-learn's `GaussianMixture`
 * (defaults `tol=1e-3` on the mean log-likelihood, `max_iter=100`,
 * `reg_covar=1e-6`, `init_params="kmeans"`), seeded.
 *
 * @module
 */

import { Workspace } from "../linalg/workspace.ts";
import { Random } from "../random.ts";
import { DiagonalModel, FullModel, type MixtureModel } from "./_gmm_models.ts";
import { kmeans } from "./kmeans.ts";
import { checkMatrix, type Matrix } from "./matrix.ts";

/** Covariance structure of the components. */
export type CovarianceType = "full" | "diag";

/** Most features a full-covariance mixture accepts (reduce with PCA first). */
export const FULL_COVARIANCE_MAX_FEATURES = 256;

/** Options of {@linkcode gaussianMixture}. */
export interface GaussianMixtureOptions {
  /** `full` (default) or `diag`. */
  covariance?: CovarianceType;
  /** EM iterations at most (default 100). */
  maxIterations?: number;
  /** Stop when the mean log-likelihood changes by less than this (default 1e-3). */
  tolerance?: number;
  /** Added to every variance, for stability (default 1e-6). */
  regularization?: number;
  /** Independent starts; the best (highest likelihood) is kept (default 1). */
  starts?: number;
  /** Seed (default 0). */
  seed?: number;
  /** Workspace for the products (e.g. a threaded one); a single-threaded one by default. */
  workspace?: Workspace;
}

/** A fitted mixture. */
export interface GaussianMixtureResult {
  /** Number of components. */
  k: number;
  /** Covariance structure. */
  covariance: CovarianceType;
  /** Mixing weights (k). */
  weights: Float64Array;
  /** Means, k rows of `cols`. */
  means: Float64Array;
  /** k `cols x cols` blocks (full) or k rows of `cols` variances (diag). */
  covariances: Float64Array;
  /** Most probable component of each row. */
  labels: Int32Array;
  /** Posterior probabilities, `rows x k`. */
  responsibilities: Float64Array;
  /** Mean log-likelihood per row under the returned parameters. */
  logLikelihood: number;
  /** Mean log-likelihood at each EM iteration (non-decreasing, as EM guarantees). */
  trace: Float64Array;
  /** EM iterations run. */
  iterations: number;
  /** Whether the change fell below the tolerance. */
  converged: boolean;
  /** Free parameters. */
  parameterCount: number;
  /** Bayesian information criterion, -2 n logL + p ln n (lower is better). */
  bic: number;
  /** Akaike information criterion, -2 n logL + 2p. */
  aic: number;
}

/**
 * Responsibilities from log densities (`n x k`): writes `resp` and returns
 * the mean log-likelihood (log-sum-exp per row, one exp per entry).
 */
function responsibilities(logProb: Float64Array, resp: Float64Array, n: number, k: number): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let peak = -Infinity;
    for (let j = 0; j < k; j++) if (logProb[o + j] > peak) peak = logProb[o + j];
    let sum = 0;
    for (let j = 0; j < k; j++) {
      // Below e^-50 a term cannot change the sum, which holds the peak's 1.
      const t = logProb[o + j] - peak;
      sum += resp[o + j] = t < -50 ? 0 : Math.exp(t);
    }
    total += peak + Math.log(sum);
    const scale = 1 / sum;
    for (let j = 0; j < k; j++) resp[o + j] *= scale;
  }
  return total / n;
}

/**
 * Fit a `k`-component Gaussian mixture to the rows of `x` by expectation-maximisation.
 *
 * @example
 * ```ts
 * import { adjustedRandIndex } from "../score.ts";
 * import { gaussianBlobs, gaussianMixture } from "./mod.ts";
 * const { x, labels } = gaussianBlobs(300, 3, 3, { separation: 10, seed: 3 });
 * const fit = gaussianMixture(x, 3, { covariance: "full", seed: 0 });
 * if (adjustedRandIndex(fit.labels, labels) < 0.99) throw new Error("blobs not recovered");
 * ```
 */
export function gaussianMixture(
  x: Matrix,
  k: number,
  options: GaussianMixtureOptions = {},
): GaussianMixtureResult {
  checkMatrix(x, "gaussianMixture");
  const { rows: n, cols: d } = x;
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new RangeError(`gaussianMixture: k = ${k} must be a whole number from 1 to ${n}`);
  }
  const covariance = options.covariance ?? "full";
  if (covariance === "full" && d > FULL_COVARIANCE_MAX_FEATURES) {
    throw new RangeError(
      `gaussianMixture: full covariances of ${d} features are too many; ` +
        `use diag, or reduce to at most ${FULL_COVARIANCE_MAX_FEATURES} with PCA first`,
    );
  }
  const maxIterations = Math.max(1, Math.floor(options.maxIterations ?? 100));
  const tolerance = options.tolerance ?? 1e-3;
  const regularization = options.regularization ?? 1e-6;
  const random = new Random(options.seed ?? 0);
  const ws = options.workspace ?? Workspace.single();
  let best: GaussianMixtureResult | undefined;
  for (let start = 0; start < Math.max(1, options.starts ?? 1); start++) {
    const seed = random.nextUint32();
    const mark = ws.mark();
    try {
      const model = covariance === "full"
        ? new FullModel(x, k, regularization)
        : new DiagonalModel(x, k, regularization, ws);
      const labels = kmeans(x, k, { starts: 1, seed, workspace: ws }).labels;
      const resp = new Float64Array(n * k);
      for (let i = 0; i < n; i++) resp[i * k + labels[i]] = 1;
      model.update(resp);
      const result = expectationMaximisation(model, n, k, maxIterations, tolerance);
      const fitted: GaussianMixtureResult = {
        k,
        covariance,
        weights: model.weights.slice(),
        means: model.means(),
        covariances: model.covariances(),
        ...result,
        parameterCount: model.parameterCount,
        bic: -2 * result.logLikelihood * n + model.parameterCount * Math.log(n),
        aic: -2 * result.logLikelihood * n + 2 * model.parameterCount,
      };
      if (!best || fitted.logLikelihood > best.logLikelihood) best = fitted;
    } finally {
      ws.release(mark);
    }
  }
  return best!;
}

function expectationMaximisation(
  model: MixtureModel,
  n: number,
  k: number,
  maxIterations: number,
  tolerance: number,
): Pick<
  GaussianMixtureResult,
  "labels" | "responsibilities" | "logLikelihood" | "trace" | "iterations" | "converged"
> {
  const logProb = new Float64Array(n * k);
  const resp = new Float64Array(n * k);
  const trace: number[] = [];
  let previous = -Infinity;
  let converged = false;
  let iterations = 0;
  for (let it = 1; it <= maxIterations; it++) {
    model.logDensities(logProb);
    const bound = responsibilities(logProb, resp, n, k);
    trace.push(bound);
    model.update(resp);
    iterations = it;
    if (Math.abs(bound - previous) < tolerance) {
      converged = true;
      break;
    }
    previous = bound;
  }
  // Final E-step, so that labels and likelihood match the returned parameters.
  model.logDensities(logProb);
  const logLikelihood = responsibilities(logProb, resp, n, k);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (resp[i * k + j] > resp[i * k + best]) best = j;
    labels[i] = best;
  }
  return {
    labels,
    responsibilities: resp,
    logLikelihood,
    trace: Float64Array.from(trace),
    iterations,
    converged,
  };
}

/** Options of {@linkcode bicSweep}. */
export interface BicSweepOptions extends GaussianMixtureOptions {
  /** Candidate component counts (default 1..8). */
  ks?: readonly number[];
}

/** BIC of a mixture for each candidate k; `best` is the k of least BIC. */
export interface BicSweep {
  /** The candidates, in order. */
  ks: number[];
  /** BIC per candidate. */
  bic: Float64Array;
  /** AIC per candidate. */
  aic: Float64Array;
  /** The k of least BIC. */
  best: number;
  /** The fitted mixture at `best`. */
  model: GaussianMixtureResult;
}

/**
 * Fit a mixture for every k in `options.ks` and pick the one of least BIC
 * (Schwarz 1978, doi:10.1214/aos/1176344136).
 *
 * @example Three blobs: the BIC picks three components.
 * ```ts
 * import { bicSweep, gaussianBlobs } from "./mod.ts";
 * const { x } = gaussianBlobs(300, 2, 3, { separation: 12, seed: 4 });
 * const sweep = bicSweep(x, { ks: [1, 2, 3, 4, 5], seed: 0 });
 * if (sweep.best !== 3) throw new Error(`best k ${sweep.best}`);
 * ```
 */
export function bicSweep(x: Matrix, options: BicSweepOptions = {}): BicSweep {
  const ks = [...(options.ks ?? [1, 2, 3, 4, 5, 6, 7, 8])];
  const bic = new Float64Array(ks.length);
  const aic = new Float64Array(ks.length);
  let model: GaussianMixtureResult | undefined;
  ks.forEach((k, t) => {
    const fitted = gaussianMixture(x, k, options);
    bic[t] = fitted.bic;
    aic[t] = fitted.aic;
    if (!model || fitted.bic < model.bic) model = fitted;
  });
  return { ks, bic, aic, best: model!.k, model: model! };
}
