/**
 * Building a kernel out of other kernels of the same backend, without going
 * through the engine (so nothing is recorded on the gradient tape and the
 * intermediates are freed at once).
 *
 * @module
 */

import { tf } from "../../deps.ts";

/** What a kernel function receives. */
export interface KernelArgs {
  /** The kernel's inputs by name. */
  inputs: tf.NamedTensorInfoMap;
  /** The backend running the kernel. */
  backend: tf.KernelBackend;
  /** The kernel's attributes. */
  attrs?: tf.NamedAttrMap;
}

/**
 * Run the kernel `name` currently registered on `backendName` — or `config`,
 * when given (a stock kernel that a replacement displaced).
 */
export function callKernel(
  name: string,
  backendName: string,
  args: KernelArgs,
  config?: tf.KernelConfig,
): tf.TensorInfo {
  const kernel = config ?? tf.getKernel(name, backendName);
  if (!kernel) throw new Error(`kernel ${name} is not registered for ${backendName}`);
  const out = kernel.kernelFunc({ attrs: {}, ...args });
  if (Array.isArray(out)) throw new Error(`kernel ${name} returned several outputs`);
  return out;
}

/** Free intermediate results of a composed kernel. */
export function disposeInfos(backend: tf.KernelBackend, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** Transpose `x` by `perm` with the backend's Transpose kernel. */
export function transposeInfo(
  backend: tf.KernelBackend,
  backendName: string,
  x: tf.TensorInfo,
  perm: number[],
): tf.TensorInfo {
  return callKernel("Transpose", backendName, { inputs: { x }, backend, attrs: { perm } });
}

/** A view of `x` with another shape (same data, no copy); free it with the backend like any output. */
export function reshapeInfo(
  backend: tf.KernelBackend,
  backendName: string,
  x: tf.TensorInfo,
  shape: number[],
): tf.TensorInfo {
  return callKernel("Reshape", backendName, { inputs: { x }, backend, attrs: { shape } });
}
