/**
 * The hand-written training loop: seeded split and shuffling, batches, Adam,
 * per-epoch training and held-out losses, a checkpoint after every epoch,
 * exact resume, and a guard that rolls back to the last good checkpoint
 * (halving the learning rate) when the loss turns non-finite. Between
 * epochs the held-out loss drives the schedule (lib/rvae/schedule.ts): the
 * best epoch's parameters are kept and restored at the end, the learning
 * rate is reduced on a plateau, training stops early after `patience`
 * epochs without improvement, and a held-out loss staying well above its
 * best is reported as a divergence.
 *
 * Determinism: every random draw comes from `Random` seeded by
 * (seed, epoch), so epoch e's shuffling and noise do not depend on how the
 * run got there; a checkpoint is therefore just (epoch, weights, Adam
 * state, schedule state, best weights, history), and a resumed run repeats
 * an uninterrupted one exactly on the same backend. The learning rate lives
 * in the schedule state and is handed to our own Adam before every epoch
 * (tfjs's `tf.train.adam` fixes it at construction).
 *
 * For benchmarks: {@linkcode trainStep} is one optimisation step on one
 * batch; {@linkcode sampleNoise} makes its reparameterisation noise:
 *
 * ```ts
 * import { sampleNoise, trainStep } from "./train.ts";
 * import { Adam } from "./adam.ts";
 * import { initBackend } from "./backend.ts";
 * import { latentCount, makeConfig } from "./config.ts";
 * import { createRvae } from "./model.ts";
 * import { Random } from "../random.ts";
 * import { tf } from "../deps.ts";
 * await initBackend({ backend: "cpu" });
 * const model = createRvae(makeConfig(8, { hiddenUnits: 8 }), { seed: 0 });
 * const adam = new Adam(model.variables, 1e-3);
 * const batch = tf.randomUniform([4, 8 * 8], 0, 1, "float32", 1) as tf.Tensor2D; // normalised
 * const noise = sampleNoise(new Random(0), 4, latentCount(model.config));
 * const step = trainStep(model, batch, adam, { noise });
 * if (!Number.isFinite(step.loss)) throw new Error("one finite step");
 * ```
 *
 * @module
 */

import { type Tensor2D, tf } from "../deps.ts";
import { UserError } from "../errors.ts";
import { Random } from "../random.ts";
import { Adam, type AdamState } from "./adam.ts";
import { latentCount, type TrainOptions } from "./config.ts";
import {
  assignParams,
  modelParams,
  PLAIN_SCHEDULE,
  type Rvae,
  rvaeLoss,
  type StepSchedule,
} from "./model.ts";
import type { ParamArrays } from "./params.ts";
import {
  type DivergenceEvent,
  initialSchedule,
  nextSchedule,
  type ScheduleState,
} from "./schedule.ts";
import type { RvaeWarning } from "./window.ts";

/** Loss and its parts after one step or over an epoch (batch means). */
export interface LossValues {
  /** The minimised loss. */
  loss: number;
  /** Reconstruction term. */
  reconstruction: number;
  /** KL term (unweighted). */
  kl: number;
}

/** What one epoch did. */
export interface EpochRecord {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean over the epoch's training batches (with the epoch's schedule). */
  train: LossValues;
  /** Held-out ELBO loss at the epoch's end (plain schedule), or null with no held-out set. */
  validation: LossValues | null;
  /** Learning rate used. */
  learningRate: number;
  /** Wall time of the epoch's training steps, seconds. */
  seconds: number;
  /** Training images per second in this epoch. */
  imagesPerSecond: number;
}

/** Everything a resumed run needs. */
export interface TrainCheckpoint {
  /** Epochs completed. */
  epoch: number;
  /** Model parameters after that epoch. */
  params: ParamArrays;
  /** Optimiser state after that epoch. */
  adam: AdamState;
  /** Records of the epochs completed. */
  history: EpochRecord[];
  /** Schedule after that epoch (learning rate of the next, best loss, counters). */
  schedule: ScheduleState;
  /** Parameters of the best epoch so far (null before the first epoch). */
  best: { epoch: number; params: ParamArrays } | null;
}

