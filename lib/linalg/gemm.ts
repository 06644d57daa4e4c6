/**
 * The blocked driver of the packed matrix product of `gemm_kernels.ts` over
 * any WebAssembly memory (for instance tfjs's wasm heap, so that tensors are
 * multiplied in place): loops over blocks of N (NC), K (KC) and M (MC),
 * packing each block once, and lets the micro-kernel stream the panels.
 * Every element of C is summed in the same order (k ascending, in KC
 * blocks) whatever the split of rows, so a product split over threads by
 * rows equals the single-thread one bit for bit.
 *
 * @module
 */

import { type GemmExports, gemmModuleBytes, hasRelaxedSimd, MR, NR } from "./gemm_kernels.ts";

/** Rows of A per packed block (a multiple of MR). */
export const MC = 192;
/** Depth of a packed block. */
export const KC = 256;
/** Columns of B per packed block (a multiple of NR). */
export const NC = 512;

/** Bytes of the scratch one thread needs (packed B, the edge tile). */
export const GEMM_SCRATCH_BYTES = 4 * (KC * NC + MR * NR) + 64;

/** An operand: element (r, k) (or (k, j) for B) at `base + rowTable[r] + kTable[k]`. */
export interface GemmOperand {
  /** Byte offset of the operand's origin. */
  base: number;
  /** Byte offset of an i32 table of per-row (A) or per-column (B) byte offsets. */
  rowTable: number;
  /** Byte offset of an i32 table of per-k byte offsets. */
  kTable: number;
}

/** The shape of one product C[m, n] (+)= A[m, k]·B[k, n]. */
export interface GemmShape {
  /** Rows of A and C. */
  m: number;
  /** Columns of B and C. */
  n: number;
  /** The summed dimension. */
  k: number;
  /** Byte offset of C, and its row stride in bytes. */
  c: number;
  /** Row stride of C, bytes. */
  ldc: number;
  /** Add to C instead of overwriting it. */
  accumulate: boolean;
}

/**
 * The kernels instantiated on one memory.
 *
 * @example
 * ```ts
 * import { GemmKernels } from "./gemm.ts";
 * const memory = new WebAssembly.Memory({ initial: 16, maximum: 65536 });
 * const kernels = GemmKernels.on(memory);
 * // 1 x 1 product: A = [2] at 64, B = [3] at 128, tables of zero offsets at 256.
 * new Float32Array(memory.buffer).set([2], 16);
 * new Float32Array(memory.buffer).set([3], 32);
 * const zero = { rowTable: 256, kTable: 256 };
 * kernels.run({ base: 64, ...zero }, { base: 128, ...zero }, {
 *   m: 1, n: 1, k: 1, c: 192, ldc: 4, accumulate: false,
 * }, 1024);
 * console.log(new Float32Array(memory.buffer)[48]); // 6
 * ```
 */
export class GemmKernels {
  /** The module's exports. */
  readonly exports: GemmExports;
  /** Whether the micro-kernel uses fused multiply-add (relaxed SIMD). */
  readonly fma: boolean;
  /**
   * The compiled module: post it to a worker sharing the memory, so that the
   * worker runs the code this thread has already optimised.
   */
  readonly module: WebAssembly.Module;

  private constructor(exports: GemmExports, fma: boolean, module: WebAssembly.Module) {
    this.exports = exports;
    this.fma = fma;
    this.module = module;
  }

  /**
   * Instantiate on `memory` (shared or not, as `shared` says); `fma`
   * defaults to whether the runtime has relaxed SIMD (false forces mul + add);
   * `module`, another instance's compiled module, is reused when given.
   */
  static on(
    memory: WebAssembly.Memory,
    options: { shared?: boolean; fma?: boolean; module?: WebAssembly.Module } = {},
  ): GemmKernels {
    const fma = (options.fma ?? true) && hasRelaxedSimd();
    const module = options.module ?? new WebAssembly.Module(
      gemmModuleBytes({
        fma,
        shared: options.shared ?? false,
        maximumPages: 65536,
      }) as BufferSource,
    );
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    return new GemmKernels(instance.exports as unknown as GemmExports, fma, module);
  }

  /**
   * Rows [rowBegin, rowEnd) of C (+)= A·B, using the scratch region at
   * `scratch` (GEMM_SCRATCH_BYTES, 16-byte aligned).
   */
  run(
    a: GemmOperand,
    b: GemmOperand,
    shape: GemmShape,
    scratch: number,
    rowBegin = 0,
    rowEnd = shape.m,
  ): void {
    const { n, k, c, ldc } = shape;
    const x = this.exports;
    const bp = scratch;
    const tile = bp + 4 * KC * NC;
    for (let jc = 0; jc < n; jc += NC) {
      const nc = Math.min(NC, n - jc);
      for (let pc = 0; pc < k; pc += KC) {
        const kc = Math.min(KC, k - pc);
        const accumulate = shape.accumulate || pc > 0 ? 1 : 0;
        x.packB(bp, b.base, b.rowTable + 4 * jc, b.kTable + 4 * pc, nc, kc);
        for (let ic = rowBegin; ic < rowEnd; ic += MC) {
          const mc = Math.min(MC, rowEnd - ic);
          x.block(
            a.base,
            a.rowTable + 4 * ic,
            a.kTable + 4 * pc,
            bp,
            c + ic * ldc + 4 * jc,
            ldc,
            mc,
            nc,
            kc,
            accumulate,
            tile,
          );
        }
      }
    }
  }
}

/**
 * Bounds of the rows of C per thread for `threads` threads (threads + 1
 * numbers): whole MC blocks, as even as possible.
 *
 * @example
 * ```ts
 * import { splitGemmRows } from "./gemm.ts";
 * console.log(splitGemmRows(1000, 2)); // [0, 576, 1000]
 * ```
 */
export function splitGemmRows(m: number, threads: number): number[] {
  const blocks = Math.ceil(m / MC);
  const bounds = [0];
  for (let t = 1; t <= threads; t++) {
    bounds.push(Math.min(m, Math.round((blocks * t) / threads) * MC));
  }
  return bounds;
}
