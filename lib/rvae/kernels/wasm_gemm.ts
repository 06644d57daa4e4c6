/**
 * ferrovae's own matrix-product and 3x3-convolution kernels for tfjs's wasm
 * backend: `BatchMatMul`, `Conv2D`, `Conv2DBackpropInput` and
 * `Conv2DBackpropFilter` run the packed, register-tiled SIMD product of
 * lib/linalg/gemm.ts directly on tensors in tfjs's wasm heap (the module
 * imports tfjs's memory; no copies). A convolution is the product of the
 * implicit im2col matrix of its zero-padded input (made by one copy) with
 * the filter; its input gradient is the convolution of the padded output
 * gradient with the filter turned by 180° (stride 1), and its filter gradient
 * the product of the transposed im2col matrix with the output gradient —
 * all three described by offset tables, none materialised.
 *
 * Measured against tfjs's stock wasm kernels (XNNPACK): see
 * `deno task bench rvae-kernels`. Products too small to gain, other dtypes,
 * and strided input gradients stay on the stock kernels.
 *
 * @module
 */

import { tf } from "../../deps.ts";
import {
  GEMM_SCRATCH_BYTES,
  GemmKernels,
  type GemmOperand,
  type GemmShape,
} from "../../linalg/gemm.ts";
import { callKernel, type KernelArgs } from "./_compose.ts";
import { requireInputs } from "./_js_kernel.ts";
import type { KernelReplacement } from "./register.ts";

/** Products with fewer multiply-adds stay on the stock kernel (call overhead dominates). */
const MIN_WORK = 1 << 14;

/** The parts of tfjs's wasm backend these kernels use. */
interface WasmBackend {
  wasm: {
    asm: { memory: WebAssembly.Memory };
    _malloc(bytes: number): number;
    _free(pointer: number): void;
  };
  getMemoryOffset(dataId: tf.DataId): number;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: tf.DataId): boolean;
}

/** Where a product runs: the kernels on the heap and their scratch. */
export interface GemmRunner {
  /**
   * C (+)= A·B for the operands and shape given (offsets into the heap);
   * several threads may share the rows.
   */
  run(a: GemmOperand, b: GemmOperand, shape: GemmShape): void;
}

/** A single-threaded runner on `backend`'s heap. */
class HeapRunner implements GemmRunner {
  readonly kernels: GemmKernels;
  readonly scratch: number;
  constructor(kernels: GemmKernels, scratch: number) {
    this.kernels = kernels;
    this.scratch = scratch;
  }
  run(a: GemmOperand, b: GemmOperand, shape: GemmShape): void {
    this.kernels.run(a, b, shape, this.scratch);
  }
}

const runners = new WeakMap<object, GemmRunner>();

function aligned(backend: WasmBackend, bytes: number): number {
  const raw = backend.wasm._malloc(bytes + 64);
  return (raw + 63) & ~63;
}

/** The heap of tfjs's wasm `backend`, and a 64-byte-aligned allocator in it (never freed). */
export function wasmHeap(
  backend: tf.KernelBackend,
): { memory: WebAssembly.Memory; malloc: (bytes: number) => number } {
  const b = backend as unknown as WasmBackend;
  return { memory: b.wasm.asm.memory, malloc: (n: number) => aligned(b, n) };
}

/** Make `runner` run `backend`'s products (product_threads.ts installs a two-thread one). */
export function setGemmRunner(backend: tf.KernelBackend, runner: GemmRunner): void {
  runners.set((backend as unknown as WasmBackend).wasm, runner);
}

/** The runner of `backend`: the one set, or a single-threaded one made on first use. */
export function gemmRunner(backend: tf.KernelBackend): GemmRunner {
  const b = backend as unknown as WasmBackend;
  let runner = runners.get(b.wasm);
  if (!runner) {
    const { memory, malloc } = wasmHeap(backend);
    const shared = memory.buffer instanceof SharedArrayBuffer;
    runner = new HeapRunner(GemmKernels.on(memory, { shared }), malloc(GEMM_SCRATCH_BYTES));
    runners.set(b.wasm, runner);
  }
  return runner;
}

/** Temporary i32 tables in the heap, filled by `fill` (called with views made after allocating). */
function withTables(
  backend: WasmBackend,
  lengths: number[],
  fill: (tables: Int32Array[]) => void,
  use: (pointers: number[]) => void,
): void {
  const total = lengths.reduce((s, n) => s + n, 0);
  const raw = backend.wasm._malloc(4 * total + 16);
  try {
    const base = (raw + 15) & ~15;
    const buffer = backend.wasm.asm.memory.buffer;
    const pointers: number[] = [];
    const views: Int32Array[] = [];
    let at = base;
    for (const n of lengths) {
      pointers.push(at);
      views.push(new Int32Array(buffer, at, n));
      at += 4 * n;
    }
    fill(views);
    use(pointers);
  } finally {
    backend.wasm._free(raw);
  }
}

