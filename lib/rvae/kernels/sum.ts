/**
 * `Sum` over the leading axes of a large tensor (bias gradients: [N, C] →
 * [C]) for wasm: the stock kernel transposes the reduced axes to the end with
 * a slow generic transpose (about 200 ms for [73728, 128]); a product with a
 * row of ones on XNNPACK takes a few ms. Other reductions use the stock kernel.
 *
 * @module
 */

import { tf } from "../../deps.ts";
import { callKernel, disposeInfos, type KernelArgs, reshapeInfo } from "./compose.ts";
import { allocateFloats, floatView, requireInputs } from "./js_kernel.ts";
import type { KernelReplacement } from "./register.ts";

/** Below this many elements the stock kernel is as fast. */
const MIN_SIZE = 1 << 16;

function sum(stock: tf.KernelConfig, args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const { x } = requireInputs(args.inputs, ["x"]);
  const attrs = args.attrs ?? {};
  const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape).sort((a, b) =>
    a - b
  );
  const leading = axes.every((axis, i) => axis === i) && axes.length < x.shape.length;
  const size = x.shape.reduce((p, n) => p * n, 1);
  if (!leading || size < MIN_SIZE || x.dtype !== "float32") {
    return callKernel("Sum", "wasm", args, stock);
  }
  const rows = x.shape.slice(0, axes.length).reduce((p, n) => p * n, 1);
  const cols = size / rows;
  const ones = allocateFloats(backend, [1, 1, rows]);
  floatView(backend, ones).fill(1);
  const matrix = reshapeInfo(backend, "wasm", x, [1, rows, cols]);
  const product = callKernel("BatchMatMul", "wasm", {
    inputs: { a: ones, b: matrix },
    backend,
    attrs: { transposeA: false, transposeB: false },
  });
  const kept = x.shape.map((n, i) => (i < axes.length ? 1 : n));
  const out = reshapeInfo(
    backend,
    "wasm",
    product,
    attrs.keepDims ? kept : x.shape.slice(axes.length),
  );
  disposeInfos(backend, ones, matrix, product);
  return out;
}

/** The replacement, for `installKernels("wasm", ...)`. */
export const SUM: KernelReplacement = {
  kernelName: "Sum",
  make: (stock) => {
    if (!stock) throw new Error("Sum replacement needs the stock wasm kernel");
    return ((args: KernelArgs) => sum(stock, args)) as unknown as tf.KernelFunc;
  },
};
