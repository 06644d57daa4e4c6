/**
 * A series of frames from several image files, a folder's images, or one
 * multi-frame file (see `lib/formats/frames.ts`), read one frame at a time:
 * {@linkcode planSeries} counts the frames of every file (reading headers
 * only, for the range formats), {@linkcode readSeries} then yields the frames
 * asked for, holding one file open and one frame in memory at a time.
 *
 * File access is injected (`open`, e.g. `openByteSource` of
 * `lib/io/byte_ranges.ts`), so this module stays pure.
 *
 * @module
 */

import type { ByteSource } from "../formats/byte_source.ts";
import { type FrameReader, openFrameReader } from "../formats/frames.ts";
import { UserError } from "../errors.ts";
import type { Image, PixelSize } from "../image.ts";

/** Opens a file by path for range reads; `close` (when present) is called when done with it. */
export type OpenSource = (path: string) => Promise<ByteSource & { close?(): void }>;

/** One frame of a series, as planned. */
export interface SeriesFrameRef {
  /** Position in the series, 0-based. */
  index: number;
  /** The file it is in. */
  file: string;
  /** Its frame number inside that file. */
  frameInFile: number;
}

/** Every frame of a series, in order, and what the files said about them. */
export interface SeriesPlan {
  /** The frames, in series order (file order, then frame order inside a file). */
  frames: SeriesFrameRef[];
  /** Frame width and height when every frame has the same, else undefined. */
  size?: { width: number; height: number };
  /** Calibration of the first file that states one. */
  pixelSize?: PixelSize;
  /**
   * Doubts about the series, as warnings (code + message): files read whole
   * because their format cannot be read by range, frames of different sizes,
   * different calibrations.
   */
  warnings: { code: string; message: string }[];
}

/** A frame read from a series. */
export interface SeriesFrame extends SeriesFrameRef {
  /** Its pixels. */
  image: Image;
}

/** Options of {@linkcode planSeries} and {@linkcode readSeries}. */
export interface SeriesReadOptions {
  /** Which image of multi-image files (see `listImages`); default: each file's default. */
  index?: number;
  /** Largest file read whole when its format cannot be read by range (default 2 GiB). */
  maxWholeBytes?: number;
}

async function withReader<T>(
  path: string,
  open: OpenSource,
  options: SeriesReadOptions,
  use: (reader: FrameReader) => Promise<T>,
): Promise<T> {
  const source = await open(path);
  let reader: FrameReader | undefined;
  try {
    reader = await openFrameReader(source, options);
    return await use(reader);
  } finally {
    reader?.close();
    source.close?.();
  }
}

/**
 * Plan the series made of `files` in order: count every file's frames.
 * A series of no frames is a UserError.
 *
 * @example
 * ```ts
 * import { planSeries } from "./read_series.ts";
 * import { bytesSource } from "../formats/byte_source.ts";
 * import { encodeNpy } from "../formats/npy.ts";
 * const files: Record<string, Uint8Array> = {
 *   "a.npy": encodeNpy(new Float32Array(2 * 8 * 8), [2, 8, 8]),
 *   "b.npy": encodeNpy(new Float32Array(8 * 8), [8, 8]),
 * };
 * const open = (path: string) => Promise.resolve(bytesSource(files[path], path));
 * const plan = await planSeries(["a.npy", "b.npy"], open);
 * if (plan.frames.length !== 3) throw new Error("two frames of a.npy, one of b.npy");
 * ```
 */
