/**
 * The two matrix-product kernels every baseline is built on, written as
 * WebAssembly SIMD (f32x4, fused multiply-add) with register blocking:
 *
 * - `gemmNT(a, b, c, n, m, d)`: C (n x m) = A (n x d) · B (m x d)ᵀ, the
 *   dot products of every row of A with every row of B (distances to
 *   centres, projections onto components, log-densities);
 * - `gemmTN(w, a, c, n, m, d)`: C (m x d) = W (n x m)ᵀ · A (n x d) (or
 *   C += Wᵀ·A), sums of
 *   the rows of A weighted by the columns of W (centroids, responsibilities,
 *   Xᵀ·Q in randomised SVD, NMF updates).
 *
 * - `rowSquares(x, out, d)`: the squared norm of every row of X.
 * - `scatterAdd(x, rows, c, n, d, r)`: C[rows[i·r + q]] += X[i] for every
 *   row i and q < r: the per-cluster sums of r clusterings in one pass.
 *
 * Pointers are byte offsets into the imported memory; all arrays are f32,
 * row-major; A and B rows are `d` floats apart, C rows `ldc` (gemmNT), W
 * rows `ldw` (gemmTN). Shapes must be padded by the caller: n even, m a
 * multiple of 4 and d of 4 for `gemmNT`; m even and d a multiple of 16 for
 * `gemmTN`. `rowBegin`/`rowEnd` let
 * several workers split the rows of A (gemmNT) or the columns of C (gemmTN).
 *
 * @module
 */

import { assembleModule, type FunctionEmitter, I32, OP, SIMD, V128 } from "./_wasm_emit.ts";

function loadV(e: FunctionEmitter, pointer: number, index: number, offset = 0): FunctionEmitter {
  return e.get(pointer).get(index).op(OP.i32Add).mem(SIMD.v128Load, 4, offset, true);
}

function madd(e: FunctionEmitter, x: number, y: number, acc: number): void {
  e.get(x).get(y).get(acc).simd(SIMD.f32x4RelaxedMadd).set(acc);
}

/** Horizontal sum of v128 local `v`, stored as f32 at `pointer + offset`. */
function storeLaneSum(e: FunctionEmitter, pointer: number, offset: number, v: number): void {
  e.get(pointer);
  e.get(v).lane(SIMD.f32x4ExtractLane, 0);
  e.get(v).lane(SIMD.f32x4ExtractLane, 1).op(OP.f32Add);
  e.get(v).lane(SIMD.f32x4ExtractLane, 2);
  e.get(v).lane(SIMD.f32x4ExtractLane, 3).op(OP.f32Add).op(OP.f32Add);
  e.mem(OP.f32Store, 2, offset);
}

// gemmNT(a, b, c, n, m, d, ldc, rowBegin, rowEnd): rows [rowBegin, rowEnd) of C = A·Bᵀ.
function gemmNT(e: FunctionEmitter): void {
  const [a, b, c, , m, d, ldc, rowBegin, rowEnd] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const rowBytes = e.local(I32);
  const i = e.local(I32);
  const j = e.local(I32);
  const t = e.local(I32);
  const pa0 = e.local(I32);
  const pa1 = e.local(I32);
  const pb = [e.local(I32), e.local(I32), e.local(I32), e.local(I32)];
  const pc = e.local(I32);
  const va0 = e.local(V128);
  const va1 = e.local(V128);
  const vb = e.local(V128);
  const acc = Array.from({ length: 8 }, () => e.local(V128));
  e.get(d).i32(2).op(OP.i32Shl).set(rowBytes);
  e.forLoop(i, () => e.get(rowBegin), rowEnd, 2, () => {
    e.get(a).get(i).get(rowBytes).op(OP.i32Mul).op(OP.i32Add).set(pa0);
    e.get(pa0).get(rowBytes).op(OP.i32Add).set(pa1);
    e.forLoop(j, () => e.i32(0), m, 4, () => {
      e.get(b).get(j).get(rowBytes).op(OP.i32Mul).op(OP.i32Add).set(pb[0]);
      for (let q = 1; q < 4; q++) e.get(pb[q - 1]).get(rowBytes).op(OP.i32Add).set(pb[q]);
      e.zeroLocals(acc);
      e.forLoop(t, () => e.i32(0), rowBytes, 16, () => {
        loadV(e, pa0, t).set(va0);
        loadV(e, pa1, t).set(va1);
        for (let q = 0; q < 4; q++) {
          loadV(e, pb[q], t).set(vb);
          madd(e, va0, vb, acc[q]);
          madd(e, va1, vb, acc[4 + q]);
        }
      });
      // pc = c + (i*ldc + j)*4
      e.get(c).get(i).get(ldc).op(OP.i32Mul).get(j).op(OP.i32Add).i32(2).op(OP.i32Shl)
        .op(OP.i32Add).set(pc);
      for (let q = 0; q < 4; q++) storeLaneSum(e, pc, 4 * q, acc[q]);
      e.get(pc).get(ldc).i32(2).op(OP.i32Shl).op(OP.i32Add).set(pc);
      for (let q = 0; q < 4; q++) storeLaneSum(e, pc, 4 * q, acc[4 + q]);
    });
  });
}

