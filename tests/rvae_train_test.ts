// The training loop: resume equals an uninterrupted run (also through
// learning-rate reductions, a best epoch and early stopping), the non-finite
// guard rolls back, a diverging run ends on its best epoch, restarts keep the
// best seed, save/load keeps the encodings, angle peak detection.

import { initBackend } from "../lib/rvae/backend.ts";
import { wrapAngle } from "../lib/math.ts";
import { findAnglePeaks } from "../lib/rvae/angles.ts";
import { makeConfig, makeTrainOptions, type TrainOptions } from "../lib/rvae/config.ts";
import { encodeStack } from "../lib/rvae/inference.ts";
import { createRvae, disposeRvae, modelParams, type Rvae } from "../lib/rvae/model.ts";
import { stackNormalization } from "../lib/rvae/normalize.ts";
import { decodeCheckpoint, encodeCheckpoint } from "../lib/rvae/serialize.ts";
import {
  heldOutLoss,
  historyColumns,
  type TrainCheckpoint,
  trainingWarnings,
  type TrainResult,
  trainRvae,
} from "../lib/rvae/train.ts";
import { trainRestarts } from "../lib/rvae/restarts.ts";
import { initialSchedule } from "../lib/rvae/schedule.ts";
import { loadRvae, saveRvae } from "../lib/io/rvae_files.ts";
import { UserError } from "../lib/errors.ts";
import { Random } from "../lib/random.ts";
import { assert, assertAlmostEquals, assertEquals, assertRejects } from "./assert.ts";

await initBackend({ backend: "cpu" });

const SIZE = 10;

/** Windows with one bright blob off-centre in one of four directions, plus noise. */
function blobStack(count: number, seed: number): { data: Float32Array; variant: Int8Array } {
  const random = new Random(seed);
  const data = new Float32Array(count * SIZE * SIZE);
  const variant = new Int8Array(count);
  const c = (SIZE - 1) / 2;
  for (let n = 0; n < count; n++) {
    const v = n % 4;
    variant[n] = v;
    const bx = c + 2.5 * Math.cos((v * Math.PI) / 2);
    const by = c + 2.5 * Math.sin((v * Math.PI) / 2);
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const blob = Math.exp(-((x - bx) ** 2 + (y - by) ** 2) / 3);
        data[n * SIZE * SIZE + y * SIZE + x] = blob + 0.05 * random.normal();
      }
    }
  }
  return { data, variant };
}

const stack = blobStack(48, 1);
const config = makeConfig(SIZE, { hiddenUnits: 16, latentDim: 1 });
const training: TrainOptions = makeTrainOptions({
  epochs: 4,
  batchSize: 8,
  seed: 3,
  angleAnnealEpochs: 2,
  contentDelayEpochs: 1,
});

function newModel(): Rvae {
  return createRvae(config, {
    seed: training.seed,
    normalization: stackNormalization(stack.data, SIZE * SIZE),
  });
}

function sameArrays(a: ReturnType<typeof modelParams>, b: ReturnType<typeof modelParams>): void {
  assertEquals(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    assertEquals(a[i].name, b[i].name);
    assert(a[i].data.every((v, j) => Object.is(v, b[i].data[j])), `${a[i].name} differs`);
  }
}

Deno.test("resume after an interruption gives exactly the uninterrupted result", async () => {
  const whole = newModel();
  const full = await trainRvae(whole, stack.data, training);
  assertEquals(full.history.length, 4);

  // Interrupted: stop mid-epoch 3 (after the checkpoint of epoch 2), through the file format.
  const first = newModel();
  let saved: Uint8Array | null = null;
  let batches = 0;
  const stopped = await trainRvae(first, stack.data, {
    ...training,
    hooks: {
      onCheckpoint: (cp) => {
        saved = encodeCheckpoint(cp, {
          config,
          normalization: first.normalization,
          training,
          dataSha256: "test",
        });
        return Promise.resolve();
      },
      onBatch: () => void batches++,
      shouldStop: () => batches >= 14,
    },
  });
  assert(stopped.stopped);
  disposeRvae(first);
  const { checkpoint } = decodeCheckpoint(saved!, "checkpoint.bin");
  assertEquals(checkpoint.epoch, 2);

  const resumed = newModel();
  const rest = await trainRvae(resumed, stack.data, { ...training, resume: checkpoint });
  assert(!rest.stopped);
  assertEquals(rest.history.length, 4);
  sameArrays(modelParams(resumed), modelParams(whole));
  const a = encodeStack(whole, stack.data);
  const b = encodeStack(resumed, stack.data);
  assert(a.mean.every((v, i) => Object.is(v, b.mean[i])), "latents differ");
  assertEquals(rest.history.map((r) => r.train.loss), full.history.map((r) => r.train.loss));
  disposeRvae(whole);
  disposeRvae(resumed);
});

