import { assert, assertAlmostEquals, assertEquals, assertThrows } from "./assert.ts";
import { bicSweep, gaussianMixture } from "../lib/baselines/gmm.ts";
import { kmeans } from "../lib/baselines/kmeans.ts";
import type { Matrix } from "../lib/baselines/matrix.ts";
import { nmf } from "../lib/baselines/nmf.ts";
import { pca } from "../lib/baselines/pca.ts";
import { gaussianBlobs } from "../lib/baselines/synthetic.ts";
import { orthonormalize } from "../lib/linalg/dense.ts";
import { Random } from "../lib/random.ts";
import { adjustedRandIndex } from "../lib/score.ts";

/** X = U·diag(s)·Vᵀ + mean with orthonormal U (centred) and V: known principal axes. */
function knownSpectrum(n: number, d: number, s: number[], seed: number) {
  const random = new Random(seed);
  const k = s.length;
  const u = Float64Array.from({ length: (k + 1) * n }, () => random.normal());
  u.fill(1, 0, n); // the constant vector first, so the others are centred
  orthonormalize(u, k + 1, n);
  const v = Float64Array.from({ length: k * d }, () => random.normal());
  orthonormalize(v, k, d);
  const mean = Float64Array.from({ length: d }, () => random.uniform());
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < d; c++) {
      let x = mean[c];
      for (let t = 0; t < k; t++) x += u[(t + 1) * n + i] * s[t] * v[t * d + c];
      data[i * d + c] = x;
    }
  }
  return { x: { data, rows: n, cols: d } as Matrix, v, mean };
}

function absDot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return Math.abs(s);
}

Deno.test("pca: exact and randomized recover a planted SVD", () => {
  const s = [30, 20, 12, 7, 3];
  for (const [n, d] of [[120, 40], [40, 90]]) {
    const { x, v, mean } = knownSpectrum(n, d, s, n + d);
    for (const method of ["exact", "randomized"] as const) {
      const p = pca(x, { components: 5, method });
      assertEquals(p.method, method);
      for (let t = 0; t < 5; t++) {
        assertAlmostEquals(p.singularValues[t], s[t], 1e-3 * s[t], `${method} s${t}`);
        assertAlmostEquals(p.explainedVariance[t], s[t] ** 2 / (n - 1), 1e-3 * s[t] ** 2 / n);
        const axis = p.components.subarray(t * d, (t + 1) * d);
        assertAlmostEquals(
          absDot(axis, v.subarray(t * d, (t + 1) * d)),
          1,
          1e-5,
          `${method} axis ${t}`,
        );
      }
      assertAlmostEquals(p.mean[7], mean[7], 1e-5);
      // Rank 5: five components explain everything.
      assertAlmostEquals(p.explainedVarianceRatio.reduce((a, b) => a + b), 1, 1e-4);
      // Scores are the centred data projected on the axes.
      let proj = 0;
      for (let c = 0; c < d; c++) proj += (x.data[3 * d + c] - p.mean[c]) * p.components[c];
      assertAlmostEquals(p.scores[3 * 5], proj, 1e-3);
    }
  }
});

Deno.test("pca: randomized equals exact on a noisy matrix with a decaying spectrum", () => {
  const { x } = gaussianBlobs(300, 150, 6, { decay: 0.5, seed: 4 });
  const exact = pca(x, { components: 6, method: "exact" });
  const fast = pca(x, { components: 6, method: "randomized", seed: 9 });
  for (let t = 0; t < 6; t++) {
    assertAlmostEquals(
      fast.explainedVariance[t],
      exact.explainedVariance[t],
      1e-4 * exact.explainedVariance[0],
    );
    const a = exact.components.subarray(t * 150, (t + 1) * 150);
    const b = fast.components.subarray(t * 150, (t + 1) * 150);
    assertAlmostEquals(absDot(a, b), 1, 1e-4);
  }
  // Randomized scores (Q·B·Vᵀ, without a pass over X) match the exact projection.
  const peak = Math.max(...exact.scores.map(Math.abs));
  for (let t = 0; t < exact.scores.length; t++) {
    assertAlmostEquals(fast.scores[t], exact.scores[t], 1e-3 * peak);
  }
});

Deno.test("kmeans: recovers planted clusters, is seeded, keeps the best start", () => {
  const { x, labels } = gaussianBlobs(600, 30, 5, { separation: 2.5, seed: 2 });
  const a = kmeans(x, 5, { seed: 3 });
  assertEquals(adjustedRandIndex(a.labels, labels), 1);
  assertEquals(a.sizes.reduce((p, q) => p + q), 600);
  const b = kmeans(x, 5, { seed: 3 });
  assertEquals(Array.from(b.labels), Array.from(a.labels));
  // Inertia equals the sum of squared distances to the returned centres.
  let inertia = 0;
  for (let i = 0; i < 600; i++) {
    for (let c = 0; c < 30; c++) {
      inertia += (x.data[i * 30 + c] - a.centres[a.labels[i] * 30 + c]) ** 2;
    }
  }
  assertAlmostEquals(a.inertia, inertia, 1e-3 * inertia);
  assertAlmostEquals(Math.min(...a.inertias), a.inertia, 0);
  assertThrows(() => kmeans(x, 0), RangeError);
});

