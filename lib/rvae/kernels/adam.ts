/**
 * One Adam update of one parameter tensor as a single pass (cpu and wasm):
 * tfjs ops take about twelve passes and allocations per parameter, which
 * cost several ms per step for the rVAE's million parameters.
 *
 * m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,
 * θ ← θ − stepSize · m / (√v / rootCorrection2 + ε)
 * with stepSize = lr / (1 − β₁ᵗ) and rootCorrection2 = √(1 − β₂ᵗ), as PyTorch computes it.
 *
 * @module
 */

import { type Tensor, tf } from "../../deps.ts";
import { allocateFloats, floatView, requireInputs } from "./_js_kernel.ts";
import type { KernelReplacement } from "./register.ts";

const ADAM = "FerrovaeAdamUpdate";

/** The constants of one Adam step. */
export interface AdamConstants {
  /** lr / (1 − β₁ᵗ). */
  stepSize: number;
  /** √(1 − β₂ᵗ). */
  rootCorrection2: number;
  /** β₁ (e.g. 0.9). */
  beta1: number;
  /** β₂ (e.g. 0.999). */
  beta2: number;
  /** ε (e.g. 1e-8). */
  epsilon: number;
}

/**
 * The updated parameter, first and second moments after one Adam step with
 * gradient `grad`: `[param, m, v]`, new tensors (assign them). Not
 * differentiable. Needs `initBackend`.
 */
export function adamUpdate(
  param: Tensor,
  moments: { m: Tensor; v: Tensor },
  grad: Tensor,
  constants: AdamConstants,
): [Tensor, Tensor, Tensor] {
  const inputs = { param, m: moments.m, v: moments.v, grad };
  const attrs = { ...constants } as unknown as tf.NamedAttrMap;
  return tf.engine().runKernel(ADAM, inputs, attrs) as [tf.Tensor, tf.Tensor, tf.Tensor];
}

function adamKernel(
  { inputs, backend, attrs }: {
    inputs: tf.NamedTensorInfoMap;
    backend: tf.KernelBackend;
    attrs: tf.NamedAttrMap;
  },
): tf.TensorInfo[] {
  const { param, m, v, grad } = requireInputs(inputs, ["param", "m", "v", "grad"]);
  const { stepSize, rootCorrection2, beta1, beta2, epsilon } = attrs as unknown as AdamConstants;
  const outs = [param, m, v].map((t) => allocateFloats(backend, t.shape));
  const [p0, m0, v0, g] = [param, m, v, grad].map((t) => floatView(backend, t));
  const [p1, m1, v1] = outs.map((t) => floatView(backend, t));
  const a1 = 1 - beta1, a2 = 1 - beta2;
  for (let i = 0; i < p0.length; i++) {
    const gi = g[i];
    // Math.fround keeps each stage in float32, like the op-by-op version.
    const mi = Math.fround(beta1 * m0[i] + a1 * gi);
    const vi = Math.fround(beta2 * v0[i] + a2 * gi * gi);
    m1[i] = mi;
    v1[i] = vi;
    p1[i] = p0[i] - stepSize * (mi / (Math.sqrt(vi) / rootCorrection2 + epsilon));
  }
  return outs;
}

/** The kernel, for `installKernels` on cpu and wasm. */
export const ADAM_KERNELS: readonly KernelReplacement[] = [
  { kernelName: ADAM, make: () => adamKernel as unknown as tf.KernelFunc },
];
