/**
 * A helper thread of {@linkcode ProductThreads} (product_threads.ts): it
 * instantiates the product kernels on tfjs's shared heap, then waits on the
 * control block and runs its share of each product until told to stop.
 *
 * @module
 */

import { parentPort } from "node:worker_threads";
import { GemmKernels } from "../../linalg/gemm.ts";
import { CONTROL } from "./_product_threads.ts";

parentPort?.once("message", (data: unknown) => {
  const { memory, control: buffer, module } = data as {
    memory: WebAssembly.Memory;
    control: SharedArrayBuffer;
    module: WebAssembly.Module;
  };
  const kernels = GemmKernels.on(memory, { shared: true, module });
  const control = new Int32Array(buffer);
  let seen = Atomics.load(control, CONTROL.SEQ);
  parentPort?.postMessage("ready");
  for (;;) {
    Atomics.wait(control, CONTROL.SEQ, seen);
    seen = Atomics.load(control, CONTROL.SEQ);
    if (Atomics.load(control, CONTROL.EXIT) !== 0) return;
    const [aBase, aRows, aK, bBase, bCols, bK, m, n, k, c, ldc, accumulate, begin, end, scratch] =
      control.subarray(CONTROL.ARGS, CONTROL.ARGS + 15);
    try {
      kernels.run(
        { base: aBase, rowTable: aRows, kTable: aK },
        { base: bBase, rowTable: bCols, kTable: bK },
        { m, n, k, c, ldc, accumulate: accumulate !== 0 },
        scratch,
        begin,
        end,
      );
    } catch {
      Atomics.store(control, CONTROL.FAILED, 1);
    }
    Atomics.store(control, CONTROL.DONE, seen);
    Atomics.notify(control, CONTROL.DONE);
  }
});
