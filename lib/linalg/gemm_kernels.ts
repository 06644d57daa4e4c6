/**
 * A general single-precision matrix product C (+)= A·B as WebAssembly SIMD,
 * in the GotoBLAS arrangement (Goto & van de Geijn 2008,
 * doi:10.1145/1356052.1356053): blocks of A and B are packed into
 * contiguous panels (here only B: A's rows are read in place, which measured
 * faster than packing them), and a register-tiled micro-kernel (MR x NR =
 * 6 x 8: twelve f32x4 accumulators, fused multiply-add when the runtime has
 * relaxed SIMD) streams them. 6 x 8 measured best of 4, 5, 6 and 8 rows (about
 * 80% of the FMA loop's peak on a 73,728 x 128 x 128 product, against 50-60%).
 *
 * Operands are addressed through offset tables: element (r, k) of A is read
 * at `base + rowTable[r] + kTable[k]` (byte offsets), and likewise B's
 * element (k, j) at `base + colTable[j] + kTable[k]`. One pair of tables
 * describes a plain or transposed matrix, and also the implicit im2col
 * matrix of a convolution over a zero-padded image (row = output pixel,
 * k = filter tap and channel), so that the three convolution products
 * (forward, input gradient, filter gradient) run on the same kernel with no
 * im2col copy.
 *
 * - `packB(dst, base, colTable, kTable, cols, kc)`: panels of NR columns,
 *   k-major, columns past `cols` zero-filled.
 * - `block(aBase, aRows, aK, bp, c, ldc, mc, nc, kc, accumulate, scratch)`:
 *   C[mc x nc] (row stride `ldc` bytes) = or += A · packed B.
 *
 * @module
 */

import { assembleModule, type FunctionEmitter, I32, OP, SIMD, V128 } from "./_wasm_emit.ts";

/** Register tile of the micro-kernel: rows of A (splatted) x floats of B (vectors). */
export const MR = 6;
/** Columns of the register tile (two f32x4 vectors). */
export const NR = 8;

/**
 * Whether the runtime validates relaxed SIMD (f32x4.relaxed_madd): checked
 * once on a tiny module, so that the kernels can fall back to mul + add.
 *
 * @example
 * ```ts
 * import { hasRelaxedSimd } from "./gemm_kernels.ts";
 * console.log(hasRelaxedSimd() ? "fused multiply-add" : "mul + add");
 * ```
 */
export function hasRelaxedSimd(): boolean {
  const bytes = assembleModule([{
    name: "f",
    params: [],
    results: [V128],
    body: (e) => e.zero128().zero128().zero128().simd(SIMD.f32x4RelaxedMadd),
  }], { shared: false, maximumPages: 1 });
  return WebAssembly.validate(bytes as BufferSource);
}

const F32_CONST = 0x43;

function f32Zero(e: FunctionEmitter): FunctionEmitter {
  e.code.push(F32_CONST, 0, 0, 0, 0);
  return e;
}

/** Pointer arithmetic: push `base + index * 4`. */
function addr4(e: FunctionEmitter, base: number, index: number): FunctionEmitter {
  return e.get(base).get(index).i32(2).op(OP.i32Shl).op(OP.i32Add);
}

// pack(dst, base, rowTable, kTable, rows, kc): dst[p][k][r] = src(p*W + r, k) for
// panels p of W rows; rows ≥ `rows` read 0.
function pack(width: number) {
  return (e: FunctionEmitter) => {
    const [dst, base, rowTable, kTable, rows, kc] = [0, 1, 2, 3, 4, 5];
    const p0 = e.local(I32);
    const k = e.local(I32);
    const r = e.local(I32);
    const kOff = e.local(I32);
    const rowEnd = e.local(I32);
    const offs = Array.from({ length: width }, () => e.local(I32));
    e.forLoop(p0, () => e.i32(0), rows, width, () => {
      e.ifElse(() => e.get(p0).i32(width).op(OP.i32Add).get(rows).op(0x4d /* i32.le_u */), () => {
        // A full panel: the row offsets (with base) in locals.
        for (let q = 0; q < width; q++) {
          addr4(e, rowTable, p0).mem(OP.i32Load, 2, 4 * q).get(base).op(OP.i32Add).set(offs[q]);
        }
        e.forLoop(k, () => e.i32(0), kc, 1, () => {
          addr4(e, kTable, k).mem(OP.i32Load, 2, 0).set(kOff);
          for (let q = 0; q < width; q++) {
            e.get(dst).get(offs[q]).get(kOff).op(OP.i32Add).mem(OP.f32Load, 2, 0)
              .mem(OP.f32Store, 2, 4 * q);
          }
          e.addTo(dst, 4 * width);
        });
      }, () => {
        // The last, partial panel.
        e.get(rows).get(p0).op(OP.i32Sub).set(rowEnd);
        e.forLoop(k, () => e.i32(0), kc, 1, () => {
          addr4(e, kTable, k).mem(OP.i32Load, 2, 0).get(base).op(OP.i32Add).set(kOff);
          e.forLoop(r, () => e.i32(0), rowEnd, 1, () => {
            e.get(dst).get(r).i32(2).op(OP.i32Shl).op(OP.i32Add);
            e.get(kOff);
            e.get(rowTable).get(p0).get(r).op(OP.i32Add).i32(2).op(OP.i32Shl).op(OP.i32Add)
              .mem(OP.i32Load, 2, 0);
            e.op(OP.i32Add).mem(OP.f32Load, 2, 0).mem(OP.f32Store, 2, 0);
          });
          e.forLoop(r, () => e.get(rowEnd), rowEndConst(e, width), 1, () => {
            e.get(dst).get(r).i32(2).op(OP.i32Shl).op(OP.i32Add);
            f32Zero(e).mem(OP.f32Store, 2, 0);
          });
          e.addTo(dst, 4 * width);
        });
      });
    });
  };
}