Deno.test("kmeans: more clusters than distinct points leaves finite centres and zero inertia", () => {
  const data = new Float32Array(40);
  for (let i = 0; i < 20; i++) data[2 * i] = i < 10 ? 0 : 5; // two distinct points, 10 copies each
  const r = kmeans({ data, rows: 20, cols: 2 }, 3, { seed: 1, starts: 2 });
  assert(r.centres.every(Number.isFinite), `centres ${r.centres}`);
  assertEquals(r.inertia, 0);
  assertEquals(new Set(r.labels).size, 2);
});

Deno.test("gmm: EM log-likelihood is monotone and planted clusters are recovered", () => {
  const { x, labels } = gaussianBlobs(800, 6, 4, { separation: 3, decay: 0.5, seed: 5 });
  for (const covariance of ["full", "diag"] as const) {
    const g = gaussianMixture(x, 4, { covariance, seed: 2, tolerance: 1e-8 });
    for (let t = 1; t < g.trace.length; t++) {
      assert(g.trace[t] >= g.trace[t - 1] - 1e-9, `${covariance}: trace fell at ${t}`);
    }
    assert(g.iterations >= 2);
    assert(adjustedRandIndex(g.labels, labels) > 0.95, `${covariance} ARI`);
    assertAlmostEquals(g.weights.reduce((a, b) => a + b), 1, 1e-9);
    let rowSum = 0;
    for (let j = 0; j < 4; j++) rowSum += g.responsibilities[7 * 4 + j];
    assertAlmostEquals(rowSum, 1, 1e-9);
  }
});

Deno.test("gmm: the diagonal model's float32 kernels match a float64 evaluation", () => {
  // n·k·d above 4e6 takes the SIMD path.
  const n = 2000, d = 640;
  const { x, labels } = gaussianBlobs(n, d, 4, { separation: 0.5, seed: 6 });
  const g = gaussianMixture(x, 4, { covariance: "diag", seed: 1, starts: 3 });
  assertEquals(adjustedRandIndex(g.labels, labels), 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const logs = [0, 1, 2, 3].map((j) => {
      let log = Math.log(g.weights[j]);
      for (let c = 0; c < d; c++) {
        const v = g.covariances[j * d + c];
        log -= 0.5 *
          (Math.log(2 * Math.PI * v) + (x.data[i * d + c] - g.means[j * d + c]) ** 2 / v);
      }
      return log;
    });
    const peak = Math.max(...logs);
    total += peak + Math.log(logs.reduce((s, l) => s + Math.exp(l - peak), 0));
  }
  assertAlmostEquals(g.logLikelihood, total / n, 1e-5 * Math.abs(total / n));
});

Deno.test("gmm: BIC picks the planted number of components", () => {
  for (const covariance of ["full", "diag"] as const) {
    const { x } = gaussianBlobs(900, 5, 3, { separation: 4, seed: 7 });
    const sweep = bicSweep(x, { covariance, ks: [1, 2, 3, 4, 5, 6], seed: 1 });
    assertEquals(sweep.best, 3, `${covariance}: BIC ${Array.from(sweep.bic)}`);
  }
  const wide = gaussianBlobs(50, 300, 2, { seed: 1 }).x;
  assertThrows(() => gaussianMixture(wide, 2, { covariance: "full" }), RangeError, "PCA");
});

Deno.test("nmf: recovers a planted non-negative factorisation", () => {
  const random = new Random(4);
  const n = 200, d = 60, r = 3;
  const w = Float64Array.from({ length: n * r }, () => random.uniform() ** 3);
  const h = Float64Array.from({ length: r * d }, () => random.uniform() ** 4);
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < d; c++) {
      for (let j = 0; j < r; j++) data[i * d + c] += w[i * r + j] * h[j * d + c];
    }
  }
  const fit = nmf({ data, rows: n, cols: d }, r, { seed: 2, maxIterations: 400, tolerance: 1e-7 });
  assert(fit.relativeError < 0.01, `relative error ${fit.relativeError}`);
  // Each planted component is matched by a fitted one (cosine similarity > 0.99).
  for (let j = 0; j < r; j++) {
    const truth = h.subarray(j * d, (j + 1) * d);
    let best = 0;
    for (let q = 0; q < r; q++) {
      const comp = fit.components.subarray(q * d, (q + 1) * d);
      let dot = 0, a = 0, b = 0;
      for (let c = 0; c < d; c++) {
        dot += truth[c] * comp[c];
        a += truth[c] ** 2;
        b += comp[c] ** 2;
      }
      best = Math.max(best, dot / Math.sqrt(a * b));
    }
    assert(best > 0.99, `component ${j}: best cosine ${best}`);
  }
  assert(fit.components.every((v) => v >= 0) && fit.weights.every((v) => v >= 0));
  data[5] = -1;
  assertThrows(() => nmf({ data, rows: n, cols: d }, r), RangeError, "negative");
});
