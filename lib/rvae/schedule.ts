/**
 * What the training loop decides between epochs from the held-out loss:
 * the best epoch so far, the learning rate (reduce on plateau), early
 * stopping and divergence. One pure step per epoch, so that the whole state
 * is a small JSON object a checkpoint keeps and a resumed run repeats
 * exactly.
 *
 * Reduce on plateau, not cosine: it needs no total epoch count (a run
 * resumed with more `--epochs`, or stopped early, follows the same
 * schedule as an uninterrupted one), and it reacts to the held-out loss
 * climbing, the failure seen on real images (held-out 10.6 at epoch 13,
 * 24.7 at epoch 20, learning rate 3e-3 throughout). The rule is PyTorch's
 * `ReduceLROnPlateau` (mode min, relative threshold 1e-4, no cooldown): after
 * `lrPatience` epochs without improvement the rate is multiplied by
 * `lrFactor`, down to `minLearningRate`.
 *
 * @module
 */

/** An episode of the held-out loss staying well above its best. */
export interface DivergenceEvent {
  /** First epoch (1-based) of the episode. */
  epoch: number;
  /** Last epoch of the episode so far. */
  lastEpoch: number;
  /** The best epoch before it. */
  bestEpoch: number;
  /** The best held-out loss before it. */
  bestLoss: number;
  /** The highest held-out loss during the episode. */
  worstLoss: number;
}

/** The schedule's whole state after an epoch (JSON-safe). */
export interface ScheduleState {
  /** Learning rate of the next epoch. */
  learningRate: number;
  /** Lowest monitored loss so far (null before the first epoch). */
  bestLoss: number | null;
  /** Its epoch, 1-based (0 before the first epoch). */
  bestEpoch: number;
  /** Epochs since the best one. */
  sinceBest: number;
  /** Epochs without improvement since the best one or the last reduction. */
  sinceReduction: number;
  /** Learning-rate reductions so far. */
  reductions: number;
  /** Consecutive epochs with the loss well above its best. */
  aboveBest: number;
  /** Divergence episodes so far. */
  divergences: DivergenceEvent[];
  /** Set when early stopping ended the run. */
  stop: "patience" | null;
}

/** The options the schedule reads (a subset of `TrainOptions`). */
export interface ScheduleOptions {
  /** Starting learning rate. */
  learningRate: number;
  /** Epochs without improvement before the learning rate is reduced (0: constant rate). */
  lrPatience: number;
  /** Factor of each reduction, in (0, 1). */
  lrFactor: number;
  /** The rate is never reduced below this. */
  minLearningRate: number;
  /** Epochs without improvement before training stops (0: never stops early). */
  patience: number;
  /** The loss is "well above" its best when it exceeds it by this fraction of it. */
  divergenceRatio: number;
  /** Consecutive epochs well above the best that make a divergence. */
  divergenceEpochs: number;
}

/** Relative improvement an epoch needs to count (PyTorch's default threshold). */
const THRESHOLD = 1e-4;

/**
 * The state before the first epoch.
 *
 * @example
 * ```ts
 * import { initialSchedule, nextSchedule } from "./schedule.ts";
 * import { makeTrainOptions } from "./config.ts";
 * const options = makeTrainOptions();
 * const state = nextSchedule(initialSchedule(options), 1, 10.6, options).state;
 * if (state.bestEpoch !== 1 || state.bestLoss !== 10.6) throw new Error("the first epoch is best");
 * ```
 */
export function initialSchedule(options: Pick<ScheduleOptions, "learningRate">): ScheduleState {
  return {
    learningRate: options.learningRate,
    bestLoss: null,
    bestEpoch: 0,
    sinceBest: 0,
    sinceReduction: 0,
    reductions: 0,
    aboveBest: 0,
    divergences: [],
    stop: null,
  };
}

/** What one epoch changed. */
export interface ScheduleStep {
  /** The state after the epoch. */
  state: ScheduleState;
  /** True when the epoch is the new best. */
  improved: boolean;
  /** True when the learning rate was reduced for the next epoch. */
  reduced: boolean;
}

/**
 * The schedule after epoch `epoch` (1-based) ended with monitored loss
 * `loss` (the held-out ELBO loss). A non-finite loss never improves.
 *
 * @example
 * ```ts
 * import { initialSchedule, nextSchedule } from "./schedule.ts";
 * import { makeTrainOptions } from "./config.ts";
 * const options = makeTrainOptions({ lrPatience: 1 });
 * let s = nextSchedule(initialSchedule(options), 1, 10, options).state;
 * s = nextSchedule(s, 2, 11, options).state;
 * if (s.learningRate !== options.learningRate / 2) throw new Error("halved after no improvement");
 * ```
 */
export function nextSchedule(
  previous: ScheduleState,
  epoch: number,
  loss: number,
  options: ScheduleOptions,
): ScheduleStep {
  const state: ScheduleState = {
    ...previous,
    divergences: previous.divergences.map((d) => ({ ...d })),
  };
  const best = state.bestLoss;
  if (Number.isFinite(loss) && (best === null || loss < best - THRESHOLD * Math.abs(best))) {
    state.bestLoss = loss;
    state.bestEpoch = epoch;
    state.sinceBest = 0;
    state.sinceReduction = 0;
    state.aboveBest = 0;
    return { state, improved: true, reduced: false };
  }
  state.sinceBest++;
  state.sinceReduction++;
  if (best !== null && !(loss <= best + options.divergenceRatio * Math.abs(best))) {
    state.aboveBest++;
    const worst = Number.isFinite(loss) ? loss : Infinity;
    if (state.aboveBest === options.divergenceEpochs) {
      state.divergences.push({
        epoch: epoch - options.divergenceEpochs + 1,
        lastEpoch: epoch,
        bestEpoch: state.bestEpoch,
        bestLoss: best,
        worstLoss: worst,
      });
    } else if (state.aboveBest > options.divergenceEpochs) {
      const event = state.divergences[state.divergences.length - 1];
      event.worstLoss = Math.max(event.worstLoss, worst);
      event.lastEpoch = epoch;
    }
  } else {
    state.aboveBest = 0;
  }
  let reduced = false;
  if (
    options.lrPatience > 0 && state.sinceReduction >= options.lrPatience &&
    state.learningRate > options.minLearningRate
  ) {
    state.learningRate = Math.max(options.minLearningRate, state.learningRate * options.lrFactor);
    state.reductions++;
    state.sinceReduction = 0;
    reduced = true;
  }
  if (options.patience > 0 && state.sinceBest >= options.patience) state.stop = "patience";
  return { state, improved: false, reduced };
}
