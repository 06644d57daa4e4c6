/**
 * A workspace for the SIMD kernels: one WebAssembly memory holding padded
 * f32 matrices, a bump allocator with marks, and the two products of
 * `kernels.ts`, optionally split over worker threads that share the memory
 * (each thread runs its slice; the caller's thread runs one slice itself
 * and waits on an atomic flag, so every product stays synchronous).
 *
 * @module
 */

import { type KernelExports, kernelModuleBytes } from "./_kernels.ts";

/** A matrix stored in a workspace's memory: rows padded to 4, columns to `stride`. */
export interface WasmMatrix {
  /** Byte offset in the workspace memory. */
  readonly ptr: number;
  /** Logical rows. */
  readonly rows: number;
  /** Logical columns. */
  readonly cols: number;
  /** Allocated rows (a multiple of 4); the extra rows are zero until written. */
  readonly rowsPadded: number;
  /** Floats per row (≥ cols). */
  readonly stride: number;
}

const PAGE = 65536;
const MAX_PAGES = 65536; // 4 GiB, the wasm32 limit
const CONTROL_BYTES = 256;
// Control block (Int32 slots): sequence, done count, kernel index, argument
// count, then the arguments, the slice length and the total.
const SEQ = 0;
const DONE = 1;
const KERNEL = 2;
const ARGC = 3;
const ARGS = 4;
const EXIT = -1;
/** Kernels a worker can run, by index in the control block. */
const KERNEL_NAMES = ["gemmNT", "gemmTN", "scatterAdd", "rowSquares"] as const;
type KernelName = typeof KERNEL_NAMES[number];
type Kernel = (...args: number[]) => void;

function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}

/** Options of {@linkcode Workspace.create}. */
export interface WorkspaceOptions {
  /** Threads to use, the caller's included (default 1; capped at the core count). */
  threads?: number;
}

/** Padded matrices in one WebAssembly memory, and the products over them. */
export class Workspace {
  readonly #memory: WebAssembly.Memory;
  readonly #kernels: KernelExports;
  readonly #workers: Worker[];
  #top = CONTROL_BYTES;
  #sequence = 0;

  private constructor(memory: WebAssembly.Memory, kernels: KernelExports, workers: Worker[]) {
    this.#memory = memory;
    this.#kernels = kernels;
    this.#workers = workers;
  }

