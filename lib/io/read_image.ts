/**
 * Read an image file of any supported format (DM3/DM4, TIFF, PNG, NPY, EMD
 * and other HDF5) into the shared {@linkcode Image} type.
 *
 * @module
 */

import { decodeImage } from "../formats/decode.ts";
import type { DecodeOptions } from "../formats/samples.ts";
import type { Image } from "../image.ts";
import { readFileChecked } from "./atomic_write.ts";

/**
 * Read the image at `path`: `{ data: Float32Array, width, height, pixelSize? }`.
 * By default the largest 2-D data image of a multi-image file (never a
 * thumbnail) and the first frame of a stack; `options` choose another
 * (`index` from `listImages`, TIFF `page`, stack `frame`). A missing or
 * unreadable file is a UserError, a bad file a FormatError, both naming `path`.
 */
export async function readImage(path: string, options: DecodeOptions = {}): Promise<Image> {
  const bytes = await readFileChecked(path);
  return await decodeImage(bytes, path, options);
}
