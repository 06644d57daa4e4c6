/**
 * Gatan DigitalMicrograph DM3/DM4 images, pure: bytes in, {@linkcode Image} out.
 *
 * A DM file keeps its images in the root tag `ImageList`; each has
 * `ImageData/Data` (the samples), `DataType`, `Dimensions` (x first) and
 * `Calibrations/Dimension` (scale and unit per axis). The root tag
 * `Thumbnails` names which ImageList entries are previews; those are never
 * chosen by default (a thumbnail can be larger than the data). By default the
 * largest remaining 2-D image is read, and the first frame of a 3-D stack.
 *
 * @module
 */

import { FormatError } from "../errors.ts";
import type { Image, PixelSize } from "../image.ts";
import {
  at,
  child,
  type DmArray,
  type DmFile,
  type DmNode,
  items,
  numberOf,
  parseDmTags,
  textOf,
} from "./_dm_tags.ts";
import {
  checkChoice,
  checkPixelCount,
  type DecodeOptions,
  type ImageEntry,
  normaliseUnit,
  pixelSizeOf,
  readSamples,
  SAMPLE_BYTES,
  type SampleType,
} from "./samples.ts";

/** Gatan image data types (`ImageData/DataType`) to NumPy names; `sample` if ferrovae reads it. */
const DATA_TYPES: Record<number, { dtype: string; sample?: SampleType }> = {
  1: { dtype: "int16", sample: "int16" },
  2: { dtype: "float32", sample: "float32" },
  3: { dtype: "complex64" },
  5: { dtype: "complex64 (packed)" },
  6: { dtype: "uint8", sample: "uint8" },
  7: { dtype: "int32", sample: "int32" },
  8: { dtype: "rgb" },
  9: { dtype: "int8", sample: "int8" },
  10: { dtype: "uint16", sample: "uint16" },
  11: { dtype: "uint32", sample: "uint32" },
  12: { dtype: "float64", sample: "float64" },
  13: { dtype: "complex128" },
  14: { dtype: "bool", sample: "bool" },
  23: { dtype: "rgba8" },
};

interface DmImage {
  entry: ImageEntry;
  /** Dimensions in DM order: x (columns) first. */
  dims: number[];
  data: DmArray;
  dataType: number;
  littleEndian: boolean;
  pixelSize?: PixelSize;
}

/** List the images of a DM3/DM4 file (thumbnails included, marked), in ImageList order. */
export function listDmImages(bytes: Uint8Array, name = "image.dm4"): ImageEntry[] {
  return describe(bytes, name).images.map((i) => i.entry);
}

/**
 * Decode one image of a DM3/DM4 file: `options.index` (an ImageList index from
 * {@linkcode listDmImages}) or by default the largest 2-D image that is not a
 * thumbnail; `options.frame` of a 3-D stack (default 0).
 */
export function decodeDm(
  bytes: Uint8Array,
  name = "image.dm4",
  options: DecodeOptions = {},
): Image {
  const { images } = describe(bytes, name);
  let image: DmImage | undefined;
  if (options.index === undefined) {
    // With no readable candidate, the largest unreadable one explains the refusal.
    image = largest(images, true) ?? largest(images, false);
    if (!image) {
      throw new FormatError(name, "DM file holds no 2-D image besides its thumbnail");
    }
  } else {
    image = images.find((i) => i.entry.index === options.index);
    if (!image) {
      const present = images.map((i) => i.entry.index).join(", ");
      throw new FormatError(name, `DM file has no image ${options.index} (it has ${present})`);
    }
  }
  return readImage(bytes, name, image, options.frame ?? 0);
}

