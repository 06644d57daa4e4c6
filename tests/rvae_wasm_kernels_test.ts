// ferrovae's own wasm products (lib/rvae/kernels/wasm_gemm.ts) against
// float64 loops and tfjs's stock kernels, on random shapes with odd sizes
// and batch 1, every transpose, and the three convolution products.

import { tf } from "../lib/deps.ts";
import { Random } from "../lib/random.ts";
import { initBackend } from "../lib/rvae/backend.ts";
import { installKernels } from "../lib/rvae/kernels/register.ts";
import { WASM_GEMM_KERNELS } from "../lib/rvae/kernels/wasm_gemm.ts";
import { hasRelaxedSimd } from "../lib/linalg/gemm_kernels.ts";
import { GemmKernels } from "../lib/linalg/gemm.ts";
import { assert, assertEquals } from "./assert.ts";

await initBackend({ backend: "wasm" });

function randomArray(random: Random, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => random.normal());
}

/** Max over elements of |got − want| / (Σ|terms| + 1e-6): float32 rounding is ~1e-7 per term. */
function assertClose(got: Float32Array, want: Float64Array, scale: Float64Array, label: string) {
  assertEquals(got.length, want.length, `${label}: length`);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / (scale[i] + 1e-6));
  }
  assert(worst < 2e-6, `${label}: relative error ${worst}`);
}

/** C = A·B in float64 for A [m, k], B [k, n] (row-major), and Σ|a||b| per element. */
function reference(a: Float32Array, b: Float32Array, m: number, k: number, n: number) {
  const c = new Float64Array(m * n), s = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let q = 0; q < k; q++) {
      const x = a[i * k + q];
      for (let j = 0; j < n; j++) {
        c[i * n + j] += x * b[q * n + j];
        s[i * n + j] += Math.abs(x * b[q * n + j]);
      }
    }
  }
  return { c, s };
}

function transpose(x: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(x.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = x[i * cols + j];
  return t;
}

Deno.test("relaxed SIMD is found in Deno's V8; the mul + add fallback gives the same products", () => {
  assert(hasRelaxedSimd(), "Deno 2.9's V8 validates f32x4.relaxed_madd");
  const random = new Random(10);
  const [m, k, n] = [13, 21, 11];
  const a = randomArray(random, m * k), b = randomArray(random, k * n);
  const want = reference(a, b, m, k, n);
  for (const fma of [true, false]) {
    const memory = new WebAssembly.Memory({ initial: 16, maximum: 65536 });
    const kernels = GemmKernels.on(memory, { fma });
    assertEquals(kernels.fma, fma);
    const f32 = new Float32Array(memory.buffer), i32 = new Int32Array(memory.buffer);
    const [pa, pb, pc, tables, scratch] = [1024, 4096, 8192, 12288, 16384];
    f32.set(a, pa / 4);
    f32.set(b, pb / 4);
    const aRows = tables, aK = aRows + 4 * m, bCols = aK + 4 * k, bK = bCols + 4 * n;
    for (let r = 0; r < m; r++) i32[aRows / 4 + r] = 4 * r * k;
    for (let q = 0; q < k; q++) i32[aK / 4 + q] = 4 * q;
    for (let j = 0; j < n; j++) i32[bCols / 4 + j] = 4 * j;
    for (let q = 0; q < k; q++) i32[bK / 4 + q] = 4 * q * n;
    kernels.run(
      { base: pa, rowTable: aRows, kTable: aK },
      { base: pb, rowTable: bCols, kTable: bK },
      { m, n, k, c: pc, ldc: 4 * n, accumulate: false },
      scratch,
    );
    assertClose(f32.slice(pc / 4, pc / 4 + m * n), want.c, want.s, `fma ${fma}`);
  }
});

Deno.test("matMul: every transpose, odd and tiny shapes, batch 1 and broadcast batches", () => {
  const random = new Random(11);
  const shapes = [[1, 300, 17], [7, 33, 9], [37, 41, 29], [100, 128, 128], [193, 257, 513], [
    6,
    1,
    2900,
  ], [2900, 3, 5]];
  for (const [m, k, n] of shapes) {
    const a = randomArray(random, m * k), b = randomArray(random, k * n);
    const want = reference(a, b, m, k, n);
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      const got = tf.tidy(() => {
        const at = ta ? tf.tensor2d(transpose(a, m, k), [k, m]) : tf.tensor2d(a, [m, k]);
        const bt = tb ? tf.tensor2d(transpose(b, k, n), [n, k]) : tf.tensor2d(b, [k, n]);
        return tf.matMul(at, bt, ta, tb).dataSync() as Float32Array;
      });
      assertClose(got, want.c, want.s, `[${m},${k}]x[${k},${n}] tA=${ta} tB=${tb}`);
    }
  }
  // Batched, with b broadcast over a's batch of 3 (and a batch of 1).
  for (const batch of [1, 3]) {
    const [m, k, n] = [23, 70, 31];
    const a = randomArray(random, batch * m * k), b = randomArray(random, k * n);
    const got = tf.tidy(() =>
      tf.matMul(tf.tensor3d(a, [batch, m, k]), tf.tensor3d(b, [1, k, n])).dataSync()
    ) as Float32Array;
    for (let i = 0; i < batch; i++) {
      const want = reference(a.subarray(i * m * k, (i + 1) * m * k), b, m, k, n);
      assertClose(got.subarray(i * m * n, (i + 1) * m * n), want.c, want.s, `batch ${i}/${batch}`);
    }
  }
});