// gemmTN(w, a, c, n, m, d, ldw, accumulate, colBegin, colEnd): columns
// [colBegin, colEnd) of C = Wᵀ·A, or C += Wᵀ·A when `accumulate` is non-zero.
// Rows of A are taken in blocks of TN_ROW_BLOCK so that a block's pages stay
// in the TLB and its lines in L2 while every column chunk of C is updated.
function gemmTN(e: FunctionEmitter): void {
  const [w, a, c, n, m, d, ldw, accumulate, colBegin, colEnd] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const rowBytes = e.local(I32);
  const wRowBytes = e.local(I32);
  const tBegin = e.local(I32);
  const tEnd = e.local(I32);
  const i0 = e.local(I32);
  const iEnd = e.local(I32);
  const t = e.local(I32);
  const j = e.local(I32);
  const i = e.local(I32);
  const pa = e.local(I32);
  const pw = e.local(I32);
  const pc = e.local(I32);
  const ws0 = e.local(V128);
  const ws1 = e.local(V128);
  const va = e.local(V128);
  const acc = Array.from({ length: 8 }, () => e.local(V128));
  const cTile = (store: boolean) => {
    // pc = c + j*rowBytes + t; tile rows j and j+1, 16 floats each.
    e.get(c).get(j).get(rowBytes).op(OP.i32Mul).op(OP.i32Add).get(t).op(OP.i32Add).set(pc);
    for (let q = 0; q < 8; q++) {
      const offset = 16 * (q % 4);
      if (q === 4) e.addLocal(pc, rowBytes);
      if (store) e.get(pc).get(acc[q]).mem(SIMD.v128Store, 4, offset, true);
      else e.get(pc).mem(SIMD.v128Load, 4, offset, true).set(acc[q]);
    }
  };
  e.get(d).i32(2).op(OP.i32Shl).set(rowBytes);
  e.get(ldw).i32(2).op(OP.i32Shl).set(wRowBytes);
  e.get(colBegin).i32(2).op(OP.i32Shl).set(tBegin);
  e.get(colEnd).i32(2).op(OP.i32Shl).set(tEnd);
  e.forLoop(i0, () => e.i32(0), n, TN_ROW_BLOCK, () => {
    e.get(i0).i32(TN_ROW_BLOCK).op(OP.i32Add).set(iEnd);
    e.minU(iEnd, iEnd, n);
    e.forLoop(t, () => e.get(tBegin), tEnd, 64, () => {
      e.forLoop(j, () => e.i32(0), m, 2, () => {
        e.ifElse(
          () => e.get(i0).get(accumulate).op(OP.i32Or).op(OP.i32Eqz),
          () => e.zeroLocals(acc),
          () => cTile(false),
        );
        e.get(a).get(i0).get(rowBytes).op(OP.i32Mul).op(OP.i32Add).get(t).op(OP.i32Add).set(pa);
        e.get(w).get(i0).get(wRowBytes).op(OP.i32Mul).op(OP.i32Add)
          .get(j).i32(2).op(OP.i32Shl).op(OP.i32Add).set(pw);
        e.forLoop(i, () => e.get(i0), iEnd, 1, () => {
          e.get(pw).mem(SIMD.v128Load32Splat, 2, 0, true).set(ws0);
          e.get(pw).mem(SIMD.v128Load32Splat, 2, 4, true).set(ws1);
          for (let q = 0; q < 4; q++) {
            e.get(pa).mem(SIMD.v128Load, 4, 16 * q, true).set(va);
            madd(e, ws0, va, acc[q]);
            madd(e, ws1, va, acc[4 + q]);
          }
          e.addLocal(pa, rowBytes);
          e.addLocal(pw, wRowBytes);
        });
        cTile(true);
      });
    });
  });
}

const TN_ROW_BLOCK = 64;

