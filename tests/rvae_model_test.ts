// The rVAE's pieces against hand computations: gradients, the bilinear
// sampler, the KL and reconstruction terms, shapes, and rotation exactness.

import { tf } from "../lib/deps.ts";
import { initBackend } from "../lib/rvae/backend.ts";
import { sampleBilinear as bilinearSample } from "../lib/rvae/kernels/bilinear.ts";
import { latentCount, makeConfig, type RvaeConfig } from "../lib/rvae/config.ts";
import { ensureGradients } from "../lib/rvae/gradients.ts";
import {
  decodeWithPose,
  encodeStack,
  pixelsToShift,
  shiftToPixels,
} from "../lib/rvae/inference.ts";
import { klPerSample } from "../lib/rvae/loss.ts";
import { createRvae, disposeRvae, rvaeLoss } from "../lib/rvae/model.ts";
import { decoderForward, encoderForward, rotatedCopies } from "../lib/rvae/networks.ts";
import { Random } from "../lib/random.ts";
import { assert, assertAlmostEquals, assertEquals } from "./assert.ts";

await initBackend({ backend: "cpu" });
ensureGradients();

/** Central finite difference of scalar f at x (float64 host arrays, float32 inside tf). */
function numericGradient(f: (x: Float32Array) => number, x: Float32Array, h = 1e-2): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const plus = x.slice();
    const minus = x.slice();
    plus[i] += h;
    minus[i] -= h;
    g[i] = (f(plus) - f(minus)) / (2 * h);
  }
  return g;
}

function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const r = new Random(seed);
  return Float32Array.from({ length: n }, () => scale * r.normal());
}

Deno.test("registered gradients match finite differences", () => {
  // One function through every kernel the model differentiates.
  const f = (x: tf.Tensor) =>
    tf.tidy(() => {
      const a = tf.reshape(x, [2, 3]);
      const w = tf.tensor2d([0.3, -0.2, 0.5, 0.1, 0.4, -0.6], [3, 2]);
      const h = tf.tanh(tf.add(tf.matMul(a, w), tf.tensor1d([0.1, -0.1])));
      const t = tf.matMul(h, a, true, false); // [2, 3]
      const s = tf.sigmoid(tf.slice(t, [0, 1], [2, 2]));
      const e = tf.exp(tf.mul(tf.sin(a), tf.cos(a)));
      const sq = tf.sqrt(tf.add(tf.square(a), 1));
      const q = tf.div(tf.sub(e, sq), tf.add(tf.neg(tf.square(a)), -2));
      const angle = tf.atan2(tf.slice(a, [0, 0], [2, 2]), tf.add(tf.slice(a, [0, 1], [2, 2]), 3));
      const joined = tf.concat([angle, tf.mul(a, 0.5)], 1);
      const l = tf.leakyRelu(tf.transpose(q), 0.1);
      const image = tf.reshape(a, [1, 2, 3, 1]) as tf.Tensor4D;
      const c = tf.conv2d(image, tf.ones([3, 3, 1, 2]) as tf.Tensor4D, 1, "same");
      return tf.sum(tf.add(
        tf.add(tf.add(tf.sum(s), tf.sum(tf.mul(l, l))), tf.sum(tf.square(joined))),
        tf.add(tf.sum(tf.squaredDifference(c, 0.5)), tf.sum(tf.log(tf.add(tf.square(a), 1)), 0)),
      ));
    });
  const x = randomArray(6, 1);
  const analytic = tf.grad(f)(tf.tensor1d(x)).dataSync();
  const numeric = numericGradient((v) => f(tf.tensor1d(v)).dataSync()[0], x);
  for (let i = 0; i < x.length; i++) assertAlmostEquals(analytic[i], numeric[i], 2e-2);
});

Deno.test("bilinear sampler equals a direct computation, with edge clamping", () => {
  const image = Float32Array.from({ length: 12 }, (_, i) => (i * 7) % 5 + 0.5 * i); // 3 x 4
  const cols = [0, 1.25, 2.5, 3, -1, 3.7, 0.5];
  const rows = [0, 0.5, 1.75, 2, 1.2, -0.4, 2.9];
  const at = (c: number, r: number) =>
    image[Math.min(2, Math.max(0, r)) * 4 + Math.min(3, Math.max(0, c))];
  const got = bilinearSample(
    tf.tensor3d(image, [1, 3, 4]),
    tf.tensor2d(cols, [1, 7]),
    tf.tensor2d(rows, [1, 7]),
  ).dataSync();
  for (let i = 0; i < cols.length; i++) {
    const c0 = Math.floor(cols[i]);
    const r0 = Math.floor(rows[i]);
    const fc = cols[i] - c0;
    const fr = rows[i] - r0;
    const want = (1 - fr) * ((1 - fc) * at(c0, r0) + fc * at(c0 + 1, r0)) +
      fr * ((1 - fc) * at(c0, r0 + 1) + fc * at(c0 + 1, r0 + 1));
    assertAlmostEquals(got[i], want, 1e-5);
  }
});