  /** A single-threaded workspace (no workers; nothing to close). */
  static single(): Workspace {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES });
    const module = new WebAssembly.Module(kernelModuleBytes(false, MAX_PAGES) as BufferSource);
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    return new Workspace(memory, instance.exports as unknown as KernelExports, []);
  }

  /**
   * A workspace whose products run on `threads` threads (workers sharing the
   * memory). Falls back to one thread when workers cannot start. Call
   * {@linkcode Workspace.close} (or `using`) when done.
   */
  static async create(options: WorkspaceOptions = {}): Promise<Workspace> {
    const cores = navigator.hardwareConcurrency ?? 1;
    const threads = Math.max(1, Math.min(options.threads ?? 1, cores));
    if (threads === 1) return Workspace.single();
    const bytes = kernelModuleBytes(true, MAX_PAGES);
    const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    const module = new WebAssembly.Module(bytes as BufferSource);
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    const workers: Worker[] = [];
    try {
      for (let w = 1; w < threads; w++) {
        const worker = new Worker(new URL("./_kernel_worker.ts", import.meta.url).href, {
          type: "module",
        });
        workers.push(worker);
        await new Promise<void>((resolve, reject) => {
          worker.onmessage = () => resolve();
          worker.onerror = (event) => {
            event.preventDefault();
            reject(new Error(event.message));
          };
          worker.postMessage({ bytes, memory, index: w });
        });
      }
    } catch {
      for (const worker of workers) worker.terminate();
      return Workspace.single();
    }
    return new Workspace(memory, instance.exports as unknown as KernelExports, workers);
  }

  /** Threads the products run on. */
  get threads(): number {
    return this.#workers.length + 1;
  }

  /** Stop the workers (a single-threaded workspace has none). */
  close(): void {
    if (this.#workers.length) {
      const control = this.#control();
      Atomics.store(control, KERNEL, EXIT);
      Atomics.add(control, SEQ, 1);
      Atomics.notify(control, SEQ);
      for (const worker of this.#workers) worker.terminate();
      this.#workers.length = 0;
    }
  }

  /** For `using workspace = await Workspace.create(...)`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** The current allocation mark, for {@linkcode Workspace.release}. */
  mark(): number {
    return this.#top;
  }

  /** Free everything allocated after `mark`. */
  release(mark: number): void {
    this.#top = mark;
  }

  /** Allocate a zeroed `rows x cols` matrix (rows padded to 4, stride a multiple of 16). */
  matrix(rows: number, cols: number, stride: number = roundUp(Math.max(cols, 1), 16)): WasmMatrix {
    const m = this.#allocate(rows, cols, stride);
    this.view(m).fill(0);
    return m;
  }

  #allocate(rows: number, cols: number, stride: number): WasmMatrix {
    const rowsPadded = roundUp(Math.max(rows, 1), 4);
    const bytes = rowsPadded * stride * 4;
    const ptr = roundUp(this.#top, 64);
    const end = ptr + bytes;
    const have = this.#memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      if (have / PAGE + pages > MAX_PAGES) {
        throw new RangeError(`workspace needs ${end} bytes, more than WebAssembly's 4 GiB`);
      }
      this.#memory.grow(pages);
    }
    this.#top = end;
    return { ptr, rows, cols, rowsPadded, stride };
  }

  /** A Float32Array over all of `m`'s padded storage (valid until the next allocation). */
  view(m: WasmMatrix): Float32Array {
    return new Float32Array(this.#memory.buffer, m.ptr, m.rowsPadded * m.stride);
  }

  /** Copy a row-major `rows x cols` array into a new matrix. */
  upload(data: ArrayLike<number>, rows: number, cols: number): WasmMatrix {
    const m = this.#allocate(rows, cols, roundUp(Math.max(cols, 1), 16));
    const v = this.view(m);
    if (m.stride === cols) v.fill(0, rows * cols);
    else v.fill(0);
    this.write(m, data);
    return m;
  }

  /**
   * Overwrite rows of `m` from row-major `data` (`m.cols` values per row),
   * starting at row `firstRow` (default 0), as many rows as `data` holds.
   */
  write(m: WasmMatrix, data: ArrayLike<number>, firstRow = 0): void {
    const v = this.view(m);
    const rows = Math.min(m.rows - firstRow, Math.floor(data.length / m.cols));
    if (m.stride === m.cols && data instanceof Float32Array) {
      v.set(data.subarray(0, rows * m.cols), firstRow * m.stride);
      return;
    }
    for (let r = 0; r < rows; r++) {
      const o = (firstRow + r) * m.stride;
      const s = r * m.cols;
      for (let c = 0; c < m.cols; c++) v[o + c] = data[s + c];
    }
  }

  /** The logical part of `m` as a dense row-major Float32Array (a copy). */
  read(m: WasmMatrix): Float32Array {
    const v = this.view(m);
    const out = new Float32Array(m.rows * m.cols);
    for (let r = 0; r < m.rows; r++) {
      out.set(v.subarray(r * m.stride, r * m.stride + m.cols), r * m.cols);
    }
    return out;
  }

  /** A new matrix C (`a.rows x b.rows`) = A · Bᵀ; A and B must have the same stride. */
  productNT(a: WasmMatrix, b: WasmMatrix): WasmMatrix {
    const c = this.matrix(a.rows, b.rows);
    this.productNTInto(a, b, c);
    return c;
  }

  /**
   * C = A · Bᵀ into an existing `c` (at least `a.rows x b.rowsPadded`);
   * `first` (even) and `count` limit it to those rows of A and C.
   */
  productNTInto(
    a: WasmMatrix,
    b: WasmMatrix,
    c: WasmMatrix,
    options: { first?: number; count?: number } = {},
  ): void {
    const first = options.first ?? 0;
    const n = roundUp(options.count ?? a.rows - first, 2);
    if (
      a.stride !== b.stride || c.stride < b.rowsPadded || c.rowsPadded < a.rowsPadded ||
      first % 2 !== 0 || first + n > a.rowsPadded
    ) {
      throw new RangeError("productNT: mismatched shapes");
    }
    const args = [
      a.ptr + first * a.stride * 4,
      b.ptr,
      c.ptr + first * c.stride * 4,
      n,
      b.rowsPadded,
      a.stride,
      c.stride,
    ];
    this.#split("gemmNT", args, n, 2);
  }

  /**
   * A new matrix C (`w.cols x a.cols`, stride `a.stride`) = Wᵀ · A, summing
   * over the `a.rows` rows (W must have at least as many).
   */
  productTN(w: WasmMatrix, a: WasmMatrix): WasmMatrix {
    const c = this.matrix(w.cols, a.cols, a.stride);
    this.productTNInto(w, a, c);
    return c;
  }

  /**
   * C = Wᵀ · A into an existing `c` (rows ≥ w.cols rounded up to 2, stride
   * = a.stride), or C += Wᵀ · A with `accumulate`. `rows` limits the sum to
   * rows [first, first + count) of W and A (default all of A's rows).
   */
  productTNInto(
    w: WasmMatrix,
    a: WasmMatrix,
    c: WasmMatrix,
    options: { accumulate?: boolean; first?: number; count?: number } = {},
  ): void {
    const m = roundUp(w.cols, 2);
    const first = options.first ?? 0;
    const count = options.count ?? a.rows - first;
    if (
      first < 0 || first + count > a.rows || w.rows < first + count || c.stride !== a.stride ||
      c.rowsPadded < m || w.stride < m
    ) {
      throw new RangeError("productTN: mismatched shapes");
    }
    const args = [
      w.ptr + first * w.stride * 4,
      a.ptr + first * a.stride * 4,
      c.ptr,
      count,
      m,
      a.stride,
      w.stride,
      options.accumulate ? 1 : 0,
    ];
    this.#split("gemmTN", args, a.stride, 16);
  }

  /**
   * Add every row of `x` to rows of `c`: for row i and q < r, row
   * `rows[i*r + q]` of C (skipped when negative) gains row i of X. `rows`
   * is an Int32Array matrix of `x.rows x r`; C has x's stride.
   */
  scatterAdd(x: WasmMatrix, rows: WasmMatrix, r: number, c: WasmMatrix): void {
    if (c.stride !== x.stride || rows.rows * rows.stride < x.rows * r) {
      throw new RangeError("scatterAdd: mismatched shapes");
    }
    this.#split("scatterAdd", [x.ptr, rows.ptr, c.ptr, x.rows, x.stride, r], x.stride, 16);
  }

  /** Squared norm of every row of `x`, summed in float32 SIMD lanes. */
  rowSquaredNorms(x: WasmMatrix): Float64Array {
    const mark = this.mark();
    const out = this.matrix(1, x.rows);
    this.#split("rowSquares", [x.ptr, out.ptr, x.stride], x.rows, 1);
    const norms = Float64Array.from(this.view(out).subarray(0, x.rows));
    this.release(mark);
    return norms;
  }

  /** Sum of every column of `x` (a product with a column of ones). */
  columnSums(x: WasmMatrix): Float64Array {
    const mark = this.mark();
    const ones = this.matrix(x.rows, 1);
    const ov = this.view(ones);
    for (let i = 0; i < x.rows; i++) ov[i * ones.stride] = 1;
    const sums = Float64Array.from(this.view(this.productTN(ones, x)).subarray(0, x.cols));
    this.release(mark);
    return sums;
  }

  /** An Int32Array over `m`'s storage (for index matrices). */
  intView(m: WasmMatrix): Int32Array {
    return new Int32Array(this.#memory.buffer, m.ptr, m.rowsPadded * m.stride);
  }

  #control(): Int32Array {
    return new Int32Array(this.#memory.buffer, 0, CONTROL_BYTES / 4);
  }

  // Run a kernel over [0, total) in slices aligned to `align`: workers take
  // the first slices, this thread the last, then it waits for every worker.
  #split(name: KernelName, args: number[], total: number, align: number): void {
    const run = this.#kernels[name] as unknown as Kernel;
    const threads = this.threads;
    if (threads === 1 || total < align * threads * 4) {
      run(...args, 0, total);
      return;
    }
    const control = this.#control();
    const slice = roundUp(Math.ceil(total / threads), align);
    control[KERNEL] = KERNEL_NAMES.indexOf(name);
    control[ARGC] = args.length;
    for (let a = 0; a < args.length; a++) control[ARGS + a] = args[a];
    control[ARGS + args.length] = slice;
    control[ARGS + args.length + 1] = total;
    control[DONE] = 0;
    const sequence = ++this.#sequence;
    Atomics.store(control, SEQ, sequence);
    Atomics.notify(control, SEQ);
    run(...args, Math.min(total, slice * (threads - 1)), total);
    while (Atomics.load(control, DONE) < threads - 1) {
      Atomics.wait(control, DONE, Atomics.load(control, DONE), 50);
    }
  }
}

/** The control-block layout, shared with the worker. */
export const WORKER_PROTOCOL = { SEQ, DONE, KERNEL, ARGC, ARGS, EXIT, KERNEL_NAMES } as const;
