/**
 * Two memory-bound wasm kernels that the faithful decoder's step spent tens
 * of milliseconds in (profiled, batch 32 on 48 x 48): `Concat` of float32
 * tensors (the stock kernel took ~35 ms to interleave two [73728, 1]
 * columns) as slice copies, and `Sum` over any run of adjacent axes (the
 * content gradient sums [32, 2304, 128] over its middle axis, which the
 * stock kernel first transposes) as one pass with float64 accumulators.
 * For leading axes the sum is the same loop, in the same order, as
 * sum.ts's. Other cases use the stock kernels.
 *
 * @module
 */

import { tf } from "../../deps.ts";
import { callKernel, type KernelArgs } from "./_compose.ts";
import { allocateFloats, floatView } from "./_js_kernel.ts";
import type { KernelReplacement } from "./register.ts";

const product = (shape: readonly number[]) => shape.reduce((p, n) => p * n, 1);

function concat(stock: tf.KernelConfig, args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const inputs = Object.values(args.inputs).filter((t): t is tf.TensorInfo => t !== undefined);
  if (inputs.length === 0 || inputs.some((t) => t.dtype !== "float32")) {
    return callKernel("Concat", "wasm", args, stock);
  }
  const axis = tf.util.parseAxisParam(args.attrs?.axis as number, inputs[0].shape)[0];
  const shape = inputs[0].shape.slice();
  shape[axis] = inputs.reduce((s, t) => s + t.shape[axis], 0);
  const out = allocateFloats(backend, shape);
  const dst = floatView(backend, out);
  const outer = product(shape.slice(0, axis));
  const parts = inputs.map((t) => ({
    src: floatView(backend, t),
    inner: product(t.shape.slice(axis)),
  }));
  const row = product(shape.slice(axis));
  let offset = 0;
  for (const { src, inner } of parts) {
    if (inner === 1) {
      for (let o = 0; o < outer; o++) dst[o * row + offset] = src[o];
    } else {
      for (let o = 0; o < outer; o++) {
        dst.set(src.subarray(o * inner, (o + 1) * inner), o * row + offset);
      }
    }
    offset += inner;
  }
  return out;
}

function sum(stock: tf.KernelConfig, args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const x = args.inputs.x;
  const attrs = args.attrs ?? {};
  if (!x || x.dtype !== "float32" || product(x.shape) < 4096) {
    return callKernel("Sum", "wasm", args, stock);
  }
  const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape).sort((a, b) =>
    a - b
  );
  const first = axes[0], last = axes[axes.length - 1];
  if (axes.length === 0 || last - first + 1 !== axes.length || axes.length === x.shape.length) {
    return callKernel("Sum", "wasm", args, stock);
  }
  const outer = product(x.shape.slice(0, first));
  const mid = product(x.shape.slice(first, last + 1));
  const inner = product(x.shape.slice(last + 1));
  const shape = attrs.keepDims
    ? x.shape.map((n, i) => (i >= first && i <= last ? 1 : n))
    : x.shape.filter((_, i) => i < first || i > last);
  const out = allocateFloats(backend, shape);
  const src = floatView(backend, x), dst = floatView(backend, out);
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    const base = o * mid * inner;
    for (let r = 0; r < mid; r++) {
      const at = base + r * inner;
      for (let c = 0; c < inner; c++) acc[c] += src[at + c];
    }
    dst.set(acc, o * inner);
  }
  return out;
}

/** The replacements, for `installKernels("wasm", ...)`. */
export const WASM_LAYOUT_KERNELS: readonly KernelReplacement[] = [
  {
    kernelName: "Concat",
    make: (stock) => {
      if (!stock) throw new Error("Concat replacement needs the stock wasm kernel");
      return ((args: KernelArgs) => concat(stock, args)) as unknown as tf.KernelFunc;
    },
  },
  {
    kernelName: "Sum",
    make: (stock) => {
      if (!stock) throw new Error("Sum replacement needs the stock wasm kernel");
      return ((args: KernelArgs) => sum(stock, args)) as unknown as tf.KernelFunc;
    },
  },
];
