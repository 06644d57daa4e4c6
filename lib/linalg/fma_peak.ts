/**
 * The machine's single-thread SIMD arithmetic peak as this runtime reaches
 * it: a WebAssembly loop of independent f32x4 fused multiply-adds (or
 * mul + add without relaxed SIMD) on registers only, timed by the caller.
 * Benchmarks report their GFLOP/s as a fraction of it, measured in the same
 * run, so that a busy machine moves both alike.
 *
 * @module
 */

import { hasRelaxedSimd } from "./gemm_kernels.ts";
import { assembleModule, I32, SIMD, V128 } from "./_wasm_emit.ts";

/** Independent accumulator chains: enough to cover the FMA latency of two pipes. */
const CHAINS = 12;

/** Floating-point operations of one iteration of the loop (a multiply and an add per lane). */
export const FLOPS_PER_ITERATION = CHAINS * 4 * 2;

/**
 * A function running `iterations` iterations of the peak loop (returns a
 * lane of the result so the work cannot be skipped).
 *
 * @example
 * ```ts
 * import { fmaLoop, FLOPS_PER_ITERATION } from "./fma_peak.ts";
 * const loop = fmaLoop();
 * const start = performance.now();
 * loop(1e6);
 * const gflops = (1e6 * FLOPS_PER_ITERATION) / ((performance.now() - start) * 1e6);
 * console.log(gflops > 0);
 * ```
 */
export function fmaLoop(): (iterations: number) => number {
  const fma = hasRelaxedSimd();
  const bytes = assembleModule([{
    name: "peak",
    params: [I32],
    results: [0x7d],
    body: (e) => {
      const i = e.local(I32);
      const x = e.local(V128);
      const acc = Array.from({ length: CHAINS }, () => e.local(V128));
      e.zeroLocals(acc);
      e.zero128().set(x);
      e.forLoop(i, () => e.i32(0), 0, 1, () => {
        for (const a of acc) {
          if (fma) e.get(x).get(x).get(a).simd(SIMD.f32x4RelaxedMadd).set(a);
          else e.get(x).get(x).simd(SIMD.f32x4Mul).get(a).simd(SIMD.f32x4Add).set(a);
        }
      });
      for (let q = 1; q < CHAINS; q++) e.get(acc[0]).get(acc[q]).simd(SIMD.f32x4Add).set(acc[0]);
      e.get(acc[0]).lane(SIMD.f32x4ExtractLane, 0);
    },
  }], { shared: false, maximumPages: 1 });
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), {
    env: { memory },
  });
  return instance.exports.peak as (iterations: number) => number;
}