/** Train until `k` checkpoints were written, through the checkpoint file format; returns it decoded. */
async function interruptedAfter(k: number, options: TrainOptions): Promise<TrainCheckpoint> {
  const model = newModel();
  let saved: Uint8Array | null = null;
  let written = 0;
  const result = await trainRvae(model, stack.data, {
    ...options,
    hooks: {
      onCheckpoint: (cp) => {
        written++;
        saved = encodeCheckpoint(cp, {
          config,
          normalization: model.normalization,
          training: options,
          dataSha256: "test",
        });
        return Promise.resolve();
      },
      shouldStop: () => written >= k,
    },
  });
  assert(result.stopped && result.endReason === "interrupted", `not interrupted after ${k}`);
  disposeRvae(model);
  const { checkpoint } = decodeCheckpoint(saved!, "checkpoint.bin");
  assertEquals(checkpoint.epoch, k);
  return checkpoint;
}

/** Everything but wall-clock rates. */
function outcome(result: TrainResult) {
  return {
    ...result,
    history: result.history.map(({ seconds: _s, imagesPerSecond: _i, ...rest }) => rest),
  };
}

// A high learning rate with reduce-on-plateau after one epoch: the held-out loss is best at
// epoch 2, the rate is halved again and again, and early stopping ends the run at epoch 8.
const scheduled = makeTrainOptions({
  epochs: 10,
  batchSize: 8,
  seed: 3,
  learningRate: 0.03,
  lrPatience: 1,
});

Deno.test("resume is exact through learning-rate reductions, the best epoch and early stopping", async () => {
  const whole = newModel();
  const full = await trainRvae(whole, stack.data, scheduled);
  assert(full.schedule.reductions >= 2, `only ${full.schedule.reductions} reductions`);
  assertEquals(full.endReason, "patience");
  assert(full.history.length < scheduled.epochs, "early stopping did not end the run");
  assertEquals(full.history.length - full.bestEpoch, scheduled.patience);
  assert(full.restoredBest && full.finalEpoch === full.bestEpoch, "best epoch not restored");
  const rates = full.history.map((r) => r.learningRate);
  assert(rates.at(-1)! < rates[0], `learning rates ${rates}`);
  for (const k of [1, full.bestEpoch + 1, full.history.length - 1]) {
    const checkpoint = await interruptedAfter(k, scheduled);
    const resumed = newModel();
    const rest = await trainRvae(resumed, stack.data, { ...scheduled, resume: checkpoint });
    assertEquals(outcome(rest), outcome(full), `resumed after epoch ${k}`);
    sameArrays(modelParams(resumed), modelParams(whole));
    disposeRvae(resumed);
  }
  // Resuming a finished run, even with more epochs, changes nothing: it stays stopped early.
  let last: TrainCheckpoint | null = null;
  const first = newModel();
  await trainRvae(first, stack.data, {
    ...scheduled,
    hooks: { onCheckpoint: (cp) => Promise.resolve(void (last = cp)) },
  });
  disposeRvae(first);
  const again = newModel();
  const more = { ...scheduled, epochs: 1000 };
  const same = await trainRvae(again, stack.data, { ...more, resume: last! });
  assertEquals(outcome(same), outcome(full));
  sameArrays(modelParams(again), modelParams(whole));
  disposeRvae(again);
  disposeRvae(whole);
});