const product = (shape: readonly number[]) => shape.reduce((p, n) => p * n, 1);

function matMul(stock: tf.KernelConfig | undefined, args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as unknown as WasmBackend;
  const { a, b } = requireInputs(args.inputs, ["a", "b"]);
  const transposeA = Boolean(args.attrs?.transposeA);
  const transposeB = Boolean(args.attrs?.transposeB);
  const ra = a.shape.length, rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const batchA = product(a.shape.slice(0, -2)), batchB = product(b.shape.slice(0, -2));
  const fallback = () => {
    if (!stock) throw new Error("BatchMatMul: the stock wasm kernel is missing");
    return callKernel("BatchMatMul", "wasm", args, stock);
  };
  if (
    a.dtype !== "float32" || b.dtype !== "float32" || m * n * k < MIN_WORK ||
    (batchA !== batchB && batchA !== 1 && batchB !== 1)
  ) {
    return fallback();
  }
  const batchShape = tf.broadcast_util.assertAndGetBroadcastShape(
    a.shape.slice(0, -2),
    b.shape.slice(0, -2),
  );
  const out = backend.makeOutput([...batchShape, m, n], "float32");
  const batches = Math.max(batchA, batchB);
  const pa = backend.getMemoryOffset(a.dataId), pb = backend.getMemoryOffset(b.dataId);
  const pc = backend.getMemoryOffset(out.dataId);
  const runner = gemmRunner(args.backend);
  withTables(backend, [m, k, n, k], ([aRows, aK, bCols, bK]) => {
    for (let r = 0; r < m; r++) aRows[r] = transposeA ? 4 * r : 4 * r * k;
    for (let q = 0; q < k; q++) aK[q] = transposeA ? 4 * q * m : 4 * q;
    for (let j = 0; j < n; j++) bCols[j] = transposeB ? 4 * j * k : 4 * j;
    for (let q = 0; q < k; q++) bK[q] = transposeB ? 4 * q : 4 * q * n;
  }, ([aRows, aK, bCols, bK]) => {
    for (let i = 0; i < batches; i++) {
      runner.run(
        { base: pa + (batchA > 1 ? 4 * i * m * k : 0), rowTable: aRows, kTable: aK },
        { base: pb + (batchB > 1 ? 4 * i * k * n : 0), rowTable: bCols, kTable: bK },
        { m, n, k, c: pc + 4 * i * m * n, ldc: 4 * n, accumulate: false },
      );
    }
  });
  return out;
}

type ConvInfo = tf.backend_util.Conv2DInfo;

function convInfo(
  xShape: number[],
  filterShape: number[],
  attrs: tf.NamedAttrMap,
): ConvInfo | null {
  const dataFormat = (attrs.dataFormat ?? "NHWC") as string;
  if (dataFormat !== "NHWC") return null;
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as [number, number] | number,
    (attrs.dilations ?? 1) as [number, number] | number,
    attrs.pad as "same" | "valid",
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
  );
}

/**
 * A copy of the NHWC tensor at `pointer` ([n, h, w, c]) with zero borders
 * (top, bottom, left, right) in a fresh heap block; returns its offset and
 * the raw block to free, or the tensor itself when there is no border.
 */
function padded(
  backend: WasmBackend,
  pointer: number,
  shape: [number, number, number, number],
  pad: [number, number, number, number],
): { pointer: number; free: number | null; height: number; width: number } {
  const [n, h, w, c] = shape;
  const [top, bottom, left, right] = pad;
  const height = h + top + bottom, width = w + left + right;
  if (top === 0 && bottom === 0 && left === 0 && right === 0) {
    return { pointer, free: null, height, width };
  }
  const raw = backend.wasm._malloc(4 * n * height * width * c + 16);
  const base = (raw + 15) & ~15;
  const heap = new Float32Array(backend.wasm.asm.memory.buffer);
  const dst = base >> 2, src = pointer >> 2;
  heap.fill(0, dst, dst + n * height * width * c);
  const row = w * c;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      const from = src + (b * h + y) * row;
      heap.copyWithin(dst + ((b * height + y + top) * width + left) * c, from, from + row);
    }
  }
  return { pointer: base, free: raw, height, width };
}

