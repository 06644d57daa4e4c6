/**
 * The frames of one image file, read one at a time: a multi-page TIFF, a
 * `.npy` of shape (T, H, W), an HDF5 (EMD, HyperSpy) 3-D dataset, a DM3/DM4
 * 3-D stack, or a single image (one frame). Reads go through a
 * {@linkcode ByteSource}, so only the bytes a frame needs are read where the
 * format allows it (`access: "ranges"`):
 *
 * - `.npy` in C order: the header, then exactly the frame's bytes.
 * - TIFF: the directory chain (a few hundred bytes a page), then the page's
 *   directory, values and strips (see `tiff_frames.ts`).
 * - HDF5: the library reads the file's metadata and the frame's hyperslab
 *   (see `hdf5_frames.ts`).
 *
 * The others are read whole once and kept while the reader is open
 * (`access: "whole"`): DM3/DM4 (the tag tree holds the pixel array inline,
 * and ferrovae's tag parser walks the file in memory), Fortran-order `.npy`
 * (a frame's samples are spread across the whole file) and PNG (one frame).
 * `maxWholeBytes` refuses those above a size instead.
 *
 * @module
 */

import { FormatError } from "../errors.ts";
import type { Image, PixelSize } from "../image.ts";
import { type ByteSource, readExactly } from "./byte_source.ts";
import { decodeImage, detectFormat, type ImageFormat, listImages } from "./decode.ts";
import { openHdf5Frames } from "./_hdf5_frames.ts";
import { decodeNpyElements, decodeNpyHeader, NPY_V1_MAX_HEADER, type NpyHeader } from "./npy.ts";
import { checkChoice, checkPixelCount } from "./samples.ts";
import { readTiffPage, tiffLayout } from "./_tiff_frames.ts";

/** The frames of one file, read on demand; {@linkcode FrameReader.close} it when done. */
export interface FrameReader {
  /** The file's name, for messages. */
  readonly name: string;
  /** Its format. */
  readonly format: ImageFormat;
  /** Number of frames (1 for a single image). */
  readonly frames: number;
  /** Width of every frame, px. */
  readonly width: number;
  /** Height of every frame, px. */
  readonly height: number;
  /** Calibration of the frames, when the file carries one. */
  readonly pixelSize?: PixelSize;
  /** "ranges": a frame reads only its bytes; "whole": the file was read whole (see the module notes). */
  readonly access: "ranges" | "whole";
  /** Frame `frame` (0-based) as a gray float image. */
  read(frame: number): Promise<Image>;
  /** Release what the reader holds (HDF5's file, a whole file's bytes). */
  close(): void;
}

/** Options of {@linkcode openFrameReader}. */
export interface FrameReaderOptions {
  /** Which image of a multi-image file (DM, HDF5; see `listImages`); default: the default image. */
  index?: number;
  /**
   * Largest file read whole for a format that cannot be read by range, in
   * bytes (default 2 GiB); a larger one is a FormatError saying why.
   */
  maxWholeBytes?: number;
}

/** Bytes read first: enough for every magic number and a usual `.npy` header. */
const HEAD_BYTES = 4096;

/**
 * Open the frames of the file behind `source`.
 *
 * @example
 * ```ts
 * import { openFrameReader } from "./frames.ts";
 * import { bytesSource } from "./byte_source.ts";
 * import { encodeNpy } from "./npy.ts";
 * const movie = encodeNpy(new Float32Array(3 * 4 * 5).map((_, i) => i), [3, 4, 5]);
 * const reader = await openFrameReader(bytesSource(movie, "movie.npy"));
 * const frame = await reader.read(2);
 * reader.close();
 * if (reader.frames !== 3 || frame.width !== 5 || frame.height !== 4) throw new Error("3 x 4 x 5");
 * if (frame.data[0] !== 40) throw new Error("frame 2 starts at value 2 * 4 * 5");
 * ```
 */
export async function openFrameReader(
  source: ByteSource,
  options: FrameReaderOptions = {},
): Promise<FrameReader> {
  const head = await source.read(0, Math.min(source.size, HEAD_BYTES));
  const format = detectFormat(head, source.name);
  switch (format) {
    case "npy":
      return await npyFrames(source, head, options);
    case "tiff":
      return await tiffFrames(source, options);
    case "hdf5":
      return await hdf5Frames(source, options);
    case "dm":
    case "png":
      return await wholeFrames(source, format, options);
  }
}

