/**
 * A minimal baseline TIFF encoder for one float32 gray image: little-endian,
 * uncompressed, one strip, SampleFormat = 3 (IEEE float). The calibration
 * is written the way ImageJ writes it (`unit=` in ImageDescription,
 * XResolution/YResolution in pixels per unit, ResolutionUnit = none), so
 * ImageJ, Fiji, HyperSpy and ferrovae's own reader recover the pixel size.
 *
 * @module
 */

import type { Image } from "../image.ts";

const TYPE_ASCII = 2;
const TYPE_SHORT = 3;
const TYPE_LONG = 4;
const TYPE_RATIONAL = 5;

interface Entry {
  tag: number;
  type: number;
  count: number;
  /** Inline value (SHORT/LONG) or bytes stored after the IFD. */
  value: number | Uint8Array;
}

/** Best rational n/d (both < 2³²) for a positive value, by continued fractions. */
export function toRational(value: number): [number, number] {
  if (!(value > 0) || !Number.isFinite(value)) return [0, 1];
  const limit = 0xffffffff;
  let [h0, h1, k0, k1] = [0, 1, 1, 0];
  let x = value;
  for (let i = 0; i < 64; i++) {
    const a = Math.floor(x);
    const h2 = a * h1 + h0;
    const k2 = a * k1 + k0;
    if (h2 > limit || k2 > limit) break;
    [h0, h1, k0, k1] = [h1, h2, k1, k2];
    if (Math.abs(h1 / k1 - value) <= 1e-15 * value || x === a) break;
    x = 1 / (x - a);
  }
  return k1 === 0 ? [Math.min(limit, Math.round(value)), 1] : [h1, k1];
}

function rationalBytes(value: number): Uint8Array {
  const [n, d] = toRational(value);
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, n, true);
  view.setUint32(4, d, true);
  return out;
}

/** Options for {@linkcode encodeTiff}. */
export interface TiffWriteOptions {
  /** Extra lines for ImageDescription (after ImageJ's own). */
  description?: string;
}

/**
 * Encode `image` as a float32 TIFF, with its calibration when it has one.
 *
 * @example A calibrated image round-trips through TIFF.
 * ```ts
 * import { decodeImage, encodeTiff } from "./mod.ts";
 * const image = { data: Float32Array.from([1, 2, 3, 4]), width: 2, height: 2, pixelSize: { value: 0.02, unit: "nm" } };
 * const back = await decodeImage(encodeTiff(image), "a.tif");
 * if (back.data[3] !== 4 || Math.abs(back.pixelSize!.value - 0.02) > 1e-9) throw new Error();
 * ```
 */
export function encodeTiff(image: Image, options: TiffWriteOptions = {}): Uint8Array {
  const { width, height, data } = image;
  if (data.length !== width * height) {
    throw new RangeError(`TIFF: ${data.length} pixels for ${width}x${height}`);
  }
  const lines = ["ImageJ=1.11a"];
  const pixelSize = image.pixelSize;
  const calibrated = pixelSize !== undefined && pixelSize.value > 0 &&
    Number.isFinite(pixelSize.value);
  if (calibrated) lines.push(`unit=${pixelSize.unit === "µm" ? "micron" : pixelSize.unit}`);
  if (options.description) lines.push(options.description.replace(/\0/g, ""));
  const description = new TextEncoder().encode(lines.join("\n") + "\n\0");
  const pixelBytes = width * height * 4;
  const entries: Entry[] = [
    { tag: 254, type: TYPE_LONG, count: 1, value: 0 },
    { tag: 256, type: TYPE_LONG, count: 1, value: width },
    { tag: 257, type: TYPE_LONG, count: 1, value: height },
    { tag: 258, type: TYPE_SHORT, count: 1, value: 32 },
    { tag: 259, type: TYPE_SHORT, count: 1, value: 1 },
    { tag: 262, type: TYPE_SHORT, count: 1, value: 1 },
    { tag: 270, type: TYPE_ASCII, count: description.length, value: description },
    { tag: 273, type: TYPE_LONG, count: 1, value: 0 }, // strip offset, set below
    { tag: 277, type: TYPE_SHORT, count: 1, value: 1 },
    { tag: 278, type: TYPE_LONG, count: 1, value: height },
    { tag: 279, type: TYPE_LONG, count: 1, value: pixelBytes },
  ];
  if (calibrated) {
    const perUnit = 1 / pixelSize.value;
    entries.push(
      { tag: 282, type: TYPE_RATIONAL, count: 1, value: rationalBytes(perUnit) },
      { tag: 283, type: TYPE_RATIONAL, count: 1, value: rationalBytes(perUnit) },
      { tag: 296, type: TYPE_SHORT, count: 1, value: 1 },
    );
  }
  entries.push({ tag: 339, type: TYPE_SHORT, count: 1, value: 3 });

  // Layout: header, IFD, out-of-line values, pixels (4-byte aligned).
  const ifdSize = 2 + entries.length * 12 + 4;
  let cursor = 8 + ifdSize;
  const offsets = entries.map((e) => {
    if (!(e.value instanceof Uint8Array) || e.value.length <= 4) return 0;
    const at = cursor;
    cursor += e.value.length + (e.value.length % 2);
    return at;
  });
  const dataOffset = Math.ceil(cursor / 4) * 4;
  entries.find((e) => e.tag === 273)!.value = dataOffset;

  const out = new Uint8Array(dataOffset + pixelBytes);
  const view = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0], 0); // "II", 42
  view.setUint32(4, 8, true);
  view.setUint16(8, entries.length, true);
  entries.forEach((e, i) => {
    const at = 10 + i * 12;
    view.setUint16(at, e.tag, true);
    view.setUint16(at + 2, e.type, true);
    view.setUint32(at + 4, e.count, true);
    if (e.value instanceof Uint8Array) {
      if (e.value.length <= 4) out.set(e.value, at + 8);
      else {
        view.setUint32(at + 8, offsets[i], true);
        out.set(e.value, offsets[i]);
      }
    } else if (e.type === TYPE_SHORT) view.setUint16(at + 8, e.value, true);
    else view.setUint32(at + 8, e.value, true);
  });
  view.setUint32(10 + entries.length * 12, 0, true); // no next IFD
  // Typed arrays are little-endian on every platform Deno runs on.
  out.set(new Uint8Array(data.buffer, data.byteOffset, pixelBytes), dataOffset);
  return out;
}
