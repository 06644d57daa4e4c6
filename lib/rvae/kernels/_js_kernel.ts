/**
 * Helpers for kernels written in plain JavaScript loops over a backend's
 * memory, so that one implementation serves the `cpu` and `wasm` backends:
 * float32 views without copies, and outputs allocated in the backend.
 *
 * @module
 */

import type { tf } from "../../deps.ts";

type AnyBackend = tf.KernelBackend & {
  // wasm backend
  makeOutput?(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap?(info: tf.TensorInfo): Float32Array;
  // cpu backend
  data?: { get(dataId: tf.DataId): { values: Float32Array } };
  makeTensorInfo?(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
};

/** Allocate a zero-filled float32 tensor of `shape` in `backend`. */
export function allocateFloats(backend: tf.KernelBackend, shape: number[]): tf.TensorInfo {
  const b = backend as AnyBackend;
  const size = shape.reduce((a, n) => a * n, 1);
  if (b.makeOutput && b.typedArrayFromHeap) {
    const out = b.makeOutput(shape, "float32");
    b.typedArrayFromHeap(out).fill(0);
    return out;
  }
  if (b.makeTensorInfo) return b.makeTensorInfo(shape, "float32", new Float32Array(size));
  throw new Error("js kernels support the cpu and wasm backends only");
}

/**
 * A float32 view of `info`'s data, without copying. On wasm the view is into
 * the heap: take views only after every allocation of the kernel (an
 * allocation can grow, and so detach, the heap).
 */
export function floatView(backend: tf.KernelBackend, info: tf.TensorInfo): Float32Array {
  if (info.dtype !== "float32") {
    throw new Error(`js kernels need float32 tensors, got ${info.dtype}`);
  }
  const b = backend as AnyBackend;
  if (b.typedArrayFromHeap) return b.typedArrayFromHeap(info);
  if (b.data) return b.data.get(info.dataId).values;
  throw new Error("js kernels support the cpu and wasm backends only");
}

/** The named inputs of a kernel call, checked present. */
export function requireInputs<K extends string>(
  inputs: tf.NamedTensorInfoMap,
  names: readonly K[],
): Record<K, tf.TensorInfo> {
  const out = {} as Record<K, tf.TensorInfo>;
  for (const name of names) {
    const info = inputs[name];
    if (!info) throw new Error(`kernel input "${name}" is missing`);
    out[name] = info;
  }
  return out;
}