/** Progress within an epoch. */
export interface BatchProgress {
  /** 1-based epoch. */
  epoch: number;
  /** Total epochs. */
  epochs: number;
  /** Batches done in this epoch. */
  batch: number;
  /** Batches in this epoch. */
  batches: number;
  /** Running mean loss of this epoch. */
  loss: number;
}

/** Hooks of {@linkcode trainRvae}. */
export interface TrainHooks {
  /** After every batch. */
  onBatch?: (progress: BatchProgress) => void;
  /** After every epoch (after its checkpoint was handed over). */
  onEpoch?: (record: EpochRecord) => void;
  /** With each epoch's checkpoint; training waits for it (e.g. a file write). */
  onCheckpoint?: (checkpoint: TrainCheckpoint) => Promise<void>;
  /** Events worth telling the user (rollbacks). */
  onNotice?: (message: string) => void;
  /** Polled between batches: stop (without finishing the epoch) when true. */
  shouldStop?: () => boolean;
}

/** How a training run ended. */
export interface TrainResult {
  /** Records of every completed epoch (including those before a resume). */
  history: EpochRecord[];
  /** True when `shouldStop` ended the run early. */
  stopped: boolean;
  /** `epochs` (all run), `patience` (early stopping) or `interrupted` (`shouldStop`). */
  endReason: "epochs" | "patience" | "interrupted";
  /** Epoch (1-based) with the lowest held-out loss (training loss without a held-out set); 0 when none. */
  bestEpoch: number;
  /** That loss (NaN when none). */
  bestLoss: number;
  /** The epoch whose parameters the model holds at the end. */
  finalEpoch: number;
  /** True when the best epoch's parameters replaced the last epoch's. */
  restoredBest: boolean;
  /** Episodes of the held-out loss staying well above its best. */
  divergences: DivergenceEvent[];
  /** The schedule's final state (learning rate, reductions). */
  schedule: ScheduleState;
}

/** Standard-normal noise for a batch, [rows, L], drawn from `random`. */
export function sampleNoise(random: Random, rows: number, latents: number): Tensor2D {
  const values = new Float32Array(rows * latents);
  for (let i = 0; i < values.length; i++) values[i] = random.normal();
  return tf.tensor2d(values, [rows, latents]);
}

/**
 * One optimisation step on `batch` ([B, size·size], normalised) with
 * reparameterisation `noise` ([B, L]). Returns the loss values; when the
 * loss or a gradient is not finite the update is skipped and the returned
 * loss is NaN.
 */
export function trainStep(
  model: Rvae,
  batch: Tensor2D,
  optimizer: Adam,
  options: { noise: Tensor2D; schedule?: StepSchedule },
): LossValues {
  const schedule = options.schedule ?? PLAIN_SCHEDULE;
  const varList = [...model.variables.values()];
  let parts: tf.Scalar[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const terms = rvaeLoss(model, batch, options.noise, schedule);
    parts = [tf.keep(terms.reconstruction), tf.keep(terms.kl)];
    return terms.loss;
  }, varList);
  const loss = value.dataSync()[0];
  const [reconstruction, kl] = parts.map((t) => t.dataSync()[0]);
  let finite = Number.isFinite(loss);
  if (finite) {
    // A non-finite gradient with a finite loss would poison the weights just as well.
    const norm = tf.tidy(() => tf.addN(Object.values(grads).map((g) => tf.sum(tf.abs(g)))));
    finite = Number.isFinite(norm.dataSync()[0]);
    norm.dispose();
  }
  if (finite) optimizer.apply(model.variables, grads);
  tf.dispose([value, ...parts, ...Object.values(grads)]);
  return finite ? { loss, reconstruction, kl } : { loss: NaN, reconstruction, kl };
}

