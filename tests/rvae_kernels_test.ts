// ferrovae's wasm kernels (lib/rvae/kernels/) against tfjs's cpu backend on
// small shapes: forward values, and gradients through the replaced kernels.

import { tf } from "../lib/deps.ts";
import { initBackend } from "../lib/rvae/backend.ts";
import { adamUpdate } from "../lib/rvae/kernels/adam.ts";
import { sampleBilinear } from "../lib/rvae/kernels/bilinear.ts";
import { ensureGradients } from "../lib/rvae/gradients.ts";
import { Random } from "../lib/random.ts";
import { assert, assertAlmostEquals, assertEquals } from "./assert.ts";

await initBackend({ backend: "wasm" });
ensureGradients();

function randomArray(seed: number, n: number, scale = 1): Float32Array {
  const random = new Random(seed);
  return Float32Array.from({ length: n }, () => scale * random.normal());
}

/** Run `f` on each backend with fresh input tensors; returns the outputs' values. */
async function onBoth(
  inputs: { shape: number[]; data: Float32Array }[],
  f: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<{ cpu: Float32Array[]; wasm: Float32Array[] }> {
  const results: Record<string, Float32Array[]> = {};
  for (const backend of ["cpu", "wasm"]) {
    await tf.setBackend(backend);
    const xs = inputs.map((x) => tf.tensor(x.data, x.shape));
    const out = f(...xs);
    const outs = Array.isArray(out) ? out : [out];
    results[backend] = outs.map((t) => t.dataSync() as Float32Array);
    tf.dispose([...xs, ...outs]);
  }
  await tf.setBackend("wasm");
  return { cpu: results.cpu, wasm: results.wasm };
}

function assertClose(
  actual: Float32Array,
  expected: Float32Array,
  tolerance: number,
  what: string,
) {
  assertEquals(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]));
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / scale);
  }
  assert(worst <= tolerance, `${what}: worst relative difference ${worst} > ${tolerance}`);
}

async function compare(
  what: string,
  inputs: { shape: number[]; data: Float32Array }[],
  f: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
  tolerance = 1e-5,
) {
  const { cpu, wasm } = await onBoth(inputs, f);
  cpu.forEach((expected, i) => assertClose(wasm[i], expected, tolerance, `${what} [${i}]`));
}

const input = (seed: number, shape: number[], scale = 1) => ({
  shape,
  data: randomArray(seed, shape.reduce((a, n) => a * n, 1), scale),
});

Deno.test("initBackend installs the replacements, and stockKernels restores tfjs's", async () => {
  const replaced = (name: string) =>
    Symbol.for("ferrovae.stockKernel") in tf.getKernel(name, "wasm")!;
  for (const name of ["BatchMatMul", "Conv2DBackpropInput", "Sum", "Tanh"]) {
    assert(replaced(name), name);
  }
  assert(replaced("Conv2DBackpropFilter"), "Conv2DBackpropFilter added");
  await initBackend({ backend: "wasm", stockKernels: true });
  for (const name of ["BatchMatMul", "Conv2DBackpropInput", "Sum", "Tanh"]) {
    assert(!replaced(name), name);
  }
  assert(tf.getKernel("Conv2DBackpropFilter", "wasm"), "missing kernels stay");
  assertEquals(await initBackend({ backend: "wasm" }), "wasm");
  assert(replaced("Tanh"), "reinstalled");
});

