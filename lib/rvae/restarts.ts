/**
 * Restarts: train the same model from N seeds and keep the one with the
 * lowest held-out ELBO loss (each at its best epoch), reporting all N. A
 * single training run can settle in a poor optimum (e.g. an angle that
 * locks onto a lattice feature instead of the polarisation); the held-out
 * ELBO ranks the runs without labels. Restart k uses seed `seed + k`
 * (restart 0 is the plain run) and every restart holds out the same
 * windows (`splitSeed`), so that their held-out losses are comparable.
 *
 * @module
 */

import {
  makeTrainOptions,
  type Normalization,
  type RvaeConfig,
  type TrainOptions,
} from "./config.ts";
import { createRvae, disposeRvae, type Rvae } from "./model.ts";
import { type TrainCheckpoint, type TrainHooks, type TrainResult, trainRvae } from "./train.ts";

/** One restart's outcome. */
export interface RestartRun {
  /** 0-based restart index. */
  restart: number;
  /** Its seed (initialisation, shuffling, noise). */
  seed: number;
  /** Its best epoch (1-based). */
  bestEpoch: number;
  /** Its held-out loss at that epoch. */
  bestLoss: number;
  /** Held-out loss of the parameters it ends with (the ranking criterion; = bestLoss with `restoreBest`). */
  loss: number;
  /** Epochs it ran. */
  epochs: number;
  /** How it ended. */
  endReason: TrainResult["endReason"];
  /** Divergence episodes it had. */
  divergences: number;
  /** True for the restart kept. */
  chosen: boolean;
}

/** Options of {@linkcode trainRestarts} besides the training options. */
export interface RestartOptions {
  /** Number of seeds to train (default 1). */
  restarts?: number;
  /** The model's data scaling (`stackNormalization` of the stack). */
  normalization: Normalization;
  /** Checkpoint to resume restart k from, if any. */
  resume?: (restart: number) => TrainCheckpoint | undefined;
  /** Hooks of restart k (e.g. its own checkpoint file). */
  hooks?: (restart: number, seed: number) => TrainHooks;
}

/** What {@linkcode trainRestarts} kept. */
export interface RestartResult {
  /** The kept model (the caller disposes of it); the others are disposed of. */
  model: Rvae;
  /** The kept run's training result. */
  result: TrainResult;
  /** Index of the kept restart. */
  chosen: number;
  /** Every restart, in order (fewer than asked when interrupted). */
  runs: RestartRun[];
  /** True when a hook's `shouldStop` interrupted training (the model is the interrupted one). */
  stopped: boolean;
}

/**
 * Train `restarts` models on `stack` with seeds `seed`, `seed + 1`, … (all
 * holding out the windows of `splitSeed`, default `seed`) and keep the one
 * with the lowest held-out loss at its best epoch.
 *
 * @example
 * ```ts
 * import { trainRestarts } from "./restarts.ts";
 * import { initBackend } from "./backend.ts";
 * import { makeConfig, makeTrainOptions } from "./config.ts";
 * import { disposeRvae } from "./model.ts";
 * import { stackNormalization } from "./normalize.ts";
 * await initBackend({ backend: "cpu" });
 * const stack = new Float32Array(16 * 8 * 8).map((_, i) => Math.sin(i));
 * const { model, runs } = await trainRestarts(makeConfig(8, { hiddenUnits: 8 }), stack, {
 *   ...makeTrainOptions({ seed: 1, epochs: 1, batchSize: 8 }),
 *   restarts: 2,
 *   normalization: stackNormalization(stack, 8 * 8),
 * });
 * disposeRvae(model);
 * if (runs.length !== 2 || runs.filter((r) => r.chosen).length !== 1) throw new Error("one kept");
 * ```
 */
export async function trainRestarts(
  config: RvaeConfig,
  stack: Float32Array,
  options: TrainOptions & RestartOptions,
): Promise<RestartResult> {
  const { restarts = 1, normalization, resume, hooks, ...rest } = options;
  if (!Number.isInteger(restarts) || restarts < 1) {
    throw new RangeError(`restarts must be a whole number >= 1, got ${restarts}`);
  }
  const splitSeed = rest.splitSeed ?? rest.seed;
  const runs: RestartRun[] = [];
  let kept: { model: Rvae; result: TrainResult; restart: number } | null = null;
  for (let k = 0; k < restarts; k++) {
    const seed = rest.seed + k;
    const training = makeTrainOptions({ ...rest, seed, splitSeed });
    const model = createRvae(config, { seed, normalization });
    const result = await trainRvae(model, stack, {
      ...training,
      resume: resume?.(k),
      hooks: hooks?.(k, seed),
    });
    runs.push({
      restart: k,
      seed,
      bestEpoch: result.bestEpoch,
      bestLoss: result.bestLoss,
      loss: finalLoss(result),
      epochs: result.history.length,
      endReason: result.endReason,
      divergences: result.divergences.length,
      chosen: false,
    });
    if (result.stopped) {
      if (kept) disposeRvae(kept.model);
      runs[k].chosen = true;
      return { model, result, chosen: k, runs, stopped: true };
    }
    // The loss of the parameters the model ends with: the best epoch's, or the last one's.
    const score = finalLoss(result);
    if (!kept || score < finalLoss(kept.result)) {
      if (kept) disposeRvae(kept.model);
      kept = { model, result, restart: k };
    } else {
      disposeRvae(model);
    }
  }
  runs[kept!.restart].chosen = true;
  return { model: kept!.model, result: kept!.result, chosen: kept!.restart, runs, stopped: false };
}

function finalLoss(result: TrainResult): number {
  const record = result.history[result.finalEpoch - 1];
  const loss = record ? record.validation?.loss ?? record.train.loss : NaN;
  return Number.isFinite(loss) ? loss : Infinity;
}
