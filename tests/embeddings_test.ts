import { assert, assertAlmostEquals, assertEquals, assertRejects, assertThrows } from "./assert.ts";
import { largestEigenpairs, symmetricEigen } from "../lib/baselines/eigen.ts";
import { isomap } from "../lib/baselines/isomap.ts";
import { knnGraph } from "../lib/baselines/knn.ts";
import type { Matrix } from "../lib/baselines/matrix.ts";
import { mds, mdsStress } from "../lib/baselines/mds.ts";
import { WorkerPool } from "../lib/baselines/pool.ts";
import { allocateQuadtree, buildQuadtree } from "../lib/baselines/quadtree.ts";
import { gaussianBlobs, swissRoll } from "../lib/baselines/synthetic.ts";
import { affinities, conditionalAffinities, tsne } from "../lib/baselines/tsne.ts";
import { repulsion } from "../lib/baselines/tsne_gradient.ts";
import { fitCurve, spectralLayout, umap } from "../lib/baselines/umap.ts";
import { UserError } from "../lib/errors.ts";
import { Random } from "../lib/random.ts";

/** Share of points nearer their own cluster's 2-D centroid than any other's. */
function centroidPurity(y: Float64Array, labels: Int32Array, k: number): number {
  const n = labels.length;
  const c = new Float64Array(3 * k);
  for (let i = 0; i < n; i++) {
    c[3 * labels[i]] += y[2 * i];
    c[3 * labels[i] + 1] += y[2 * i + 1];
    c[3 * labels[i] + 2]++;
  }
  let ok = 0;
  for (let i = 0; i < n; i++) {
    let best = -1, bestD = Infinity;
    for (let g = 0; g < k; g++) {
      const d = (y[2 * i] - c[3 * g] / c[3 * g + 2]) ** 2 +
        (y[2 * i + 1] - c[3 * g + 1] / c[3 * g + 2]) ** 2;
      if (d < bestD) [bestD, best] = [d, g];
    }
    if (best === labels[i]) ok++;
  }
  return ok / n;
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) [ma, mb] = [ma + a[i] / n, mb + b[i] / n];
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const r = new Random(seed);
  return { data: Float32Array.from({ length: rows * cols }, () => r.normal()), rows, cols };
}

Deno.test("knn: equals a full sort of all distances, on one thread and on two", async () => {
  const x = randomMatrix(1100, 7, 1); // three row blocks: shared between threads
  const k = 6;
  const pool = await WorkerPool.create(2);
  try {
    for (const g of [knnGraph(x, k), knnGraph(x, k, { pool })]) {
      for (const i of [0, 1, 511, 512, 1099]) {
        const all = Array.from({ length: x.rows }, (_, j) => j).filter((j) => j !== i)
          .map((j) => {
            let s = 0;
            for (let c = 0; c < x.cols; c++) s += (x.data[i * 7 + c] - x.data[j * 7 + c]) ** 2;
            return { j, d: Math.sqrt(s) };
          }).sort((p, q) => p.d - q.d);
        assertEquals(
          Array.from(g.indices.subarray(i * k, (i + 1) * k)),
          all.slice(0, k).map((e) => e.j),
        );
        for (let t = 0; t < k; t++) assertAlmostEquals(g.distances[i * k + t], all[t].d, 1e-5);
      }
    }
  } finally {
    pool.close();
  }
  assertThrows(() => knnGraph(x, 1100), UserError, "k must be");
  assertThrows(
    () => knnGraph({ data: new Float32Array([0, NaN, 1, 2]), rows: 2, cols: 2 }, 1),
    UserError,
    "non-finite",
  );
});

Deno.test("eigen: Lanczos finds the top eigenpairs that Jacobi finds on a dense matrix", () => {
  const n = 60, r = new Random(3);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = r.normal() + (i === j ? 0.2 * i : 0);
  }
  const full = symmetricEigen(a, n);
  // A v = λ v for every Jacobi pair.
  for (const t of [0, 30, 59]) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += a[i * n + j] * full.vectors[t * n + j];
      assertAlmostEquals(s, full.values[t] * full.vectors[t * n + i], 1e-9);
    }
  }
  const top = largestEigenpairs(
    (v, out) => {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += a[i * n + j] * v[j];
        out[i] = s;
      }
    },
    n,
    3,
    new Random(1),
  );
  for (let t = 0; t < 3; t++) {
    assertAlmostEquals(top.values[t], full.values[t], 1e-8);
    let dot = 0;
    for (let i = 0; i < n; i++) dot += top.vectors[t * n + i] * full.vectors[t * n + i];
    assertAlmostEquals(Math.abs(dot), 1, 1e-6);
  }
});

