// The training loop: resume equals an uninterrupted run, the non-finite
// guard rolls back, save/load keeps the encodings, angle peak detection.

import { initBackend } from "../lib/rvae/backend.ts";
import { findAnglePeaks, wrapAngle } from "../lib/rvae/angles.ts";
import { makeConfig, makeTrainOptions, type TrainOptions } from "../lib/rvae/config.ts";
import { encodeStack } from "../lib/rvae/inference.ts";
import { createRvae, disposeRvae, modelParams, type Rvae } from "../lib/rvae/model.ts";
import { stackNormalization } from "../lib/rvae/normalize.ts";
import { decodeCheckpoint, encodeCheckpoint } from "../lib/rvae/serialize.ts";
import { type TrainCheckpoint, trainRvae } from "../lib/rvae/train.ts";
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
