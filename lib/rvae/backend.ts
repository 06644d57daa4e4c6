/**
 * The one place ferrovae chooses and initialises its tfjs backend. A GPU
 * backend would be added here and nowhere else.
 *
 * - `wasm`: `@tensorflow/tfjs-backend-wasm` (XNNPACK, SIMD), with ferrovae's
 *   replacement kernels (missing gradients, faster paths). Its loader reads
 *   its `.wasm` binary from the npm package's directory, so the process needs
 *   read permission there: `./node_modules` in a checkout (covered by
 *   `--allow-read=.`), Deno's npm cache when `mod.ts` is imported by URL.
 * - `cpu`: plain JavaScript, always available, slowest.
 * - `auto`: the fastest measured on a 2-core CPU, which is `wasm`
 *   (about 15x the cpu backend on the default rVAE train step, CPU time;
 *   its SIMD build, used whenever the runtime has wasm SIMD, as Deno does, is
 *   1.4-1.6x the plain build on the step and 2.8x on a matmul).
 *
 * @module
 */

import { tf, TFJS_WASM_ENTRY_URL } from "../deps.ts";
import { UserError } from "../errors.ts";
import { installKernels } from "./kernels/register.ts";
import { registerSampleBilinearGradient } from "./kernels/bilinear.ts";
import { OWN_KERNELS, WASM_MISSING, WASM_REPLACEMENTS } from "./kernels/all.ts";
import { WASM_GEMM_KERNELS } from "./kernels/wasm_gemm.ts";
import { WASM_LAYOUT_KERNELS } from "./kernels/concat_sum.ts";
import { withSharedHeap } from "./kernels/shared_heap.ts";
import { closeBackendThreads, startProductThreads } from "./kernels/thread_switch.ts";

export { closeBackendThreads };

/**
 * The switch: products and convolutions on ferrovae's own SIMD kernels
 * (kernels/wasm_gemm.ts) instead of XNNPACK's. Off, the replacements of
 * WASM_REPLACEMENTS route them to XNNPACK.
 */
const OWN_GEMM = true;

/** Which backend to use; `auto` picks the fastest available. */
export type BackendChoice = "auto" | "wasm" | "cpu";

/** The backends `initBackend` accepts, for flag parsers. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ["auto", "wasm", "cpu"];

/** Options of {@linkcode initBackend}. */
export interface BackendOptions {
  /** The backend to use (default `auto`). */
  backend?: BackendChoice;
  /**
   * Threads of ferrovae's products and convolutions on wasm (default: 2, or
   * 1 on a single-core machine): a helper worker shares tfjs's heap and
   * computes half of each large product in place, with results identical
   * to one thread's bit for bit (kernels/product_threads.ts). tfjs's own
   * threaded build does not start under Deno (its pthreads hand
   * `node:worker_threads` a blob: URL, which Deno refuses). Taken from the
   * first `initBackend` of a process; the helper stops with the process or
   * {@linkcode closeBackendThreads}.
   */
  threads?: number;
  /** Keep tfjs's slow stock wasm kernels instead of ferrovae's faster ones (benchmarks only). */
  stockKernels?: boolean;
  /**
   * Products and convolutions on XNNPACK (with ferrovae's older
   * replacements) instead of ferrovae's own SIMD kernels (benchmarks only).
   */
  xnnpackProducts?: boolean;
}

/** The directory holding the wasm backend's `.wasm` binaries, as a file-system path. */
export function wasmBinaryDirectory(): string {
  const url = new URL(".", TFJS_WASM_ENTRY_URL);
  return url.protocol === "file:" ? decodeURIComponent(url.pathname) : url.href;
}

/**
 * Choose, initialise and activate the tfjs backend; returns its name
 * (`"wasm"` or `"cpu"`). Throws a `UserError` naming the fix when the wasm
 * backend cannot load its binary (usually a missing `--allow-read`).
 */
export async function initBackend(options: BackendOptions = {}): Promise<string> {
  const choice = options.backend ?? "auto";
  if (!BACKEND_CHOICES.includes(choice)) {
    throw new UserError(
      "--backend",
      `unknown backend "${choice}" (have: ${BACKEND_CHOICES.join(", ")})`,
    );
  }
  // Production mode: no console warnings from tfjs (e.g. its "install tfjs-node" banner).
  tf.enableProdMode();
  registerSampleBilinearGradient();
  installKernels("cpu", OWN_KERNELS);
  if (choice === "cpu") return await activateCpu();
  if (options.threads !== undefined) {
    if (!Number.isInteger(options.threads) || options.threads < 1) {
      throw new UserError("--threads", `must be a whole number >= 1, got ${options.threads}`);
    }
  }
  installKernels("wasm", [...OWN_KERNELS, ...WASM_MISSING]);
  installKernels("wasm", WASM_REPLACEMENTS, { enabled: !options.stockKernels });
  const own = OWN_GEMM && !options.stockKernels && !options.xnnpackProducts;
  if (own) installKernels("wasm", [...WASM_GEMM_KERNELS, ...WASM_LAYOUT_KERNELS]);
  const directory = wasmBinaryDirectory();
  // Checked first: without the permission the loader aborts with several lines of noise.
  const readable =
    Deno.permissions.querySync({ name: "read", path: directory }).state === "granted";
  let ok = false;
  const shared = readable
    ? await withSharedHeap(async () => ok = await tf.setBackend("wasm").catch(() => false))
    : null;
  if (!readable || !ok) {
    throw new UserError(
      "--backend",
      `the wasm backend could not load its binary from ${directory}: ` +
        `run with --allow-read=${directory}, or choose --backend cpu`,
    );
  }
  await tf.ready();
  const threads = Math.min(options.threads ?? 2, navigator.hardwareConcurrency ?? 1);
  if (shared && threads > 1 && !options.stockKernels && !options.xnnpackProducts) {
    await startProductThreads(tf.backend());
  }
  return tf.getBackend();
}

async function activateCpu(): Promise<string> {
  if (!(await tf.setBackend("cpu"))) {
    throw new UserError("--backend", `the cpu backend failed to initialise`);
  }
  await tf.ready();
  return tf.getBackend();
}