/** Held-out / training split: the same for a given seed and sample count. */
export function splitIndices(
  count: number,
  seed: number,
  validationFraction: number,
): { train: Uint32Array; validation: Uint32Array } {
  const order = new Random(mixSeed(seed, 0x5117)).permutation(count);
  const held = Math.min(count - 1, Math.floor(count * validationFraction));
  return { validation: order.slice(0, held), train: order.slice(held) };
}

/** The schedule of (0-based) epoch `epoch`. */
export function epochSchedule(options: TrainOptions, epoch: number): StepSchedule {
  const anneal = options.angleAnnealEpochs > 0
    ? Math.max(0, 1 - epoch / options.angleAnnealEpochs)
    : 0;
  return {
    klWeight: options.klWarmupEpochs > 0 ? Math.min(1, (epoch + 1) / options.klWarmupEpochs) : 1,
    angleNoiseFloor: options.angleNoise * anneal,
    contentGate: epoch < options.contentDelayEpochs ? 0 : 1,
  };
}

/** A seed for stream `salt` of `seed` (epoch numbers, purposes). */
function mixSeed(seed: number, salt: number): number {
  return (Math.imul(seed ^ 0x2545f491, 0x9e3779b1) ^ Math.imul(salt + 1, 0x85ebca6b)) >>> 0;
}

const MAX_ROLLBACKS = 6;

/**
 * Train `model` on `stack` (raw intensities, N windows of size·size, row
 * major; scaled by the model's normalisation here). With `resume`, continue
 * from that checkpoint. Resolves when all epochs are done or `shouldStop`
 * said so.
 *
 * @example
 * ```ts
 * import { trainRvae } from "./train.ts";
 * import { initBackend } from "./backend.ts";
 * import { makeConfig, makeTrainOptions } from "./config.ts";
 * import { createRvae } from "./model.ts";
 * import { stackNormalization } from "./normalize.ts";
 * await initBackend({ backend: "cpu" });
 * const stack = new Float32Array(16 * 8 * 8).map((_, i) => Math.sin(i));
 * const normalization = stackNormalization(stack, 8 * 8);
 * const model = createRvae(makeConfig(8, { hiddenUnits: 8 }), { seed: 1, normalization });
 * const seen: number[] = [];
 * const result = await trainRvae(model, stack, {
 *   ...makeTrainOptions({ epochs: 2, batchSize: 8 }),
 *   hooks: { onEpoch: (record) => seen.push(record.epoch) },
 * });
 * if (result.endReason !== "epochs" || seen.join() !== "1,2") throw new Error("two epochs");
 * ```
 */