// scatterAdd(x, rows, c, n, d, r, colBegin, colEnd): for every row i of X
// and q < r, C[rows[i*r + q]] += X[i] on columns [colBegin, colEnd)
// (negative row indices are skipped). Sums of the rows of each cluster, for
// r clusterings at once, without the k-fold waste of a one-hot product.
function scatterAdd(e: FunctionEmitter): void {
  const [x, rows, c, n, d, r, colBegin, colEnd] = [0, 1, 2, 3, 4, 5, 6, 7];
  const rowBytes = e.local(I32);
  const tBegin = e.local(I32);
  const tEnd = e.local(I32);
  const i = e.local(I32);
  const q = e.local(I32);
  const t = e.local(I32);
  const px = e.local(I32);
  const pr = e.local(I32);
  const pc = e.local(I32);
  const row = e.local(I32);
  e.get(d).i32(2).op(OP.i32Shl).set(rowBytes);
  e.get(colBegin).i32(2).op(OP.i32Shl).set(tBegin);
  e.get(colEnd).i32(2).op(OP.i32Shl).set(tEnd);
  e.get(rows).set(pr);
  e.forLoop(i, () => e.i32(0), n, 1, () => {
    e.get(x).get(i).get(rowBytes).op(OP.i32Mul).op(OP.i32Add).set(px);
    e.forLoop(q, () => e.i32(0), r, 1, () => {
      e.get(pr).mem(OP.i32Load, 2, 0).set(row);
      e.addTo(pr, 4);
      e.ifElse(() => e.get(row).i32(0).op(OP.i32GeS), () => {
        e.get(c).get(row).get(rowBytes).op(OP.i32Mul).op(OP.i32Add).set(pc);
        e.forLoop(t, () => e.get(tBegin), tEnd, 64, () => {
          for (let u = 0; u < 4; u++) {
            e.get(pc).get(t).op(OP.i32Add);
            loadV(e, pc, t, 16 * u);
            loadV(e, px, t, 16 * u);
            e.simd(SIMD.f32x4Add).mem(SIMD.v128Store, 4, 16 * u, true);
          }
        });
      }, () => {});
    });
  });
}

// rowSquares(x, out, d, rowBegin, rowEnd): out[i] = Σ_t X[i, t]² (f32) for
// rows [rowBegin, rowEnd); d a multiple of 16.
function rowSquares(e: FunctionEmitter): void {
  const [x, out, d, rowBegin, rowEnd] = [0, 1, 2, 3, 4];
  const rowBytes = e.local(I32);
  const i = e.local(I32);
  const t = e.local(I32);
  const px = e.local(I32);
  const va = e.local(V128);
  const acc = Array.from({ length: 4 }, () => e.local(V128));
  e.get(d).i32(2).op(OP.i32Shl).set(rowBytes);
  e.forLoop(i, () => e.get(rowBegin), rowEnd, 1, () => {
    e.get(x).get(i).get(rowBytes).op(OP.i32Mul).op(OP.i32Add).set(px);
    e.zeroLocals(acc);
    e.forLoop(t, () => e.i32(0), rowBytes, 64, () => {
      for (let q = 0; q < 4; q++) {
        loadV(e, px, t, 16 * q).set(va);
        madd(e, va, va, acc[q]);
      }
    });
    e.get(acc[0]).get(acc[1]).simd(SIMD.f32x4Add).set(acc[0]);
    e.get(acc[2]).get(acc[3]).simd(SIMD.f32x4Add).set(acc[2]);
    e.get(acc[0]).get(acc[2]).simd(SIMD.f32x4Add).set(acc[0]);
    e.get(out).get(i).i32(2).op(OP.i32Shl).op(OP.i32Add).set(px);
    storeLaneSum(e, px, 0, acc[0]);
  });
}

const PARAMS9 = [I32, I32, I32, I32, I32, I32, I32, I32, I32];

/** The kernel module's bytes, for a memory of at most `maximumPages` 64 KiB pages. */
export function kernelModuleBytes(shared: boolean, maximumPages: number): Uint8Array {
  return assembleModule([
    { name: "gemmNT", params: PARAMS9, results: [], body: gemmNT },
    { name: "gemmTN", params: [...PARAMS9, I32], results: [], body: gemmTN },
    { name: "scatterAdd", params: PARAMS9.slice(1), results: [], body: scatterAdd },
    { name: "rowSquares", params: PARAMS9.slice(4), results: [], body: rowSquares },
  ], { shared, maximumPages });
}

/** The kernels' exported functions. */
export interface KernelExports {
  /** out[i] = Σ_t X[i, t]² for rows [rowBegin, rowEnd). */
  rowSquares(x: number, out: number, d: number, rowBegin: number, rowEnd: number): void;
  /** For each row i and q < r: C[rows[i*r+q]] += X[i] on columns [colBegin, colEnd). */
  scatterAdd(
    x: number,
    rows: number,
    c: number,
    n: number,
    d: number,
    r: number,
    colBegin: number,
    colEnd: number,
  ): void;
  /** C = A·Bᵀ for rows [rowBegin, rowEnd) of A; see the module notes for padding. */
  gemmNT(
    a: number,
    b: number,
    c: number,
    n: number,
    m: number,
    d: number,
    ldc: number,
    rowBegin: number,
    rowEnd: number,
  ): void;
  /** C = Wᵀ·A for columns [colBegin, colEnd) of C; see the module notes for padding. */
  gemmTN(
    w: number,
    a: number,
    c: number,
    n: number,
    m: number,
    d: number,
    ldw: number,
    accumulate: number,
    colBegin: number,
    colEnd: number,
  ): void;
}
