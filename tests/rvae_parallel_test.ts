// Data-parallel gradients (lib/rvae/parallel.ts): a batch split between the
// calling thread and a helper worker gives the single-thread batch gradient.

import { tf } from "../lib/deps.ts";
import { Random } from "../lib/random.ts";
import { initBackend } from "../lib/rvae/backend.ts";
import { latentCount, makeConfig } from "../lib/rvae/config.ts";
import { createRvae, disposeRvae, PLAIN_SCHEDULE } from "../lib/rvae/model.ts";
import { GradientWorkers, lossGradients, splitRows } from "../lib/rvae/parallel.ts";
import { assert, assertAlmostEquals, assertEquals } from "./assert.ts";

Deno.test("splitRows: parts differ by at most one row and cover the batch", () => {
  assertEquals(splitRows(32, 2), [16, 16]);
  assertEquals(splitRows(7, 3), [3, 2, 2]);
  assertEquals(splitRows(1, 3), [1]);
});

Deno.test("gradients split across a helper worker equal the single-thread ones", async () => {
  const backend = { backend: "wasm" as const };
  await initBackend(backend);
  const config = makeConfig(12, { encoder: "mlp", decoder: "fast", hiddenUnits: 16 });
  const model = createRvae(config, { seed: 4 });
  const random = new Random(5);
  const rows = 7;
  const batch = tf.tensor2d(
    Float32Array.from({ length: rows * 144 }, () => random.uniform()),
    [rows, 144],
  );
  const noise = tf.tensor2d(
    Float32Array.from({ length: rows * latentCount(config) }, () => random.normal()),
    [rows, latentCount(config)],
  );
  const single = lossGradients(model, batch, noise, PLAIN_SCHEDULE);
  const pool = await GradientWorkers.start(model, { helpers: 1, backend });
  try {
    const split = await pool.gradients(model, batch, noise, PLAIN_SCHEDULE);
    assertAlmostEquals(split.loss, single.loss, 1e-4 * Math.abs(single.loss));
    assertAlmostEquals(split.kl, single.kl, 1e-4 * Math.abs(single.kl) + 1e-6);
    let largest = 0;
    for (const [name, g] of Object.entries(single.grads)) {
      const a = g.dataSync(), b = split.grads[name].dataSync();
      assertEquals(a.length, b.length);
      for (let i = 0; i < a.length; i++) {
        largest = Math.max(largest, Math.abs(a[i]));
        assertAlmostEquals(b[i], a[i], 1e-3 * (1 + Math.abs(a[i])), `${name}[${i}]`);
      }
    }
    assert(largest > 1e-3, "the gradients are not all zero");
    tf.dispose([...Object.values(split.grads)]);
  } finally {
    pool.terminate();
    tf.dispose([batch, noise, ...Object.values(single.grads)]);
    disposeRvae(model);
  }
});

Deno.test("products and convolutions on two threads equal one thread's bit for bit", async () => {
  const { closeBackendThreads, startProductThreadsForTests } = await import(
    "../lib/rvae/kernels/thread_switch.ts"
  );
  await initBackend({ backend: "wasm", threads: 2 });
  const random = new Random(21);
  const tensor = (shape: number[]) =>
    tf.tensor(
      Float32Array.from({ length: shape.reduce((p, n) => p * n, 1) }, () => random.normal()),
      shape,
    );
  // Rows split (m ≥ 2 row blocks), columns split (few rows), and a convolution's three products.
  const a = tensor([1000, 70]), b = tensor([70, 130]), skinny = tensor([40, 300]);
  const wide = tensor([300, 2000]);
  const x = tensor([3, 20, 20, 16]) as tf.Tensor4D, filter = tensor([3, 3, 16, 24]) as tf.Tensor4D;
  const run = () =>
    tf.tidy(() => {
      const y = tf.conv2d(x, filter, 1, "same");
      const dy = tf.onesLike(y);
      const attrs = { strides: 1, pad: "same", dataFormat: "NHWC" };
      return [
        tf.matMul(a, b),
        tf.matMul(skinny, wide),
        tf.matMul(a, a, true, false),
        y,
        tf.engine().runKernel("Conv2DBackpropInput", { dy, filter }, {
          ...attrs,
          inputShape: x.shape,
        }) as tf.Tensor,
        tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
          ...attrs,
          filterShape: filter.shape,
        }) as tf.Tensor,
      ].map((t) => t.dataSync() as Float32Array);
    });
  assert(await startProductThreadsForTests(), "the helper thread started");
  const two = run();
  closeBackendThreads();
  const one = run();
  for (let i = 0; i < one.length; i++) {
    assertEquals(two[i].length, one[i].length);
    assert(two[i].every((v, j) => Object.is(v, one[i][j])), `product ${i} differs`);
  }
  tf.dispose([a, b, skinny, wide, x, filter]);
});
