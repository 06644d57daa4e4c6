/**
 * `deno task baselines STACK.npy --out DIR [--classes 4] [--seed 0] ...`:
 * every classical baseline on a stack of windows. Writes `clusters.csv`
 * (`i,x,y` — x,y from the `stack.csv` beside the stack, when present — and
 * one column per method: kmeans, gmm_diag, gmm_full, gmm_bic, nmf; classes
 * numbered from 0), `embeddings.csv` (`i` and two columns per embedding,
 * `nan` where a subsampled embedding left a window out), `pca.npy`
 * (components x w x w loading maps), the figures `scree`, `pca_loadings`,
 * `cluster_means`, `nmf_components`, `bic`, `embeddings` and, with
 * positions, `cluster_map`, and `run.json` (see `baselinesStage` in
 * lib/pipeline).
 *
 * @module
 */

import { writeStageOutput } from "../lib/io/stage_output.ts";
import { readStackFile, readStackPositions } from "../lib/io/stack_files.ts";
import { baselinesStage } from "../lib/pipeline/mod.ts";
import { FORCE_HELP, intFlag, parseArgs, printSummary, program, runMain } from "./_cli.ts";
import { baselinesFlags } from "./_flags.ts";

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
  const run = context.open({ script: "baselines", outDir: flags.out, force: flags.force === true });
  const started = performance.now();
  const stack = await readStackFile(run, stackPath, 4);
  const positions = await readStackPositions(stackPath, stack.count, { run });
  const stage = await baselinesStage({ stack, positions }, {
    classes: flags.classes,
    components: flags.components,
    pcaDims: flags.pcaDims,
    bicMax: flags.bicMax,
    embeddings: flags.embeddings,
    embedMax: flags.embedMax,
    seed: flags.seed,
    threads: flags.threads,
    figures: flags.figures,
  }, { onStep: (step) => console.error(`baselines: ${step}`) });
  await writeStageOutput(run, stage);
  run.setSeed(flags.seed);
  run.setParameters({ stack: stackPath, ...stage.parameters });
  run.setExtra({ ...stage.extra, totalMs: Math.round(performance.now() - started) });
  const manifest = await run.finish();
  printSummary(
    `${stage.summary} in ${((performance.now() - started) / 1000).toFixed(1)} s -> ${flags.out}`,
    manifest,
  );
});