export async function trainRvae(
  model: Rvae,
  stack: Float32Array,
  options: TrainOptions & { resume?: TrainCheckpoint; hooks?: TrainHooks },
): Promise<TrainResult> {
  const hooks = options.hooks ?? {};
  const pixels = model.config.size * model.config.size;
  const count = stack.length / pixels;
  if (!Number.isInteger(count) || count < 2) {
    throw new UserError("stack", `needs at least 2 windows of ${model.config.size}², got ${count}`);
  }
  const latents = latentCount(model.config);
  const { offset, scale } = model.normalization;
  const data: tf.Tensor2D = tf.tidy(() =>
    tf.div(tf.sub(tf.tensor2d(stack, [count, pixels]), offset), scale)
  );
  const { train, validation } = splitIndices(
    count,
    options.splitSeed ?? options.seed,
    options.validationFraction,
  );
  const optimizer = new Adam(model.variables, options.learningRate);
  const history: EpochRecord[] = [];
  let lastGood: TrainCheckpoint = {
    epoch: 0,
    params: modelParams(model),
    adam: optimizer.state(),
    history: [],
    schedule: initialSchedule(options),
    best: null,
  };
  if (options.resume) {
    lastGood = options.resume;
    assignParams(model, lastGood.params);
    optimizer.restore(lastGood.adam);
    history.push(...lastGood.history);
  }
  let schedule = lastGood.schedule;
  let best = lastGood.best;
  let rollbacks = 0;
  let lastYield = performance.now();
  const interrupted = (): TrainResult => ({
    ...ending(history, schedule, best, false),
    stopped: true,
    endReason: "interrupted",
  });
  try {
    for (let epoch = lastGood.epoch; epoch < options.epochs && !schedule.stop;) {
      optimizer.learningRate = schedule.learningRate;
      const stepSchedule = epochSchedule(options, epoch);
      const random = new Random(mixSeed(options.seed, 1000 + epoch));
      const order = random.shuffle(train.slice());
      const batches = Math.ceil(order.length / options.batchSize);
      const sums: LossValues = { loss: 0, reconstruction: 0, kl: 0 };
      let failed = false;
      const started = performance.now();
      for (let b = 0; b < batches; b++) {
        const rows = order.subarray(b * options.batchSize, (b + 1) * options.batchSize);
        const noise = sampleNoise(random, rows.length, latents);
        const indices = tf.tensor1d(Int32Array.from(rows), "int32");
        const x = tf.gather(data, indices) as tf.Tensor2D;
        const step = trainStep(model, x, optimizer, { noise, schedule: stepSchedule });
        tf.dispose([noise, indices, x]);
        if (Number.isNaN(step.loss)) {
          failed = true;
          break;
        }
        sums.loss += step.loss;
        sums.reconstruction += step.reconstruction;
        sums.kl += step.kl;
        hooks.onBatch?.({
          epoch: epoch + 1,
          epochs: options.epochs,
          batch: b + 1,
          batches,
          loss: sums.loss / (b + 1),
        });
        // Let signal handlers and timers run now and then.
        if (performance.now() - lastYield > 200) {
          await new Promise((resolve) => setTimeout(resolve, 0));
          lastYield = performance.now();
        }
        if (hooks.shouldStop?.()) return interrupted();
      }
      if (failed) {
        if (++rollbacks > MAX_ROLLBACKS) {
          throw new UserError(
            "training",
            `the loss stayed non-finite after ${MAX_ROLLBACKS} rollbacks ` +
              `(learning rate down to ${optimizer.learningRate}); check the stack for NaN or ` +
              `constant windows`,
          );
        }
        const lowered = schedule.learningRate / 2;
        assignParams(model, lastGood.params);
        optimizer.restore(lastGood.adam);
        best = lastGood.best;
        schedule = { ...lastGood.schedule, learningRate: lowered };
        hooks.onNotice?.(
          `epoch ${epoch + 1}: non-finite loss; rolled back to the checkpoint after epoch ` +
            `${lastGood.epoch} and lowered the learning rate to ${lowered}`,
        );
        continue;
      }
      const seconds = (performance.now() - started) / 1000;
      const record: EpochRecord = {
        epoch: epoch + 1,
        train: {
          loss: sums.loss / batches,
          reconstruction: sums.reconstruction / batches,
          kl: sums.kl / batches,
        },
        validation: validation.length > 0
          ? evaluate(model, data, validation, options, new Random(mixSeed(options.seed, epoch)))
          : null,
        learningRate: optimizer.learningRate,
        seconds,
        imagesPerSecond: order.length / seconds,
      };
      history.push(record);
      epoch++;
      const params = modelParams(model);
      const step = nextSchedule(
        schedule,
        epoch,
        record.validation?.loss ?? record.train.loss,
        options,
      );
      schedule = step.state;
      if (step.improved) best = { epoch, params };
      if (step.reduced) {
        hooks.onNotice?.(
          `epoch ${epoch}: no better held-out loss for ${options.lrPatience} epochs; ` +
            `learning rate lowered to ${schedule.learningRate}`,
        );
      }
      lastGood = {
        epoch,
        params,
        adam: optimizer.state(),
        history: [...history],
        schedule,
        best,
      };
      if (hooks.onCheckpoint) await hooks.onCheckpoint(lastGood);
      hooks.onEpoch?.(record);
      if (hooks.shouldStop?.() && epoch < options.epochs && !schedule.stop) return interrupted();
    }
  } finally {
    optimizer.dispose();
    data.dispose();
  }
  const result = ending(history, schedule, best, options.restoreBest);
  if (result.restoredBest && best) assignParams(model, best.params);
  return result;
}

