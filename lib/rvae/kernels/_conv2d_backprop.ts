/**
 * The two gradients of a 2-D convolution on wasm, as forward convolutions
 * (XNNPACK's fast path):
 *
 * - `Conv2DBackpropFilter` (missing from tfjs's wasm backend): with the batch
 *   and channel axes of x swapped, dW[i, j, c, o] = Σ_{n,y,x} x[n, y·s+i−pt,
 *   x·s+j−pl, c] · dy[n, y, x, o] is a convolution of xᵀ ([C, H, W, N]) with
 *   dyᵀ ([OH, OW, N, O]) dilated by the stride, giving [C, FH, FW, O].
 * - `Conv2DBackpropInput` at stride 1 (the stock kernel is a naive loop): a
 *   convolution of dy with the filter rotated by 180° and its in/out
 *   channels swapped, padded by (F − 1 − pad). Other strides use the stock kernel.
 *
 * @module
 */

import { tf } from "../../deps.ts";
import { callKernel, disposeInfos, type KernelArgs, transposeInfo } from "./_compose.ts";
import { requireInputs } from "./_js_kernel.ts";
import type { KernelReplacement } from "./register.ts";

type Pad = [[number, number], [number, number], [number, number], [number, number]];

function convInfo(xShape: number[], filterShape: number[], attrs: tf.NamedAttrMap) {
  const dataFormat = (attrs.dataFormat ?? "NHWC") as "NHWC" | "NCHW";
  if (dataFormat !== "NHWC") throw new Error("wasm convolutions need dataFormat NHWC");
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as [number, number] | number,
    1,
    attrs.pad as "same" | "valid",
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
  );
}

function conv(
  backend: tf.KernelBackend,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  pad: Pad,
  dilations: [number, number],
): tf.TensorInfo {
  return callKernel("Conv2D", "wasm", {
    inputs: { x, filter },
    backend,
    attrs: { strides: 1, pad, dilations, dataFormat: "NHWC" },
  });
}

function backpropFilter(args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const attrs = args.attrs ?? {};
  const { x, dy } = requireInputs(args.inputs, ["x", "dy"]);
  const info = convInfo(x.shape, attrs.filterShape as number[], attrs);
  const { top, left } = info.padInfo;
  // Bottom/right padding that makes the output exactly the filter's size.
  const bottom = info.filterHeight + (info.outHeight - 1) * info.strideHeight - info.inHeight - top;
  const right = info.filterWidth + (info.outWidth - 1) * info.strideWidth - info.inWidth - left;
  let xT = transposeInfo(backend, "wasm", x, [3, 1, 2, 0]); // [C, H, W, N]
  if (bottom < 0 || right < 0) {
    // The last rows/columns never meet the filter (valid padding, stride > 1): drop them.
    const [c, h, w, n] = xT.shape;
    const cropped = callKernel("Slice", "wasm", {
      inputs: { x: xT },
      backend,
      attrs: { begin: [0, 0, 0, 0], size: [c, h + Math.min(bottom, 0), w + Math.min(right, 0), n] },
    });
    disposeInfos(backend, xT);
    xT = cropped;
  }
  const dyT = transposeInfo(backend, "wasm", dy, [1, 2, 0, 3]); // [OH, OW, N, O]
  const pad: Pad = [[0, 0], [top, Math.max(bottom, 0)], [left, Math.max(right, 0)], [0, 0]];
  const grad = conv(backend, xT, dyT, pad, [info.strideHeight, info.strideWidth]); // [C, FH, FW, O]
  const out = transposeInfo(backend, "wasm", grad, [1, 2, 0, 3]);
  disposeInfos(backend, xT, dyT, grad);
  return out;
}

function backpropInput(stock: tf.KernelConfig | undefined, args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const attrs = args.attrs ?? {};
  const { dy, filter } = requireInputs(args.inputs, ["dy", "filter"]);
  const info = convInfo(attrs.inputShape as number[], filter.shape, attrs);
  const { top, bottom, left, right } = info.padInfo;
  const [fh, fw] = [info.filterHeight, info.filterWidth];
  const pad: Pad = [[0, 0], [fh - 1 - top, fh - 1 - bottom], [fw - 1 - left, fw - 1 - right], [
    0,
    0,
  ]];
  const unit = info.strideHeight === 1 && info.strideWidth === 1;
  if (!unit || pad.some(([a, b]) => a < 0 || b < 0)) {
    if (!stock) throw new Error("Conv2DBackpropInput: stock kernel missing");
    return callKernel("Conv2DBackpropInput", "wasm", args, stock);
  }
  const rotated = callKernel("Reverse", "wasm", {
    inputs: { x: filter },
    backend,
    attrs: { dims: [0, 1] },
  });
  const swapped = transposeInfo(backend, "wasm", rotated, [0, 1, 3, 2]); // [FH, FW, O, C]
  const out = conv(backend, dy, swapped, pad, [1, 1]);
  disposeInfos(backend, rotated, swapped);
  return out;
}

/** Conv2DBackpropFilter for wasm (missing from tfjs). */
export const CONV2D_BACKPROP_FILTER: KernelReplacement = {
  kernelName: "Conv2DBackpropFilter",
  make: () => backpropFilter as unknown as tf.KernelFunc,
};

/** Conv2DBackpropInput for wasm, fast at stride 1. */
export const CONV2D_BACKPROP_INPUT: KernelReplacement = {
  kernelName: "Conv2DBackpropInput",
  make: (stock) => ((args: KernelArgs) => backpropInput(stock, args)) as unknown as tf.KernelFunc,
};