Deno.test("bilinear sampler gradient reaches the image and the positions", () => {
  const image = randomArray(2 * 4 * 5, 2);
  const cols = Float32Array.from([0.3, 1.6, 2.2, 3.4, 1.1, 2.7]);
  const rows = Float32Array.from([0.2, 1.4, 2.6, 0.7, 1.9, 1.3]);
  const weights = randomArray(6, 3);
  const loss = (img: tf.Tensor, c: tf.Tensor, r: tf.Tensor) =>
    tf.sum(tf.mul(
      bilinearSample(img as tf.Tensor3D, c as tf.Tensor2D, r as tf.Tensor2D),
      tf.tensor2d(weights, [2, 3]),
    ));
  const tensors = () => [
    tf.tensor3d(image, [2, 4, 5]),
    tf.tensor2d(cols, [2, 3]),
    tf.tensor2d(rows, [2, 3]),
  ];
  const [gImage, gCol, gRow] = tf.grads((a, b, c) => loss(a, b, c))(tensors()).map((g) =>
    g.dataSync()
  );
  const value = (img: Float32Array, c: Float32Array, r: Float32Array) =>
    loss(tf.tensor3d(img, [2, 4, 5]), tf.tensor2d(c, [2, 3]), tf.tensor2d(r, [2, 3])).dataSync()[0];
  const nImage = numericGradient((v) => value(v, cols, rows), image, 1e-2);
  // Positions: small steps that stay inside one pixel cell.
  const nCol = numericGradient((v) => value(image, v, rows), cols, 1e-3);
  const nRow = numericGradient((v) => value(image, cols, v), rows, 1e-3);
  for (let i = 0; i < image.length; i++) assertAlmostEquals(gImage[i], nImage[i], 1e-3);
  for (let i = 0; i < cols.length; i++) {
    assertAlmostEquals(gCol[i], nCol[i], 5e-3);
    assertAlmostEquals(gRow[i], nRow[i], 5e-3);
  }
  assert(gCol.some((v) => Math.abs(v) > 0.01) && gRow.some((v) => Math.abs(v) > 0.01));
});

Deno.test("KL terms match the formulas (angle prior p, standard normal otherwise)", () => {
  const config = makeConfig(8, { latentDim: 1, translation: true, anglePrior: 0.1 });
  const mean = [0.7, 0.5, -1, 2];
  const logSd = [Math.log(0.05), Math.log(0.5), 0, Math.log(2)];
  const kl = klPerSample(config, tf.tensor2d(mean, [1, 4]), tf.tensor2d(logSd, [1, 4])).dataSync();
  const p = 0.1;
  const angle = -Math.log(0.05) + Math.log(p) + 0.05 ** 2 / (2 * p * p) - 0.5; // no μ² term
  const normal = (m: number, s: number) => -Math.log(s) + 0.5 * s * s + 0.5 * m * m - 0.5;
  const want = angle + normal(0.5, 0.5) + normal(-1, 1) + normal(2, 2);
  assertAlmostEquals(kl[0], want, 1e-5);
  // At the prior the divergence vanishes, whatever the mean angle.
  const zero = klPerSample(
    config,
    tf.tensor2d([3, 0, 0, 0], [1, 4]),
    tf.tensor2d([Math.log(p), 0, 0, 0], [1, 4]),
  ).dataSync();
  assertAlmostEquals(zero[0], 0, 1e-6);
});

