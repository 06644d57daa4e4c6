/**
 * `Sum` over the leading axes (bias gradients: [N, C] → [C]) for wasm, as
 * one sequential pass accumulating rows: the stock kernel first moves the
 * reduced axes last with a slow generic transpose (about 60 ms of CPU for
 * [73728, 128]), and a product with a row of ones is no better on a fresh
 * tensor (XNNPACK packs the whole operand first). Other reductions use the
 * stock kernel.
 *
 * @module
 */

import { tf } from "../../deps.ts";
import { callKernel, type KernelArgs } from "./_compose.ts";
import { allocateFloats, floatView, requireInputs } from "./_js_kernel.ts";
import type { KernelReplacement } from "./register.ts";

/** Below this many elements the stock kernel is as fast. */
const MIN_SIZE = 4096;

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
  const kept = x.shape.slice(axes.length);
  const cols = kept.reduce((p, n) => p * n, 1);
  const rows = size / cols;
  const shape = attrs.keepDims ? x.shape.map((n, i) => (i < axes.length ? 1 : n)) : kept;
  const out = allocateFloats(backend, shape);
  const src = floatView(backend, x), dst = floatView(backend, out);
  const acc = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) acc[c] += src[base + c];
  }
  dst.set(acc);
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