Deno.test("BatchMatMul with transposes matches cpu (both strategies, rank 3)", async () => {
  const cases: [number[], number[], boolean, boolean][] = [
    [[64, 40], [40, 32], false, false],
    [[40, 64], [40, 32], true, false], // transpose A
    [[200, 64], [200, 8], true, false], // cheaper: (Bᵀ·A)ᵀ
    [[64, 40], [32, 40], false, true], // transpose B
    [[8, 200], [64, 200], false, true], // cheaper: (B·Aᵀ)ᵀ
    [[40, 64], [32, 40], true, true],
    [[3, 40, 64], [3, 40, 32], true, false],
    [[3, 5], [3, 4], true, false], // tiny: stock kernel
    [[3000, 2], [3000, 64], true, false], // skinny: one pass over the rows
    [[3000, 64], [3000, 1], true, false],
  ];
  for (const [sa, sb, ta, tb] of cases) {
    // cpu sums a long contraction in float32 (error ~1e-5 relative at K = 3000); ours in float64.
    const contraction = ta ? sa[sa.length - 2] : sa[sa.length - 1];
    await compare(
      `matMul ${sa} ${sb} ${ta} ${tb}`,
      [input(1, sa), input(2, sb)],
      (a, b) => tf.matMul(a, b, ta, tb),
      contraction > 1000 ? 1e-4 : 1e-5,
    );
  }
});

Deno.test("Sum over leading axes matches cpu; other reductions unchanged", async () => {
  // Summation order differs (a product with ones): compare to float32 rounding of a 300-term sum.
  await compare("sum axis 0", [input(3, [300, 256])], (x) => tf.sum(x, 0), 1e-4);
  await compare(
    "sum axes 0,1 keepDims",
    [input(4, [10, 30, 256])],
    (x) => tf.sum(x, [0, 1], true),
    1e-4,
  );
  await compare("sum axis 1", [input(5, [300, 256])], (x) => tf.sum(x, 1));
  await compare("sum all", [input(6, [300, 256])], (x) => tf.sum(x));
  await compare("sum small", [input(7, [4, 3])], (x) => tf.sum(x, 0));
});

Deno.test("GatherV2 matches cpu on every axis; out-of-range indices throw", async () => {
  const x = input(17, [3, 4, 5]);
  const indices = [4, 0, 2, 2];
  for (const axis of [0, 1, 2]) {
    const valid = indices.map((i) => i % x.shape[axis]);
    await compare(
      `gather axis ${axis}`,
      [x],
      (t) => tf.gather(t, tf.tensor1d(valid, "int32"), axis),
    );
  }
  await compare(
    "gather 2-D indices",
    [x],
    (t) => tf.gather(t, tf.tensor2d([1, 0, 3, 3], [2, 2], "int32"), 1),
  );
  await tf.setBackend("wasm");
  let threw = false;
  try {
    tf.gather(tf.zeros([2, 3]), tf.tensor1d([3], "int32"), 1);
  } catch {
    threw = true;
  }
  assert(threw, "index 3 of an axis of 3 must throw");
});

Deno.test("Tanh matches cpu to float32 rounding, including saturation", async () => {
  const data = Float32Array.from({ length: 4001 }, (_, i) => (i - 2000) / 100);
  await compare("tanh", [{ shape: [data.length], data }], (x) => tf.tanh(x), 2e-7);
  await tf.setBackend("wasm");
  const extremes = tf.tanh(tf.tensor([-1e4, -50, 0, 1e-3, 50, 1e4])).dataSync();
  assertEquals(Array.from(extremes.slice(0, 3)), [-1, -1, 0]);
  assertAlmostEquals(extremes[3], Math.tanh(1e-3), 2e-7);
  assertEquals(Array.from(extremes.slice(4)), [1, 1]);
});