/** A local holding the constant `value` (forLoop compares with a local). */
function rowEndConst(e: FunctionEmitter, value: number): number {
  const local = e.local(I32);
  e.i32(value).set(local);
  return local;
}

// block(aBase, aRows, aK, bp, c, ldc, mc, nc, kc, accumulate, scratch): C (+)= A · Bp
// over an mc x nc block, A read in place (element (r, k) at aBase + aRows[r] + aK[k]),
// B packed; `scratch` holds MR x NR floats for the partial tiles at the edges.
function block(fma: boolean) {
  return (e: FunctionEmitter) => {
    const [aBase, aRows, aK, bp, c, ldc, mc, nc, kc, accumulate, scratch] = [
      0,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
      9,
      10,
    ];
    const jr = e.local(I32);
    const ir = e.local(I32);
    const k = e.local(I32);
    const pk = e.local(I32);
    const pb = e.local(I32);
    const ct = e.local(I32);
    const ldct = e.local(I32);
    const full = e.local(I32);
    const rows = e.local(I32);
    const cols = e.local(I32);
    const r = e.local(I32);
    const j = e.local(I32);
    const src = e.local(I32);
    const dst = e.local(I32);
    const panelB = e.local(I32);
    const kEnd = e.local(I32);
    const kOff = [e.local(I32), e.local(I32)];
    const rowPtr = Array.from({ length: MR }, () => e.local(I32));
    const nv = NR / 4;
    const b = Array.from({ length: nv }, () => e.local(V128));
    const s = e.local(V128);
    const acc = Array.from({ length: MR * nv }, () => e.local(V128));
    const nrConst = e.local(I32);
    const mrConst = e.local(I32);
    e.i32(NR).set(nrConst);
    e.i32(MR).set(mrConst);
    e.get(kc).i32(NR * 4).op(OP.i32Mul).set(panelB);
    // Copy between the scratch tile and C's valid part (rows x cols); toC picks the direction.
    const copyEdge = (toC: boolean) => {
      e.forLoop(r, () => e.i32(0), rows, 1, () => {
        e.forLoop(j, () => e.i32(0), cols, 1, () => {
          e.get(c).get(ir).get(r).op(OP.i32Add).get(ldc).op(OP.i32Mul).op(OP.i32Add)
            .get(jr).get(j).op(OP.i32Add).i32(2).op(OP.i32Shl).op(OP.i32Add).set(src);
          e.get(scratch).get(r).i32(NR * 4).op(OP.i32Mul).op(OP.i32Add)
            .get(j).i32(2).op(OP.i32Shl).op(OP.i32Add).set(dst);
          if (toC) e.get(src).get(dst).mem(OP.f32Load, 2, 0).mem(OP.f32Store, 2, 0);
          else e.get(dst).get(src).mem(OP.f32Load, 2, 0).mem(OP.f32Store, 2, 0);
        });
      });
    };
    // One k step (u-th of an unrolled pair): B's vectors, then each row's splat.
    const step = (u: number) => {
      e.get(pk).mem(OP.i32Load, 2, 4 * u).set(kOff[u]);
      for (let v = 0; v < nv; v++) {
        e.get(pb).mem(SIMD.v128Load, 4, 16 * v + NR * 4 * u, true).set(b[v]);
      }
      for (let q = 0; q < MR; q++) {
        e.get(rowPtr[q]).get(kOff[u]).op(OP.i32Add).mem(SIMD.v128Load32Splat, 2, 0, true).set(s);
        for (let v = 0; v < nv; v++) {
          const a = acc[q * nv + v];
          if (fma) e.get(s).get(b[v]).get(a).simd(SIMD.f32x4RelaxedMadd).set(a);
          else e.get(s).get(b[v]).simd(SIMD.f32x4Mul).get(a).simd(SIMD.f32x4Add).set(a);
        }
      }
    };
    e.forLoop(jr, () => e.i32(0), nc, NR, () => {
      e.get(nc).get(jr).op(OP.i32Sub).set(cols);
      e.minU(cols, cols, nrConst);
      e.forLoop(ir, () => e.i32(0), mc, MR, () => {
        e.get(mc).get(ir).op(OP.i32Sub).set(rows);
        e.minU(rows, rows, mrConst);
        e.get(rows).i32(MR).op(0x46 /* i32.eq */).get(cols).i32(NR).op(0x46).op(0x71 /* and */)
          .set(full);
        // Row pointers; rows past the block read row 0 (their results stay in scratch).
        for (let q = 0; q < MR; q++) {
          e.get(aBase);
          e.get(aRows).get(ir).i32(q).op(OP.i32Add).get(rows).i32(q).op(0x4b)
            .op(0x6c /* i32.mul: index or 0 */).i32(2).op(OP.i32Shl).op(OP.i32Add)
            .mem(OP.i32Load, 2, 0).op(OP.i32Add).set(rowPtr[q]);
        }
        e.ifElse(() => e.get(full), () => {
          e.get(c).get(ir).get(ldc).op(OP.i32Mul).op(OP.i32Add).get(jr).i32(2).op(OP.i32Shl)
            .op(OP.i32Add).set(ct);
          e.get(ldc).set(ldct);
        }, () => {
          e.get(scratch).set(ct);
          e.i32(NR * 4).set(ldct);
          // The scratch tile starts as C's valid part (or zeros).
          for (let q = 0; q < MR * nv; q++) {
            e.get(scratch).zero128().mem(SIMD.v128Store, 4, 16 * q, true);
          }
          e.ifElse(() => e.get(accumulate), () => copyEdge(false), () => {});
        });
        // Accumulators: C's tile, or zero.
        e.ifElse(() => e.get(accumulate).get(full).op(OP.i32Eqz).op(OP.i32Or), () => {
          e.get(ct).set(src);
          for (let q = 0; q < MR; q++) {
            for (let v = 0; v < nv; v++) {
              e.get(src).mem(SIMD.v128Load, 2, 16 * v, true).set(acc[q * nv + v]);
            }
            e.addLocal(src, ldct);
          }
        }, () => e.zeroLocals(acc));
        e.get(bp).get(jr).i32(NR).op(0x6e /* i32.div_u */).get(panelB).op(OP.i32Mul)
          .op(OP.i32Add).set(pb);
        e.get(aK).set(pk);
        // k in pairs, then the odd one.
        e.get(kc).i32(-2).op(0x71).set(kEnd);
        e.forLoop(k, () => e.i32(0), kEnd, 2, () => {
          step(0);
          step(1);
          e.addTo(pk, 8);
          e.addTo(pb, NR * 8);
        });
        e.ifElse(() => e.get(kEnd).get(kc).op(OP.i32LtU), () => step(0), () => {});
        e.get(ct).set(dst);
        for (let q = 0; q < MR; q++) {
          for (let v = 0; v < nv; v++) {
            e.get(dst).get(acc[q * nv + v]).mem(SIMD.v128Store, 2, 16 * v, true);
          }
          e.addLocal(dst, ldct);
        }
        e.ifElse(() => e.get(full), () => {}, () => copyEdge(true));
      });
    });
  };
}

