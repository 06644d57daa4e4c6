/**
 * Data-parallel gradients on several cores. tfjs's threaded wasm build does
 * not start under Deno (its pthreads hand `node:worker_threads` a blob: URL,
 * which Deno refuses), so ferrovae parallelises one level up: each helper is
 * a Deno worker with its own backend and a replica of the model; a batch is
 * split by rows, every part's gradient is computed at once (the calling
 * thread takes the first part), and the parts are combined weighted by their
 * row counts — the batch gradient, up to float rounding. The result depends
 * only on the number of helpers, so resuming with the same number repeats a
 * run exactly.
 *
 * @module
 */

import { type Tensor, type Tensor2D, tf } from "../deps.ts";
import type { BackendOptions } from "./backend.ts";
import type { Normalization, RvaeConfig } from "./config.ts";
import { createRvae, type Rvae, rvaeLoss, type StepSchedule } from "./model.ts";
import type { ParamArrays } from "./params.ts";

/** A batch's loss terms (means over its rows) and the gradient of the loss by variable name. */
export interface BatchGradients {
  /** The minimised loss. */
  loss: number;
  /** Reconstruction term. */
  reconstruction: number;
  /** KL term (unweighted). */
  kl: number;
  /** d loss / d variable, keyed by the tfjs variable's name (as tf.variableGrads gives them). */
  grads: Record<string, Tensor>;
}

/** Gradients of the model's loss over `batch` ([B, size²]) with noise `noise` ([B, L]), on this thread. */
export function lossGradients(
  model: Rvae,
  batch: Tensor2D,
  noise: Tensor2D,
  schedule: StepSchedule,
): BatchGradients {
  let parts: tf.Scalar[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const terms = rvaeLoss(model, batch, noise, schedule);
    parts = [tf.keep(terms.reconstruction), tf.keep(terms.kl)];
    return terms.loss;
  }, [...model.variables.values()]);
  const [loss, reconstruction, kl] = [value, ...parts].map((t) => t.dataSync()[0]);
  tf.dispose([value, ...parts]);
  return { loss, reconstruction, kl, grads };
}

/** What the calling thread sends a helper to set it up. */
export interface WorkerSetup {
  /** Backend of the helper (as the caller's). */
  backend: BackendOptions;
  /** The model's configuration. */
  config: RvaeConfig;
  /** The model's data scaling. */
  normalization: Normalization;
  /** The model's parameters. */
  params: ParamArrays;
}

/** One step's work for a helper. */
export interface WorkerStep {
  /** Current parameter values, in the model's variable order. */
  params: Float32Array[];
  /** The helper's rows of the batch, [rows, size²] flattened. */
  batch: Float32Array;
  /** The helper's rows of the noise, [rows, L] flattened. */
  noise: Float32Array;
  /** Rows in this part. */
  rows: number;
  /** The step's schedule. */
  schedule: StepSchedule;
}

/** A helper's answer: loss terms and gradients in the model's variable order. */
export interface WorkerResult {
  /** Loss terms of the part (means over its rows). */
  loss: number;
  /** Reconstruction term. */
  reconstruction: number;
  /** KL term. */
  kl: number;
  /** Gradients, in the model's variable order. */
  grads: Float32Array[];
  /** Set when the helper failed. */
  error?: string;
}

/** Rows of a batch of `rows` for each of `parts` parts (the first parts get the remainder). */
export function splitRows(rows: number, parts: number): number[] {
  const counts = new Array(parts).fill(Math.floor(rows / parts));
  for (let i = 0; i < rows % parts; i++) counts[i]++;
  return counts.filter((n) => n > 0);
}

/** Helper workers computing gradients of parts of each batch for the calling thread. */
export class GradientWorkers {
  readonly #workers: Worker[];

  private constructor(workers: Worker[]) {
    this.#workers = workers;
  }