Deno.test("Conv2D backprop kernels match cpu (stride 1 same, stride 2 valid and same)", async () => {
  const x = input(8, [2, 7, 6, 3]);
  const filterShape = [3, 3, 3, 4];
  for (const [strides, pad] of [[1, "same"], [2, "valid"], [2, "same"], [1, "valid"]] as const) {
    const out = tf.conv2d(
      tf.zeros([2, 7, 6, 3]) as tf.Tensor4D,
      tf.zeros([3, 3, 3, 4]) as tf.Tensor4D,
      strides,
      pad,
    );
    const dy = input(9, out.shape);
    const filter = input(10, filterShape);
    await compare(
      `backprop filter ${strides} ${pad}`,
      [x, dy],
      (xs, dys) =>
        tf.engine().runKernel("Conv2DBackpropFilter", { x: xs, dy: dys }, {
          strides,
          pad,
          dataFormat: "NHWC",
          filterShape,
        }) as tf.Tensor,
    );
    await compare(
      `backprop input ${strides} ${pad}`,
      [dy, filter],
      (dys, f) =>
        tf.engine().runKernel("Conv2DBackpropInput", { dy: dys, filter: f }, {
          strides,
          pad,
          dataFormat: "NHWC",
          inputShape: x.shape,
        }) as tf.Tensor,
    );
  }
});

Deno.test("gradients of a conv + dense net agree between wasm and cpu", async () => {
  const loss = (x: tf.Tensor, f: tf.Tensor, w: tf.Tensor) =>
    tf.sum(tf.tanh(tf.matMul(
      tf.reshape(tf.leakyRelu(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, "same"), 0.1), [
        2,
        -1,
      ]),
      w,
    )));
  await compare(
    "grads",
    [input(11, [2, 12, 12, 1]), input(12, [3, 3, 1, 8], 0.3), input(13, [12 * 12 * 8, 300], 0.05)],
    (x, f, w) => {
      const g = tf.grads(loss)([x, f, w]);
      return g;
    },
    1e-4,
  );
});

Deno.test("sampleBilinear: exact on a linear ramp, border or zero outside, same on cpu and wasm", async () => {
  // image(col, row) = 3·col − 2·row + 1 (+10 in the second image) on a 5 x 6 (H x W) grid:
  // bilinear sampling reproduces it exactly inside.
  const [h, w] = [5, 6];
  const ramp = (col: number, row: number, b: number) => 3 * col - 2 * row + 1 + 10 * b;
  const image = Float32Array.from({ length: 2 * h * w }, (_, i) => {
    return ramp(i % w, Math.floor(i / w) % h, Math.floor(i / (h * w)));
  });
  const cols = Float32Array.from([0, 2.25, 4.5, 5, -3, 7, 0.5, 1.75]);
  const rows = Float32Array.from([0, 1.5, 3.75, 4, 1, 1, 0.5, 2.25]);
  for (const padding of ["zeros", "border"] as const) {
    const expected = Array.from(cols, (c, i) => {
      const b = Math.floor(i / 4);
      if (padding === "border") return ramp(Math.min(Math.max(c, 0), w - 1), rows[i], b);
      return c < 0 || c > w - 1 ? 0 : ramp(c, rows[i], b);
    });
    const { cpu, wasm } = await onBoth(
      [{ shape: [2, h, w], data: image }, { shape: [2, 4], data: cols }, {
        shape: [2, 4],
        data: rows,
      }],
      (im, c, r) =>
        sampleBilinear(im as tf.Tensor3D, c as tf.Tensor2D, r as tf.Tensor2D, { padding }),
    );
    for (let i = 0; i < expected.length; i++) {
      assertAlmostEquals(cpu[0][i], expected[i], 1e-4, `${padding} cpu [${i}]`);
      assertAlmostEquals(wasm[0][i], expected[i], 1e-4, `${padding} wasm [${i}]`);
    }
  }
});

