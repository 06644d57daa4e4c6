/**
 * Bench area `embeddings`: the nonlinear embeddings on PCA-50 scores of the
 * `baselines` bench stack (5,000 48 px windows of a generated image),
 * against scikit-learn 1.2 on the same float32 data in the same run:
 * Barnes-Hut TSNE(perplexity 30, 1,000 iterations, init pca) on all 5,000
 * rows, Isomap(k=5) and MDS(SMACOF, 4 starts, 300 iterations) on the first
 * 2,000; UMAP (15 neighbours, 500 epochs) on all 5,000 has no scikit-learn
 * counterpart and is timed alone. ferrovae runs on one thread and on two,
 * scikit-learn with its default threads and limited to one; each runs once
 * per method, interleaved, so all meet the same load.
 * Quality is measured the same way for both: the share of each point's 10
 * nearest neighbours kept in 2-D (t-SNE, UMAP), Kruskal stress-1 (MDS), and
 * the correlation between the two Isomap embeddings' pairwise distances
 * (the same up to rotation: 1). Last, t-SNE alone on 20,000 synthetic rows.
 *
 * @module
 */

import process from "node:process";
import { isomap } from "../../lib/baselines/isomap.ts";
import { knnGraph } from "../../lib/baselines/knn.ts";
import type { Matrix } from "../../lib/baselines/matrix.ts";
import { mds, mdsStress } from "../../lib/baselines/mds.ts";
import { pca } from "../../lib/baselines/pca.ts";
import { gaussianBlobs } from "../../lib/baselines/synthetic.ts";
import { tsne } from "../../lib/baselines/tsne.ts";
import { umap } from "../../lib/baselines/umap.ts";
import { decodeNpy, encodeNpy } from "../../lib/formats/npy.ts";
import { benchStack } from "./baselines.ts";
import { findSklearnPython, runJsonLines } from "./_sklearn.ts";

const DIR = "/tmp/ferrovae_bench_embeddings";
const SMALL = 2000;

type Method = "tsne" | "umap" | "isomap" | "mds";

/** scikit-learn 1.2's seconds on this kind of machine, from the issue (none for UMAP). */
const TARGETS: Partial<Record<Method, number>> = { tsne: 15, isomap: 1.5, mds: 20 };

/** Methods scikit-learn has (UMAP is not in scikit-learn, nor umap-learn in Debian). */
const IN_SKLEARN: ReadonlySet<Method> = new Set(["tsne", "isomap", "mds"]);

function rows(x: Matrix, count: number): Matrix {
  return { data: x.data.slice(0, count * x.cols), rows: count, cols: x.cols };
}

/** Mean share of each row's 10 nearest neighbours in `x` that stay among its 10 nearest in `y`. */
function neighbourKept(x: Matrix, y: Float64Array): number {
  const k = 10;
  const high = knnGraph(x, k);
  const low = knnGraph({ data: Float32Array.from(y), rows: x.rows, cols: 2 }, k);
  let kept = 0;
  for (let i = 0; i < x.rows; i++) {
    const mine = new Set(high.indices.subarray(i * k, (i + 1) * k));
    for (let t = 0; t < k; t++) if (mine.has(low.indices[i * k + t])) kept++;
  }
  return kept / (x.rows * k);
}

/** Pearson correlation of the pairwise distances of two 2-D embeddings (1: same up to rotation). */
function distanceCorrelation(a: Float64Array, b: Float64Array): number {
  const n = a.length / 2;
  let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, m = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const da = Math.hypot(a[2 * i] - a[2 * j], a[2 * i + 1] - a[2 * j + 1]);
      const db = Math.hypot(b[2 * i] - b[2 * j], b[2 * i + 1] - b[2 * j + 1]);
      sa += da;
      sb += db;
      saa += da * da;
      sbb += db * db;
      sab += da * db;
      m++;
    }
  }
  const cov = sab / m - (sa / m) * (sb / m);
  return cov / Math.sqrt((saa / m - (sa / m) ** 2) * (sbb / m - (sb / m) ** 2));
}

/** CPU seconds of this process so far, all threads. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Wall and CPU seconds of `fn`, and its result. */
async function timed(fn: () => Promise<Float64Array>): Promise<[number, number, Float64Array]> {
  const start = performance.now(), cpu = cpuSeconds();
  const y = await fn();
  return [(performance.now() - start) / 1000, cpuSeconds() - cpu, y];
}

