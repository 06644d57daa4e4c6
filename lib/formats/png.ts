/**
 * PNG encoding and decoding (pure) on top of fast-png: 8/16-bit gray, gray +
 * alpha, RGB and RGBA. Decoding to an {@linkcode Image} turns colour into
 * luminance (Rec. 709 weights) and ignores alpha.
 *
 * @module
 */

import { decodePngBytes, encodePngBytes } from "../deps.ts";
import { FormatError } from "../errors.ts";
import type { Image } from "../image.ts";
import { checkPixelCount, checkStoredSize, luminance, MAX_DEFLATE_RATIO } from "./samples.ts";

/** Raw pixels for {@linkcode encodePng}: interleaved channels, row-major. */
export interface PngPixels {
  /** Samples, `width * height * channels` of them. */
  data: Uint8Array | Uint8ClampedArray | Uint16Array;
  /** Number of columns. */
  width: number;
  /** Number of rows. */
  height: number;
  /** 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA. */
  channels: 1 | 2 | 3 | 4;
}

/**
 * Encode pixels as PNG; a `Uint16Array` gives a 16-bit PNG, anything else 8-bit.
 *
 * @example
 * ```ts
 * import { decodePng, encodePng } from "./mod.ts";
 * const png = encodePng({ data: Uint8Array.from([0, 255]), width: 2, height: 1, channels: 1 });
 * if (decodePng(png).data[1] !== 255) throw new Error();
 * ```
 */
export function encodePng(pixels: PngPixels): Uint8Array {
  const { width, height, channels } = pixels;
  if (pixels.data.length !== width * height * channels) {
    throw new RangeError(
      `PNG pixels: ${pixels.data.length} samples for ${width}x${height}x${channels}`,
    );
  }
  const depth = pixels.data instanceof Uint16Array ? 16 : 8;
  const data = pixels.data instanceof Uint8ClampedArray
    ? new Uint8Array(pixels.data.buffer, pixels.data.byteOffset, pixels.data.length)
    : pixels.data;
  return encodePngBytes({ width, height, data, depth, channels });
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Samples per pixel of each PNG colour type (0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * Check IHDR's size against the pixel cap and against the compressed data
 * the IDAT chunks hold: fast-png allocates the declared size and fills what
 * the data does not cover with zeros.
 */
function checkDeclaredSize(bytes: Uint8Array, name: string): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  checkPixelCount(name, width, height);
  let compressed = 0;
  for (let at = 8; at + 8 <= bytes.length;) {
    const length = view.getUint32(at);
    if (view.getUint32(at + 4) === 0x49444154) compressed += length; // "IDAT"
    at += 12 + length;
  }
  const bitsPerPixel = bytes[24] * (CHANNELS[bytes[25]] ?? 1);
  // Each row: a filter byte, then its samples (interlaced images need a little more).
  const rowBytes = 1 + Math.ceil((width * bitsPerPixel) / 8);
  checkStoredSize(name, height * rowBytes, compressed, {
    maxRatio: MAX_DEFLATE_RATIO,
    what: `${width} x ${height} PNG image`,
  });
}

/**
 * Decode a PNG to a gray float image (colour to Rec. 709 luminance); `name` for errors.
 *
 * @example A 16-bit PNG keeps its values.
 * ```ts
 * import { decodePng, encodePng } from "./mod.ts";
 * const png = encodePng({ data: Uint16Array.from([7, 60000]), width: 1, height: 2, channels: 1 });
 * const image = decodePng(png, "two.png");
 * if (image.height !== 2 || image.data[1] !== 60000) throw new Error();
 * ```
 */
export function decodePng(bytes: Uint8Array, name = "image.png"): Image {
  if (bytes.length < 8 || PNG_MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new FormatError(name, "not a PNG file (bad magic number)");
  }
  // IHDR comes first: check the declared size before the decoder allocates for it.
  if (bytes.length < 29) throw new FormatError(name, "truncated PNG header");
  checkDeclaredSize(bytes, name);
  let png;
  try {
    png = decodePngBytes(bytes);
  } catch (err) {
    throw new FormatError(name, `corrupt PNG: ${(err as Error).message}`);
  }
  const { width, height, channels } = png;
  const src = png.data;
  if (png.palette) {
    throw new FormatError(name, "palette PNGs are not supported; save as gray or RGB");
  }
  if (src.length < width * height * channels) {
    throw new FormatError(name, "truncated PNG pixel data");
  }
  if (channels >= 3) return { data: luminance(src, width * height, channels), width, height };
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = src[i * channels];
  return { data, width, height };
}