Deno.test("matMul: same as the stock XNNPACK kernel within float32 rounding", () => {
  const random = new Random(12);
  const [m, k, n] = [301, 129, 67];
  const a = tf.tensor2d(randomArray(random, m * k), [m, k]);
  const b = tf.tensor2d(randomArray(random, k * n), [k, n]);
  const ours = tf.matMul(a, b);
  installKernels("wasm", WASM_GEMM_KERNELS, { enabled: false });
  let stock: tf.Tensor;
  try {
    stock = tf.matMul(a, b);
  } finally {
    installKernels("wasm", WASM_GEMM_KERNELS);
  }
  const want = reference(a.dataSync() as Float32Array, b.dataSync() as Float32Array, m, k, n);
  const s = stock.dataSync() as Float32Array;
  assertClose(ours.dataSync() as Float32Array, Float64Array.from(s), want.s, "ours vs stock");
  tf.dispose([a, b, ours, stock]);
});

interface ConvCase {
  n: number;
  h: number;
  w: number;
  cin: number;
  cout: number;
  f: number;
  stride: number;
  pad: "same" | "valid";
}

/** Direct convolution in float64 (NHWC, filter [f, f, cin, cout]) with tfjs's padding. */
function convReference(x: Float32Array, filter: Float32Array, c: ConvCase) {
  const info = tf.backend_util.computeConv2DInfo(
    [c.n, c.h, c.w, c.cin],
    [c.f, c.f, c.cin, c.cout],
    c.stride,
    1,
    c.pad,
  );
  const { outHeight: oh, outWidth: ow } = info;
  const { top, left } = info.padInfo;
  const y = new Float64Array(c.n * oh * ow * c.cout), s = new Float64Array(y.length);
  for (let b = 0; b < c.n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let i = 0; i < c.f; i++) {
          for (let j = 0; j < c.f; j++) {
            const iy = oy * c.stride + i - top, ix = ox * c.stride + j - left;
            if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
            for (let ci = 0; ci < c.cin; ci++) {
              const xv = x[((b * c.h + iy) * c.w + ix) * c.cin + ci];
              for (let o = 0; o < c.cout; o++) {
                const t = xv * filter[((i * c.f + j) * c.cin + ci) * c.cout + o];
                const at = ((b * oh + oy) * ow + ox) * c.cout + o;
                y[at] += t;
                s[at] += Math.abs(t);
              }
            }
          }
        }
      }
    }
  }
  return { y, s, oh, ow, top, left };
}

const CONV_CASES: ConvCase[] = [
  { n: 1, h: 19, w: 21, cin: 1, cout: 7, f: 3, stride: 1, pad: "same" },
  { n: 2, h: 12, w: 7, cin: 13, cout: 5, f: 3, stride: 1, pad: "same" },
  { n: 3, h: 10, w: 10, cin: 8, cout: 17, f: 3, stride: 1, pad: "valid" },
  { n: 1, h: 13, w: 9, cin: 6, cout: 9, f: 3, stride: 2, pad: "same" },
  { n: 2, h: 8, w: 8, cin: 16, cout: 16, f: 5, stride: 1, pad: "same" },
];

