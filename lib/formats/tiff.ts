/**
 * TIFF images, pure: bytes in, {@linkcode Image} out. Gray or RGB (to
 * luminance), 8/16/32-bit signed or unsigned integers, 32/64-bit floats, one
 * image per page (first page by default). Decoding uses npm `tiff`; this
 * module first walks the file's directory chain itself, so that a corrupt
 * file (a loop of directories, a value past the end) is refused before the
 * library allocates anything, and reads the 32-bit integer samples the
 * library does not.
 *
 * Calibration, in order: Gatan DigitalMicrograph's private tags (65009 scale,
 * 65003 unit), ImageJ's `unit=` with XResolution (pixels per unit), or
 * ResolutionUnit = centimetre. An inch resolution is a print setting (72 dpi
 * by default), not a calibration, and is ignored.
 *
 * @module
 */

import { decodeTiffBytes } from "../deps.ts";
import { FormatError } from "../errors.ts";
import type { Image, PixelSize } from "../image.ts";
import {
  checkChoice,
  checkPixelCount,
  checkStoredSize,
  type DecodeOptions,
  type ImageEntry,
  luminance,
  MAX_DEFLATE_RATIO,
  normaliseUnit,
  readSamples,
  SAMPLE_BYTES,
  type SampleType,
} from "./samples.ts";

/** Bytes per value of each TIFF field type (1 BYTE ... 12 DOUBLE). */
const FIELD_BYTES = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8];
const MAX_PAGES = 100_000;

type Ifd = ReturnType<typeof decodeTiffBytes>[number];

/**
 * Walk the directory chain: count the pages and check every field's values
 * lie inside the file. Throws a FormatError for anything the decoder must not see.
 */
function checkStructure(bytes: Uint8Array, name: string): number {
  const b0 = bytes[0];
  const b1 = bytes[1];
  if (bytes.length < 8 || !((b0 === 0x49 && b1 === 0x49) || (b0 === 0x4d && b1 === 0x4d))) {
    throw new FormatError(name, "not a TIFF file (bad magic number)");
  }
  const little = b0 === 0x49;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint16(2, little);
  if (magic === 43) throw new FormatError(name, "BigTIFF files are not supported");
  if (magic !== 42) throw new FormatError(name, "not a TIFF file (bad magic number)");
  const seen = new Set<number>();
  /** Check one directory's fields; return the offset of the next one. */
  const checkDirectory = (offset: number): number => {
    if (offset + 2 > bytes.length) throw new FormatError(name, "truncated TIFF (directory)");
    const entries = view.getUint16(offset, little);
    const end = offset + 2 + entries * 12;
    if (end + 4 > bytes.length) throw new FormatError(name, "truncated TIFF (directory)");
    for (let e = offset + 2; e < end; e += 12) {
      const tag = view.getUint16(e, little);
      const type = view.getUint16(e + 2, little);
      const size = (FIELD_BYTES[type] ?? 0) * view.getUint32(e + 4, little);
      const value = view.getUint32(e + 8, little);
      if (size > 4 && value + size > bytes.length) {
        throw new FormatError(name, `truncated TIFF (the values of tag ${tag} lie past the end)`);
      }
      // The decoder also reads the EXIF and GPS directories these tags point to.
      if ((tag === 0x8769 || tag === 0x8825) && !seen.has(value)) {
        seen.add(value);
        checkDirectory(value);
      }
    }
    return view.getUint32(end, little);
  };
  let pages = 0;
  let offset = view.getUint32(4, little);
  while (offset !== 0) {
    if (seen.has(offset) || pages >= MAX_PAGES) {
      throw new FormatError(name, "corrupt TIFF: its directories form a loop");
    }
    seen.add(offset);
    pages++;
    offset = checkDirectory(offset);
  }
  if (pages === 0) throw new FormatError(name, "TIFF file holds no image");
  return pages;
}

function sampleType(ifd: Ifd, name: string): SampleType {
  const bits = ifd.bitsPerSample;
  const format = ifd.sampleFormat;
  const type = ({
    1: { 8: "uint8", 16: "uint16", 32: "uint32" },
    2: { 8: "int8", 16: "int16", 32: "int32" },
    3: { 32: "float32", 64: "float64" },
  } as Record<number, Record<number, SampleType>>)[format]?.[bits];
  if (!type) {
    const kind = ({ 1: "unsigned integer", 2: "signed integer", 3: "float" } as Record<
      number,
      string
    >)[format] ?? `sample format ${format}`;
    throw new FormatError(name, `unsupported TIFF sample type: ${bits}-bit ${kind}`);
  }
  return type;
}