async function npyFrames(
  source: ByteSource,
  head: Uint8Array,
  options: FrameReaderOptions,
): Promise<FrameReader> {
  const name = source.name;
  let header: NpyHeader;
  try {
    header = decodeNpyHeader(head, name, source.size);
  } catch (err) {
    // A header longer than the first read: read as much as a header can be.
    if (!(err instanceof FormatError) || !/truncated NPY header/.test(err.message)) throw err;
    const major = head[6];
    const length = major === 1
      ? NPY_V1_MAX_HEADER
      : 12 + new DataView(head.buffer, head.byteOffset + 8, 4).getUint32(0, true);
    const more = await source.read(0, Math.min(source.size, length));
    header = decodeNpyHeader(more, name, source.size);
  }
  const { shape } = header;
  if (options.index !== undefined) checkChoice(name, "image", options.index, 1);
  const colour = shape.length === 3 && (shape[2] === 3 || shape[2] === 4) && shape[0] > 4 &&
    shape[1] > 4;
  if (shape.length < 2 || colour || (header.fortran && shape.length > 2)) {
    // Not a stack of frames laid out frame after frame: read whole (checked against the limit).
    return await wholeFrames(source, "npy", options);
  }
  const width = shape.at(-1)!;
  const height = shape.at(-2)!;
  checkPixelCount(name, width, height);
  const frames = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const pixels = width * height;
  const frameBytes = pixels * header.itemBytes;
  return {
    name,
    format: "npy",
    frames,
    width,
    height,
    access: "ranges",
    async read(frame) {
      checkChoice(name, "frame", frame, frames);
      const at = header.dataStart + frame * frameBytes;
      const bytes = await readExactly(source, at, frameBytes, `frame ${frame}`);
      const values = decodeNpyElements(bytes, header, pixels, name);
      return { data: Float32Array.from(values), width, height };
    },
    close() {},
  };
}

async function tiffFrames(source: ByteSource, options: FrameReaderOptions): Promise<FrameReader> {
  const name = source.name;
  const layout = await tiffLayout(source);
  if (options.index !== undefined) {
    checkChoice(name, "TIFF page", options.index, layout.pages.length);
  }
  const first = await readTiffPage(source, layout, 0);
  const frames = layout.pages.length;
  return {
    name,
    format: "tiff",
    frames,
    width: first.width,
    height: first.height,
    ...(first.pixelSize ? { pixelSize: first.pixelSize } : {}),
    access: "ranges",
    async read(frame) {
      checkChoice(name, "frame", frame, frames);
      const image = await readTiffPage(source, layout, frame);
      if (image.width !== first.width || image.height !== first.height) {
        throw new FormatError(
          name,
          `TIFF page ${frame} is ${image.width} x ${image.height}, page 0 ` +
            `${first.width} x ${first.height}: the pages are not frames of one movie`,
        );
      }
      return image;
    },
    close() {},
  };
}

async function hdf5Frames(source: ByteSource, options: FrameReaderOptions): Promise<FrameReader> {
  const name = source.name;
  const file = await openHdf5Frames(source);
  try {
    const { entries } = file;
    if (entries.length === 0) {
      throw new FormatError(name, "HDF5 file holds no numeric dataset with 2 or more dimensions");
    }
    const index = options.index ?? Math.max(0, entries.findIndex((e) => e.isDefault));
    checkChoice(name, "HDF5 image", index, entries.length);
    const shape = entries[index].shape;
    const frames = shape.slice(0, -2).reduce((a, b) => a * b, 1);
    const first = file.read(index, 0);
    return {
      name,
      format: "hdf5",
      frames,
      width: first.width,
      height: first.height,
      ...(first.pixelSize ? { pixelSize: first.pixelSize } : {}),
      access: "ranges",
      read(frame) {
        try {
          return Promise.resolve(file.read(index, frame));
        } catch (err) {
          return Promise.reject(err);
        }
      },
      close: () => file.close(),
    };
  } catch (err) {
    file.close();
    throw err;
  }
}

async function wholeFrames(
  source: ByteSource,
  format: ImageFormat,
  options: FrameReaderOptions,
): Promise<FrameReader> {
  const name = source.name;
  const limit = options.maxWholeBytes ?? 2 ** 31;
  if (source.size > limit) {
    throw new FormatError(
      name,
      `${format.toUpperCase()} files are read whole to take frames out of them, and this one ` +
        `(${source.size} bytes) is larger than the limit of ${limit} bytes`,
    );
  }
  let bytes: Uint8Array | undefined = await readExactly(source, 0, source.size, "file");
  const entries = await listImages(bytes, name);
  const index = options.index;
  const chosen = index === undefined
    ? (entries.find((e) => e.isDefault) ?? entries[0])
    : entries.find((e) => e.index === index);
  if (!chosen) {
    throw new FormatError(name, `the file has no image ${index} (it has ${entries.length})`);
  }
  const colour = format === "npy" && chosen.shape.length === 3 &&
    (chosen.shape[2] === 3 || chosen.shape[2] === 4) && chosen.shape[0] > 4;
  const frameAxes = colour ? [] : chosen.shape.slice(0, -2);
  const frames = frameAxes.reduce((a, b) => a * b, 1);
  const choice = index === undefined || format === "npy" ? {} : { index };
  const first = await decodeImage(bytes, name, { ...choice, frame: 0 });
  return {
    name,
    format,
    frames,
    width: first.width,
    height: first.height,
    ...(first.pixelSize ? { pixelSize: first.pixelSize } : {}),
    access: "whole",
    read(frame) {
      if (!bytes) return Promise.reject(new FormatError(name, "frame reader is closed"));
      checkChoice(name, "frame", frame, frames);
      return decodeImage(bytes, name, { ...choice, frame });
    },
    close() {
      bytes = undefined;
    },
  };
}