Deno.test("tsne: Barnes-Hut repulsion is exact at θ = 0 and close at θ = 0.5", () => {
  const n = 400, r = new Random(5);
  const y = Float64Array.from({ length: 2 * n }, () => 10 * r.normal());
  for (let i = 1; i < 40; i++) y.set([y[0], y[1]], 2 * i); // 40 coincident points
  y.set([1e7, -3e7], 2 * 40); // a far outlier: the other points share one cell of its grid
  let z = 0;
  const exact = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
      const q = 1 / (1 + dx * dx + dy * dy);
      z += q;
      exact[2 * i] += q * q * dx;
      exact[2 * i + 1] += q * q * dy;
    }
  }
  const tree = buildQuadtree(allocateQuadtree(n), y);
  const force = new Float64Array(2 * n);
  assertAlmostEquals(repulsion(tree, 0, force, 0, n) / z, 1, 1e-12);
  for (let t = 0; t < 2 * n; t++) assertAlmostEquals(force[t], exact[t], 1e-12);
  const zApprox = repulsion(tree, 0.25, force, 0, n);
  assertAlmostEquals(zApprox / z, 1, 0.02);
  let err = 0, norm = 0;
  for (let t = 0; t < 2 * n; t++) {
    [err, norm] = [err + (force[t] - exact[t]) ** 2, norm + exact[t] ** 2];
  }
  assert(Math.sqrt(err / norm) < 0.03, `relative force error ${Math.sqrt(err / norm)}`);
});

Deno.test("tsne: affinities are symmetric, sum to 1, and each row has the asked perplexity", () => {
  const { x } = gaussianBlobs(200, 10, 2, { seed: 2 });
  const knn = knnGraph(x, 31);
  const conditional = conditionalAffinities(knn, 10);
  for (let i = 0; i < knn.n; i++) {
    const row = conditional.subarray(i * knn.k, (i + 1) * knn.k);
    const entropy = -row.reduce((s, v) => s + (v > 0 ? v * Math.log(v) : 0), 0);
    assertAlmostEquals(row.reduce((s, v) => s + v, 0), 1, 1e-12);
    assertAlmostEquals(entropy, Math.log(10), 1e-5);
  }
  const p = affinities(knn, 10);
  let total = 0;
  const dense = new Map<number, number>();
  for (let i = 0; i < p.n; i++) {
    for (let e = p.offsets[i]; e < p.offsets[i + 1]; e++) {
      total += p.values[e];
      dense.set(i * p.n + p.columns[e], p.values[e]);
    }
  }
  assertAlmostEquals(total, 1, 1e-9);
  for (const [key, v] of dense) {
    assertAlmostEquals(dense.get((key % p.n) * p.n + Math.floor(key / p.n)) ?? -1, v, 1e-15);
  }
});

Deno.test("tsne: keeps planted clusters apart; seeded; same answer on one thread or two", async () => {
  const { x, labels } = gaussianBlobs(300, 50, 3, { seed: 1 });
  const options = { perplexity: 20, iterations: 400, seed: 3 };
  const one = await tsne(x, { ...options, threads: 1 });
  assertEquals(one.length, 600);
  assert(one.every(Number.isFinite));
  assertEquals(centroidPurity(one, labels, 3), 1);
  assertEquals(await tsne(x, { ...options, threads: 2 }), one);
  const other = await tsne(x, { ...options, seed: 4, init: "random", threads: 1 });
  assert(other.some((v, t) => v !== one[t]), "another seed gives another layout");
  await assertRejects(() => tsne(x, { perplexity: 300 }), UserError, "perplexity");
});

