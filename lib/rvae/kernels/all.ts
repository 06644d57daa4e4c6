/**
 * The list of wasm kernels ferrovae replaces or adds (each in its own file).
 *
 * @module
 */

import type { KernelReplacement } from "./register.ts";

/** Replacement and missing kernels for the wasm backend, in registration order. */
export const WASM_KERNELS: readonly KernelReplacement[] = [];
