/**
 * `BatchMatMul` for wasm with `transposeA`/`transposeB`: tfjs's wasm kernel
 * takes a naive loop whenever an operand is transposed (about 5-8x slower
 * than its XNNPACK path), so the transposed operand is transposed explicitly
 * and the plain product used. Which side is transposed is chosen by size:
 * Aᵀ·B needs Aᵀ, or the transposed product (Bᵀ·A)ᵀ; A·Bᵀ needs Bᵀ, or (B·Aᵀ)ᵀ.
 *
 * @module
 */

import type { tf } from "../../deps.ts";
import { callKernel, disposeInfos, type KernelArgs, transposeInfo } from "./compose.ts";
import { requireInputs } from "./js_kernel.ts";
import type { KernelReplacement } from "./register.ts";

/** Products smaller than this (multiply-adds) stay on the stock kernel: no gain below it. */
const MIN_WORK = 1 << 15;

const size = (info: tf.TensorInfo) => info.shape.reduce((p, n) => p * n, 1);

function swapLast(rank: number): number[] {
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return perm;
}

function batchMatMul(stock: tf.KernelConfig, args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const { a, b } = requireInputs(args.inputs, ["a", "b"]);
  const transposeA = Boolean(args.attrs?.transposeA);
  const transposeB = Boolean(args.attrs?.transposeB);
  const plain = (x: tf.TensorInfo, y: tf.TensorInfo) =>
    callKernel("BatchMatMul", "wasm", {
      inputs: { a: x, b: y },
      backend,
      attrs: { transposeA: false, transposeB: false },
    }, stock);
  const rankA = a.shape.length, rankB = b.shape.length;
  const m = transposeA ? a.shape[rankA - 1] : a.shape[rankA - 2];
  const k = transposeA ? a.shape[rankA - 2] : a.shape[rankA - 1];
  const n = transposeB ? b.shape[rankB - 2] : b.shape[rankB - 1];
  if ((!transposeA && !transposeB) || m * n * k < MIN_WORK || rankA !== rankB) {
    return callKernel("BatchMatMul", "wasm", args, stock);
  }
  const t = (x: tf.TensorInfo) => transposeInfo(backend, "wasm", x, swapLast(x.shape.length));
  const outSize = size(a) / (m * k) * m * n;
  if (transposeA && transposeB) {
    // Aᵀ·Bᵀ = (B·A)ᵀ
    const ba = plain(b, a);
    const out = t(ba);
    disposeInfos(backend, ba);
    return out;
  }
  const [flagged, other] = transposeA ? [a, b] : [b, a];
  if (size(flagged) <= size(other) + outSize) {
    const flaggedT = t(flagged);
    const out = transposeA ? plain(flaggedT, b) : plain(a, flaggedT);
    disposeInfos(backend, flaggedT);
    return out;
  }
  // Cheaper to transpose the other operand and the product instead.
  const otherT = t(other);
  const product = transposeA ? plain(otherT, a) : plain(b, otherT);
  const out = t(product);
  disposeInfos(backend, otherT, product);
  return out;
}

/** The replacement, for `installKernels("wasm", ...)`. */
export const BATCH_MAT_MUL: KernelReplacement = {
  kernelName: "BatchMatMul",
  make: (stock) => {
    if (!stock) throw new Error("BatchMatMul replacement needs the stock wasm kernel");
    return ((args: KernelArgs) => batchMatMul(stock, args)) as unknown as tf.KernelFunc;
  },
};
