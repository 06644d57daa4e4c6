/**
 * `deno task baselines STACK.npy --out DIR [--classes 4] [--seed 0] ...`:
 * every classical baseline on a stack of windows. Writes `clusters.csv`
 * (`i,x,y` — x,y from the `stack.csv` beside the stack, when present — and
 * one column per method: kmeans, gmm_diag, gmm_full, gmm_bic, nmf; classes
 * numbered from 0), `embeddings.csv` (`i` and two columns per embedding,
 * `nan` where a subsampled embedding left a window out), `pca.npy`
 * (components x w x w loading maps), the figures `scree`, `pca_loadings`,
 * `cluster_means`, `nmf_components`, `bic`, `embeddings` and, with
 * positions, `cluster_map`, and `run.json`.
 *
 * @module
 */

import {
  type BaselineResults,
  type EmbeddingName,
  EMBEDDINGS,
  runBaselines,
} from "../lib/baselines/suite.ts";
import {
  bicFigure,
  clusterMapFigure,
  clusterMeansFigure,
  embeddingsFigure,
  loadingsFigure,
  nmfFigure,
  screeFigure,
} from "../lib/baselines/figures.ts";
import { type Command, InvalidArgumentError, type OptionValues } from "../lib/deps.ts";
import { encodeNpy } from "../lib/formats/npy.ts";
import { type CsvColumn, formatCsv } from "../lib/io/csv.ts";
import { writeFigure } from "../lib/io/figure.ts";
import type { Run } from "../lib/io/run.ts";
import { readStackFile, readStackPositions, type StackFile } from "../lib/io/stack_files.ts";
import {
  type Assert,
  FORCE_HELP,
  intFlag,
  parseArgs,
  program,
  runMain,
  type StageReport,
  withFlags,
  type YieldsExactly,
} from "./_cli.ts";

/** Parse `--embeddings`: a comma-separated list of embedding names, or `none`. */
export function embeddingList(value: string): EmbeddingName[] {
  if (value === "none") return [];
  const names = value.split(",").map((s) => s.trim()).filter(Boolean);
  for (const name of names) {
    if (!(EMBEDDINGS as readonly string[]).includes(name)) {
      throw new InvalidArgumentError(
        `--embeddings takes a comma-separated list of ${
          EMBEDDINGS.join(", ")
        } (or none), not "${name}"`,
      );
    }
  }
  return names as EmbeddingName[];
}

/**
 * The values of {@linkcode baselinesFlags}' flags. A type, not an interface: only an object
 * type satisfies commander's `OptionValues` (`Record<string, unknown>`) in later chains.
 */
export type BaselinesFlagValues = {
  /** Classes for k-means, the mixtures and NMF (the stage caps them at the window count). */
  classes: number;
  /** PCA components for the scree plot. */
  components: number;
  /** PCA scores fed to the full GMM and BIC. */
  pcaDims: number;
  /** Largest k of the BIC sweep. */
  bicMax: number;
  /** 2-D embeddings to compute. */
  embeddings: EmbeddingName[];
  /** Most windows Isomap and MDS embed. */
  embedMax: number;
  /** Threads for the heavy kernels. */
  threads: number;
};

/** The baselines' flags on `cmd`, with the option values commander infers for them. */
function addBaselinesOptions(cmd: Command) {
  return cmd
    .option(
      "--classes <k>",
      "classes for k-means, the mixtures and NMF",
      intFlag("--classes", 2, 64),
      4,
    )
    .option(
      "--components <n>",
      "PCA components for the scree plot",
      intFlag("--components", 2, 500),
      20,
    )
    .option(
      "--pca-dims <n>",
      "PCA scores fed to the full GMM and BIC",
      intFlag("--pca-dims", 1, 256),
      10,
    )
    .option("--bic-max <k>", "largest k of the BIC sweep", intFlag("--bic-max", 1, 64), 10)
    .option(
      "--embeddings <list>",
      `2-D embeddings: ${EMBEDDINGS.join(",")} or none`,
      embeddingList,
      [...EMBEDDINGS],
    )
    .option(
      "--embed-max <n>",
      "most windows Isomap and MDS embed",
      intFlag("--embed-max", 10, 20000),
      3000,
    )
    .option("--threads <n>", "threads for the heavy kernels", intFlag("--threads", 1, 64), 2);
}
// Does not compile when BaselinesFlagValues and the flags above disagree.
type _BaselinesFlagValuesExact = Assert<
  YieldsExactly<ReturnType<typeof addBaselinesOptions>, BaselinesFlagValues>
