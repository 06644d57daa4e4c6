/**
 * Bytes of a saved model (`model/config.json` + `model/weights.bin`) and of
 * a training checkpoint (one file, so that a crash never pairs old weights
 * with a new optimiser state). Pure: objects in, bytes out, and back, with
 * a `FormatError` naming the file for anything malformed.
 *
 * weights.bin: the parameters' float32 values, little-endian, concatenated
 * in the order config.json's `tensors` lists them (name, shape, offset).
 *
 * @module
 */

import { FormatError } from "../errors.ts";
import type { AdamState } from "./adam.ts";
import { makeConfig, type Normalization, type RvaeConfig, type TrainOptions } from "./config.ts";
import { type ParamArrays, paramSpecs } from "./params.ts";
import type { ScheduleState } from "./schedule.ts";
import type { EpochRecord, TrainCheckpoint } from "./train.ts";

/** Where one tensor sits in a blob of float32 values. */
export interface TensorEntry {
  /** Parameter name. */
  name: string;
  /** Shape. */
  shape: number[];
  /** Offset in float32 elements. */
  offset: number;
}

/**
 * How the training windows were cut, so that `encode` can cut another
 * image's windows the same way and refuse a stack that does not match.
 * Every field but `window` is optional (models saved before it have none).
 */
export interface WindowSpec {
  /** Window side, px (the model's `config.size`). */
  window: number;
  /** Lattice period of the training image, px. */
  periodPx?: number;
  /** Lattice periods per window side. */
  cells?: number;
  /** Sublattice the windows were centred on (`A` or `B`). */
  sublattice?: string;
  /** Centring of the windows (`bilinear` or `integer`). */
  centring?: string;
  /** Scaling the stack stage applied (`minmax`, `max`, `zscore` or `none`). */
  normalization?: string;
  /** Whether that scaling was per window. */
  perWindow?: boolean;
  /** Number of stacks the model was trained on. */
  sources?: number;
}

/** `model/config.json`. */
export interface ModelFile {
  /** Always "ferrovae-rvae". */
  format: "ferrovae-rvae";
  /** Format version. */
  version: 1;
  /** Architecture and prior. */
  config: RvaeConfig;
  /** Data scaling applied before the encoder. */
  normalization: Normalization;
  /** How it was trained (informative). */
  training?: Partial<TrainOptions>;
  /** How its training windows were cut (absent in older models). */
  windows?: WindowSpec;
  /** Tensors in `weights.bin`. */
  tensors: TensorEntry[];
}

/** Concatenate arrays into one float32 blob with its table. */
export function packTensors(arrays: ParamArrays): { tensors: TensorEntry[]; bytes: Uint8Array } {
  const total = arrays.reduce((n, a) => n + a.data.length, 0);
  const blob = new Float32Array(total);
  const tensors: TensorEntry[] = [];
  let offset = 0;
  for (const a of arrays) {
    blob.set(a.data, offset);
    tensors.push({ name: a.name, shape: a.shape.slice(), offset });
    offset += a.data.length;
  }
  return { tensors, bytes: littleEndian(blob) };
}

/** Read arrays back from a blob (copies; checks bounds). */
export function unpackTensors(
  tensors: TensorEntry[],
  bytes: Uint8Array,
  file: string,
): ParamArrays {
  if (bytes.length % 4 !== 0) throw new FormatError(file, "length is not a multiple of 4 bytes");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const available = bytes.length / 4;
  return tensors.map((t) => {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (!(t.offset >= 0 && t.offset + size <= available)) {
      throw new FormatError(file, `tensor ${t.name} lies outside the file (truncated?)`);
    }
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = view.getFloat32(4 * (t.offset + i), true);
    return { name: t.name, shape: t.shape.slice(), data };
  });
}

function littleEndian(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
  return bytes;
}

/**
 * The two files of a saved model.
 *
 * @example
 * ```ts
 * import { decodeModel, encodeModel } from "./serialize.ts";
 * import { makeConfig } from "./config.ts";
 * import { initialParams } from "./params.ts";
 * const config = makeConfig(8, { hiddenUnits: 8 });
 * const params = initialParams(config, 1);
 * const normalization = { offset: 0, scale: 1, meanWindow: new Array(64).fill(0) };
 * const { configJson, weights } = encodeModel(config, normalization, params);
 * const back = decodeModel(configJson, weights, { config: "config.json", weights: "weights.bin" });
 * if (back.params[0].data[0] !== params[0].data[0]) throw new Error("the weights, read back");
 * ```
 */
export function encodeModel(
  config: RvaeConfig,
  normalization: Normalization,
  params: ParamArrays,
  training?: Partial<TrainOptions>,
  windows?: WindowSpec,
): { configJson: string; weights: Uint8Array } {
  const { tensors, bytes } = packTensors(params);
  const file: ModelFile = {
    format: "ferrovae-rvae",
    version: 1,
    config,
    normalization,
    ...(training ? { training } : {}),
    ...(windows ? { windows } : {}),
    tensors,
  };
  return { configJson: JSON.stringify(file, null, 2) + "\n", weights: bytes };
}

/**
 * Parse a saved model; `names` are the two files' names for error messages.
 *
 * @example
 * ```ts
 * import { decodeModel } from "./serialize.ts";
 * import { FormatError } from "../errors.ts";
 * let message = "";
 * try {
 *   decodeModel("{}", new Uint8Array(0), { config: "model/config.json", weights: "weights.bin" });
 * } catch (err) {
 *   if (err instanceof FormatError) message = err.line();
 * }
 * if (!message.includes("model/config.json")) throw new Error("the error names the file");
 * ```
 */