Deno.test("a diverging run ends on its best epoch, and says so", async () => {
  // Learning rate 0.2 with neither schedule nor early stopping: the held-out loss
  // climbs well above its best and stays there.
  const diverging = makeTrainOptions({
    batchSize: 8,
    seed: 3,
    epochs: 12,
    learningRate: 0.2,
    lrPatience: 0,
    patience: 0,
  });
  const model = newModel();
  const result = await trainRvae(model, stack.data, diverging);
  assertEquals(result.history.length, 12);
  const losses = result.history.map((r) => r.validation!.loss);
  const last = losses.at(-1)!;
  assert(result.bestEpoch < 12 && result.restoredBest, `best ${result.bestEpoch}: ${losses}`);
  assertEquals(result.bestLoss, Math.min(...losses));
  assert(last > 1.25 * result.bestLoss, `last ${last}, best ${result.bestLoss}`);
  // The model now holds the best epoch's parameters: its held-out loss, with that epoch's
  // noise, is the recorded one exactly.
  const after = heldOutLoss(model, stack.data, diverging, result.bestEpoch)!;
  assertEquals(after.loss, result.bestLoss);
  const unrecovered = result.divergences.filter((d) => d.epoch > result.bestEpoch);
  assert(unrecovered.length === 1, `${JSON.stringify(result.divergences)} ${losses}`);
  const warnings = trainingWarnings(result);
  assertEquals(warnings.map((w) => w.code), ["rvae-diverged"]);
  assert(
    warnings[0].message.includes(`epoch ${result.bestEpoch} was restored`),
    warnings[0].message,
  );
  disposeRvae(model);
  // Without restoreBest the last epoch is kept, and the warning says so.
  const kept = newModel();
  const plain = await trainRvae(kept, stack.data, { ...diverging, restoreBest: false });
  assert(!plain.restoredBest && plain.finalEpoch === 12);
  assertEquals(heldOutLoss(kept, stack.data, diverging, 12)!.loss, last);
  const best = historyColumns(result).best as number[];
  assertEquals(best.indexOf(1), result.bestEpoch - 1);
  assertEquals(best.reduce((a, b) => a + b, 0), 1);
  assertEquals((historyColumns(plain).best as number[]).indexOf(1), 11);
  assert(trainingWarnings(plain)[0].message.includes("(12) was kept"));
  disposeRvae(kept);
});

Deno.test("restarts keep the seed with the lowest held-out loss and report every one", async () => {
  const options = makeTrainOptions({ ...training, epochs: 3 });
  const normalization = stackNormalization(stack.data, SIZE * SIZE);
  const { model, runs, chosen, result } = await trainRestarts(config, stack.data, {
    ...options,
    restarts: 3,
    normalization,
  });
  assertEquals(runs.map((r) => r.seed), [3, 4, 5]);
  assertEquals(runs.filter((r) => r.chosen).map((r) => r.restart), [chosen]);
  assertEquals(runs[chosen].loss, Math.min(...runs.map((r) => r.loss)));
  assert(new Set(runs.map((r) => r.loss)).size === 3, "restarts should differ");
  assertEquals(result.bestLoss, runs[chosen].bestLoss);
  // Restart 0 is the plain run; every restart holds out the same windows (split seed 3).
  const plain = newModel();
  const single = await trainRvae(plain, stack.data, options);
  assertEquals(runs[0].bestLoss, single.bestLoss);
  const other = createRvae(config, { seed: 4, normalization });
  const fourth = await trainRvae(other, stack.data, { ...options, seed: 4, splitSeed: 3 });
  assertEquals(runs[1].bestLoss, fourth.bestLoss);
  if (chosen === 0) sameArrays(modelParams(model), modelParams(plain));
  [model, plain, other].forEach(disposeRvae);
});

Deno.test("a non-finite loss rolls back to the last checkpoint and lowers the learning rate", async () => {
  const model = newModel();
  const notices: string[] = [];
  let checkpoints = 0;
  // A huge learning rate sends the log-sd heads past exp overflow.
  const result = await trainRvae(model, stack.data, {
    ...training,
    epochs: 3,
    learningRate: 20,
    hooks: {
      onNotice: (m) => notices.push(m),
      onCheckpoint: () => Promise.resolve(void checkpoints++),
    },
  });
  assert(notices.length > 0, "expected a rollback notice");
  assert(/rolled back/.test(notices[0]) && /learning rate/.test(notices[0]), notices[0]);
  assertEquals(result.history.length, 3);
  assert(result.history.every((r) => Number.isFinite(r.train.loss)));
  assert(result.history[result.history.length - 1].learningRate < 20);
  assertEquals(checkpoints, 3);
  disposeRvae(model);
});