Deno.test("loss on a tiny case equals the hand computation", () => {
  const config = makeConfig(4, {
    latentDim: 1,
    translation: false,
    decoder: "fast",
    hiddenUnits: 3,
  });
  const model = createRvae(config, { seed: 5 });
  const x = randomArray(2 * 16, 6);
  const noise = randomArray(2 * 2, 7);
  const terms = rvaeLoss(model, tf.tensor2d(x, [2, 16]), tf.tensor2d(noise, [2, 2]));
  // By hand: encode, sample, decode, 0.5 Σ (x̂ − x)², batch mean, plus the KL.
  const { mean, logSd } = encoderForward(config, model.variables, tf.tensor2d(x, [2, 16]));
  const m = mean.dataSync();
  const l = logSd.dataSync();
  const z = Array.from(m, (v, i) => v + Math.exp(l[i]) * noise[i]);
  const decoded = decoderForward(config, model.variables, model.grid, {
    angle: tf.tensor2d([z[0], z[2]], [2, 1]),
    shift: null,
  }, tf.tensor2d([z[1], z[3]], [2, 1])).dataSync();
  let reconstruction = 0;
  for (let i = 0; i < 32; i++) reconstruction += 0.5 * (decoded[i] - x[i]) ** 2;
  reconstruction /= 2;
  let kl = 0;
  for (let b = 0; b < 2; b++) {
    const sa = Math.exp(l[2 * b]);
    kl += -l[2 * b] + Math.log(0.1) + sa * sa / 0.02 - 0.5;
    const sc = Math.exp(l[2 * b + 1]);
    kl += -l[2 * b + 1] + 0.5 * sc * sc + 0.5 * m[2 * b + 1] ** 2 - 0.5;
  }
  kl /= 2;
  assertAlmostEquals(terms.reconstruction.dataSync()[0], reconstruction, 1e-3);
  assertAlmostEquals(terms.kl.dataSync()[0], kl, 1e-4);
  assertAlmostEquals(terms.loss.dataSync()[0], reconstruction + kl, 1e-3);
  disposeRvae(model);
});

Deno.test("encoders and decoders give the documented shapes", () => {
  for (const encoder of ["mlp", "conv"] as const) {
    for (const decoder of ["fast", "faithful"] as const) {
      for (const translation of [true, false]) {
        const config = makeConfig(6, {
          encoder,
          decoder,
          translation,
          latentDim: 2,
          hiddenUnits: 4,
        });
        const model = createRvae(config, { seed: 1 });
        const x = tf.tensor2d(randomArray(3 * 36, 2), [3, 36]);
        const { mean, logSd } = encoderForward(config, model.variables, x);
        assertEquals(mean.shape, [3, latentCount(config)]);
        assertEquals(logSd.shape, [3, translation ? 5 : 3]);
        const loss = rvaeLoss(model, x, tf.zeros([3, latentCount(config)]));
        assertEquals(loss.loss.shape, []);
        assert(Number.isFinite(loss.loss.dataSync()[0]));
        disposeRvae(model);
      }
    }
  }
});

/** Rotate a size² image by +90° in the image frame (y down): (x, y) → (−y, x) about the centre. */
function rotate90(image: ArrayLike<number>, size: number): Float32Array {
  const out = new Float32Array(size * size);
  const c = (size - 1) / 2;
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      const qx = col - c;
      const qy = row - c;
      out[(qx + c) * size + (-qy + c)] = image[row * size + col];
    }
  }
  return out;
}

function decoderRotationCheck(config: RvaeConfig): void {
  const model = createRvae(config, { seed: 3 });
  const content = [0.4, -0.8];
  const upright = decodeWithPose(model, { content });
  const turned = decodeWithPose(model, { content, angle: [Math.PI / 2] });
  const want = rotate90(upright, config.size);
  for (let i = 0; i < want.length; i++) assertAlmostEquals(turned[i], want[i], 1e-4);
  disposeRvae(model);
}

Deno.test("decode with pose φ = 90° equals the upright decode rotated by 90° (both decoders)", () => {
  decoderRotationCheck(makeConfig(9, { decoder: "fast", hiddenUnits: 8 }));
  decoderRotationCheck(makeConfig(9, { decoder: "faithful", hiddenUnits: 8 }));
});

