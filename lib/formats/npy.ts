/**
 * NumPy `.npy` encoding and decoding (format versions 1 to 3), pure: bytes in,
 * arrays out. Decoding accepts every numeric dtype, either byte order, and C
 * or Fortran order; encoding writes v1, little-endian float32, C order (the
 * format of every array ferrovae writes) or any other typed array kind.
 *
 * @module
 */

import { FormatError } from "../errors.ts";

/** A decoded n-dimensional array, values converted to float64 in C order. */
export interface NpyArray {
  /** Values in C (row-major) order. */
  data: Float64Array;
  /** Dimensions, outermost first. */
  shape: number[];
  /** NumPy dtype descriptor as stored, e.g. `<f4`. */
  dtype: string;
}

/** Typed arrays that {@linkcode encodeNpy} can write. */
export type NumericArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** Refuse headers that declare more than this many elements before allocating. */
export const MAX_NPY_ELEMENTS = 1 << 30;

function descrFor(array: NumericArray): string {
  if (array instanceof Float32Array) return "<f4";
  if (array instanceof Float64Array) return "<f8";
  if (array instanceof Int8Array) return "|i1";
  if (array instanceof Uint8Array) return "|u1";
  if (array instanceof Int16Array) return "<i2";
  if (array instanceof Uint16Array) return "<u2";
  if (array instanceof Int32Array) return "<i4";
  return "<u4";
}

/**
 * Encode `array` with `shape` as an `.npy` v1 file (little-endian, C order).
 *
 * @example
 * ```ts
 * import { decodeNpy, encodeNpy } from "./mod.ts";
 * const back = decodeNpy(encodeNpy(Float32Array.from([0.5, 1.5]), [2]));
 * if (back.dtype !== "<f4" || back.data[1] !== 1.5) throw new Error();
 * ```
 */
export function encodeNpy(array: NumericArray, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== array.length) {
    throw new RangeError(`shape ${shape.join("x")} does not hold ${array.length} values`);
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${descrFor(array)}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + header.length + 1;
  header += " ".repeat((64 - (unpadded % 64)) % 64) + "\n";
  const out = new Uint8Array(10 + header.length + array.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  // Typed arrays are little-endian on every platform Deno runs on.
  out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), 10 + header.length);
  return out;
}

interface Header {
  descr: string;
  fortran: boolean;
  shape: number[];
}

function parseHeader(text: string, name: string): Header {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new FormatError(name, "NPY header is missing descr, fortran_order or shape");
  }
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s.length > 0).map(
    (s) => {
      const n = Number(s.replace(/L$/, ""));
      if (!Number.isSafeInteger(n) || n < 0) {
        throw new FormatError(name, `NPY shape has a bad dimension "${s}"`);
      }
      return n;
    },
  );
  return { descr, fortran: fortran === "True", shape };
}

type Reader = (view: DataView, offset: number, little: boolean) => number;