Deno.test("a stack that stays non-finite ends in a UserError, not a crash", async () => {
  const bad = stack.data.slice();
  bad[5] = NaN;
  const model = newModel();
  await assertRejects(() => trainRvae(model, bad, { ...training, epochs: 1 }), UserError);
  disposeRvae(model);
});

Deno.test("save and load keep the encodings identical", async () => {
  const model = newModel();
  await trainRvae(model, stack.data, { ...training, epochs: 1 });
  const dir = await Deno.makeTempDir({ prefix: "rvae_model_" });
  try {
    await saveRvae(model, `${dir}/model`);
    const loaded = await loadRvae(`${dir}/model`);
    assertEquals(loaded.config, model.config);
    assertEquals(loaded.normalization, model.normalization);
    const a = encodeStack(model, stack.data);
    const b = encodeStack(loaded, stack.data);
    assert(a.mean.every((v, i) => Object.is(v, b.mean[i])));
    assert(a.sd.every((v, i) => Object.is(v, b.sd[i])));
    disposeRvae(loaded);
    // A truncated weights file is a one-line format error.
    const weights = await Deno.readFile(`${dir}/model/weights.bin`);
    await Deno.writeFile(`${dir}/model/weights.bin`, weights.subarray(0, 100));
    await assertRejects(() => loadRvae(`${dir}/model`), UserError);
  } finally {
    await Deno.remove(dir, { recursive: true });
    disposeRvae(model);
  }
});

Deno.test("checkpoint bytes round-trip", () => {
  const model = newModel();
  const params = modelParams(model);
  const cp: TrainCheckpoint = {
    epoch: 7,
    params,
    adam: { learningRate: 0.01, step: 12, m: params, v: params },
    history: [],
    schedule: { ...initialSchedule(training), bestLoss: 3.5, bestEpoch: 5, sinceBest: 2 },
    best: { epoch: 5, params: params.map((p) => ({ ...p, data: p.data.map((v) => v + 1) })) },
  };
  const bytes = encodeCheckpoint(cp, {
    config,
    normalization: model.normalization,
    training,
    dataSha256: "abc",
  });
  const back = decodeCheckpoint(bytes, "c.bin");
  assertEquals(back.checkpoint.epoch, 7);
  assertEquals(back.checkpoint.adam.step, 12);
  sameArrays(back.checkpoint.params, params);
  assertEquals(back.checkpoint.schedule, cp.schedule);
  assertEquals(back.checkpoint.best?.epoch, 5);
  sameArrays(back.checkpoint.best!.params, cp.best!.params);
  assertEquals(back.context.dataSha256, "abc");
  let threw = false;
  try {
    decodeCheckpoint(bytes.subarray(0, 40), "c.bin");
  } catch (err) {
    threw = err instanceof UserError;
  }
  assert(threw);
  disposeRvae(model);
});

Deno.test("angle peaks: four clusters 90° apart, wrap-around included", () => {
  const random = new Random(9);
  const angles: number[] = [];
  for (let i = 0; i < 800; i++) {
    const centre = 0.3 + (i % 4) * Math.PI / 2 - 0.9; // one cluster straddles 0
    angles.push(wrapAngle(centre + 0.08 * random.normal()));
  }
  for (let i = 0; i < 40; i++) angles.push(random.uniform() * 2 * Math.PI); // background
  const { peaks, separationsDeg } = findAnglePeaks(angles);
  assertEquals(peaks.length, 4);
  for (const s of separationsDeg) assertAlmostEquals(s, 90, 4);
  assertAlmostEquals(peaks.reduce((n, p) => n + p.count, 0), angles.length, 0);
  // A single cluster gives one peak and no separation.
  const one = findAnglePeaks(angles.slice(0, 800).filter((_, i) => i % 4 === 1));
  assertEquals(one.peaks.length, 1);
  assertEquals(one.separationsDeg, []);
});
