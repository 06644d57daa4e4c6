// Encoding with a saved model: the training stack encoded with its own saved
// model gives the training run's latents.csv byte for byte; windows of the
// wrong side, scaling or lattice period are refused with one line; windows
// unlike the training ones warn; several stacks train one model with a
// source column.

import { initBackend } from "../lib/rvae/backend.ts";
import { makeConfig, makeTrainOptions } from "../lib/rvae/config.ts";
import {
  checkModelApplies,
  combineStacks,
  encodeWithModel,
  latentColumns,
} from "../lib/rvae/encode.ts";
import { encodeStack } from "../lib/rvae/inference.ts";
import { createRvae, disposeRvae } from "../lib/rvae/model.ts";
import { stackNormalization } from "../lib/rvae/normalize.ts";
import { decodeModel, type WindowSpec } from "../lib/rvae/serialize.ts";
import { trainRvae } from "../lib/rvae/train.ts";
import { loadRvaeFile, modelFiles, saveRvae } from "../lib/io/rvae_files.ts";
import { formatCsv } from "../lib/io/csv.ts";
import { UserError } from "../lib/errors.ts";
import { blobWindows } from "./blob_windows.ts";
import { assert, assertEquals } from "./assert.ts";

await initBackend({ backend: "cpu" });

const SIZE = 10;

const config = makeConfig(SIZE, { hiddenUnits: 16, latentDim: 1 });
const training = makeTrainOptions({ epochs: 3, batchSize: 8, seed: 2 });
const windows: WindowSpec = {
  window: SIZE,
  periodPx: 5.3,
  cells: SIZE / 5.3,
  sublattice: "B",
  centring: "bilinear",
  normalization: "minmax",
};

function throwsUserError(f: () => unknown, pattern: RegExp): void {
  try {
    f();
  } catch (err) {
    assert(err instanceof UserError, `not a UserError: ${err}`);
    assert(pattern.test(err.line()), err.line());
    assert(!err.line().includes("\n"), "more than one line");
    return;
  }
  throw new Error(`no error (expected ${pattern})`);
}

Deno.test("the training stack encoded with its own saved model gives the run's latents exactly", async () => {
  const stack = blobWindows(40, 1);
  const model = createRvae(config, {
    seed: training.seed,
    normalization: stackNormalization(stack, SIZE * SIZE),
  });
  const result = await trainRvae(model, stack, training);
  assert(result.bestEpoch >= 1);
  const positions = {
    x: Float64Array.from({ length: 40 }, (_, i) => i),
    y: Float64Array.from({ length: 40 }, (_, i) => 2 * i),
  };
  const trainedCsv = formatCsv(
    latentColumns(config, encodeStack(model, stack), { positions, pixelSizeNm: 0.02 }),
  );
  // Through the bytes of a model folder, and through files.
  const files = modelFiles(model, training, windows);
  const { file, params } = decodeModel(files["config.json"], files["weights.bin"], {
    config: "config.json",
    weights: "weights.bin",
  });
  assertEquals(file.windows, windows);
  const loaded = createRvae(file.config, { params, normalization: file.normalization });
  const { encoding, warnings } = encodeWithModel(loaded, { data: stack, window: SIZE }, {
    windows: file.windows,
    periodPx: 5.4,
  });
  assertEquals(warnings, []);
  const encodedCsv = formatCsv(
    latentColumns(loaded.config, encoding, { positions, pixelSizeNm: 0.02 }),
  );
  assertEquals(encodedCsv, trainedCsv);
  const dir = await Deno.makeTempDir({ prefix: "rvae_encode_" });
  try {
    await saveRvae(model, `${dir}/model`, training, windows);
    const saved = await loadRvaeFile(`${dir}/model`);
    assertEquals(saved.file.windows, windows);
    const again = encodeWithModel(saved.model, { data: stack, window: SIZE });
    assertEquals(
      formatCsv(latentColumns(config, again.encoding, { positions, pixelSizeNm: 0.02 })),
      trainedCsv,
    );
    disposeRvae(saved.model);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  [model, loaded].forEach(disposeRvae);
});

Deno.test("a model refuses windows it cannot apply to, in one line, and warns on unlike ones", () => {
  const stack = blobWindows(20, 3);
  const model = createRvae(config, {
    seed: 1,
    normalization: stackNormalization(stack, SIZE * SIZE),
  });
  const other = blobWindows(20, 4);
  assertEquals(checkModelApplies(model, { data: other, window: SIZE }), []);
  throwsUserError(
    () =>
      checkModelApplies(model, { data: new Float32Array(12 * 12 * 3), window: 12 }, {
        name: "b.npy",
      }),
    /^error: b\.npy: the model takes 10 px windows, these are 12 px/,
  );
  // Raw counts, or z-scored values, are not the [0, 1] the model was trained on.
  const counts = other.map((v) => 400 + 1000 * v);
  throwsUserError(
    () => checkModelApplies(model, { data: counts, window: SIZE }, { windows, name: "raw.npy" }),
    /^error: raw\.npy: .*normalisation.*scaled minmax/,
  );
  throwsUserError(
    () => checkModelApplies(model, { data: other, window: SIZE }, { windows, periodPx: 7.1 }),
    /period is 7\.1 px but the model was trained at 5\.3 px/,
  );
  // Windows on "the other sublattice": contrast inverted, same range.
  const inverted = other.map((v) => 1 - v);
  const warnings = checkModelApplies(model, { data: inverted, window: SIZE });
  assertEquals(warnings.map((w) => w.code), ["model-mismatch"]);
  disposeRvae(model);
});

Deno.test("several stacks train one model; each window keeps its source", async () => {
  const a = blobWindows(24, 5);
  const b = blobWindows(16, 6);
  const all = combineStacks([{ data: a, window: SIZE, name: "a.npy" }, {
    data: b,
    window: SIZE,
    name: "b.npy",
  }]);
  assertEquals([all.count, all.counts], [40, [24, 16]]);
  assertEquals(Array.from(all.source.subarray(22, 26)), [0, 0, 1, 1]);
  assertEquals(all.data.subarray(24 * 100, 25 * 100), b.subarray(0, 100));
  throwsUserError(
    () =>
      combineStacks([{ data: a, window: SIZE, name: "a.npy" }, {
        data: b,
        window: 8,
        name: "c.npy",
      }]),
    /^error: c\.npy: has 8 px windows but a\.npy has 10 px/,
  );
  const model = createRvae(config, {
    seed: 1,
    normalization: stackNormalization(all.data, SIZE * SIZE),
  });
  await trainRvae(model, all.data, { ...training, epochs: 1 });
  const columns = latentColumns(config, encodeStack(model, all.data), { source: all.source });
  assertEquals(Object.keys(columns).slice(-2), ["source", "angle_deg"]);
  assertEquals(Array.from(columns.source as Int32Array).filter((s) => s === 1).length, 16);
  disposeRvae(model);
});
