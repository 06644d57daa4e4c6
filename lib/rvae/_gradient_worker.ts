/**
 * A helper of {@linkcode GradientWorkers} (lib/rvae/parallel.ts), run as a
 * Deno worker: it sets up its own backend and a replica of the model, then
 * for each step takes the current parameters and its rows of the batch and
 * answers with that part's loss terms and gradients.
 *
 * @module
 */

import { tf } from "../deps.ts";
import { initBackend } from "./backend.ts";
import type { Rvae } from "./model.ts";
import {
  lossGradients,
  replicaFromSetup,
  type WorkerResult,
  type WorkerSetup,
  type WorkerStep,
} from "./parallel.ts";

const scope = self as unknown as {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown, transfer?: Transferable[]): void;
};

let model: Rvae | null = null;
let busy: Promise<void> = Promise.resolve();

async function handle(message: WorkerSetup | WorkerStep): Promise<void> {
  if ("config" in message) {
    // One thread per helper: the helpers are already the parallelism.
    await initBackend({ ...message.backend, threads: 1 });
    model = replicaFromSetup(message);
    scope.postMessage({ ready: true });
    return;
  }
  if (!model) throw new Error("step before setup");
  const replica = model;
  const variables = [...replica.variables.values()];
  tf.tidy(() => {
    variables.forEach((v, k) => v.assign(tf.tensor(message.params[k], v.shape)));
  });
  const width = replica.config.size * replica.config.size;
  const x = tf.tensor2d(message.batch, [message.rows, width]);
  const noise = tf.tensor2d(message.noise, [message.rows, message.noise.length / message.rows]);
  const { loss, reconstruction, kl, grads } = lossGradients(replica, x, noise, message.schedule);
  // Read outside any tf.tidy: tidy walks its result element by element.
  const result: WorkerResult = {
    loss,
    reconstruction,
    kl,
    grads: variables.map((v) => grads[v.name].dataSync() as Float32Array),
  };
  tf.dispose([x, noise, ...Object.values(grads)]);
  scope.postMessage(result, result.grads.map((g) => g.buffer as ArrayBuffer));
}

scope.onmessage = (event: MessageEvent) => {
  busy = busy.then(() => handle(event.data)).catch((error: unknown) => {
    scope.postMessage({ error: error instanceof Error ? error.message : String(error) });
  });
};
