/**
 * Shared pieces of the image decoders: the pixel-count cap every decoder
 * checks before allocating, typed sample reading from raw bytes, colour to
 * luminance, and the description of one image inside a multi-image file.
 *
 * @module
 */

import { FormatError } from "../errors.ts";
import type { PixelSize } from "../image.ts";

/**
 * Refuse images with more pixels than this before allocating (2^28 pixels is
 * 1 GiB as float32, a 16k x 16k frame): a corrupt header cannot exhaust memory.
 */
export const MAX_IMAGE_PIXELS = 2 ** 28;

/** Numeric sample types the decoders read, named as NumPy names them. */
export type SampleType =
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "float32"
  | "float64"
  | "bool";

/** Bytes per sample of each {@linkcode SampleType}. */
export const SAMPLE_BYTES: Readonly<Record<SampleType, number>> = {
  int8: 1,
  uint8: 1,
  bool: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  int64: 8,
  uint64: 8,
  float64: 8,
};

/** Physical size of one step along an axis, as a file states it. */
export interface AxisCalibration {
  /** Size of one sample along the axis, in `unit`. */
  scale: number;
  /** Unit of `scale`; "" when the file gives none. */
  unit: string;
}

/** One image (or stack of frames) inside a file, as `listImages` reports it. */
export interface ImageEntry {
  /** What to pass as the `index` option to decode this image. */
  index: number;
  /** The name the file gives it (DM image name, HDF5 dataset path, TIFF page). */
  name: string;
  /** Dimensions, outermost first (NumPy order): `[height, width]` or `[frames, height, width]`. */
  shape: number[];
  /** Sample type as stored, in NumPy's names (`uint16`, `float32`, `complex64`, ...). */
  dtype: string;
  /** One calibration per axis of `shape`, in the same order. */
  calibration: AxisCalibration[];
  /** True for a preview image (a DM thumbnail), never chosen by default. */
  thumbnail: boolean;
  /** True for the image that decoding picks when no `index` is given. */
  isDefault: boolean;
}

/** Options every decoder accepts to choose what to read. */
export interface DecodeOptions {
  /** Which image of a multi-image file (see `listImages`); default: the largest 2-D data image. */
  index?: number;
  /** TIFF page (the same as `index` for TIFF); default 0. */
  page?: number;
  /** Frame of a 3-D stack; default 0. */
  frame?: number;
}

/**
 * The pixel size an image's x axis states: present when the file gives a unit
 * or a scale other than 1 (then with unit ""), absent for an uncalibrated axis.
 */
export function pixelSizeOf(axis: AxisCalibration): PixelSize | undefined {
  if (!(axis.scale > 0) || !Number.isFinite(axis.scale)) return undefined;
  if (axis.unit === "" && axis.scale === 1) return undefined;
  return { value: axis.scale, unit: axis.unit };
}

/** Throw a FormatError unless `width * height` is a sane image size for this reader. */
export function checkPixelCount(name: string, width: number, height: number): void {
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1) {
    throw new FormatError(name, `bad image size ${width} x ${height}`);
  }
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new FormatError(
      name,
      `image of ${width} x ${height} pixels is larger than ferrovae reads (${MAX_IMAGE_PIXELS})`,
    );
  }
}

/**
 * The most a deflate (zlib) stream expands: one 258-byte match per 2 bits
 * gives 1032 to 1. A header declaring more decoded bytes than this times its
 * compressed bytes lies, and is refused before anything is allocated for it.
 */
export const MAX_DEFLATE_RATIO = 1032;

/**
 * Throw a FormatError unless `declaredBytes` of decoded data can come from
 * `storedBytes` of data compressed at most `maxRatio` to 1 (1: stored as is).
 */
