/**
 * A small pool of worker threads for the embeddings' JavaScript kernels
 * (Barnes-Hut forces, SMACOF starts, neighbour scans). Data lives in
 * SharedArrayBuffers; a run posts the task to every worker, the caller's
 * thread works too, and all claim chunks of the index range from one atomic
 * counter (so uneven chunks balance), then the caller blocks until every
 * worker is done. A run is therefore synchronous, and costs ~50 µs on top of
 * the work. With one thread, or when workers cannot start, the caller does
 * everything and the results are the same.
 *
 * @module
 */

/** A Float64Array of `length` zeros in shared memory. */
export function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(8 * length));
}

/** An Int32Array of `length` zeros in shared memory. */
export function sharedInt32(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * length));
}

/** Names of the kernels {@link WorkerPool.run} can run (see `_pool_worker.ts`). */
export type TaskName = "smacofStarts" | "tsneForces" | "knnBlocks" | "squaredGeodesicRows";

/** A kernel: handles the items [from, to) of a run and returns a number to be summed. */
// deno-lint-ignore no-explicit-any
export type Task<A = any> = (args: A, from: number, to: number) => number | void;

// Control block (Int32 slots): next unclaimed item, workers finished, workers failed.
const NEXT = 0;
const DONE = 1;
const FAILED = 2;
const CONTROL_SLOTS = 4;

/** Worker threads sharing an atomic work counter; close it when done. */
export class WorkerPool {
  readonly #workers: Worker[];
  readonly #control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_SLOTS));
  #results = sharedFloat64(64);

  private constructor(workers: Worker[]) {
    this.#workers = workers;
  }

  /**
   * A pool using `threads` threads, the caller's included (default: every
   * core); falls back to fewer when workers cannot start.
   */
  static async create(threads: number = navigator.hardwareConcurrency ?? 1): Promise<WorkerPool> {
    let wanted = Math.max(1, Math.min(Math.floor(threads), navigator.hardwareConcurrency ?? 1));
    const url = new URL("./_pool_worker.ts", import.meta.url);
    // A worker denied its module prints an error even when handled: ask first.
    if (url.protocol === "file:" && !canRead(url)) wanted = 1;
    const workers: Worker[] = [];
    for (let w = 1; w < wanted; w++) {
      let worker: Worker | undefined;
      try {
        worker = new Worker(url.href, { type: "module" });
        await new Promise<void>((resolve, reject) => {
          worker!.onmessage = () => resolve();
          worker!.onerror = (event) => {
            event.preventDefault();
            reject(new Error(event.message));
          };
        });
        workers.push(worker);
      } catch {
        worker?.terminate();
        break;
      }
    }
    return new WorkerPool(workers);
  }

  /** Threads a run uses, the caller's included. */
  get threads(): number {
    return this.#workers.length + 1;
  }

  /**
   * Run `name` (whose caller-side implementation is `task`) over the items
   * [0, total), handed out `chunk` at a time; returns the sum of the values
   * the chunks returned, added in chunk order (so the result does not depend
   * on which thread ran what). `args` must hold only numbers and typed arrays
   * over SharedArrayBuffers (what the task writes must go there).
   */
  run<A>(name: TaskName, task: Task<A>, args: A, total: number, chunk = 1): number {
    const control = this.#control;
    control[NEXT] = 0;
    control[DONE] = 0;
    control[FAILED] = 0;
    const chunks = Math.ceil(total / chunk);
    if (this.#results.length < chunks) this.#results = sharedFloat64(chunks);
    const results = this.#results;
    this.#workers.forEach((worker) =>
      worker.postMessage({ name, args, total, chunk, control, results })
    );
    for (;;) {
      const from = Atomics.add(control, NEXT, chunk);
      if (from >= total) break;
      results[from / chunk] = task(args, from, Math.min(total, from + chunk)) ?? 0;
    }
    const workers = this.#workers.length;
    for (
      let done = Atomics.load(control, DONE);
      done < workers;
      done = Atomics.load(control, DONE)
    ) {
      Atomics.wait(control, DONE, done, 1000);
    }
    if (control[FAILED] > 0) throw new Error(`worker pool: task ${name} failed in a worker`);
    let sum = 0;
    for (let c = 0; c < chunks; c++) sum += results[c];
    return sum;
  }

  /** Stop the workers. */
  close(): void {
    for (const worker of this.#workers) worker.terminate();
    this.#workers.length = 0;
  }
}

function canRead(url: URL): boolean {
  try {
    return Deno.permissions.querySync({ name: "read", path: url }).state === "granted";
  } catch {
    return false;
  }
}

/**
 * The worker side of {@link WorkerPool.run}: claim chunks until none are
 * left, store each chunk's value, and report done (or failed).
 */
export function serveRun(
  tasks: Record<TaskName, Task>,
  message: {
    name: TaskName;
    args: unknown;
    total: number;
    chunk: number;
    control: Int32Array;
    results: Float64Array;
  },
): void {
  const { control, total, chunk, results } = message;
  try {
    for (;;) {
      const from = Atomics.add(control, NEXT, chunk);
      if (from >= total) break;
      const to = Math.min(total, from + chunk);
      results[from / chunk] = tasks[message.name](message.args, from, to) ?? 0;
    }
  } catch (error) {
    Atomics.add(control, FAILED, 1);
    throw error;
  } finally {
    Atomics.add(control, DONE, 1);
    Atomics.notify(control, DONE);
  }
}
