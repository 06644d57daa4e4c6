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
import { checkPixelCount, luminance } from "./samples.ts";

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

/** Encode pixels as PNG; a `Uint16Array` gives a 16-bit PNG, anything else 8-bit. */
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

/** Decode a PNG to a gray float image (colour to Rec. 709 luminance); `name` for errors. */
export function decodePng(bytes: Uint8Array, name = "image.png"): Image {
  if (bytes.length < 8 || PNG_MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new FormatError(name, "not a PNG file (bad magic number)");
  }
  // IHDR comes first: check the declared size before the decoder allocates for it.
  if (bytes.length < 24) throw new FormatError(name, "truncated PNG header");
  const header = new DataView(bytes.buffer, bytes.byteOffset + 16, 8);
  checkPixelCount(name, header.getUint32(0), header.getUint32(4));
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
