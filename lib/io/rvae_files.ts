/**
 * A trained rVAE on disk: `DIR/config.json` (architecture, prior, data
 * scaling, tensor table) and `DIR/weights.bin` (float32 LE), and training
 * checkpoints (one file each). The byte formats live in
 * `lib/rvae/serialize.ts`; this module only reads and writes files.
 *
 * @module
 */

import { join } from "node:path";
import type { TrainOptions } from "../rvae/config.ts";
import { createRvae, modelParams, type Rvae } from "../rvae/model.ts";
import { decodeModel, encodeModel, type ModelFile, type WindowSpec } from "../rvae/serialize.ts";
import { ensureDir, readFileChecked, writeFileAtomic } from "./atomic_write.ts";

/** The two files a model folder holds, as bytes for `Run.write` or a plain write. */
export function modelFiles(
  model: Rvae,
  training?: Partial<TrainOptions>,
  windows?: WindowSpec,
): { "config.json": string; "weights.bin": Uint8Array } {
  const { configJson, weights } = encodeModel(
    model.config,
    model.normalization,
    modelParams(model),
    training,
    windows,
  );
  return { "config.json": configJson, "weights.bin": weights };
}

/** Save `model` into folder `dir` (created if needed), crash-safely. */
export async function saveRvae(
  model: Rvae,
  dir: string,
  training?: Partial<TrainOptions>,
  windows?: WindowSpec,
): Promise<void> {
  await ensureDir(dir);
  const files = modelFiles(model, training, windows);
  // Weights first: config.json appearing last marks a complete folder.
  await writeFileAtomic(join(dir, "weights.bin"), files["weights.bin"]);
  await writeFileAtomic(join(dir, "config.json"), files["config.json"]);
}

/** Load a model saved by {@linkcode saveRvae} (on the current tfjs backend). */
export async function loadRvae(dir: string): Promise<Rvae> {
  return (await loadRvaeFile(dir)).model;
}

/**
 * Load a saved model with its `config.json` (training options, how its
 * windows were cut: what `encode` checks a new stack against).
 *
 * @example
 * ```ts
 * import { loadRvaeFile, saveRvae } from "./rvae_files.ts";
 * import { initBackend } from "../rvae/backend.ts";
 * import { makeConfig } from "../rvae/config.ts";
 * import { createRvae } from "../rvae/model.ts";
 * import { stackNormalization } from "../rvae/normalize.ts";
 * await initBackend({ backend: "cpu" });
 * const normalization = stackNormalization(new Float32Array(2 * 8 * 8).fill(1), 8 * 8);
 * const trained = createRvae(makeConfig(8, { hiddenUnits: 8 }), { normalization });
 * const dir = await Deno.makeTempDir();
 * await saveRvae(trained, `${dir}/model`, {}, { window: 8, centring: "B" });
 * const { model, file } = await loadRvaeFile(`${dir}/model`);
 * await Deno.remove(dir, { recursive: true });
 * if (model.config.size !== 8 || file.windows?.window !== 8) throw new Error("read back");
 * ```
 */
export async function loadRvaeFile(dir: string): Promise<{ model: Rvae; file: ModelFile }> {
  const configPath = join(dir, "config.json");
  const weightsPath = join(dir, "weights.bin");
  const configJson = new TextDecoder().decode(await readFileChecked(configPath));
  const weights = await readFileChecked(weightsPath);
  const { file, params } = decodeModel(configJson, weights, {
    config: configPath,
    weights: weightsPath,
  });
  return { model: createRvae(file.config, { params, normalization: file.normalization }), file };
}