/** The input of a convolution with its padding made explicit (see {@linkcode padded}). */
function paddedInput(
  backend: WasmBackend,
  x: tf.TensorInfo,
  info: ConvInfo,
): ReturnType<typeof padded> {
  const { top, bottom, left, right } = info.padInfo;
  return padded(
    backend,
    backend.getMemoryOffset(x.dataId),
    [info.batchSize, info.inHeight, info.inWidth, info.inChannels],
    [top, Math.max(bottom, 0), left, Math.max(right, 0)],
  );
}

/** Byte offset in the padded input `xp` of each output pixel's window corner (b, y, x order). */
function pixelOffsets(table: Int32Array, xp: { height: number; width: number }, info: ConvInfo) {
  const { batchSize, outHeight, outWidth, inChannels: cin, strideHeight: sh, strideWidth: sw } =
    info;
  let p = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let y = 0; y < outHeight; y++) {
      for (let xo = 0; xo < outWidth; xo++) {
        table[p++] = 4 * cin * ((b * xp.height + y * sh) * xp.width + xo * sw);
      }
    }
  }
}

/** Byte offset from a window corner of each filter tap and input channel (i, j, c order). */
function tapOffsets(table: Int32Array, xp: { width: number }, info: ConvInfo) {
  const { filterHeight: fh, filterWidth: fw, inChannels: cin } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  let q = 0;
  for (let i = 0; i < fh; i++) {
    for (let j = 0; j < fw; j++) {
      for (let c = 0; c < cin; c++) table[q++] = 4 * ((i * dh * xp.width + j * dw) * cin + c);
    }
  }
}

function conv2d(stock: tf.KernelConfig | undefined, args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as unknown as WasmBackend;
  const { x, filter } = requireInputs(args.inputs, ["x", "filter"]);
  const info = convInfo(x.shape, filter.shape, args.attrs ?? {});
  const work = info && info.outHeight * info.outWidth * info.batchSize *
      info.filterHeight * info.filterWidth * info.inChannels * info.outChannels;
  if (!info || x.dtype !== "float32" || filter.dtype !== "float32" || work! < MIN_WORK) {
    if (!stock) throw new Error("Conv2D: the stock wasm kernel is missing");
    return callKernel("Conv2D", "wasm", args, stock);
  }
  const { batchSize, inChannels: cin, outChannels: cout } = info;
  const { outHeight, outWidth, filterHeight: fh, filterWidth: fw } = info;
  const out = backend.makeOutput([batchSize, outHeight, outWidth, cout], "float32");
  const xp = paddedInput(backend, x, info);
  try {
    const m = batchSize * outHeight * outWidth, k = fh * fw * cin;
    withTables(backend, [m, k, cout, k], ([aRows, aK, bCols, bK]) => {
      pixelOffsets(aRows, xp, info);
      tapOffsets(aK, xp, info);
      for (let o = 0; o < cout; o++) bCols[o] = 4 * o;
      for (let q2 = 0; q2 < k; q2++) bK[q2] = 4 * q2 * cout;
    }, ([aRows, aK, bCols, bK]) => {
      gemmRunner(args.backend).run(
        { base: xp.pointer, rowTable: aRows, kTable: aK },
        { base: backend.getMemoryOffset(filter.dataId), rowTable: bCols, kTable: bK },
        {
          m,
          n: cout,
          k,
          c: backend.getMemoryOffset(out.dataId),
          ldc: 4 * cout,
          accumulate: false,
        },
      );
    });
  } finally {
    if (xp.free !== null) backend.wasm._free(xp.free);
  }
  return out;
}