export function checkStoredSize(
  name: string,
  declaredBytes: number,
  storedBytes: number,
  options: { maxRatio?: number; what?: string } = {},
): void {
  const ratio = options.maxRatio ?? 1;
  if (declaredBytes > storedBytes * ratio) {
    const what = options.what ?? "image";
    throw new FormatError(
      name,
      `truncated or corrupt file: the ${what} needs ${declaredBytes} bytes, ` +
        `the file stores ${storedBytes}${ratio > 1 ? " compressed" : ""}`,
    );
  }
}

/** Throw a FormatError unless `option` (a frame, page or index) is within `[0, count)`. */
export function checkChoice(name: string, what: string, value: number, count: number): void {
  if (!Number.isInteger(value) || value < 0 || value >= count) {
    throw new FormatError(name, `${what} ${value} does not exist (the file has ${count})`);
  }
}

/**
 * Read `count` samples of `type` starting at byte `offset` of `bytes` as float32.
 * The caller has checked that the bytes exist.
 */
export function readSamples(
  bytes: Uint8Array,
  offset: number,
  count: number,
  type: SampleType,
  littleEndian: boolean,
): Float32Array {
  const size = SAMPLE_BYTES[type];
  const out = new Float32Array(count);
  if (littleEndian && type !== "int64" && type !== "uint64") {
    // One aligned copy, then a typed view: far faster than a DataView per sample.
    const copy = bytes.slice(offset, offset + count * size).buffer;
    const typed = {
      int8: () => new Int8Array(copy),
      uint8: () => new Uint8Array(copy),
      bool: () => new Uint8Array(copy),
      int16: () => new Int16Array(copy),
      uint16: () => new Uint16Array(copy),
      int32: () => new Int32Array(copy),
      uint32: () => new Uint32Array(copy),
      float32: () => new Float32Array(copy),
      float64: () => new Float64Array(copy),
    }[type]();
    out.set(typed);
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * size);
  const le = littleEndian;
  const get: (o: number) => number = {
    int8: (o: number) => view.getInt8(o),
    uint8: (o: number) => view.getUint8(o),
    bool: (o: number) => view.getUint8(o),
    int16: (o: number) => view.getInt16(o, le),
    uint16: (o: number) => view.getUint16(o, le),
    int32: (o: number) => view.getInt32(o, le),
    uint32: (o: number) => view.getUint32(o, le),
    int64: (o: number) => Number(view.getBigInt64(o, le)),
    uint64: (o: number) => Number(view.getBigUint64(o, le)),
    float32: (o: number) => view.getFloat32(o, le),
    float64: (o: number) => view.getFloat64(o, le),
  }[type];
  for (let i = 0; i < count; i++) out[i] = get(i * size);
  return out;
}

/**
 * Rec. 709 luminance of interleaved colour samples (`channels` per pixel, the
 * first three R, G, B; any further channel, e.g. alpha, is ignored).
 */
export function luminance(
  samples: ArrayLike<number>,
  pixels: number,
  channels: number,
): Float32Array {
  const out = new Float32Array(pixels);
  for (let i = 0; i < pixels; i++) {
    const o = i * channels;
    out[i] = 0.2126 * samples[o] + 0.7152 * samples[o + 1] + 0.0722 * samples[o + 2];
  }
  return out;
}

/**
 * `text` without the NUL characters that pad its end. A loop, not
 * `/\0+$/`: that regular expression takes quadratic time on a long run of
 * NULs followed by anything else, as a corrupt file can hold.
 */
export function trimTrailingNuls(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0) end--;
  return text.slice(0, end);
}

/** Normalise the spellings files use for length units ("micron", "um", "Å"...). */
export function normaliseUnit(unit: string): string {
  const u = unit.trim();
  const known: Record<string, string> = {
    micron: "µm",
    microns: "µm",
    micrometer: "µm",
    micrometre: "µm",
    um: "µm",
    "\u03bcm": "µm",
    "\\u00b5m": "µm",
    nanometer: "nm",
    nanometre: "nm",
    angstrom: "Å",
    "\u212b": "Å",
    picometer: "pm",
    picometre: "pm",
  };
  return known[u.toLowerCase()] ?? u;
}
