/**
 * Sub-image stacks: square windows of any size centred on atom columns,
 * the input of every classical baseline and of the rVAE.
 *
 * Centring: `bilinear` (default) samples the image at the window's pixel
 * centres around the exact (sub-pixel) coordinate, so the atom sits at the
 * window's geometric centre ((w − 1)/2, (w − 1)/2), which is also the
 * rVAE's rotation centre; `integer` crops whole pixels around the rounded
 * coordinate, as AtomAI's `extract_subimages` does (rows and columns
 * round(c) − ⌊w/2⌋ ... round(c) − ⌊w/2⌋ + w − 1; for even w the atom is
 * then half a pixel off the geometric centre). A window that would cross
 * the image border, whose coordinate is not finite, or that holds a
 * non-finite pixel is dropped and counted; `kept` lists the input index of
 * every window kept.
 *
 * Normalisation, over the whole stack (or each window with `perWindow`):
 * `minmax` to [0, 1] (default; the rVAE's decoder ends in a sigmoid),
 * `max` (divide by the maximum, as the seed notebook), `zscore` (zero mean,
 * unit variance) or `none`.
 *
 * @module
 */

import type { Image } from "./image.ts";

/** How windows are centred on a coordinate. */
export type Centring = "bilinear" | "integer";

/** How stack values are scaled. */
export type Normalization = "minmax" | "max" | "zscore" | "none";

/** The centring choices, for flag parsers. */
export const CENTRINGS: readonly Centring[] = ["bilinear", "integer"];

/** The normalisation choices, for flag parsers. */
export const NORMALIZATIONS: readonly Normalization[] = ["minmax", "max", "zscore", "none"];

/** Options of {@linkcode extractStack}. */
export interface StackOptions {
  /** Window side in px (default 48). */
  window?: number;
  /** `bilinear` (default, sub-pixel) or `integer` (AtomAI). */
  centring?: Centring;
  /** Scaling of the values (default `minmax`). */
  normalization?: Normalization;
  /** Normalise each window on its own instead of the whole stack (default false). */
  perWindow?: boolean;
}

/** Window centres: `x` (column) and `y` (row) in px (pixel centres at integers, y down). */
export interface Centres {
  /** Column coordinate of each centre. */
  x: ArrayLike<number>;
  /** Row coordinate of each centre. */
  y: ArrayLike<number>;
}

/** A stack of `count` windows of `window x window` px. */
export interface SubImageStack {
  /** Values, window after window, row-major (`count * window * window`). */
  data: Float32Array;
  /** Windows kept. */
  count: number;
  /** Window side in px. */
  window: number;
  /** Input index of each kept window. */
  kept: Uint32Array;
  /** Centre of each kept window (the rounded coordinate with integer centring). */
  x: Float64Array;
  /** Row coordinate of each kept window's centre. */
  y: Float64Array;
  /** Windows dropped (`droppedBorder + droppedNonFinite`). */
  dropped: number;
  /** Dropped because the window crosses the border (or the coordinate is not finite). */
  droppedBorder: number;
  /** Dropped because the window holds a non-finite pixel. */
  droppedNonFinite: number;
  /** The scaling applied: value = (raw − offset) / scale (per stack; NaN when per window). */
  offset: number;
  /** Divisor of the scaling (see `offset`). */
  scale: number;
}

