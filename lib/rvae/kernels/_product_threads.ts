/**
 * ferrovae's products on two threads: a helper worker shares tfjs's wasm
 * heap (made shared by shared_heap.ts) and computes part of each large
 * product in place — half of C's rows (whole row blocks), or half of its
 * columns when C has few rows — while the calling thread computes the other
 * half and then waits on an atomic flag, so every kernel stays synchronous.
 * Each element of C is summed in the same order on either thread, so the
 * results equal the single-thread ones bit for bit.
 *
 * @module
 */

import { Worker as NodeWorker } from "node:worker_threads";
import {
  GEMM_SCRATCH_BYTES,
  GemmKernels,
  type GemmOperand,
  type GemmShape,
  MC,
} from "../../linalg/gemm.ts";
import { NR } from "../../linalg/gemm_kernels.ts";
import type { GemmRunner } from "./wasm_gemm.ts";

/** The parts of a node:worker_threads Worker used here. */
interface HelperWorker {
  once(event: string, listener: (value: Error) => void): void;
  postMessage(message: unknown): void;
  unref(): void;
  terminate(): void;
}

/** Slots of the control block (Int32). */
export const CONTROL = { SEQ: 0, DONE: 1, EXIT: 2, FAILED: 3, ARGS: 4, SIZE: 24 } as const;

/** Products below this many multiply-adds stay on the calling thread (the hand-off costs ~10 µs). */
const MIN_SPLIT_WORK = 1 << 20;

/** A {@linkcode GemmRunner} that splits each large product with one helper thread. */
export class ProductThreads implements GemmRunner {
  readonly #kernels: GemmKernels;
  readonly #scratch: [number, number];
  readonly #worker: HelperWorker;
  readonly #control: Int32Array;
  #sequence = 0;

  private constructor(
    kernels: GemmKernels,
    scratch: [number, number],
    worker: HelperWorker,
    control: Int32Array,
  ) {
    this.#kernels = kernels;
    this.#scratch = scratch;
    this.#worker = worker;
    this.#control = control;
  }

  /**
   * Start the helper on the shared `memory`; `malloc` allocates the two
   * threads' scratch in it. Rejects when the worker cannot start.
   */
  static async start(
    memory: WebAssembly.Memory,
    malloc: (bytes: number) => number,
  ): Promise<ProductThreads> {
    const kernels = GemmKernels.on(memory, { shared: true });
    const control = new Int32Array(new SharedArrayBuffer(4 * CONTROL.SIZE));
    // A node:worker_threads worker, because it can be unref'd: the process
    // exits without anyone closing it (a web Worker would keep it alive).
    const worker = new NodeWorker(
      new URL("./_product_worker.ts", import.meta.url),
    ) as unknown as HelperWorker;
    try {
      await new Promise<void>((resolve, reject) => {
        worker.once("message", () => resolve());
        worker.once(
          "error",
          (error: Error) => reject(new Error(`product thread: ${error.message}`)),
        );
        worker.postMessage({ memory, control: control.buffer, module: kernels.module });
      });
    } catch (error) {
      worker.terminate();
      throw error;
    }
    worker.unref();
    const scratch: [number, number] = [malloc(GEMM_SCRATCH_BYTES), malloc(GEMM_SCRATCH_BYTES)];
    return new ProductThreads(kernels, scratch, worker, control);
  }

  /** C (+)= A·B, split with the helper when large enough. */
  run(a: GemmOperand, b: GemmOperand, shape: GemmShape): void {
    const { m, n, k } = shape;
    const kernels = this.#kernels;
    if (m * n * k < MIN_SPLIT_WORK || (m < 2 * MC && n < 4 * NR)) {
      kernels.run(a, b, shape, this.#scratch[0]);
      return;
    }
    if (m >= 2 * MC) {
      const blocks = Math.ceil(m / MC);
      const split = Math.min(m, Math.ceil(blocks / 2) * MC);
      this.#hand(a, b, shape, split, m);
      kernels.run(a, b, shape, this.#scratch[0], 0, split);
    } else {
      // Few rows: split the columns (whole register tiles).
      const split = Math.ceil(n / 2 / NR) * NR;
      const right = { ...b, rowTable: b.rowTable + 4 * split };
      this.#hand(a, right, { ...shape, n: n - split, c: shape.c + 4 * split }, 0, m);
      kernels.run(a, b, { ...shape, n: split }, this.#scratch[0]);
    }
    this.#wait();
  }

  #hand(a: GemmOperand, b: GemmOperand, shape: GemmShape, begin: number, end: number): void {
    const control = this.#control;
    control.set([
      a.base,
      a.rowTable,
      a.kTable,
      b.base,
      b.rowTable,
      b.kTable,
      shape.m,
      shape.n,
      shape.k,
      shape.c,
      shape.ldc,
      shape.accumulate ? 1 : 0,
      begin,
      end,
      this.#scratch[1],
    ], CONTROL.ARGS);
    this.#sequence++;
    Atomics.store(control, CONTROL.SEQ, this.#sequence);
    Atomics.notify(control, CONTROL.SEQ);
  }

  #wait(): void {
    const control = this.#control;
    for (;;) {
      const done = Atomics.load(control, CONTROL.DONE);
      if (done === this.#sequence) break;
      Atomics.wait(control, CONTROL.DONE, done);
    }
    if (Atomics.exchange(control, CONTROL.FAILED, 0) !== 0) {
      throw new Error("product thread: its part of a product failed");
    }
  }

  /** A single-thread runner on the same kernels and scratch (after {@linkcode close}). */
  single(): GemmRunner {
    const kernels = this.#kernels, scratch = this.#scratch[0];
    return { run: (a, b, shape) => kernels.run(a, b, shape, scratch) };
  }

  /** Stop the helper. */
  close(): void {
    Atomics.store(this.#control, CONTROL.EXIT, 1);
    Atomics.add(this.#control, CONTROL.SEQ, 1);
    Atomics.notify(this.#control, CONTROL.SEQ);
    this.#worker.terminate();
  }
}
