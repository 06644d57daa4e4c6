// The train stage (lib/pipeline): restarts stopped in the middle and resumed from their
// checkpoints give the uninterrupted stage's files exactly; a diverging configuration
// ends on its best epoch and says so (warning, history.csv's best, run.json facts).

import { initBackend } from "../lib/rvae/backend.ts";
import { makeConfig, makeTrainOptions } from "../lib/rvae/config.ts";
import { disposeRvae } from "../lib/rvae/model.ts";
import { decodeCheckpoint } from "../lib/rvae/serialize.ts";
import type { TrainCheckpoint } from "../lib/rvae/train.ts";
import { parseCsv } from "../lib/io/csv.ts";
import { checkpointFile, trainStage } from "../lib/pipeline/mod.ts";
import { blobWindows } from "./blob_windows.ts";
import { assert, assertEquals } from "./assert.ts";

await initBackend({ backend: "cpu" });

const SIZE = 10;

const data = blobWindows(48, 1);
const config = makeConfig(SIZE, { hiddenUnits: 16, latentDim: 1 });
const input = { stack: { data, size: SIZE }, positions: null };

Deno.test("train stage: restarts interrupted and resumed give the uninterrupted files exactly", async () => {
  const training = makeTrainOptions({ epochs: 3, batchSize: 8, seed: 5 });
  const options = { config, training, restarts: 3, figures: false };
  const full = await trainStage(input, options);
  assertEquals(full.restarts.length, 3);
  assertEquals(full.restarts.filter((r) => r.chosen).length, 1);
  const chosen = full.restarts.find((r) => r.chosen)!;
  assertEquals(chosen.loss, Math.min(...full.restarts.map((r) => r.loss)));
  assertEquals(Object.keys(full.files).filter((f) => f.startsWith("checkpoint")), [
    "checkpoint.bin",
    "checkpoint_2.bin",
    "checkpoint_3.bin",
  ]);
  // Stop after the second restart's first epoch, keeping the checkpoints as a run does.
  const kept = new Map<string, Uint8Array>();
  let saved = 0;
  const stopped = await trainStage(input, options, {
    onCheckpoint: (bytes, file) => {
      kept.set(file, bytes);
      saved++;
      return Promise.resolve();
    },
    shouldStop: () => saved === 4,
  });
  assert(stopped.stopped, stopped.summary);
  assertEquals([...kept.keys()], [checkpointFile(0), checkpointFile(1)]);
  disposeRvae(stopped.model);
  const checkpoints: (TrainCheckpoint | undefined)[] = [0, 1, 2].map((k) => {
    const bytes = kept.get(checkpointFile(k));
    return bytes ? decodeCheckpoint(bytes, checkpointFile(k)).checkpoint : undefined;
  });
  const resumed = await trainStage(input, { ...options, resume: (k) => checkpoints[k] });
  assert(!resumed.stopped);
  for (const name of ["latents.csv", "history.csv", "model/weights.bin"]) {
    assertEquals(resumed.files[name], full.files[name], name);
  }
  // Every restart's checkpoint is among the files (wall-clock rates in them differ).
  for (const name of ["checkpoint.bin", "checkpoint_2.bin", "checkpoint_3.bin"]) {
    const [a, b] = [resumed, full].map((s) =>
      decodeCheckpoint(s.files[name] as Uint8Array, name).checkpoint
    );
    assertEquals([a.epoch, a.params], [b.epoch, b.params], name);
  }
  assertEquals(resumed.extra.restarts, full.extra.restarts);
  [full, resumed].forEach((s) => disposeRvae(s.model));
});

Deno.test("train stage: a diverging configuration ends on its best epoch and says so", async () => {
  // As tests/rvae_train_test.ts: learning rate 0.2, no schedule, no early stopping.
  const training = makeTrainOptions({
    batchSize: 8,
    seed: 3,
    epochs: 12,
    learningRate: 0.2,
    lrPatience: 0,
    patience: 0,
  });
  const stage = await trainStage(input, { config, training, figures: true });
  const { extra } = stage;
  assert(extra.restoredBest === true && (extra.bestEpoch as number) < 12, JSON.stringify(extra));
  assertEquals(extra.finalEpoch, extra.bestEpoch);
  assertEquals(extra.endReason, "epochs");
  assertEquals((stage.warnings ?? []).map((w) => w.code), ["rvae-diverged"]);
  assert(stage.summary.includes(`(best, epoch ${extra.bestEpoch}, restored)`), stage.summary);
  const history = parseCsv(stage.files["history.csv"] as string);
  assertEquals(history.header.at(-1), "best");
  const best = history.rows.map((r) => Number(r.at(-1)));
  assertEquals(best.indexOf(1) + 1, extra.bestEpoch);
  assertEquals(best.reduce((a, b) => a + b, 0), 1);
  const loss = stage.figures.find((f) => f.name === "training_loss");
  assert(loss?.svg.includes(`best ${extra.bestEpoch}, restored`), "the loss figure marks it");
  disposeRvae(stage.model);
});
