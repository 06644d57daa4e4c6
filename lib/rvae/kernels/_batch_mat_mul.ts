/**
 * `BatchMatMul` for wasm with `transposeA`/`transposeB`: tfjs's wasm kernel
 * takes a naive loop whenever an operand is transposed (about 5-8x slower
 * than its XNNPACK path), so the transposed operand is transposed explicitly
 * and the plain product used. Which side is transposed is chosen by size:
 * Aᵀ·B needs Aᵀ, or the transposed product (Bᵀ·A)ᵀ; A·Bᵀ needs Bᵀ, or (B·Aᵀ)ᵀ.
 * A 2-D Aᵀ·B with a skinny side (≤ 8 columns: the weight gradients of the
 * faithful decoder's 2-input and 1-output layers) is one JavaScript pass over
 * the rows instead: XNNPACK would first pack all of B (about 170 ms for
 * 73,728 x 128 values) for a few million multiply-adds.
 *
 * @module
 */

import type { tf } from "../../deps.ts";
import { callKernel, disposeInfos, type KernelArgs, transposeInfo } from "./_compose.ts";
import { allocateFloats, floatView, requireInputs } from "./_js_kernel.ts";
import type { KernelReplacement } from "./register.ts";

/** Products smaller than this (multiply-adds) stay on the stock kernel: no gain below it. */
const MIN_WORK = 1 << 15;

const size = (info: tf.TensorInfo) => info.shape.reduce((p, n) => p * n, 1);

function swapLast(rank: number): number[] {
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return perm;
}

/** Widest side handled by the row-pass product. */
const SKINNY = 8;

/** Aᵀ·B for 2-D `a` [K, M] and `b` [K, N], one pass over the K rows (float64 sums). */
function skinnyTransposeA(
  backend: tf.KernelBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
): tf.TensorInfo {
  const [k, m] = a.shape;
  const n = b.shape[1];
  const out = allocateFloats(backend, [m, n]);
  const x = floatView(backend, a), y = floatView(backend, b);
  const sum = new Float64Array(m * n);
  for (let r = 0; r < k; r++) {
    const xr = r * m, yr = r * n;
    for (let i = 0; i < m; i++) {
      const xi = x[xr + i], row = i * n;
      for (let j = 0; j < n; j++) sum[row + j] += xi * y[yr + j];
    }
  }
  floatView(backend, out).set(sum);
  return out;
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
  if (
    transposeA && !transposeB && rankA === 2 && rankB === 2 && Math.min(m, n) <= SKINNY &&
    a.dtype === "float32" && b.dtype === "float32"
  ) {
    return skinnyTransposeA(backend, a, b);
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
