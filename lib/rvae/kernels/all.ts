/**
 * The kernels ferrovae adds to or replaces in tfjs's backends (each in its own file).
 *
 * @module
 */

import { ADAM_KERNELS } from "./adam.ts";
import { BATCH_MAT_MUL } from "./_batch_mat_mul.ts";
import { SAMPLE_BILINEAR_KERNELS } from "./bilinear.ts";
import { CONV2D_BACKPROP_FILTER, CONV2D_BACKPROP_INPUT } from "./_conv2d_backprop.ts";
import { GATHER_V2 } from "./_gather.ts";
import { SUM } from "./_sum.ts";
import { TANH } from "./_tanh.ts";
import type { KernelReplacement } from "./register.ts";

/** ferrovae's own ops, implemented for every backend it supports. */
export const OWN_KERNELS: readonly KernelReplacement[] = [
  ...SAMPLE_BILINEAR_KERNELS,
  ...ADAM_KERNELS,
];

/** Kernels tfjs's wasm backend lacks (training a conv encoder needs them). */
export const WASM_MISSING: readonly KernelReplacement[] = [CONV2D_BACKPROP_FILTER];

/** Faster replacements for slow stock wasm kernels. */
export const WASM_REPLACEMENTS: readonly KernelReplacement[] = [
  BATCH_MAT_MUL,
  CONV2D_BACKPROP_INPUT,
  GATHER_V2,
  SUM,
  TANH,
];
