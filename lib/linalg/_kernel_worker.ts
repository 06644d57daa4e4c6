/**
 * Worker side of a threaded {@linkcode Workspace}: instantiates the kernels
 * on the shared memory, then waits on the control block and runs its slice
 * of each kernel call until told to stop.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import type { KernelExports } from "./_kernels.ts";
import { WORKER_PROTOCOL as P } from "./workspace.ts";

self.onmessage = (event: MessageEvent) => {
  const { bytes, memory, index } = event.data as {
    bytes: Uint8Array;
    memory: WebAssembly.Memory;
    index: number;
  };
  const module = new WebAssembly.Module(bytes as BufferSource);
  const kernels = new WebAssembly.Instance(module, { env: { memory } })
    .exports as unknown as KernelExports;
  const control = new Int32Array(memory.buffer, 0, 64);
  let seen = Atomics.load(control, P.SEQ);
  self.postMessage("ready");
  for (;;) {
    Atomics.wait(control, P.SEQ, seen);
    seen = Atomics.load(control, P.SEQ);
    const kernel = control[P.KERNEL];
    if (kernel === P.EXIT) return;
    const argc = control[P.ARGC];
    const args = Array.from(control.subarray(P.ARGS, P.ARGS + argc));
    const slice = control[P.ARGS + argc];
    const total = control[P.ARGS + argc + 1];
    const begin = Math.min(total, slice * (index - 1));
    const end = Math.min(total, slice * index);
    const run = kernels[P.KERNEL_NAMES[kernel]] as unknown as (...a: number[]) => void;
    if (end > begin) run(...args, begin, end);
    Atomics.add(control, P.DONE, 1);
    Atomics.notify(control, P.DONE);
  }
};