/** The result's common fields; `restore` says whether the best epoch's parameters will be put back. */
function ending(
  history: EpochRecord[],
  schedule: ScheduleState,
  best: TrainCheckpoint["best"],
  restore: boolean,
): TrainResult {
  const last = history.length;
  const restoredBest = restore && best !== null && best.epoch !== last;
  return {
    history,
    stopped: false,
    endReason: schedule.stop ?? "epochs",
    bestEpoch: best?.epoch ?? 0,
    bestLoss: schedule.bestLoss ?? NaN,
    finalEpoch: restoredBest ? best!.epoch : last,
    restoredBest,
    divergences: schedule.divergences,
    schedule,
  };
}

/**
 * The columns of `history.csv`: `epoch, train_loss, train_reconstruction,
 * train_kl, validation_loss` (NaN without a held-out set), `learning_rate`
 * and `best` (1 on the epoch whose parameters the model ended with, else 0).
 * Wall-clock rates stay out, so that reruns give identical files.
 *
 * @example
 * ```ts
 * import { historyColumns, trainRvae } from "./train.ts";
 * import { initBackend } from "./backend.ts";
 * import { makeConfig, makeTrainOptions } from "./config.ts";
 * import { createRvae } from "./model.ts";
 * import { stackNormalization } from "./normalize.ts";
 * await initBackend({ backend: "cpu" });
 * const stack = new Float32Array(16 * 8 * 8).map((_, i) => Math.sin(i));
 * const normalization = stackNormalization(stack, 8 * 8);
 * const model = createRvae(makeConfig(8, { hiddenUnits: 8 }), { seed: 1, normalization });
 * const result = await trainRvae(model, stack, makeTrainOptions({ epochs: 2, batchSize: 8 }));
 * const columns = historyColumns(result);
 * if (columns.epoch.length !== 2) throw new Error("one row per epoch");
 * ```
 */
export function historyColumns(
  result: Pick<TrainResult, "history" | "finalEpoch">,
): Record<string, ArrayLike<number>> {
  const h = result.history;
  return {
    epoch: h.map((r) => r.epoch),
    train_loss: h.map((r) => r.train.loss),
    train_reconstruction: h.map((r) => r.train.reconstruction),
    train_kl: h.map((r) => r.train.kl),
    validation_loss: h.map((r) => r.validation?.loss ?? NaN),
    learning_rate: h.map((r) => r.learningRate),
    best: h.map((r) => (r.epoch === result.finalEpoch ? 1 : 0)),
  };
}

/**
 * Warnings about how training went: `rvae-diverged` when the held-out loss
 * rose well above its best for several epochs and never came back below it
 * (saying which epoch's model was kept). Episodes the run recovered from
 * stay in `TrainResult.divergences` without a warning.
 *
 * @example
 * ```ts
 * import { trainingWarnings, trainRvae } from "./train.ts";
 * import { initBackend } from "./backend.ts";
 * import { makeConfig, makeTrainOptions } from "./config.ts";
 * import { createRvae } from "./model.ts";
 * import { stackNormalization } from "./normalize.ts";
 * await initBackend({ backend: "cpu" });
 * const stack = new Float32Array(16 * 8 * 8).map((_, i) => Math.sin(i));
 * const normalization = stackNormalization(stack, 8 * 8);
 * const model = createRvae(makeConfig(8, { hiddenUnits: 8 }), { seed: 1, normalization });
 * const result = await trainRvae(model, stack, makeTrainOptions({ epochs: 2, batchSize: 8 }));
 * for (const w of trainingWarnings(result)) {
 *   if (!w.code || !w.message) throw new Error("every warning has a code and a message");
 * }
 * ```
 */