function readerFor(kind: string, size: number, name: string, descr: string): Reader {
  const key = `${kind}${size}`;
  const readers: Record<string, Reader> = {
    b1: (v, o) => v.getUint8(o),
    i1: (v, o) => v.getInt8(o),
    u1: (v, o) => v.getUint8(o),
    i2: (v, o, l) => v.getInt16(o, l),
    u2: (v, o, l) => v.getUint16(o, l),
    i4: (v, o, l) => v.getInt32(o, l),
    u4: (v, o, l) => v.getUint32(o, l),
    i8: (v, o, l) => Number(v.getBigInt64(o, l)),
    u8: (v, o, l) => Number(v.getBigUint64(o, l)),
    f2: (v, o, l) => halfToFloat(v.getUint16(o, l)),
    f4: (v, o, l) => v.getFloat32(o, l),
    f8: (v, o, l) => v.getFloat64(o, l),
  };
  const reader = readers[key];
  if (!reader) throw new FormatError(name, `unsupported NPY dtype "${descr}"`);
  return reader;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** What an `.npy` header says: enough to find any element's bytes. */
export interface NpyHeader {
  /** Dimensions, outermost first. */
  shape: number[];
  /** NumPy dtype descriptor as stored, e.g. `<f4`. */
  dtype: string;
  /** True when stored in Fortran order (first index fastest). */
  fortran: boolean;
  /** True for little-endian (or single-byte) elements. */
  littleEndian: boolean;
  /** Kind letter of the dtype: b, i, u or f. */
  kind: string;
  /** Bytes per element. */
  itemBytes: number;
  /** Byte offset of the first element. */
  dataStart: number;
}

/**
 * The most header bytes an `.npy` file can have before its data: a version 1
 * header length is 16-bit, so reading this many bytes is enough for any v1
 * header (v2/v3 state a 32-bit length; see {@linkcode decodeNpyHeader}).
 */
export const NPY_V1_MAX_HEADER = 10 + 0xffff;

/**
 * Parse the header of an `.npy` file from its first bytes (at least the
 * header; the data may be absent). `fileBytes` (default `bytes.length`) is
 * the file's full size, checked against the data the header declares.
 */
export function decodeNpyHeader(
  bytes: Uint8Array,
  name = "array.npy",
  fileBytes: number = bytes.length,
): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new FormatError(name, "not a NumPy .npy file (bad magic number)");
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new FormatError(name, "truncated NPY header");
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new FormatError(name, `unsupported NPY version ${major}`);
  }
  if (headerStart + headerLength > bytes.length) {
    throw new FormatError(name, "truncated NPY header");
  }
  const headerText = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(
    bytes.subarray(headerStart, headerStart + headerLength),
  );
  const header = parseHeader(headerText, name);
  const match = /^([<>|=])?([biuf])(\d+)$/.exec(header.descr);
  if (!match) throw new FormatError(name, `unsupported NPY dtype "${header.descr}"`);
  const size = Number(match[3]);
  readerFor(match[2], size, name, header.descr);
  const count = header.shape.reduce((a, b) => a * b, 1);
  if (count > MAX_NPY_ELEMENTS) {
    throw new FormatError(name, `NPY header declares ${count} values, more than ferrovae reads`);
  }
  const dataStart = headerStart + headerLength;
  if (dataStart + count * size > fileBytes) {
    throw new FormatError(
      name,
      `truncated NPY data: header declares ${count * size} bytes, file holds ${
        fileBytes - dataStart
      }`,
    );
  }
  return {
    shape: header.shape,
    dtype: header.descr,
    fortran: header.fortran,
    littleEndian: match[1] !== ">",
    kind: match[2],
    itemBytes: size,
    dataStart,
  };
}

/**
 * Decode `count` elements of an `.npy` file's data, C order, from `bytes`
 * (which start at the first of them) as float64.
 */
export function decodeNpyElements(
  bytes: Uint8Array,
  header: NpyHeader,
  count: number,
  name = "array.npy",
): Float64Array {
  const read = readerFor(header.kind, header.itemBytes, name, header.dtype);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = read(view, i * header.itemBytes, header.littleEndian);
  return out;
}

/**
 * Decode an `.npy` file; `name` is used in error messages.
 *
 * @example
 * ```ts
 * import { decodeNpy, encodeNpy } from "./mod.ts";
 * const { shape } = decodeNpy(encodeNpy(new Int32Array(12), [3, 4]), "labels.npy");
 * if (shape.join(",") !== "3,4") throw new Error();
 * ```
 */
export function decodeNpy(bytes: Uint8Array, name = "array.npy"): NpyArray {
  const h = decodeNpyHeader(bytes, name);
  const header = { descr: h.dtype, fortran: h.fortran, shape: h.shape };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = h.littleEndian;
  const size = h.itemBytes;
  const read = readerFor(h.kind, size, name, h.dtype);
  const count = h.shape.reduce((a, b) => a * b, 1);
  const dataStart = h.dataStart;
  const data = new Float64Array(count);
  if (!header.fortran || header.shape.length < 2) {
    for (let i = 0; i < count; i++) data[i] = read(view, dataStart + i * size, little);
  } else {
    // Fortran order: the first index varies fastest; reorder to C order.
    const shape = header.shape;
    const nd = shape.length;
    const cStrides = new Array<number>(nd);
    cStrides[nd - 1] = 1;
    for (let d = nd - 2; d >= 0; d--) cStrides[d] = cStrides[d + 1] * shape[d + 1];
    const index = new Array<number>(nd).fill(0);
    for (let f = 0; f < count; f++) {
      let c = 0;
      for (let d = 0; d < nd; d++) c += index[d] * cStrides[d];
      data[c] = read(view, dataStart + f * size, little);
      for (let d = 0; d < nd; d++) {
        if (++index[d] < shape[d]) break;
        index[d] = 0;
      }
    }
  }
  return { data, shape: header.shape, dtype: header.descr };
}