/** Cut windows of `image` centred on `centres`. */
export function extractStack(
  image: Image,
  centres: Centres,
  options: StackOptions = {},
): SubImageStack {
  const w = options.window ?? 48;
  if (!Number.isInteger(w) || w < 2) throw new RangeError(`window must be ≥ 2 px, got ${w}`);
  if (centres.x.length !== centres.y.length) {
    throw new RangeError(`${centres.x.length} x coordinates but ${centres.y.length} y`);
  }
  const integer = (options.centring ?? "bilinear") === "integer";
  const n = centres.x.length;
  const size = w * w;
  const buffer = new Float32Array(n * size);
  const kept: number[] = [];
  let droppedBorder = 0;
  let droppedNonFinite = 0;
  for (let i = 0; i < n; i++) {
    const out = buffer.subarray(kept.length * size, (kept.length + 1) * size);
    const status = integer
      ? cropInteger(image, centres.x[i], centres.y[i], w, out)
      : cropBilinear(image, centres.x[i], centres.y[i], w, out);
    if (status === "border") droppedBorder++;
    else if (status === "nonfinite") droppedNonFinite++;
    else kept.push(i);
  }
  const count = kept.length;
  const data = buffer.slice(0, count * size);
  const keptArray = Uint32Array.from(kept);
  const x = Float64Array.from(keptArray, (i) => integer ? Math.round(centres.x[i]) : centres.x[i]);
  const y = Float64Array.from(keptArray, (i) => integer ? Math.round(centres.y[i]) : centres.y[i]);
  const normalization = options.normalization ?? "minmax";
  let offset = 0, scale = 1;
  if (options.perWindow) {
    for (let k = 0; k < count; k++) {
      normalize(data.subarray(k * size, (k + 1) * size), normalization);
    }
    offset = scale = NaN;
  } else {
    ({ offset, scale } = normalize(data, normalization));
  }
  return {
    data,
    count,
    window: w,
    kept: keptArray,
    x,
    y,
    dropped: droppedBorder + droppedNonFinite,
    droppedBorder,
    droppedNonFinite,
    offset,
    scale,
  };
}

type CropStatus = "ok" | "border" | "nonfinite";

function cropInteger(image: Image, x: number, y: number, w: number, out: Float32Array): CropStatus {
  if (!Number.isFinite(x) || !Number.isFinite(y)) return "border";
  const x0 = Math.round(x) - Math.floor(w / 2);
  const y0 = Math.round(y) - Math.floor(w / 2);
  if (x0 < 0 || y0 < 0 || x0 + w > image.width || y0 + w > image.height) return "border";
  for (let v = 0; v < w; v++) {
    const row = (y0 + v) * image.width + x0;
    for (let u = 0; u < w; u++) {
      const value = image.data[row + u];
      if (!Number.isFinite(value)) return "nonfinite";
      out[v * w + u] = value;
    }
  }
  return "ok";
}

function cropBilinear(
  image: Image,
  x: number,
  y: number,
  w: number,
  out: Float32Array,
): CropStatus {
  if (!Number.isFinite(x) || !Number.isFinite(y)) return "border";
  const half = (w - 1) / 2;
  const left = x - half;
  const top = y - half;
  // Every sample lies in [left, left + w − 1]; bilinear reads the pixels around it.
  if (left < 0 || top < 0 || left + w - 1 > image.width - 1 || top + w - 1 > image.height - 1) {
    return "border";
  }
  const ix = Math.floor(left);
  const iy = Math.floor(top);
  const fx = left - ix;
  const fy = top - iy;
  const { width, data } = image;
  // Neighbours with zero weight are never read, so a window flush with the border is fine.
  const dx = fx > 0 ? 1 : 0;
  const dy = fy > 0 ? width : 0;
  const w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy;
  for (let v = 0; v < w; v++) {
    const row = (iy + v) * width + ix;
    for (let u = 0; u < w; u++) {
      const p = row + u;
      const a = data[p], b = data[p + dx], c = data[p + dy], d = data[p + dy + dx];
      const value = w00 * a + w10 * b + w01 * c + w11 * d;
      if (!Number.isFinite(value)) return "nonfinite";
      out[v * w + u] = value;
    }
  }
  return "ok";
}

/** Scale `data` in place; returns the offset and divisor used. */
function normalize(data: Float32Array, how: Normalization): { offset: number; scale: number } {
  if (how === "none" || data.length === 0) return { offset: 0, scale: 1 };
  let offset = 0, scale = 1;
  if (how === "zscore") {
    let sum = 0;
    for (let i = 0; i < data.length; i++) sum += data[i];
    offset = sum / data.length;
    let squares = 0;
    for (let i = 0; i < data.length; i++) squares += (data[i] - offset) ** 2;
    scale = Math.sqrt(squares / data.length);
  } else {
    let min = Infinity, max = -Infinity;
    for (let i = 0; i < data.length; i++) {
      if (data[i] < min) min = data[i];
      if (data[i] > max) max = data[i];
    }
    if (how === "max") scale = max;
    else {
      offset = min;
      scale = max - min;
    }
  }
  // A constant stack (or a maximum ≤ 0) cannot be scaled; only shift it.
  if (!(scale > 0)) scale = 1;
  for (let i = 0; i < data.length; i++) data[i] = (data[i] - offset) / scale;
  return { offset, scale };
}