  /** Start `helpers` workers (≥ 1), each with a replica of `model` on the same backend. */
  static async start(
    model: Rvae,
    options: { helpers: number; backend: BackendOptions },
  ): Promise<GradientWorkers> {
    const setup: WorkerSetup = {
      backend: options.backend,
      config: model.config,
      normalization: model.normalization,
      params: [...model.variables].map(([name, v]) => ({
        name,
        shape: v.shape.slice(),
        data: v.dataSync() as Float32Array,
      })),
    };
    const workers = Array.from(
      { length: options.helpers },
      () => new Worker(new URL("./_gradient_worker.ts", import.meta.url), { type: "module" }),
    );
    const pool = new GradientWorkers(workers);
    try {
      await Promise.all(workers.map((w) => pool.#call(w, setup)));
    } catch (error) {
      pool.terminate();
      throw error;
    }
    return pool;
  }

  /** Number of helper workers. */
  get helpers(): number {
    return this.#workers.length;
  }

  #call<T>(worker: Worker, message: unknown, transfer: Transferable[] = []): Promise<T> {
    return new Promise((resolve, reject) => {
      worker.onmessage = (event: MessageEvent) => {
        const data = event.data as { error?: string };
        if (data?.error) reject(new Error(`gradient worker: ${data.error}`));
        else resolve(event.data as T);
      };
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        reject(new Error(`gradient worker: ${event.message}`));
      };
      worker.postMessage(message, transfer);
    });
  }

  /**
   * The gradient of the model's loss over `batch` ([B, size²]) with noise
   * `noise` ([B, L]), computed in parts: the calling thread takes the first
   * rows, each helper the next ones, all at once.
   */
  async gradients(
    model: Rvae,
    batch: Tensor2D,
    noise: Tensor2D,
    schedule: StepSchedule,
  ): Promise<BatchGradients> {
    const [rows, width] = batch.shape;
    const latents = noise.shape[1];
    const counts = splitRows(rows, this.#workers.length + 1);
    const params = [...model.variables.values()].map((v) => v.dataSync() as Float32Array);
    const batchData = batch.dataSync() as Float32Array;
    const noiseData = noise.dataSync() as Float32Array;
    const pending: Promise<WorkerResult>[] = [];
    let start = counts[0];
    for (let i = 1; i < counts.length; i++) {
      const end = start + counts[i];
      const step: WorkerStep = {
        params,
        batch: batchData.slice(start * width, end * width),
        noise: noiseData.slice(start * latents, end * latents),
        rows: counts[i],
        schedule,
      };
      pending.push(this.#call<WorkerResult>(this.#workers[i - 1], step));
      start = end;
    }
    // The calling thread's own part, while the helpers work on theirs.
    const x = tf.slice(batch, [0, 0], [counts[0], width]);
    const e = tf.slice(noise, [0, 0], [counts[0], latents]);
    const own = lossGradients(model, x, e, schedule);
    tf.dispose([x, e]);
    const others = await Promise.all(pending);
    const weight = (i: number) => counts[i] / rows;
    const names = [...model.variables.values()].map((v) => v.name);
    const grads: Record<string, tf.Tensor> = {};
    tf.tidy(() => {
      names.forEach((name, k) => {
        let g = tf.mul(own.grads[name], weight(0));
        others.forEach((r, i) => {
          g = tf.add(g, tf.mul(tf.tensor(r.grads[k], own.grads[name].shape), weight(i + 1)));
        });
        grads[name] = tf.keep(g);
      });
    });
    tf.dispose(Object.values(own.grads));
    const mean = (key: "loss" | "reconstruction" | "kl") =>
      own[key] * weight(0) + others.reduce((s, r, i) => s + r[key] * weight(i + 1), 0);
    return { loss: mean("loss"), reconstruction: mean("reconstruction"), kl: mean("kl"), grads };
  }

  /** Stop the helpers. */
  terminate(): void {
    for (const worker of this.#workers) worker.terminate();
  }
}

/** Build a helper's replica (used by _gradient_worker.ts). */
export function replicaFromSetup(setup: WorkerSetup): Rvae {
  return createRvae(setup.config, { params: setup.params, normalization: setup.normalization });
}
