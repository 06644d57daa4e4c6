/**
 * Starting and stopping the helper thread of ferrovae's wasm products
 * (product_threads.ts) for a backend: at most one per backend.
 *
 * @module
 */

import type { tf } from "../../deps.ts";
import { ProductThreads } from "./_product_threads.ts";
import { setGemmRunner, wasmHeap } from "./wasm_gemm.ts";

let started: { backend: tf.KernelBackend; threads: ProductThreads } | null = null;

/**
 * Give `backend` (tfjs's wasm backend on a shared heap) a two-thread product
 * runner, once; a worker that fails to start leaves the single-thread one.
 */
export async function startProductThreads(backend: tf.KernelBackend): Promise<void> {
  if (started?.backend === backend) return;
  const { memory, malloc } = wasmHeap(backend);
  try {
    const threads = await ProductThreads.start(memory, malloc);
    started = { backend, threads };
    setGemmRunner(backend, threads);
  } catch {
    // One thread still works.
  }
}

/**
 * Start the helper on the current tfjs backend (tests; `initBackend` starts
 * it itself); true when it runs.
 */
export async function startProductThreadsForTests(): Promise<boolean> {
  const { tf } = await import("../../deps.ts");
  await startProductThreads(tf.backend());
  return started !== null;
}

/**
 * Stop the products' helper thread (tests that check for leaked workers;
 * a process may also just exit). Products then run on the calling thread.
 *
 * @example
 * ```ts
 * import { closeBackendThreads } from "./thread_switch.ts";
 * closeBackendThreads(); // nothing started: nothing to do
 * ```
 */
export function closeBackendThreads(): void {
  if (!started) return;
  started.threads.close();
  setGemmRunner(started.backend, started.threads.single());
  started = null;
}