export function trainingWarnings(result: TrainResult): RvaeWarning[] {
  return result.divergences.filter((d) => d.epoch > result.bestEpoch).map((d) => ({
    code: "rvae-diverged",
    message: `training diverged: the held-out loss rose from ${d.bestLoss.toPrecision(4)} ` +
      `(epoch ${d.bestEpoch}) to ${d.worstLoss.toPrecision(4)} over epochs ${d.epoch}-` +
      `${d.lastEpoch}; ` +
      (result.finalEpoch === result.bestEpoch
        ? `the model of epoch ${result.bestEpoch} was restored`
        : `the last epoch's model (${result.finalEpoch}) was kept`) +
      `; a lower --lr may help`,
  }));
}

/**
 * The held-out loss of `model` exactly as the loop computed it at the end
 * of epoch `epoch` (1-based): same split, same reparameterisation noise.
 * With the parameters of epoch e restored, it returns that epoch's
 * recorded `validation` (on the same backend).
 *
 * @example
 * ```ts
 * import { heldOutLoss, trainRvae } from "./train.ts";
 * import { initBackend } from "./backend.ts";
 * import { makeConfig, makeTrainOptions } from "./config.ts";
 * import { createRvae } from "./model.ts";
 * import { stackNormalization } from "./normalize.ts";
 * await initBackend({ backend: "cpu" });
 * const stack = new Float32Array(16 * 8 * 8).map((_, i) => Math.sin(i));
 * const normalization = stackNormalization(stack, 8 * 8);
 * const model = createRvae(makeConfig(8, { hiddenUnits: 8 }), { seed: 1, normalization });
 * const options = makeTrainOptions({ epochs: 2, batchSize: 8 });
 * const result = await trainRvae(model, stack, options);
 * const again = heldOutLoss(model, stack, options, result.bestEpoch);
 * if (again?.loss !== result.bestLoss) throw new Error("the best epoch's held-out loss, exactly");
 * ```
 */
export function heldOutLoss(
  model: Rvae,
  stack: Float32Array,
  options: TrainOptions,
  epoch: number,
): LossValues | null {
  const pixels = model.config.size * model.config.size;
  const count = stack.length / pixels;
  const { validation } = splitIndices(
    count,
    options.splitSeed ?? options.seed,
    options.validationFraction,
  );
  if (validation.length === 0) return null;
  const { offset, scale } = model.normalization;
  const data: tf.Tensor2D = tf.tidy(() =>
    tf.div(tf.sub(tf.tensor2d(stack, [count, pixels]), offset), scale)
  );
  try {
    return evaluate(model, data, validation, options, new Random(mixSeed(options.seed, epoch - 1)));
  } finally {
    data.dispose();
  }
}

/** Mean plain-ELBO loss of the rows `indices` of `data`. */
function evaluate(
  model: Rvae,
  data: tf.Tensor2D,
  indices: Uint32Array,
  options: TrainOptions,
  random: Random,
): LossValues {
  const latents = latentCount(model.config);
  const sums: LossValues = { loss: 0, reconstruction: 0, kl: 0 };
  for (let start = 0; start < indices.length; start += options.batchSize) {
    const rows = indices.subarray(start, start + options.batchSize);
    const values = tf.tidy(() => {
      const x = tf.gather(data, tf.tensor1d(Int32Array.from(rows), "int32")) as tf.Tensor2D;
      const terms = rvaeLoss(model, x, sampleNoise(random, rows.length, latents));
      return [terms.loss, terms.reconstruction, terms.kl].map((t) => t.dataSync()[0]);
    });
    sums.loss += values[0] * rows.length;
    sums.reconstruction += values[1] * rows.length;
    sums.kl += values[2] * rows.length;
  }
  const n = indices.length;
  return { loss: sums.loss / n, reconstruction: sums.reconstruction / n, kl: sums.kl / n };
}