function describe(bytes: Uint8Array, name: string): { file: DmFile; images: DmImage[] } {
  const file = parseDmTags(bytes, name);
  const thumbnails = new Set(
    items(child(file.root, "Thumbnails")).map((t) => numberOf(child(t, "ImageIndex"))),
  );
  const images: DmImage[] = [];
  items(child(file.root, "ImageList")).forEach((node, index) => {
    const image = describeImage(file, bytes, node, index, thumbnails.has(index));
    if (image) images.push(image);
  });
  const best = largest(images, true);
  if (best) best.entry.isDefault = true;
  return { file, images };
}

/** The largest 2-D (or stack) image that is not a thumbnail; of readable types only if asked. */
function largest(images: DmImage[], readableOnly: boolean): DmImage | undefined {
  let best: DmImage | undefined;
  for (const image of images) {
    const [x, y] = image.dims;
    if (image.entry.thumbnail || image.dims.length < 2 || x < 2 || y < 2) continue;
    if (readableOnly && !DATA_TYPES[image.dataType]?.sample) continue;
    if (!best || x * y > best.dims[0] * best.dims[1]) best = image;
  }
  return best;
}

function describeImage(
  file: DmFile,
  bytes: Uint8Array,
  node: DmNode,
  index: number,
  thumbnail: boolean,
): DmImage | undefined {
  const imageData = child(node, "ImageData");
  const dataNode = child(imageData, "Data");
  if (dataNode?.kind !== "data" || typeof dataNode.value !== "object") return undefined;
  if (Array.isArray(dataNode.value)) return undefined;
  const data = dataNode.value;
  const dims = items(child(imageData, "Dimensions")).map((d) => numberOf(d) ?? 0);
  if (dims.length === 0) return undefined;
  const dataType = numberOf(child(imageData, "DataType")) ?? -1;
  const dtype = DATA_TYPES[dataType]?.dtype ?? `DM data type ${dataType}`;
  const calibrations = items(at(imageData, "Calibrations", "Dimension")).map((d) => ({
    scale: numberOf(child(d, "Scale")) ?? 1,
    unit: normaliseUnit(textOf(file, bytes, child(d, "Units"))),
  }));
  const perAxis = dims.map((_, i) => calibrations[i] ?? { scale: 1, unit: "" });
  const pixelSize = pixelSizeOf(perAxis[0]);
  const entry: ImageEntry = {
    index,
    name: textOf(file, bytes, child(node, "Name")),
    shape: [...dims].reverse(),
    dtype,
    calibration: [...perAxis].reverse(),
    thumbnail,
    isDefault: false,
  };
  return { entry, dims, data, dataType, littleEndian: file.littleEndian, pixelSize };
}

function readImage(bytes: Uint8Array, name: string, image: DmImage, frame: number): Image {
  const { dims, data, entry } = image;
  const sample = DATA_TYPES[image.dataType]?.sample;
  if (!sample) {
    throw new FormatError(
      name,
      `DM image ${entry.index} has data type ${entry.dtype}, which ferrovae does not read ` +
        "(save it as a real-valued gray image)",
    );
  }
  if (dims.length < 2) {
    throw new FormatError(
      name,
      `DM image ${entry.index} is 1-D (${dims[0]} samples), not an image`,
    );
  }
  const [width, height] = dims;
  checkPixelCount(name, width, height);
  const frames = dims.slice(2).reduce((a, b) => a * b, 1);
  checkChoice(name, "frame", frame, frames);
  const declared = width * height * frames * SAMPLE_BYTES[sample];
  if (data.count * data.elementBytes !== declared) {
    throw new FormatError(
      name,
      `DM image ${entry.index}: dimensions ${dims.join(" x ")} of ${sample} need ${declared} ` +
        `bytes, the data tag holds ${data.count * data.elementBytes}`,
    );
  }
  const pixels = width * height;
  const offset = data.offset + frame * pixels * SAMPLE_BYTES[sample];
  const result: Image = {
    data: readSamples(bytes, offset, pixels, sample, image.littleEndian),
    width,
    height,
  };
  if (image.pixelSize) result.pixelSize = image.pixelSize;
  return result;
}