function backpropInput(stock: tf.KernelConfig | undefined, args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as unknown as WasmBackend;
  const { dy, filter } = requireInputs(args.inputs, ["dy", "filter"]);
  const attrs = args.attrs ?? {};
  const info = convInfo(attrs.inputShape as number[], filter.shape, attrs);
  const fallback = () => {
    if (!stock) throw new Error("Conv2DBackpropInput: the stock wasm kernel is missing");
    return callKernel("Conv2DBackpropInput", "wasm", args, stock);
  };
  if (!info || dy.dtype !== "float32" || filter.dtype !== "float32") return fallback();
  const { batchSize, inHeight, inWidth, inChannels: cin, outChannels: cout } = info;
  const { outHeight, outWidth, filterHeight: fh, filterWidth: fw } = info;
  const { top, bottom, left, right } = info.padInfo;
  const pad: [number, number, number, number] = [
    fh - 1 - top,
    fh - 1 - bottom,
    fw - 1 - left,
    fw - 1 - right,
  ];
  const unit = info.strideHeight === 1 && info.strideWidth === 1 &&
    info.dilationHeight === 1 && info.dilationWidth === 1;
  const work = batchSize * inHeight * inWidth * fh * fw * cin * cout;
  if (!unit || pad.some((p) => p < 0) || work < MIN_WORK) return fallback();
  const dx = backend.makeOutput([batchSize, inHeight, inWidth, cin], "float32");
  const dyp = padded(
    backend,
    backend.getMemoryOffset(dy.dataId),
    [batchSize, outHeight, outWidth, cout],
    pad,
  );
  try {
    const m = batchSize * inHeight * inWidth, k = fh * fw * cout;
    withTables(backend, [m, k, cin, k], ([aRows, aK, bCols, bK]) => {
      let p = 0;
      for (let b = 0; b < batchSize; b++) {
        for (let y = 0; y < inHeight; y++) {
          for (let xo = 0; xo < inWidth; xo++) {
            aRows[p++] = 4 * cout * ((b * dyp.height + y) * dyp.width + xo);
          }
        }
      }
      let q = 0;
      for (let i = 0; i < fh; i++) {
        for (let j = 0; j < fw; j++) {
          for (let o = 0; o < cout; o++) {
            aK[q] = 4 * ((i * dyp.width + j) * cout + o);
            // The filter turned by 180°, its in/out channels swapped.
            bK[q] = 4 * (((fh - 1 - i) * fw + (fw - 1 - j)) * cin * cout + o);
            q++;
          }
        }
      }
      for (let c = 0; c < cin; c++) bCols[c] = 4 * c * cout;
    }, ([aRows, aK, bCols, bK]) => {
      gemmRunner(args.backend).run(
        { base: dyp.pointer, rowTable: aRows, kTable: aK },
        { base: backend.getMemoryOffset(filter.dataId), rowTable: bCols, kTable: bK },
        { m, n: cin, k, c: backend.getMemoryOffset(dx.dataId), ldc: 4 * cin, accumulate: false },
      );
    });
  } finally {
    if (dyp.free !== null) backend.wasm._free(dyp.free);
  }
  return dx;
}

function backpropFilter(stock: tf.KernelConfig | undefined, args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as unknown as WasmBackend;
  const { x, dy } = requireInputs(args.inputs, ["x", "dy"]);
  const attrs = args.attrs ?? {};
  const info = convInfo(x.shape, attrs.filterShape as number[], attrs);
  if (!info || x.dtype !== "float32" || dy.dtype !== "float32") {
    if (!stock) throw new Error("Conv2DBackpropFilter needs dataFormat NHWC and float32");
    return callKernel("Conv2DBackpropFilter", "wasm", args, stock);
  }
  const { batchSize, inChannels: cin, outChannels: cout } = info;
  const { outHeight, outWidth, filterHeight: fh, filterWidth: fw } = info;
  const dW = backend.makeOutput([fh, fw, cin, cout], "float32");
  const xp = paddedInput(backend, x, info);
  try {
    const m = fh * fw * cin, k = batchSize * outHeight * outWidth;
    withTables(backend, [m, k, cout, k], ([aRows, aK, bCols, bK]) => {
      tapOffsets(aRows, xp, info);
      pixelOffsets(aK, xp, info);
      for (let p = 0; p < k; p++) bK[p] = 4 * p * cout;
      for (let o = 0; o < cout; o++) bCols[o] = 4 * o;
    }, ([aRows, aK, bCols, bK]) => {
      gemmRunner(args.backend).run(
        { base: xp.pointer, rowTable: aRows, kTable: aK },
        { base: backend.getMemoryOffset(dy.dataId), rowTable: bCols, kTable: bK },
        { m, n: cout, k, c: backend.getMemoryOffset(dW.dataId), ldc: 4 * cout, accumulate: false },
      );
    });
  } finally {
    if (xp.free !== null) backend.wasm._free(xp.free);
  }
  return dW;
}

/** ferrovae's products for the wasm backend, for `installKernels("wasm", ...)`. */
export const WASM_GEMM_KERNELS: readonly KernelReplacement[] = [
  {
    kernelName: "BatchMatMul",
    make: (stock) => ((args: KernelArgs) => matMul(stock, args)) as unknown as tf.KernelFunc,
  },
  {
    kernelName: "Conv2D",
    make: (stock) => ((args: KernelArgs) => conv2d(stock, args)) as unknown as tf.KernelFunc,
  },
  {
    kernelName: "Conv2DBackpropInput",
    make: (stock) => ((args: KernelArgs) => backpropInput(stock, args)) as unknown as tf.KernelFunc,
  },
  {
    kernelName: "Conv2DBackpropFilter",
    make: (stock) =>
      ((args: KernelArgs) => backpropFilter(stock, args)) as unknown as tf.KernelFunc,
  },
];