/**
 * The module's bytes: `packB`, `block`; FMA when `fma` (relaxed SIMD).
 *
 * @example
 * ```ts
 * import { gemmModuleBytes } from "./gemm_kernels.ts";
 * const bytes = gemmModuleBytes({ fma: false, shared: false, maximumPages: 256 });
 * console.log(WebAssembly.validate(bytes as BufferSource));
 * ```
 */
export function gemmModuleBytes(
  options: { fma: boolean; shared: boolean; maximumPages: number },
): Uint8Array {
  const six = [I32, I32, I32, I32, I32, I32];
  return assembleModule([
    { name: "packB", params: six, results: [], body: pack(NR) },
    {
      name: "block",
      params: [...six, I32, I32, I32, I32, I32],
      results: [],
      body: block(options.fma),
    },
  ], { shared: options.shared, maximumPages: options.maximumPages });
}

/** The module's exported functions (pointers are byte offsets into the memory). */
export interface GemmExports {
  /** Pack `cols` x `kc` of Bᵀ into NR-column panels. */
  packB(
    dst: number,
    base: number,
    colTable: number,
    kTable: number,
    cols: number,
    kc: number,
  ): void;
  /** C (+)= A·Bp over an mc x nc block, A read through its tables (row stride of C `ldc` bytes). */
  block(
    aBase: number,
    aRows: number,
    aK: number,
    bp: number,
    c: number,
    ldc: number,
    mc: number,
    nc: number,
    kc: number,
    accumulate: number,
    scratch: number,
  ): void;
}
