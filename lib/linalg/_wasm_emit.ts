/**
 * A tiny WebAssembly binary emitter: just enough of the instruction set
 * (integer and float scalars, 128-bit SIMD, relaxed fused multiply-add,
 * structured loops) to write ferrovae's few numeric kernels in TypeScript,
 * with no build step and no binary blob in the repository. Modules import
 * their memory from `env.memory`, so several instances (one per worker) can
 * share one buffer.
 *
 * @module
 */

/** WebAssembly value types. */
export const I32 = 0x7f;
/** 32-bit float value type. */
export const F32 = 0x7d;
/** 64-bit float value type. */
export const F64 = 0x7c;
/** 128-bit SIMD value type. */
export const V128 = 0x7b;

function uleb(value: number, out: number[]): void {
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

function sleb(value: number, out: number[]): void {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

function name(text: string, out: number[]): void {
  const bytes = new TextEncoder().encode(text);
  uleb(bytes.length, out);
  out.push(...bytes);
}

/**
 * Emits one function body. Locals are numbered after the parameters; each
 * method appends one instruction (stack machine order) and returns `this`.
 */
export class FunctionEmitter {
  /** Instruction bytes, without the trailing `end`. */
  readonly code: number[] = [];
  /** Types of the declared (non-parameter) locals. */
  readonly localTypes: number[] = [];
  readonly #paramCount: number;

  /** Start a body for a function with `paramCount` parameters. */
  constructor(paramCount: number) {
    this.#paramCount = paramCount;
  }

  /** Declare a local of `type`; returns its index. */
  local(type: number): number {
    this.localTypes.push(type);
    return this.#paramCount + this.localTypes.length - 1;
  }

  /** `local.get`. */
  get(index: number): this {
    this.code.push(0x20);
    uleb(index, this.code);
    return this;
  }

  /** `local.set`. */
  set(index: number): this {
    this.code.push(0x21);
    uleb(index, this.code);
    return this;
  }

  /** `i32.const`. */
  i32(value: number): this {
    this.code.push(0x41);
    sleb(value, this.code);
    return this;
  }

  /** A plain opcode (see {@linkcode OP}). */
  op(code: number): this {
    this.code.push(code);
    return this;
  }

  /** A SIMD (0xfd-prefixed) opcode (see {@linkcode SIMD}). */
  simd(code: number): this {
    this.code.push(0xfd);
    uleb(code, this.code);
    return this;
  }

  /** A memory access: `opcode` (plain, or SIMD when `simd`) with alignment log2 and offset. */
  mem(code: number, alignLog2: number, offset = 0, simd = false): this {
    if (simd) this.simd(code);
    else this.code.push(code);
    uleb(alignLog2, this.code);
    uleb(offset, this.code);
    return this;
  }

  /** A SIMD lane instruction (extract/replace) with its lane index. */
  lane(code: number, laneIndex: number): this {
    this.simd(code);
    this.code.push(laneIndex);
    return this;
  }

  /** `v128.const 0`. */
  zero128(): this {
    this.simd(SIMD.v128Const);
    for (let i = 0; i < 16; i++) this.code.push(0);
    return this;
  }

  /** `local.set index` of a zero v128 for each index. */
  zeroLocals(indices: readonly number[]): this {
    for (const index of indices) this.zero128().set(index);
    return this;
  }

  /**
   * `for (counter = start; counter < end; counter += step) body()` with
   * unsigned comparison; `start` pushes the initial value, `end` is a local.
   */
  forLoop(counter: number, start: () => void, end: number, step: number, body: () => void): this {
    start();
    this.set(counter);
    this.code.push(0x02, 0x40, 0x03, 0x40); // block, loop
    this.get(counter).get(end).op(OP.i32GeU);
    this.code.push(0x0d, 1); // br_if to the block's end
    body();
    this.get(counter).i32(step).op(OP.i32Add).set(counter);
    this.code.push(0x0c, 0, 0x0b, 0x0b); // br loop, end loop, end block
    return this;
  }

  /** `if (condition) then() else otherwise()`; `condition` pushes an i32. */
  ifElse(condition: () => void, then: () => void, otherwise: () => void): this {
    condition();
    this.code.push(0x04, 0x40);
    then();
    this.code.push(0x05);
    otherwise();
    this.code.push(0x0b);
    return this;
  }

  /** `local = min(a, b)` for unsigned i32 locals `a` and `b`. */
  minU(index: number, a: number, b: number): this {
    return this.get(a).get(b).get(a).get(b).op(OP.i32LtU).op(OP.select).set(index);
  }

  /** `local = local + delta` (i32). */
  addTo(index: number, delta: number): this {
    return this.get(index).i32(delta).op(OP.i32Add).set(index);
  }

  /** `local = local + other` (i32 locals). */
  addLocal(index: number, other: number): this {
    return this.get(index).get(other).op(OP.i32Add).set(index);
  }
}

/** The plain opcodes the kernels use. */
export const OP = {
  i32Load: 0x28,
  f32Load: 0x2a,
  f32Store: 0x38,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32Or: 0x72,
  i32Shl: 0x74,
  i32Eqz: 0x45,
  i32LtU: 0x49,
  i32GeS: 0x4e,
  i32GeU: 0x4f,
  select: 0x1b,
  f32Add: 0x92,
  f32Mul: 0x94,
} as const;

/** The SIMD opcodes the kernels use (after the 0xfd prefix). */
export const SIMD = {
  v128Load: 0x00,
  v128Load32Splat: 0x09,
  v128Store: 0x0b,
  v128Const: 0x0c,
  f32x4ExtractLane: 0x1f,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f32x4RelaxedMadd: 0x105,
} as const;

/** One exported function of a module. */
export interface FunctionSpec {
  /** Export name. */
  name: string;
  /** Parameter types. */
  params: number[];
  /** Result types. */
  results: number[];
  /** Writes the body. */
  body: (e: FunctionEmitter) => void;
}

/**
 * Assemble a module that imports `env.memory` (shared when `shared`, with
 * `maximumPages` as its limit) and exports `functions`.
 */
export function assembleModule(
  functions: readonly FunctionSpec[],
  options: { shared: boolean; maximumPages: number },
): Uint8Array {
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const section = (id: number, body: number[]) => {
    out.push(id);
    uleb(body.length, out);
    out.push(...body);
  };
  const types: number[] = [];
  uleb(functions.length, types);
  for (const f of functions) {
    types.push(0x60);
    uleb(f.params.length, types);
    types.push(...f.params);
    uleb(f.results.length, types);
    types.push(...f.results);
  }
  section(1, types);
  const imports: number[] = [1];
  name("env", imports);
  name("memory", imports);
  imports.push(0x02, options.shared ? 0x03 : 0x01);
  uleb(1, imports);
  uleb(options.maximumPages, imports);
  section(2, imports);
  const funcs: number[] = [];
  uleb(functions.length, funcs);
  functions.forEach((_, i) => uleb(i, funcs));
  section(3, funcs);
  const exports: number[] = [];
  uleb(functions.length, exports);
  functions.forEach((f, i) => {
    name(f.name, exports);
    exports.push(0x00);
    uleb(i, exports);
  });
  section(7, exports);
  const codes: number[] = [];
  uleb(functions.length, codes);
  for (const f of functions) {
    const e = new FunctionEmitter(f.params.length);
    f.body(e);
    const body: number[] = [];
    uleb(e.localTypes.length, body);
    for (const type of e.localTypes) {
      body.push(1, type);
    }
    body.push(...e.code, 0x0b);
    uleb(body.length, codes);
    codes.push(...body);
  }
  section(10, codes);
  return new Uint8Array(out);
}