export async function planSeries(
  files: readonly string[],
  open: OpenSource,
  options: SeriesReadOptions = {},
): Promise<SeriesPlan> {
  const frames: SeriesFrameRef[] = [];
  const warnings: SeriesPlan["warnings"] = [];
  let size: SeriesPlan["size"];
  let sameSize = true;
  let pixelSize: PixelSize | undefined;
  for (const file of files) {
    await withReader(file, open, options, (reader) => {
      for (let f = 0; f < reader.frames; f++) {
        frames.push({ index: frames.length, file, frameInFile: f });
      }
      if (reader.access === "whole" && reader.frames > 1) {
        warnings.push({
          code: "series-read-whole",
          message: `${file}: ${reader.format.toUpperCase()} stacks are read whole, not frame by ` +
            "frame (the whole file is held in memory while its frames are analysed)",
        });
      }
      if (!size) size = { width: reader.width, height: reader.height };
      else if (size.width !== reader.width || size.height !== reader.height) sameSize = false;
      if (reader.pixelSize) {
        if (!pixelSize) pixelSize = reader.pixelSize;
        else if (
          reader.pixelSize.unit !== pixelSize.unit ||
          Math.abs(reader.pixelSize.value / pixelSize.value - 1) > 1e-6
        ) {
          warnings.push({
            code: "series-calibration-differs",
            message: `${file}: pixel size ${reader.pixelSize.value} ${reader.pixelSize.unit} ` +
              `differs from the series' ${pixelSize.value} ${pixelSize.unit}`,
          });
        }
      }
      return Promise.resolve();
    });
  }
  if (frames.length === 0) throw new UserError(files[0] ?? "", "the series holds no frame");
  if (!sameSize) {
    warnings.push({
      code: "series-sizes-differ",
      message: "the frames are not all the same size: no drift between frames of different sizes",
    });
  }
  return {
    frames,
    ...(sameSize && size ? { size } : {}),
    ...(pixelSize ? { pixelSize } : {}),
    warnings,
  };
}

/**
 * Yield the frames of `plan` (all, or those whose index is in `only`, in
 * series order), one at a time: each file is opened once, when its first
 * wanted frame comes, and closed before the next file is opened.
 *
 * @example
 * ```ts
 * import { planSeries, readSeries } from "./read_series.ts";
 * import { bytesSource } from "../formats/byte_source.ts";
 * import { encodeNpy } from "../formats/npy.ts";
 * const bytes = encodeNpy(new Float32Array(4 * 8 * 8), [4, 8, 8]);
 * const open = (path: string) => Promise.resolve(bytesSource(bytes, path));
 * const plan = await planSeries(["movie.npy"], open);
 * const read: number[] = [];
 * for await (const frame of readSeries(plan, open, { only: [1, 3] })) read.push(frame.index);
 * if (read.join() !== "1,3") throw new Error("only the frames asked for");
 * ```
 */
export async function* readSeries(
  plan: SeriesPlan,
  open: OpenSource,
  options: SeriesReadOptions & { only?: readonly number[] } = {},
): AsyncGenerator<SeriesFrame> {
  const wanted = options.only ? new Set(options.only) : undefined;
  const refs = plan.frames.filter((f) => !wanted || wanted.has(f.index));
  let i = 0;
  while (i < refs.length) {
    const file = refs[i].file;
    let end = i;
    while (end < refs.length && refs[end].file === file) end++;
    const source = await open(file);
    let reader: FrameReader | undefined;
    try {
      reader = await openFrameReader(source, options);
      for (; i < end; i++) {
        yield { ...refs[i], image: await reader.read(refs[i].frameInFile) };
      }
    } finally {
      reader?.close();
      source.close?.();
    }
  }
}

/**
 * Compare file names as people number frames: digit runs by value
 * (`frame_2` before `frame_10`), the rest by code point.
 *
 * @example
 * ```ts
 * import { naturalCompare } from "./read_series.ts";
 * const sorted = ["f10.tif", "f2.tif", "f1.tif"].sort(naturalCompare);
 * if (sorted.join() !== "f1.tif,f2.tif,f10.tif") throw new Error("numbers by value");
 * ```
 */
export function naturalCompare(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const diff = Number(BigInt(x) - BigInt(y));
      if (diff !== 0) return diff < 0 ? -1 : 1;
      return x.length - y.length; // "02" after "2": stable, distinct
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}