function channelsOf(ifd: Ifd, name: string): number {
  const photometric = ifd.type;
  const channels = ifd.samplesPerPixel;
  if (photometric === 3) throw new FormatError(name, "palette TIFFs are not supported");
  if (photometric === 2 && channels >= 3) return channels;
  if ((photometric === 0 || photometric === 1) && channels <= 2) return channels;
  throw new FormatError(
    name,
    `unsupported TIFF colour layout (photometric ${photometric}, ${channels} samples per pixel)`,
  );
}

function entryOf(ifd: Ifd, page: number, name: string): ImageEntry {
  const channels = ifd.samplesPerPixel;
  const pixelSize = pixelSizeOf(ifd);
  const axis = pixelSize
    ? { scale: pixelSize.value, unit: pixelSize.unit }
    : { scale: 1, unit: "" };
  let dtype: string;
  try {
    dtype = sampleType(ifd, name);
  } catch {
    dtype = `${ifd.bitsPerSample}-bit format ${ifd.sampleFormat}`;
  }
  return {
    index: page,
    name: `page ${page}`,
    shape: channels > 1 ? [ifd.height, ifd.width, channels] : [ifd.height, ifd.width],
    dtype,
    calibration: channels > 1 ? [axis, axis, { scale: 1, unit: "" }] : [axis, axis],
    thumbnail: false,
    isDefault: page === 0,
  };
}

/** The pixel size a page states (see the module notes), if any. */
function pixelSizeOf(ifd: Ifd): PixelSize | undefined {
  const dmScale = ifd.get(65009);
  const dmUnit = ifd.get(65003);
  if (typeof dmScale === "number" && dmScale > 0 && typeof dmUnit === "string" && dmUnit) {
    return { value: dmScale, unit: normaliseUnit(dmUnit) };
  }
  const xRes = ifd.xResolution;
  if (typeof xRes !== "number" || !(xRes > 0) || !Number.isFinite(xRes)) return undefined;
  // A description may also be several NUL-separated strings (an array) or missing.
  const raw: unknown = ifd.imageDescription;
  const description = typeof raw === "string" ? raw : Array.isArray(raw) ? raw.join("\n") : "";
  if (description.startsWith("ImageJ=")) {
    const unit = /^unit=(.+)$/m.exec(description)?.[1]?.trim();
    if (unit && unit !== "pixel" && unit !== "pixels") {
      return { value: 1 / xRes, unit: normaliseUnit(unit) };
    }
    return undefined;
  }
  if (ifd.resolutionUnit === 3) return { value: 1e7 / xRes, unit: "nm" };
  return undefined;
}

function pagesOf(bytes: Uint8Array, name: string): Ifd[] {
  checkStructure(bytes, name);
  return decodeTiffBytes(bytes, { ignoreImageData: true });
}

/**
 * Run `read`, turning anything but a FormatError into one: npm `tiff` meets
 * corrupt fields with whatever JavaScript error comes first.
 */
function guarded<T>(name: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof FormatError) throw err;
    throw new FormatError(name, `corrupt TIFF: ${(err as Error)?.message ?? String(err)}`);
  }
}

/** List the pages of a TIFF file: shape, sample type, calibration. */
export function listTiffImages(bytes: Uint8Array, name = "image.tif"): ImageEntry[] {
  return guarded(name, () => pagesOf(bytes, name).map((ifd, page) => entryOf(ifd, page, name)));
}

/** Decode page `options.page` (or `options.index`; default 0) of a TIFF to a gray image. */
export function decodeTiff(
  bytes: Uint8Array,
  name = "image.tif",
  options: DecodeOptions = {},
): Image {
  return guarded(name, () => decodePage(bytes, name, options));
}

function decodePage(bytes: Uint8Array, name: string, options: DecodeOptions): Image {
  const pages = pagesOf(bytes, name);
  const page = options.page ?? options.index ?? 0;
  checkChoice(name, "TIFF page", page, pages.length);
  const ifd = pages[page];
  const { width, height } = ifd;
  checkPixelCount(name, width, height);
  const type = sampleType(ifd, name);
  const channels = channelsOf(ifd, name);
  if (channels > 1 && ifd.planarConfiguration === 2) {
    throw new FormatError(name, "TIFF with colour planes stored separately is not supported");
  }
  checkPixelData(bytes, name, ifd, SAMPLE_BYTES[type] * channels);
  const samples = type === "int32" || type === "uint32"
    ? read32BitIntegers(bytes, name, ifd, type, channels)
    : readWithLibrary(bytes, name, page, type);
  const pixels = width * height;
  if (samples.length < pixels * channels) throw new FormatError(name, "truncated TIFF pixel data");
  const data = channels >= 3
    ? luminance(samples, pixels, channels)
    : channels === 1
    ? Float32Array.from(samples.subarray(0, pixels))
    : Float32Array.from({ length: pixels }, (_, i) => samples[i * channels]);
  const image: Image = { data, width, height };
  const pixelSize = pixelSizeOf(ifd);
  if (pixelSize) image.pixelSize = pixelSize;
  return image;
}