Deno.test("fast decoder: any φ and shift resample the canonical image exactly", () => {
  const size = 11;
  const config = makeConfig(size, { decoder: "fast", hiddenUnits: 8 });
  const model = createRvae(config, { seed: 4 });
  const content = [0.2, 0.5];
  const upright = decodeWithPose(model, { content });
  const phi = 0.6;
  const shift: [number, number] = [0.7, -0.4]; // pixels, image frame
  const posed = decodeWithPose(model, { content, angle: [phi], shiftPixels: shift });
  // Content at offset q from the centre appears at R(φ)q + shift (image frame, y down).
  const c = (size - 1) / 2;
  let checked = 0;
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      // Invert: the source offset of output pixel p is R(−φ)(p − c − shift).
      const px = col - c - shift[0];
      const py = row - c - shift[1];
      const sx = Math.cos(phi) * px + Math.sin(phi) * py + c;
      const sy = -Math.sin(phi) * px + Math.cos(phi) * py + c;
      if (sx < 0 || sy < 0 || sx > size - 1 || sy > size - 1) continue;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const at = (x: number, y: number) =>
        upright[Math.min(y, size - 1) * size + Math.min(x, size - 1)];
      const want = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) +
        fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
      assertAlmostEquals(posed[row * size + col], want, 1e-4);
      checked++;
    }
  }
  assert(checked > 60, `only ${checked} pixels checked`);
  disposeRvae(model);
});

Deno.test("pixel shifts and latent shifts convert both ways", () => {
  const config = makeConfig(48);
  for (const phi of [0, 0.3, 2, -4]) {
    const [px, py] = shiftToPixels(config, phi, 0.8, -1.3);
    const [dx, dy] = pixelsToShift(config, phi, px, py);
    assertAlmostEquals(dx, 0.8, 1e-9);
    assertAlmostEquals(dy, -1.3, 1e-9);
  }
  // At φ = 0 a positive latent dx moves the grid right, so the content moves left.
  const [px0, py0] = shiftToPixels(config, 0, 1, 0);
  assertAlmostEquals(px0, -0.1 * 23.5, 1e-9);
  assertAlmostEquals(py0, 0, 1e-12);
});

Deno.test("rotatedCopies turns windows by exact multiples of 90°", () => {
  const size = 5;
  const image = Float32Array.from({ length: size * size }, (_, i) => i * 1.5 - 3);
  const copies = rotatedCopies(tf.tensor2d(image, [1, size * size]), size, 4).dataSync();
  let want: Float32Array = image;
  for (let k = 1; k < 4; k++) {
    want = rotate90(want, size);
    assertEquals(Array.from(copies.subarray(k * 25, (k + 1) * 25)), Array.from(want));
  }
  const half = rotatedCopies(tf.tensor2d(image, [1, size * size]), size, 2).dataSync();
  assertEquals(Array.from(half.subarray(25)), Array.from(rotate90(rotate90(image, size), size)));
});

Deno.test("the equivariant encoder: turning a window by 90° adds 90° to its angle, nothing else", () => {
  for (const encoder of ["mlp", "conv"] as const) {
    const size = 8;
    const config = makeConfig(size, { encoder, hiddenUnits: 6, latentDim: 2, rotations: 4 });
    const model = createRvae(config, { seed: 11 });
    const window = randomArray(size * size, 12);
    const stack = new Float32Array(4 * size * size);
    let turned: Float32Array = window;
    for (let k = 0; k < 4; k++) {
      stack.set(turned, k * size * size);
      turned = rotate90(turned, size);
    }
    const e = encodeStack(model, stack);
    const l = e.latents;
    for (let k = 1; k < 4; k++) {
      const step = ((e.angle[k] - e.angle[k - 1]) * 180) / Math.PI;
      assertAlmostEquals(((step % 360) + 360) % 360, 90, 1e-3);
      for (let j = 1; j < l; j++) assertAlmostEquals(e.mean[k * l + j], e.mean[j], 1e-5);
      for (let j = 0; j < l; j++) assertAlmostEquals(e.sd[k * l + j], e.sd[j], 1e-5);
    }
    disposeRvae(model);
  }
});

Deno.test("equivariance holds with input centring on a lopsided mean window", () => {
  const size = 8;
  const mean = Array.from(randomArray(size * size, 21)); // not rotation-symmetric
  const config = makeConfig(size, { hiddenUnits: 6, latentDim: 1, centerInput: true });
  const model = createRvae(config, {
    seed: 2,
    normalization: { offset: 0, scale: 1, meanWindow: mean },
  });
  const window = randomArray(size * size, 22);
  const turned = rotate90(window, size);
  const stack = new Float32Array(2 * size * size);
  stack.set(window);
  stack.set(turned, size * size);
  const e = encodeStack(model, stack);
  const step = ((e.angle[1] - e.angle[0]) * 180) / Math.PI;
  assertAlmostEquals(((step % 360) + 360) % 360, 90, 1e-3);
  disposeRvae(model);
});
