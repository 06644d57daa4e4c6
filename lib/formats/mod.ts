/**
 * Image files as bytes in, gray float images out: Gatan DM3/DM4, TIFF
 * (ImageJ, DigitalMicrograph, multi-page), HDF5 (EMD, HyperSpy `.hspy`),
 * NumPy `.npy` and PNG, each read with its calibration when the file has
 * one; and the writers the scripts use (`.npy`, PNG, float32 TIFF). Pure:
 * no file access (`readImage` in `lib/io/` reads from a path).
 *
 * @example
 * ```ts
 * import { decodeImage, encodeTiff } from "./mod.ts";
 * const tiff = encodeTiff({ data: new Float32Array(16).fill(3), width: 4, height: 4 });
 * const image = await decodeImage(tiff, "flat.tif");
 * if (image.width !== 4 || image.data[5] !== 3) throw new Error();
 * ```
 *
 * @module
 */

export { decodeImage, detectFormat, IMAGE_EXTENSIONS, listImages } from "./decode.ts";
export type { ImageFormat } from "./decode.ts";
export { MAX_IMAGE_PIXELS } from "./samples.ts";
export type { AxisCalibration, DecodeOptions, ImageEntry } from "./samples.ts";
export { decodeNpy, encodeNpy } from "./npy.ts";
export type { NpyArray, NumericArray } from "./npy.ts";
export { decodePng, encodePng } from "./png.ts";
export type { PngPixels } from "./png.ts";
export { encodeTiff } from "./tiff_write.ts";
export type { TiffWriteOptions } from "./tiff_write.ts";

// Types the API above names
export type { ByteSource } from "./byte_source.ts";
export type { HspyOptions, HspySignal, ResultsHspyInput } from "./hspy_write.ts";
export type { HspyAxis, SiteMaps } from "./hspy_write.ts";