/** The most a strip or tile expands under each compression (1 none, 5 LZW, 8 and 32946 deflate, 32773 PackBits). */
const MAX_EXPANSION: Record<number, number> = {
  1: 1,
  5: 2560,
  8: MAX_DEFLATE_RATIO,
  32946: MAX_DEFLATE_RATIO,
  32773: 64,
};

/**
 * Check a page's strips (or tiles) against its size before npm `tiff`
 * allocates the page: every strip inside the file, enough rows of strips,
 * and enough stored bytes for the declared pixels (the library would fill
 * what is missing with zeros).
 */
function checkPixelData(bytes: Uint8Array, name: string, ifd: Ifd, bytesPerPixel: number): void {
  const part = ifd.tiled ? "tile" : "strip";
  const offsets = numbers(ifd.tiled ? ifd.tileOffsets : ifd.stripOffsets);
  const counts = numbers(ifd.tiled ? ifd.tileByteCounts : ifd.stripByteCounts);
  if (offsets.length === 0) throw new FormatError(name, `TIFF page without ${part} offsets`);
  // Without byte counts (some writers omit them), a strip may reach the end of the file.
  const sizes = counts.length === offsets.length ? counts : offsets.map((o) => bytes.length - o);
  let stored = 0;
  for (let i = 0; i < offsets.length; i++) {
    if (!(offsets[i] + sizes[i] <= bytes.length)) {
      throw new FormatError(name, `truncated TIFF pixel data (${part} ${i} lies past the end)`);
    }
    stored += sizes[i];
  }
  const rowsPerStrip = Math.min(ifd.rowsPerStrip, ifd.height);
  if (!ifd.tiled && offsets.length * rowsPerStrip < ifd.height) {
    throw new FormatError(
      name,
      `truncated TIFF: ${offsets.length} strips of ${rowsPerStrip} rows for ${ifd.height} rows`,
    );
  }
  checkStoredSize(name, ifd.width * ifd.height * bytesPerPixel, stored, {
    maxRatio: MAX_EXPANSION[ifd.compression] ?? Math.max(...Object.values(MAX_EXPANSION)),
    what: `${ifd.width} x ${ifd.height} TIFF page`,
  });
}

/** A field's values as numbers (npm `tiff` gives a number, an array or a typed array). */
function numbers(value: unknown): number[] {
  if (typeof value === "number") return [value];
  if (value && typeof value === "object" && "length" in value) {
    return Array.from(value as ArrayLike<unknown>, Number);
  }
  return [];
}

type Samples = Float32Array | Float64Array | Uint8Array | Int8Array | Uint16Array | Int16Array;

function readWithLibrary(bytes: Uint8Array, name: string, page: number, type: SampleType): Samples {
  let data;
  try {
    data = decodeTiffBytes(bytes, { pages: [page] })[0].data;
  } catch (err) {
    throw new FormatError(name, `corrupt or unsupported TIFF: ${(err as Error).message}`);
  }
  // The library reads 8/16-bit samples as unsigned; the bits are exact, so a view fixes the sign.
  if (type === "int8") return new Int8Array(data.buffer, data.byteOffset, data.length);
  if (type === "int16") return new Int16Array(data.buffer, data.byteOffset, data.length);
  return data;
}

/** Uncompressed strips of 32-bit integers, which npm `tiff` 7.1.3 does not decode. */
function read32BitIntegers(
  bytes: Uint8Array,
  name: string,
  ifd: Ifd,
  type: "int32" | "uint32",
  channels: number,
): Float32Array {
  if (ifd.compression !== 1 || ifd.tiled) {
    throw new FormatError(
      name,
      "compressed or tiled TIFF with 32-bit integer samples is not supported (save it uncompressed)",
    );
  }
  const little = bytes[0] === 0x49;
  const total = ifd.width * ifd.height * channels;
  const rowSamples = ifd.width * channels;
  const rowsPerStrip = Math.min(ifd.rowsPerStrip || ifd.height, ifd.height);
  const offsets = ifd.stripOffsets;
  const out = new Float32Array(total);
  let done = 0;
  for (let s = 0; s < offsets.length && done < total; s++) {
    const count = Math.min(rowsPerStrip * rowSamples, total - done);
    if (offsets[s] + count * SAMPLE_BYTES[type] > bytes.length) {
      throw new FormatError(name, "truncated TIFF pixel data");
    }
    out.set(readSamples(bytes, offsets[s], count, type, little), done);
    done += count;
  }
  if (done < total) throw new FormatError(name, "truncated TIFF pixel data");
  return out;
}