/** Run the area. */
export async function run(): Promise<void> {
  const stack = benchStack();
  const p50 = pca(stack, { components: 50, seed: 0 });
  const x: Matrix = { data: Float32Array.from(p50.scores), rows: stack.rows, cols: 50 };
  const small = rows(x, SMALL);
  console.log(`PCA-50 scores of the ${stack.rows} x ${stack.cols} bench stack (float32)`);
  await Deno.mkdir(DIR, { recursive: true });
  const dataPath = `${DIR}/pca50.npy`;
  await Deno.writeFile(dataPath, encodeNpy(x.data, [x.rows, x.cols]));
  const python = await findSklearnPython();
  if ("missing" in python) console.log(python.missing);
  else console.log(`scikit-learn ${python.version} (${python.python})`);
  const script = new URL("./sklearn_embeddings.py", import.meta.url).pathname;

  const methods: Record<Method, (threads: number) => Promise<Float64Array>> = {
    tsne: (threads) => tsne(x, { perplexity: 30, iterations: 1000, seed: 0, threads }),
    umap: (threads) => umap(x, { neighbors: 15, seed: 0, threads }),
    isomap: (threads) => isomap(small, { neighbors: 5, threads }),
    mds: (threads) => mds(small, { starts: 4, maxIterations: 300, seed: 0, threads }),
  };
  const quality: Record<Method, (y: Float64Array, other?: Float64Array) => string> = {
    tsne: (y) => `10-NN kept ${neighbourKept(x, y).toFixed(3)}`,
    umap: (y) => `10-NN kept ${neighbourKept(x, y).toFixed(3)}`,
    isomap: (y, other) =>
      other ? `distance corr. with the other ${distanceCorrelation(y, other).toFixed(4)}` : "",
    mds: (y) => `stress-1 ${mdsStress(small, y).normalized.toFixed(4)}`,
  };
  const pad = (s: string, n: number) => s.padEnd(n);
  console.log(
    pad("method", 8) + pad("1 thread", 10) + pad("2 threads", 11) + pad("sklearn", 10) +
      pad("sklearn 1t", 12) + pad("ratio", 7) + pad("ratio 1t", 10) + pad("target", 8) +
      pad("CPU s (1 | 2 | sk | sk 1t)", 28) + "quality (ferrovae | scikit-learn)",
  );
  for (const m of Object.keys(methods) as Method[]) {
    const [one, oneCpu] = await timed(() => methods[m](1));
    const [two, twoCpu, y] = await timed(() => methods[m](2));
    const sk: { seconds: number; cpu: number }[] = [];
    let skY: Float64Array | undefined;
    if (!("missing" in python) && IN_SKLEARN.has(m)) {
      for (const extra of [[], ["--one-thread"]]) {
        const [line] = await runJsonLines(python.python, script, [dataPath, DIR, ...extra, m]);
        sk.push({ seconds: line.seconds as number, cpu: line.cpu as number });
      }
      const out = decodeNpy(await Deno.readFile(`${DIR}/sklearn_${m}.npy`), "sklearn output");
      skY = Float64Array.from(out.data as Float64Array);
    }
    const cpu = [oneCpu, twoCpu, sk[0]?.cpu, sk[1]?.cpu].map((c) =>
      c === undefined ? "-" : c.toFixed(1)
    );
    const seconds = (t: number | undefined) => t === undefined ? "-" : `${t.toFixed(2)} s`;
    const ratio = (a: number, b: number | undefined) => b ? `${(a / b).toFixed(2)}x` : "-";
    console.log(
      pad(m, 8) + pad(seconds(one), 10) + pad(seconds(two), 11) + pad(seconds(sk[0]?.seconds), 10) +
        pad(seconds(sk[1]?.seconds), 12) + pad(ratio(Math.min(one, two), sk[0]?.seconds), 7) +
        pad(ratio(one, sk[1]?.seconds), 10) + pad(TARGETS[m] ? `${TARGETS[m]} s` : "-", 8) +
        pad(cpu.join(" | "), 28) + quality[m](y, skY) + (skY ? ` | ${quality[m](skY, y)}` : ""),
    );
  }
  console.log(
    "ratio: best ferrovae wall time / scikit-learn's (default threads); ratio 1t: both on one " +
      "thread. Same data, same run.",
  );
  // Scale: Barnes-Hut keeps 20,000 points practical (exact t-SNE would need 4e8 pairs a step).
  const big = gaussianBlobs(20000, 50, 8, { decay: 0.5, separation: 3, seed: 1 });
  const [wall, cpu] = await timed(() => tsne(big.x, { perplexity: 30, iterations: 1000, seed: 0 }));
  console.log(
    `t-SNE on 20,000 x 50 (8 Gaussian blobs), 1,000 iterations, all cores: ` +
      `${wall.toFixed(1)} s (${cpu.toFixed(1)} CPU s)`,
  );
}
