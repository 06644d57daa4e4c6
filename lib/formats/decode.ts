/**
 * One entry point for every image format ferrovae reads: the magic number
 * decides the decoder, the file name's extension only when the magic number
 * is unknown (so a mislabelled file still opens, and a file with a known
 * extension but the wrong content gets that decoder's "bad magic number").
 *
 * @module
 */

import { FormatError } from "../errors.ts";
import type { Image } from "../image.ts";
import { decodeDm, listDmImages } from "./dm.ts";
import { decodeHdf5, isHdf5, listHdf5Images } from "./hdf5.ts";
import { decodeNpy } from "./npy.ts";
import { decodePng } from "./png.ts";
import {
  checkChoice,
  checkPixelCount,
  type DecodeOptions,
  type ImageEntry,
  luminance,
} from "./samples.ts";
import { decodeTiff, listTiffImages } from "./tiff.ts";

/** The image formats ferrovae reads. */
export type ImageFormat = "dm" | "tiff" | "hdf5" | "npy" | "png";

/** File extensions (lower case, with the dot) and the format each names. */
export const IMAGE_EXTENSIONS: Readonly<Record<string, ImageFormat>> = {
  ".dm3": "dm",
  ".dm4": "dm",
  ".tif": "tiff",
  ".tiff": "tiff",
  ".emd": "hdf5",
  ".h5": "hdf5",
  ".hdf5": "hdf5",
  ".hspy": "hdf5",
  ".npy": "npy",
  ".png": "png",
};

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

/**
 * The format of `bytes`: by magic number, else by the extension of `name`.
 *
 * @example
 * ```ts
 * import { detectFormat, encodeNpy } from "./mod.ts";
 * if (detectFormat(encodeNpy(new Float32Array(4), [2, 2]), "x.dat") !== "npy") throw new Error();
 * ```
 */
export function detectFormat(bytes: Uint8Array, name: string): ImageFormat {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47])) return "png";
  if (startsWith(bytes, [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59])) return "npy";
  if (startsWith(bytes, [0x49, 0x49]) || startsWith(bytes, [0x4d, 0x4d])) {
    if (bytes[2] + bytes[3] === 42 || bytes[2] + bytes[3] === 43) return "tiff";
  }
  if (isHdf5(bytes)) return "hdf5";
  // DM: big-endian version 3 or 4, then (after the root length) byte order 0 or 1.
  if (startsWith(bytes, [0, 0, 0, 3]) && bytes.length >= 12 && bytes[11] <= 1) return "dm";
  if (startsWith(bytes, [0, 0, 0, 4]) && bytes.length >= 16 && bytes[15] <= 1) return "dm";
  const extension = /\.[^./\\]+$/.exec(name.toLowerCase())?.[0] ?? "";
  const format = IMAGE_EXTENSIONS[extension];
  if (!format) {
    throw new FormatError(
      name,
      `unknown image format (expected one of ${Object.keys(IMAGE_EXTENSIONS).join(" ")})`,
    );
  }
  return format;
}

/**
 * Decode an image file's bytes to a gray float image. `name` (the file's path
 * or name) picks the format when the magic number does not and names the file
 * in errors. Options choose the image of a multi-image file (`index`, see
 * {@linkcode listImages}), the TIFF `page` and the `frame` of a stack; by
 * default the largest 2-D data image (never a thumbnail), first frame.
 *
 * @example A 2 x 3 float32 `.npy` file becomes a 3-wide, 2-high image.
 * ```ts
 * import { decodeImage, encodeNpy } from "./mod.ts";
 * const bytes = encodeNpy(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
 * const image = await decodeImage(bytes, "frame.npy");
 * if (image.width !== 3 || image.height !== 2 || image.data[3] !== 4) throw new Error();
 * ```
 */
export async function decodeImage(
  bytes: Uint8Array,
  name: string,
  options: DecodeOptions = {},
): Promise<Image> {
  switch (detectFormat(bytes, name)) {
    case "dm":
      return decodeDm(bytes, name, options);
    case "tiff":
      return decodeTiff(bytes, name, options);
    case "hdf5":
      return await decodeHdf5(bytes, name, options);
    case "npy":
      return npyImage(bytes, name, options);
    case "png":
      return decodePng(bytes, name);
  }
}

/**
 * Describe every image in a file (name, shape, dtype, calibration), for choosing `index`.
 *
 * @example
 * ```ts
 * import { encodeNpy, listImages } from "./mod.ts";
 * const [entry] = await listImages(encodeNpy(new Float32Array(6), [2, 3]), "a.npy");
 * if (entry.shape.join("x") !== "2x3") throw new Error(entry.shape.join("x"));
 * ```
 */
export async function listImages(bytes: Uint8Array, name: string): Promise<ImageEntry[]> {
  switch (detectFormat(bytes, name)) {
    case "dm":
      return listDmImages(bytes, name);
    case "tiff":
      return listTiffImages(bytes, name);
    case "hdf5":
      return await listHdf5Images(bytes, name);
    case "npy": {
      const { shape, dtype } = decodeNpy(bytes, name);
      return [single(shape, dtype.replace(/^[<>|=]/, ""), "array")];
    }
    case "png": {
      const image = decodePng(bytes, name);
      // IHDR: bit depth at byte 24.
      return [single([image.height, image.width], `uint${bytes[24]}`, "image")];
    }
  }
}

function single(shape: number[], dtype: string, name: string): ImageEntry {
  const calibration = shape.map(() => ({ scale: 1, unit: "" }));
  return { index: 0, name, shape, dtype, calibration, thumbnail: false, isDefault: true };
}

/**
 * An `.npy` array as an image: (height, width); (frames, height, width);
 * (height, width, 3 or 4) colour, to luminance.
 */
function npyImage(bytes: Uint8Array, name: string, options: DecodeOptions): Image {
  const { data, shape } = decodeNpy(bytes, name);
  if (options.index !== undefined) checkChoice(name, "image", options.index, 1);
  if (shape.length < 2) {
    throw new FormatError(name, `NPY array of shape (${shape.join(", ")}) is not an image`);
  }
  const colour = shape.length === 3 && (shape[2] === 3 || shape[2] === 4) && shape[0] > 4 &&
    shape[1] > 4;
  if (colour) {
    const [height, width, channels] = shape;
    checkPixelCount(name, width, height);
    return { data: luminance(data, width * height, channels), width, height };
  }
  const width = shape.at(-1)!;
  const height = shape.at(-2)!;
  checkPixelCount(name, width, height);
  const frames = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const frame = options.frame ?? 0;
  checkChoice(name, "frame", frame, frames);
  const start = frame * width * height;
  return { data: Float32Array.from(data.subarray(start, start + width * height)), width, height };
}