>;

/** Add the baselines' flags (all but `--seed`) to `cmd`; shared with analyze. */
export function baselinesFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  cmd: Command<A, O, G>,
): Command<A, O & BaselinesFlagValues, G> {
  return withFlags<BaselinesFlagValues, A, O, G>(cmd, addBaselinesOptions);
}

/** Options of {@linkcode baselinesStage} (see `baselines --help`). */
export interface BaselinesStageOptions extends BaselinesFlagValues {
  /** Window centres (`stack.csv`), for clusters.csv's x,y and the real-space map. */
  positions: { x: ArrayLike<number>; y: ArrayLike<number> } | null;
  /** Seed of every random choice. */
  seed: number;
  /** Write the figures (default true). */
  figures?: boolean;
  /** Called before each step with its name (default: a line on standard error). */
  onStage?: (stage: string) => void;
}

/** What {@linkcode baselinesStage} computed and wrote. */
export interface BaselinesStageResult extends StageReport {
  /** Every baseline's result. */
  results: BaselineResults;
}

/**
 * The baselines stage on a stack already read: run every baseline, write
 * `clusters.csv`, `embeddings.csv`, `pca.npy` and (unless `figures` is
 * false) the figures through `run`. Records nothing in the run's manifest:
 * the caller does, from `parameters` and `extra`.
 */