export function decodeModel(
  configJson: string,
  weights: Uint8Array,
  names: { config: string; weights: string },
): { file: ModelFile; params: ParamArrays } {
  let parsed: ModelFile;
  try {
    parsed = JSON.parse(configJson);
  } catch (err) {
    throw new FormatError(names.config, `is not JSON: ${(err as Error).message}`);
  }
  if (parsed?.format !== "ferrovae-rvae" || parsed.version !== 1) {
    throw new FormatError(names.config, "is not a ferrovae rVAE model (format/version)");
  }
  const config = checkedConfig(parsed.config, names.config);
  const params = unpackTensors(parsed.tensors ?? [], weights, names.weights);
  checkParams(config, params, names.weights);
  const n = parsed.normalization;
  if (!(Number.isFinite(n?.offset) && Number.isFinite(n?.scale) && n.scale !== 0)) {
    throw new FormatError(names.config, "normalization must have a finite offset and scale ≠ 0");
  }
  if (config.centerInput && n.meanWindow?.length !== config.size * config.size) {
    throw new FormatError(
      names.config,
      "normalization.meanWindow is missing or has the wrong size",
    );
  }
  if (parsed.windows !== undefined && parsed.windows?.window !== config.size) {
    throw new FormatError(names.config, "windows.window differs from config.size");
  }
  return { file: { ...parsed, config }, params };
}

function checkedConfig(config: RvaeConfig, file: string): RvaeConfig {
  try {
    return makeConfig(config?.size, config);
  } catch (err) {
    throw new FormatError(file, `bad model config: ${(err as Error).message}`);
  }
}

function checkParams(config: RvaeConfig, params: ParamArrays, file: string): void {
  const byName = new Map(params.map((p) => [p.name, p]));
  for (const spec of paramSpecs(config)) {
    const p = byName.get(spec.name);
    if (!p || p.shape.join("x") !== spec.shape.join("x")) {
      throw new FormatError(file, `parameter ${spec.name} is missing or has the wrong shape`);
    }
  }
}

const CHECKPOINT_MAGIC = "FVRVAECK";

/** What a checkpoint file holds besides the training state: what it belongs to. */
export interface CheckpointContext {
  /** Model architecture. */
  config: RvaeConfig;
  /** Data scaling. */
  normalization: Normalization;
  /** Training options of the run. */
  training: TrainOptions;
  /** SHA-256 of the training stack, to refuse resuming on other data. */
  dataSha256: string;
}

interface CheckpointHeader extends CheckpointContext {
  epoch: number;
  history: EpochRecord[];
  adam: { learningRate: number; step: number };
  params: TensorEntry[];
  m: TensorEntry[];
  v: TensorEntry[];
  schedule: ScheduleState;
  best: { epoch: number; params: TensorEntry[] } | null;
}

/** One file: magic, header length (u32 LE), JSON header, padding to 4, float32 blob. */
export function encodeCheckpoint(
  checkpoint: TrainCheckpoint,
  context: CheckpointContext,
): Uint8Array {
  const bestParams = checkpoint.best?.params ?? [];
  const all = [...checkpoint.params, ...checkpoint.adam.m, ...checkpoint.adam.v, ...bestParams];
  const { tensors, bytes } = packTensors(all);
  const np = checkpoint.params.length;
  const nm = checkpoint.adam.m.length;
  const nv = checkpoint.adam.v.length;
  const header: CheckpointHeader = {
    ...context,
    epoch: checkpoint.epoch,
    history: checkpoint.history,
    adam: { learningRate: checkpoint.adam.learningRate, step: checkpoint.adam.step },
    params: tensors.slice(0, np),
    m: tensors.slice(np, np + nm),
    v: tensors.slice(np + nm, np + nm + nv),
    schedule: checkpoint.schedule,
    best: checkpoint.best
      ? { epoch: checkpoint.best.epoch, params: tensors.slice(np + nm + nv) }
      : null,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = Math.ceil((12 + json.length) / 4) * 4;
  const out = new Uint8Array(start + bytes.length);
  out.set(new TextEncoder().encode(CHECKPOINT_MAGIC), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(bytes, start);
  return out;
}

/** Parse a checkpoint file named `file`. */
export function decodeCheckpoint(
  bytes: Uint8Array,
  file: string,
): { checkpoint: TrainCheckpoint; context: CheckpointContext } {
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== CHECKPOINT_MAGIC) {
    throw new FormatError(file, "is not a ferrovae training checkpoint");
  }
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  if (12 + length > bytes.length) throw new FormatError(file, "is truncated");
  let header: CheckpointHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + length)));
  } catch {
    throw new FormatError(file, "has a corrupt header");
  }
  const blob = bytes.subarray(Math.ceil((12 + length) / 4) * 4);
  const config = checkedConfig(header.config, file);
  const params = unpackTensors(header.params, blob, file);
  checkParams(config, params, file);
  const adam: AdamState = {
    learningRate: header.adam.learningRate,
    step: header.adam.step,
    m: unpackTensors(header.m, blob, file),
    v: unpackTensors(header.v, blob, file),
  };
  if (!header.schedule || header.best === undefined) {
    throw new FormatError(
      file,
      "was written by an older ferrovae (no learning-rate schedule or best epoch); " +
        "train again without --resume",
    );
  }
  let best: TrainCheckpoint["best"] = null;
  if (header.best) {
    best = { epoch: header.best.epoch, params: unpackTensors(header.best.params, blob, file) };
    checkParams(config, best.params, file);
  }
  return {
    checkpoint: {
      epoch: header.epoch,
      params,
      adam,
      history: header.history,
      schedule: header.schedule,
      best,
    },
    context: {
      config,
      normalization: header.normalization,
      training: header.training,
      dataSha256: header.dataSha256,
    },
  };
}