for (const padding of ["zeros", "border"] as const) {
  Deno.test(`sampleBilinear gradients match finite differences (${padding})`, async () => {
    await tf.setBackend("wasm");
    const [b, h, w, p] = [2, 4, 5, 7];
    const image = randomArray(14, b * h * w);
    const random = new Random(15);
    // Points away from integer coordinates, some partly outside the image.
    const cols = Float32Array.from({ length: b * p }, () => random.uniform() * (w + 1) - 1 + 0.013);
    const rows = Float32Array.from({ length: b * p }, () => random.uniform() * (h + 1) - 1 + 0.017);
    const weights = randomArray(16, b * p);
    const f = (im: Float32Array, c: Float32Array, r: Float32Array) =>
      tf.tidy(() =>
        tf.sum(tf.mul(
          sampleBilinear(
            tf.tensor3d(im, [b, h, w]),
            tf.tensor2d(c, [b, p]),
            tf.tensor2d(r, [b, p]),
            {
              padding,
            },
          ),
          tf.tensor2d(weights, [b, p]),
        )).dataSync()[0]
      );
    const [gIm, gC, gR] = tf.grads((im: tf.Tensor, c: tf.Tensor, r: tf.Tensor) =>
      tf.sum(tf.mul(
        sampleBilinear(im as tf.Tensor3D, c as tf.Tensor2D, r as tf.Tensor2D, { padding }),
        tf.tensor2d(weights, [b, p]),
      ))
    )([tf.tensor3d(image, [b, h, w]), tf.tensor2d(cols, [b, p]), tf.tensor2d(rows, [b, p])])
      .map((t) => t.dataSync());
    const eps = 1e-3;
    const check = (analytic: ArrayLike<number>, which: 0 | 1 | 2, what: string) => {
      const args = [image, cols, rows];
      for (let i = 0; i < args[which].length; i++) {
        const plus = args.map((a) => a.slice()), minus = args.map((a) => a.slice());
        plus[which][i] += eps;
        minus[which][i] -= eps;
        const numeric = (f(plus[0], plus[1], plus[2]) - f(minus[0], minus[1], minus[2])) /
          (2 * eps);
        assertAlmostEquals(
          analytic[i],
          numeric,
          2e-2,
          `${what}[${i}]: ${analytic[i]} vs ${numeric}`,
        );
      }
    };
    check(gIm, 0, "d/dimage");
    check(gC, 1, "d/dcols");
    check(gR, 2, "d/drows");
  });
}

Deno.test("adamUpdate equals Adam written op by op, on cpu and wasm, over several steps", async () => {
  const [lr, beta1, beta2, epsilon] = [1e-2, 0.9, 0.999, 1e-8];
  const shape = [37, 5];
  for (const backend of ["cpu", "wasm"]) {
    await tf.setBackend(backend);
    let [p, m, v] = [tf.tensor(randomArray(18, 185), shape), tf.zeros(shape), tf.zeros(shape)];
    let [pRef, mRef, vRef] = [p.clone(), m.clone(), v.clone()];
    for (let step = 1; step <= 3; step++) {
      const g = tf.tensor(randomArray(19, 185), shape); // the same gradient every step
      const stepSize = lr / (1 - beta1 ** step);
      const rootCorrection2 = Math.sqrt(1 - beta2 ** step);
      [p, m, v] = adamUpdate(p, { m, v }, g, { stepSize, rootCorrection2, beta1, beta2, epsilon });
      mRef = tf.add(tf.mul(mRef, beta1), tf.mul(g, 1 - beta1));
      vRef = tf.add(tf.mul(vRef, beta2), tf.mul(tf.square(g), 1 - beta2));
      const denominator = tf.add(tf.div(tf.sqrt(vRef), rootCorrection2), epsilon);
      pRef = tf.sub(pRef, tf.mul(tf.div(mRef, denominator), stepSize));
    }
    for (const [a, b, what] of [[p, pRef, "param"], [m, mRef, "m"], [v, vRef, "v"]] as const) {
      assertClose(
        a.dataSync() as Float32Array,
        b.dataSync() as Float32Array,
        1e-6,
        `${backend} ${what}`,
      );
    }
    // With a constant gradient each step moves every parameter by about lr (Adam is scale-free).
    const moved = tf.sub(p, tf.tensor(randomArray(18, 185), shape)).dataSync();
    assert(moved.every((d) => Math.abs(d) > 2.9 * lr && Math.abs(d) < 3.01 * lr), "3 steps of lr");
  }
  await tf.setBackend("wasm");
});