export async function baselinesStage(
  run: Run,
  stack: StackFile,
  options: BaselinesStageOptions,
): Promise<BaselinesStageResult> {
  const { positions } = options;
  const onStage = options.onStage ?? ((stage: string) => console.error(`baselines: ${stage}`));
  const x = { data: stack.data, rows: stack.count, cols: stack.window * stack.window };
  const results = await runBaselines(x, {
    classes: Math.min(options.classes, stack.count),
    components: options.components,
    reducedDimensions: options.pcaDims,
    bicMax: options.bicMax,
    embeddings: options.embeddings,
    embedMax: options.embedMax,
    seed: options.seed,
    threads: options.threads,
    onStage,
  });
  const parameters = {
    classes: results.classes,
    components: results.pca.count,
    pcaDims: options.pcaDims,
    bicMax: options.bicMax,
    embeddings: options.embeddings,
    embedMax: options.embedMax,
    threads: options.threads,
  };

  const index = Int32Array.from({ length: stack.count }, (_, i) => i);
  const clusters: Record<string, CsvColumn> = { i: index };
  if (positions) Object.assign(clusters, { x: positions.x, y: positions.y });
  Object.assign(clusters, results.labels);
  await run.write("clusters.csv", formatCsv(clusters));
  const embeddingColumns: Record<string, CsvColumn> = { i: index };
  for (const [name, y] of Object.entries(results.embeddings)) {
    embeddingColumns[`${name}_1`] = Array.from(index, (i) => y[2 * i]);
    embeddingColumns[`${name}_2`] = Array.from(index, (i) => y[2 * i + 1]);
  }
  await run.write("embeddings.csv", formatCsv(embeddingColumns));
  const pcaMaps = Float32Array.from(results.pca.components);
  await run.write("pca.npy", encodeNpy(pcaMaps, [results.pca.count, stack.window, stack.window]));

  if (options.figures ?? true) {
    onStage("figures");
    const figures: [string, string][] = [
      ["scree", screeFigure(results.pca)],
      ["pca_loadings", loadingsFigure(results.pca, stack.window)],
      [
        "cluster_means",
        clusterMeansFigure(stack, {
          kmeans: results.labels.kmeans,
          gmm_full: results.labels.gmm_full,
          gmm_diag: results.labels.gmm_diag,
        }),
      ],
      ["nmf_components", nmfFigure(results.nmf.components, results.nmf.count, stack.window)],
      ["bic", bicFigure(results.bic)],
    ];
    if (positions) {
      figures.push([
        "cluster_map",
        clusterMapFigure(positions, {
          kmeans: results.labels.kmeans,
          gmm_full: results.labels.gmm_full,
        }),
      ]);
    }
    if (Object.keys(results.embeddings).length) {
      figures.push([
        "embeddings",
        embeddingsFigure(results.embeddings, results.labels.gmm_full, "GMM class"),
      ]);
    }
    for (const [name, svg] of figures) await writeFigure(run, { name, svg });
  }
  const r = results;
  const extra = {
    windows: stack.count,
    window: stack.window,
    timingsMs: r.timings,
    explainedVarianceRatio: Array.from(r.pca.explainedVarianceRatio),
    kmeans: {
      inertia: r.kmeans.inertia,
      iterations: r.kmeans.iterations,
      sizes: Array.from(r.kmeans.sizes),
    },
    gmmDiag: {
      logLikelihood: r.gmmDiag.logLikelihood,
      iterations: r.gmmDiag.iterations,
      converged: r.gmmDiag.converged,
    },
    gmmFull: {
      logLikelihood: r.gmmFull.logLikelihood,
      iterations: r.gmmFull.iterations,
      converged: r.gmmFull.converged,
    },
    bic: { ks: r.bic.ks, bic: Array.from(r.bic.bic), best: r.bic.best },
    nmf: { relativeError: r.nmf.relativeError, iterations: r.nmf.iterations, shift: r.nmfShift },
    embedded: r.embedded,
  };
  return {
    results,
    parameters,
    extra,
    summary: `baselines: ${stack.count} windows of ${stack.window} px, ${r.classes} classes; ` +
      `BIC prefers k = ${r.bic.best}; ${Object.keys(r.embeddings).join(", ") || "no"} embeddings`,
  };
}

if (import.meta.main) {
  await runMain(async (context) => {
    const cmd = baselinesFlags(
      program("baselines", "Classical baselines (PCA, NMF, k-means, GMM, embeddings) on a stack")
        .argument("<stack>", "stack.npy (N x w x w)")
        .requiredOption("--out <dir>", "output folder")
        .option("--force", FORCE_HELP),
    )
      .option("--seed <s>", "seed of every random choice", intFlag("--seed", 0, 2 ** 31 - 1), 0)
      .option("--no-figures", "skip the figures");
    parseArgs(cmd);
    const flags = cmd.opts();
    const stackPath = cmd.args[0];
    const run = context.open({
      script: "baselines",
      outDir: flags.out,
      force: flags.force === true,
    });
    const started = performance.now();
    const stack = await readStackFile(run, stackPath, 4);
    const positions = await readStackPositions(stackPath, stack.count, { run });
    const stage = await baselinesStage(run, stack, {
      positions,
      classes: flags.classes,
      components: flags.components,
      pcaDims: flags.pcaDims,
      bicMax: flags.bicMax,
      embeddings: flags.embeddings,
      embedMax: flags.embedMax,
      seed: flags.seed,
      threads: flags.threads,
      figures: flags.figures,
    });
    run.setSeed(flags.seed);
    run.setParameters({ stack: stackPath, ...stage.parameters });
    run.setExtra({ ...stage.extra, totalMs: Math.round(performance.now() - started) });
    await run.finish();
    console.log(
      `${stage.summary} in ${((performance.now() - started) / 1000).toFixed(1)} s -> ${flags.out}`,
    );
  });
}