Deno.test("Conv2D forward and both gradients against direct float64 sums", () => {
  const random = new Random(13);
  for (const c of CONV_CASES) {
    const label = JSON.stringify(c);
    const x = randomArray(random, c.n * c.h * c.w * c.cin);
    const filter = randomArray(random, c.f * c.f * c.cin * c.cout);
    const ref = convReference(x, filter, c);
    const xt = tf.tensor4d(x, [c.n, c.h, c.w, c.cin]);
    const ft = tf.tensor4d(filter, [c.f, c.f, c.cin, c.cout]);
    const y = tf.conv2d(xt, ft, c.stride, c.pad);
    assertClose(y.dataSync() as Float32Array, ref.y, ref.s, `forward ${label}`);
    // Gradients of L = Σ y·g for a random g: dL/dx and dL/dfilter by direct sums.
    const g = randomArray(random, ref.y.length);
    const dx = new Float64Array(x.length), sx = new Float64Array(x.length);
    const df = new Float64Array(filter.length), sf = new Float64Array(filter.length);
    for (let b = 0; b < c.n; b++) {
      for (let oy = 0; oy < ref.oh; oy++) {
        for (let ox = 0; ox < ref.ow; ox++) {
          for (let i = 0; i < c.f; i++) {
            for (let j = 0; j < c.f; j++) {
              const iy = oy * c.stride + i - ref.top, ix = ox * c.stride + j - ref.left;
              if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
              for (let ci = 0; ci < c.cin; ci++) {
                const xi = ((b * c.h + iy) * c.w + ix) * c.cin + ci;
                for (let o = 0; o < c.cout; o++) {
                  const gi = g[((b * ref.oh + oy) * ref.ow + ox) * c.cout + o];
                  const fi = ((i * c.f + j) * c.cin + ci) * c.cout + o;
                  dx[xi] += gi * filter[fi];
                  sx[xi] += Math.abs(gi * filter[fi]);
                  df[fi] += gi * x[xi];
                  sf[fi] += Math.abs(gi * x[xi]);
                }
              }
            }
          }
        }
      }
    }
    const dy = tf.tensor4d(g, y.shape as [number, number, number, number]);
    const attrs = { strides: c.stride, pad: c.pad, dataFormat: "NHWC" };
    const gotDx = tf.engine().runKernel("Conv2DBackpropInput", { dy, filter: ft }, {
      ...attrs,
      inputShape: xt.shape,
    }) as tf.Tensor;
    const gotDf = tf.engine().runKernel("Conv2DBackpropFilter", { x: xt, dy }, {
      ...attrs,
      filterShape: ft.shape,
    }) as tf.Tensor;
    assertEquals(gotDx.shape, xt.shape);
    assertEquals(gotDf.shape, ft.shape);
    assertClose(gotDx.dataSync() as Float32Array, dx, sx, `input gradient ${label}`);
    assertClose(gotDf.dataSync() as Float32Array, df, sf, `filter gradient ${label}`);
    tf.dispose([xt, ft, y, dy, gotDx, gotDf]);
  }
});

Deno.test("Concat on any axis and Sum over adjacent axes equal direct loops", () => {
  const random = new Random(14);
  for (const axis of [0, 1, 2]) {
    const shapes = [[3, 5, 7], [3, 5, 7], [3, 5, 7]].map((s, i) => {
      const t = s.slice();
      t[axis] = 1 + 2 * i; // 1, 3, 5 along the axis
      return t;
    });
    const parts = shapes.map((s) => randomArray(random, s.reduce((p, n) => p * n, 1)));
    const got = tf.tidy(() =>
      tf.concat(parts.map((p, i) => tf.tensor(p, shapes[i])), axis).dataSync()
    );
    // Independent check: element (i, j, k) of the result comes from the right part.
    const outShape = [3, 5, 7];
    outShape[axis] = 9;
    const index = [0, 0, 0];
    for (let flat = 0; flat < got.length; flat++) {
      index[0] = Math.floor(flat / (outShape[1] * outShape[2]));
      index[1] = Math.floor(flat / outShape[2]) % outShape[1];
      index[2] = flat % outShape[2];
      let along = index[axis], part = 0;
      while (along >= shapes[part][axis]) along -= shapes[part++][axis];
      const local = index.slice();
      local[axis] = along;
      const s = shapes[part];
      assertEquals(got[flat], parts[part][(local[0] * s[1] + local[1]) * s[2] + local[2]]);
    }
  }
  const shape = [4, 33, 17, 9];
  const x = randomArray(random, shape.reduce((p, n) => p * n, 1));
  for (const axes of [[0], [1], [1, 2], [0, 1, 2], [2], [3], [2, 3]]) {
    const got = tf.tidy(() => tf.sum(tf.tensor(x, shape), axes).dataSync()) as Float32Array;
    const kept = shape.map((n, i) => (axes.includes(i) ? 1 : n));
    const want = new Float64Array(got.length), scale = new Float64Array(got.length);
    for (let flat = 0; flat < x.length; flat++) {
      let rest = flat, out = 0, stride = 1;
      const idx = [0, 0, 0, 0];
      for (let d = 3; d >= 0; d--) {
        idx[d] = rest % shape[d];
        rest = Math.floor(rest / shape[d]);
      }
      for (let d = 3; d >= 0; d--) {
        if (kept[d] === 1 && axes.includes(d)) continue;
        out += idx[d] * stride;
        stride *= shape[d];
      }
      want[out] += x[flat];
      scale[out] += Math.abs(x[flat]);
    }
    assertClose(got, want, scale, `sum over ${axes}`);
  }
});
