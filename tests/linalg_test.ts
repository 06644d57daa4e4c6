import { assert, assertAlmostEquals, assertEquals } from "./assert.ts";
import { cholesky, invertLower, orthonormalize } from "../lib/linalg/dense.ts";
import { Workspace } from "../lib/linalg/workspace.ts";
import { Random } from "../lib/random.ts";

function randomArray(length: number, seed: number): Float32Array {
  const r = new Random(seed);
  return Float32Array.from({ length }, () => r.normal());
}

// Shapes that exercise every padding path: odd rows, columns that are not
// multiples of 4 or 16, a single row.
const SHAPES: [number, number, number][] = [[1, 1, 1], [7, 5, 3], [33, 19, 37], [64, 8, 48]];

function checkProducts(ws: Workspace): void {
  for (const [n, m, d] of SHAPES) {
    const a = randomArray(n * d, n + d);
    const b = randomArray(m * d, m + 7);
    const mark = ws.mark();
    const am = ws.upload(a, n, d);
    const bm = ws.upload(b, m, d);
    const nt = ws.read(ws.productNT(am, bm));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let t = 0; t < d; t++) s += a[i * d + t] * b[j * d + t];
        assertAlmostEquals(
          nt[i * m + j],
          s,
          1e-4 * (1 + Math.abs(s)),
          `NT ${n}x${m}x${d} (${i},${j})`,
        );
      }
    }
    // Wᵀ·A with W = the n x m product just computed.
    const w = ws.upload(nt, n, m);
    const tn = ws.read(ws.productTN(w, am));
    for (let j = 0; j < m; j++) {
      for (let t = 0; t < d; t++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += nt[i * m + j] * a[i * d + t];
        assertAlmostEquals(tn[j * d + t], s, 1e-4 * (1 + Math.abs(s)), `TN ${n}x${m}x${d}`);
      }
    }
    ws.release(mark);
  }
}

Deno.test("kernels: A·Bᵀ and Wᵀ·A equal the naive sums for padded shapes", () => {
  checkProducts(Workspace.single());
});

Deno.test("kernels: two threads give the same products as one", async () => {
  const ws = await Workspace.create({ threads: 2 });
  try {
    checkProducts(ws);
    // Large enough that the work is really split between the threads.
    const n = 130, d = 96, m = 12;
    const a = randomArray(n * d, 1), b = randomArray(m * d, 2);
    const single = Workspace.single();
    const expected = single.read(single.productNT(single.upload(a, n, d), single.upload(b, m, d)));
    const got = ws.read(ws.productNT(ws.upload(a, n, d), ws.upload(b, m, d)));
    assertEquals(Array.from(got), Array.from(expected));
  } finally {
    ws.close();
  }
});

Deno.test("kernels: scatterAdd sums the rows of each cluster, skipping -1", () => {
  const ws = Workspace.single();
  const n = 9, d = 20;
  const x = randomArray(n * d, 3);
  const xm = ws.upload(x, n, d);
  const labels = [0, 2, 1, -1, 2, 0, 1, 1, 2]; // one clustering, r = 1
  const rows = ws.matrix(n, 1, 1);
  ws.intView(rows).set(labels);
  const sums = ws.matrix(3, d, xm.stride);
  ws.scatterAdd(xm, rows, 1, sums);
  const got = ws.read(sums);
  for (let j = 0; j < 3; j++) {
    for (let t = 0; t < d; t++) {
      let s = 0;
      for (let i = 0; i < n; i++) if (labels[i] === j) s += x[i * d + t];
      assertAlmostEquals(got[j * d + t], s, 1e-5);
    }
  }
});

Deno.test("dense: Cholesky factor, triangular inverse, orthonormalisation", () => {
  const a = Float64Array.from([4, 2, 0.4, 2, 5, 1, 0.4, 1, 3]);
  const l = cholesky(a, 3)!;
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += l[i * 3 + k] * l[j * 3 + k];
      assertAlmostEquals(s, a[i * 3 + j], 1e-12);
    }
  }
  const inv = invertLower(l, 3);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += inv[i * 3 + k] * l[k * 3 + j];
      assertAlmostEquals(s, i === j ? 1 : 0, 1e-12);
    }
  }
  assertEquals(cholesky(Float64Array.from([1, 2, 2, 1]), 2), undefined);
  const v = Float64Array.from([1, 1, 0, 2, 2, 0, 0, 1, 1]); // second is parallel to the first
  assertEquals(orthonormalize(v, 3, 3), 2);
  assert(v.subarray(3, 6).every((t) => t === 0));
  assertAlmostEquals(v[0] * v[6] + v[1] * v[7] + v[2] * v[8], 0, 1e-12);
});

Deno.test("kernels: row ranges and accumulation compose to the whole product", () => {
  const ws = Workspace.single();
  const n = 150, d = 40, m = 6;
  const xm = ws.upload(randomArray(n * d, 8), n, d);
  const bm = ws.upload(randomArray(m * d, 9), m, d);
  const y = ws.matrix(n, m);
  const whole = ws.productTN(ws.productNT(xm, bm), xm);
  const blocked = ws.matrix(m, d, xm.stride);
  for (let first = 0; first < n; first += 32) {
    const count = Math.min(32, n - first);
    ws.productNTInto(xm, bm, y, { first, count });
    ws.productTNInto(y, xm, blocked, { first, count, accumulate: first > 0 });
  }
  const a = ws.read(whole), b = ws.read(blocked);
  for (let t = 0; t < a.length; t++) assertAlmostEquals(b[t], a[t], 1e-4 * (1 + Math.abs(a[t])));
});

Deno.test("kernels: row squared norms and column sums", () => {
  const ws = Workspace.single();
  const n = 37, d = 21;
  const x = randomArray(n * d, 11);
  const xm = ws.upload(x, n, d);
  const norms = ws.rowSquaredNorms(xm);
  const sums = ws.columnSums(xm);
  assertEquals(norms.length, n);
  assertEquals(sums.length, d);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += x[i * d + c] ** 2;
    assertAlmostEquals(norms[i], s, 1e-5 * s);
  }
  for (let c = 0; c < d; c++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i * d + c];
    assertAlmostEquals(sums[c], s, 1e-5 * (1 + Math.abs(s)));
  }
});