Deno.test("mds: reproduces the distances of points that truly are 2-D", async () => {
  // 80 points on a plane inside 5-D, turned by a random orthonormal frame.
  const n = 80, r = new Random(7);
  const u = [0, 1].map(() => Array.from({ length: 5 }, () => r.normal()));
  const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
  u[1] = u[1].map((v, i) => v - (dot(u[0], u[1]) / dot(u[0], u[0])) * u[0][i]);
  const frame = u.map((v) => v.map((c) => c / Math.sqrt(dot(v, v))));
  const data = new Float32Array(n * 5);
  for (let i = 0; i < n; i++) {
    const [a, b] = [10 * r.uniform(), 10 * r.uniform()];
    for (let c = 0; c < 5; c++) data[i * 5 + c] = a * frame[0][c] + b * frame[1][c];
  }
  const x = { data, rows: n, cols: 5 };
  const y = await mds(x, { eps: 1e-9, maxIterations: 3000, seed: 1, threads: 2 });
  assert(mdsStress(x, y).normalized < 1e-3, `stress-1 ${mdsStress(x, y).normalized}`);
  assertEquals(await mds(x, { eps: 1e-9, maxIterations: 3000, seed: 1, threads: 1 }), y);
  // Of several starts the lowest stress is kept: never worse than one start.
  const { x: blobs } = gaussianBlobs(120, 8, 3, { seed: 4 });
  const four = mdsStress(blobs, await mds(blobs, { starts: 4, seed: 2 })).raw;
  const single = mdsStress(blobs, await mds(blobs, { starts: 1, seed: 2 })).raw;
  assert(four <= single * (1 + 1e-9), `4 starts ${four} vs 1 start ${single}`);
});

Deno.test("isomap: unrolls a Swiss roll along its geodesic coordinate", async () => {
  const { x, arcLength } = swissRoll(800, { seed: 3 });
  const y = await isomap(x, { neighbors: 10, threads: 2 });
  const first = Array.from({ length: x.rows }, (_, i) => y[2 * i]);
  const r = Math.abs(correlation(arcLength, first));
  assert(r > 0.95, `|corr(arc length, axis 1)| = ${r}`);
  assertEquals(await isomap(x, { neighbors: 10, threads: 1 }), y);
});

Deno.test("isomap: joins a disconnected neighbour graph and keeps its parts apart", async () => {
  const { x, labels } = gaussianBlobs(150, 6, 3, { seed: 8, separation: 8 });
  const y = await isomap(x, { neighbors: 4 });
  assert(y.every(Number.isFinite));
  assertEquals(centroidPurity(y, labels, 3), 1);
});

Deno.test("umap: curve parameters match umap-learn's; separates planted clusters; seeded", async () => {
  const { a, b } = fitCurve(1, 0.1);
  assertAlmostEquals(a, 1.577, 2e-3); // umap-learn: a = 1.5769, b = 0.8951
  assertAlmostEquals(b, 0.8951, 1e-3);
  const { x, labels } = gaussianBlobs(300, 50, 3, { seed: 2 });
  const y = await umap(x, { epochs: 200, seed: 5 });
  assertEquals(centroidPurity(y, labels, 3), 1);
  assertEquals(await umap(x, { epochs: 200, seed: 5, threads: 1 }), y);
  const other = await umap(x, { epochs: 200, seed: 6 });
  assert(other.some((v, t) => v !== y[t]));
});

Deno.test("umap: the spectral layout of a ring graph is a circle, in order", () => {
  const n = 60;
  const heads = new Int32Array(2 * n), tails = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) {
    [heads[2 * i], tails[2 * i]] = [i, (i + 1) % n];
    [heads[2 * i + 1], tails[2 * i + 1]] = [(i + 1) % n, i];
  }
  const y = spectralLayout(
    { heads, tails, weights: new Float64Array(2 * n).fill(1) },
    n,
    new Random(1),
  );
  assert(y !== undefined);
  const radius = Math.hypot(y[0], y[1]);
  for (let i = 0; i < n; i++) {
    assertAlmostEquals(Math.hypot(y[2 * i], y[2 * i + 1]), radius, 1e-6);
    const turn = Math.atan2(y[2 * i + 1], y[2 * i]) -
      Math.atan2(y[(2 * i + 3) % (2 * n)], y[(2 * i + 2) % (2 * n)]);
    const step = Math.abs(((turn + 3 * Math.PI) % (2 * Math.PI)) - Math.PI);
    assertAlmostEquals(step, (2 * Math.PI) / n, 1e-6);
  }
  // Two rings apart: no spectral layout (UMAP then starts from principal components).
  const split = spectralLayout(
    {
      heads: heads.map((v) => v % 30),
      tails: tails.map((v) => v % 30),
      weights: new Float64Array(2 * n).fill(1),
    },
    n,
    new Random(1),
  );
  assertEquals(split, undefined);
});
