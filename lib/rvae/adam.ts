/**
 * Adam (D. P. Kingma, J. Ba, Adam: a method for stochastic optimization,
 * arXiv:1412.6980 (2014), doi:10.48550/arXiv.1412.6980; PyTorch's defaults
 * β = 0.9, 0.999, ε = 1e-8) on tfjs variables, with its whole state readable
 * and restorable.
 *
 * Why not `tf.train.adam`: its `setWeights` recomputes the bias-correction
 * accumulators as `pow(β, t)`, while training multiplies them step by step
 * in float32, so a resumed run drifts in the last bits from an
 * uninterrupted one; and its learning rate cannot be lowered after a
 * non-finite rollback. Here the bias corrections are computed in float64
 * from the step count, so the state is exactly (t, m, v) and resuming is
 * exact. Each step is one fused pass per parameter (`adamUpdate`), which
 * needs the kernels `initBackend` installs.
 *
 * @module
 */

import { type Tensor, tf, type Variable } from "../deps.ts";
import { adamUpdate } from "./kernels/adam.ts";
import type { ParamArrays } from "./params.ts";

/** Adam's state: step count and per-variable moments, by variable name. */
export interface AdamState {
  /** Learning rate. */
  learningRate: number;
  /** Steps taken. */
  step: number;
  /** First moments, in the model's parameter order. */
  m: ParamArrays;
  /** Second moments, in the model's parameter order. */
  v: ParamArrays;
}

/** Adam on a fixed set of variables. */
export class Adam {
  /** Learning rate (may be lowered between steps). */
  learningRate: number;
  /** Steps taken. */
  step = 0;
  readonly #beta1 = 0.9;
  readonly #beta2 = 0.999;
  readonly #epsilon = 1e-8;
  readonly #m = new Map<string, tf.Variable>();
  readonly #v = new Map<string, tf.Variable>();

  /** An optimiser for `variables` with learning rate `learningRate`. */
  constructor(variables: Map<string, Variable>, learningRate: number) {
    this.learningRate = learningRate;
    for (const [name, variable] of variables) {
      // A variable shares its initial tensor's data: the temporary can go.
      for (const map of [this.#m, this.#v]) {
        const zeros = tf.zerosLike(variable);
        map.set(name, tf.variable(zeros, false));
        zeros.dispose();
      }
    }
  }

  /** Apply one update from `grads` (by variable name) to `variables`. */
  apply(variables: Map<string, Variable>, grads: Record<string, Tensor>): void {
    this.step++;
    const b1 = this.#beta1;
    const b2 = this.#beta2;
    const correction1 = 1 - b1 ** this.step;
    const correction2 = 1 - b2 ** this.step;
    // θ ← θ − lr/c1 · m / (√v/√c2 + ε), as PyTorch computes it, in one fused pass.
    const constants = {
      stepSize: this.learningRate / correction1,
      rootCorrection2: Math.sqrt(correction2),
      beta1: b1,
      beta2: b2,
      epsilon: this.#epsilon,
    };
    for (const [name, variable] of variables) {
      const g = grads[variable.name];
      if (!g) continue;
      const m = this.#m.get(name)!;
      const v = this.#v.get(name)!;
      const updated = adamUpdate(variable, { m, v }, g, constants);
      variable.assign(updated[0]);
      m.assign(updated[1]);
      v.assign(updated[2]);
      tf.dispose(updated);
    }
  }

  /** A copy of the whole state. */
  state(): AdamState {
    const read = (map: Map<string, tf.Variable>): ParamArrays =>
      [...map].map(([name, t]) => ({
        name,
        shape: t.shape.slice(),
        data: new Float32Array(t.dataSync() as Float32Array),
      }));
    return { learningRate: this.learningRate, step: this.step, m: read(this.#m), v: read(this.#v) };
  }

  /** Restore a state taken by {@linkcode Adam.state}. */
  restore(state: AdamState): void {
    this.learningRate = state.learningRate;
    this.step = state.step;
    for (const [map, arrays] of [[this.#m, state.m], [this.#v, state.v]] as const) {
      for (const a of arrays) {
        const t = map.get(a.name);
        if (!t) throw new Error(`optimizer state names unknown parameter ${a.name}`);
        const value = tf.tensor(a.data, t.shape);
        t.assign(value);
        value.dispose();
      }
    }
  }

  /** Free the moment tensors. */
  dispose(): void {
    for (const t of [...this.#m.values(), ...this.#v.values()]) t.dispose();
  }
}
