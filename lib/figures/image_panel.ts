/**
 * An image panel: a gray (or colour-mapped) image with percentile clipping,
 * optional crop, overlay layers drawn in image pixel coordinates (points,
 * arrows, anything), a scale bar when the image is calibrated, and an
 * optional colour bar.
 *
 * Coordinates are the image frame's: pixel (x, y) has its centre at (x, y),
 * x to the right, y down.
 *
 * @module
 */

import type { PixelSize } from "../image.ts";
import { quantileSorted } from "../math.ts";
import { type Colormap, colormap, type ColormapName } from "./color.ts";
import { colorBar } from "./legends.ts";
import { chooseScaleBar } from "./scale_bar.ts";
import {
  contentId,
  FONT_SIZE,
  num,
  type Rect,
  type RgbaPixels,
  svgDocument,
  svgRaster,
  svgSize,
  svgText,
} from "./svg.ts";

/** The image-like input of image panels and mosaics (an {@linkcode Image} fits). */
export interface ImageData {
  /** Values, row-major, `width * height` of them. */
  data: ArrayLike<number>;
  /** Number of columns. */
  width: number;
  /** Number of rows. */
  height: number;
  /** Calibration, when known. */
  pixelSize?: PixelSize;
}

/** Maps image pixel coordinates to panel coordinates; handed to each {@linkcode Layer}. */
export interface ImageFrame {
  /** Panel x of image x (pixel centres at integers). */
  x(imageX: number): number;
  /** Panel y of image y. */
  y(imageY: number): number;
  /** Panel units per image pixel. */
  scale: number;
  /** The image area in the panel. */
  area: Rect;
}

/** An overlay: draws SVG given the frame of the image it sits on. */
export type Layer = (frame: ImageFrame) => string;

/**
 * Lower and upper percentiles (0-100) of the finite values, linearly
 * interpolated (`quantileSorted` of `lib/math.ts`), on a strided sample of
 * at most about a million values; [0, 1] for no finite value.
 *
 * @example
 * ```ts
 * import { percentileRange } from "./image_panel.ts";
 * const values = Float32Array.from({ length: 101 }, (_, i) => i);
 * const [lo, hi] = percentileRange(values, [1, 99]);
 * if (lo !== 1 || hi !== 99) throw new Error("the 1st and 99th percentiles of 0-100");
 * ```
 */
export function percentileRange(
  data: ArrayLike<number>,
  percentiles: readonly [number, number] = [0.5, 99.5],
): [number, number] {
  // A strided sample of at most ~1M values keeps this fast on 4k x 4k images.
  const stride = Math.max(1, Math.floor(data.length / 1_000_000));
  const sample = new Float64Array(Math.ceil(data.length / stride));
  let n = 0;
  for (let i = 0; i < data.length; i += stride) {
    const v = data[i];
    if (Number.isFinite(v)) sample[n++] = v;
  }
  if (n === 0) return [0, 1];
  const sorted = sample.subarray(0, n).sort();
  const at = (p: number) => quantileSorted(sorted, Math.min(100, Math.max(0, p)) / 100);
  return [at(percentiles[0]), at(percentiles[1])];
}

/** Options for {@linkcode imageToRgba}. */
export interface ImageToRgbaOptions {
  /** Values mapped to the ends of the colour map; default from `percentiles`. */
  range?: readonly [number, number];
  /** Percentiles clipped to black and white, default [0.5, 99.5]. */
  percentiles?: readonly [number, number];
  /** Colour map, default gray. */
  colormap?: ColormapName | Colormap;
  /** Region to convert, default the whole image. */
  crop?: Rect;
}

/**
 * Colour-map an image (or a crop of it) to RGBA; NaN becomes transparent.
 *
 * @example
 * ```ts
 * import { imageToRgba } from "./image_panel.ts";
 * const image = { data: Float32Array.of(0, 1, NaN, 0.5), width: 2, height: 2 };
 * const { data } = imageToRgba(image, { range: [0, 1] });
 * if (data[0] !== 0 || data[4] !== 255 || data[11] !== 0) throw new Error("black, white, clear");
 * ```
 */
export function imageToRgba(image: ImageData, options: ImageToRgbaOptions = {}): RgbaPixels {
  const crop = options.crop ?? { x: 0, y: 0, width: image.width, height: image.height };
  const [lo, hi] = options.range ?? percentileRange(image.data, options.percentiles);
  const map = typeof options.colormap === "function"
    ? options.colormap
    : colormap(options.colormap ?? "gray");
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) lut.set(map(i / 255), i * 3);
  const out = new Uint8Array(crop.width * crop.height * 4);
  const span = hi > lo ? hi - lo : 1;
  for (let y = 0; y < crop.height; y++) {
    const row = (crop.y + y) * image.width + crop.x;
    for (let x = 0; x < crop.width; x++) {
      const v = image.data[row + x];
      const o = (y * crop.width + x) * 4;
      if (!Number.isFinite(v)) continue;
      const t = hi > lo ? (v - lo) / span : 0.5;
      const k = Math.round(Math.min(1, Math.max(0, t)) * 255) * 3;
      out[o] = lut[k];
      out[o + 1] = lut[k + 1];
      out[o + 2] = lut[k + 2];
      out[o + 3] = 255;
    }
  }
  return { data: out, width: crop.width, height: crop.height };
}

/** Options for {@linkcode imagePanel}. */
export interface ImagePanelOptions extends ImageToRgbaOptions {
  /** Title above the image. */
  title?: string;
  /** Display width of the image area in px, default the crop width limited to 200-560. */
  width?: number;
  /** Overlays drawn over the image, clipped to it, in order. */
  layers?: readonly Layer[];
  /** Draw a scale bar (needs a length calibration), default true. */
  scaleBar?: boolean;
  /** Add a colour bar with this label at the right (e.g. "intensity (counts)"). */
  colorBarLabel?: string;
  /** Nearest-neighbour display (default when enlarged) or smooth. */
  pixelated?: boolean;
}

const PAD = 6;

/**
 * A panel showing `image` as gray levels clipped at percentiles (or a colour
 * map), with overlays. Returns a complete SVG document.
 *
 * @example
 * ```ts
 * import { imagePanel } from "./image_panel.ts";
 * import { pointsLayer } from "./layers.ts";
 * const image = { data: new Float32Array(32 * 32).map((_, i) => i % 7), width: 32, height: 32 };
 * const svg = imagePanel(image, { title: "columns", layers: [pointsLayer([8, 24], [8, 24])] });
 * if (!svg.startsWith("<svg") || !svg.includes("columns")) throw new Error("a titled panel");
 * ```
 */
export function imagePanel(image: ImageData, options: ImagePanelOptions = {}): string {
  const crop = clampCrop(image, options.crop);
  const displayWidth = options.width ?? Math.min(560, Math.max(200, crop.width));
  const scale = displayWidth / crop.width;
  const titleHeight = options.title ? FONT_SIZE.title + 10 : 0;
  const area: Rect = {
    x: PAD,
    y: PAD + titleHeight,
    width: displayWidth,
    height: crop.height * scale,
  };
  const frame: ImageFrame = {
    x: (ix) => area.x + (ix - crop.x + 0.5) * scale,
    y: (iy) => area.y + (iy - crop.y + 0.5) * scale,
    scale,
    area,
  };
  // Far more pixels than the display (and a 2x PNG) can show: average blocks first,
  // which keeps the SVG small and shows the mean, not an aliased sample.
  const factor = Math.floor(Math.min(crop.width / (2 * displayWidth), crop.height));
  const shown = factor >= 2 ? binImage(image, crop, factor) : image;
  const shownCrop = factor >= 2 ? { x: 0, y: 0, width: shown.width, height: shown.height } : crop;
  // Binned, the raster covers whole blocks only: at most factor - 1 pixels (< 1 px on screen) less.
  const rasterBox = factor >= 2
    ? { ...area, width: shown.width * factor * scale, height: shown.height * factor * scale }
    : area;
  const range = options.range ?? percentileRange(shown.data, options.percentiles);
  const parts: string[] = [];
  if (options.title) {
    parts.push(svgText(area.x + area.width / 2, PAD + FONT_SIZE.title, options.title, {
      size: FONT_SIZE.title,
      weight: "bold",
    }));
  }
  const pixels = imageToRgba(shown, { ...options, range, crop: shownCrop });
  parts.push(svgRaster(pixels, rasterBox, { pixelated: options.pixelated ?? scale >= 1 }));
  if (options.layers?.length) {
    const clip = contentId("clip", `${area.x},${area.y},${area.width},${area.height}`);
    parts.push(
      `<clipPath id="${clip}"><rect x="${num(area.x)}" y="${num(area.y)}" ` +
        `width="${num(area.width)}" height="${num(area.height)}"/></clipPath>`,
      `<g clip-path="url(#${clip})">${options.layers.map((layer) => layer(frame)).join("")}</g>`,
    );
  }
  if (options.scaleBar ?? true) parts.push(scaleBarSvg(image.pixelSize, crop.width, frame));
  let width = area.x + area.width + PAD;
  let height = area.y + area.height + PAD;
  if (options.colorBarLabel !== undefined) {
    const bar = colorBar(range, {
      colormap: options.colormap,
      label: options.colorBarLabel,
      length: area.height,
    });
    const size = svgSize(bar);
    parts.push(nest(bar, width, area.y));
    width += size.width;
    height = Math.max(height, area.y + size.height + PAD);
  }
  return svgDocument({ width, height }, parts.join(""));
}

/** Place a complete SVG document at (x, y) inside another. */
export function nest(svg: string, x: number, y: number): string {
  return svg.replace(/^\s*<svg\b/, `<svg x="${num(x)}" y="${num(y)}"`);
}

/** Mean of each `factor` x `factor` block of `crop` (NaN-aware; partial edge blocks dropped). */
export function binImage(image: ImageData, crop: Rect, factor: number): ImageData {
  const width = Math.floor(crop.width / factor), height = Math.floor(crop.height / factor);
  const sum = new Float64Array(width * height), count = new Uint32Array(width * height);
  for (let y = 0; y < height * factor; y++) {
    const row = (crop.y + y) * image.width + crop.x, out = Math.floor(y / factor) * width;
    for (let x = 0; x < width * factor; x++) {
      const v = image.data[row + x];
      if (Number.isFinite(v)) {
        sum[out + Math.floor(x / factor)] += v;
        count[out + Math.floor(x / factor)]++;
      }
    }
  }
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = count[i] ? sum[i] / count[i] : NaN;
  return { data, width, height };
}

function clampCrop(image: ImageData, crop: Rect | undefined): Rect {
  if (!crop) return { x: 0, y: 0, width: image.width, height: image.height };
  const x = Math.max(0, Math.min(image.width - 1, Math.floor(crop.x)));
  const y = Math.max(0, Math.min(image.height - 1, Math.floor(crop.y)));
  return {
    x,
    y,
    width: Math.max(1, Math.min(image.width - x, Math.round(crop.width))),
    height: Math.max(1, Math.min(image.height - y, Math.round(crop.height))),
  };
}

function scaleBarSvg(pixelSize: PixelSize | undefined, cropWidth: number, frame: ImageFrame) {
  const bar = chooseScaleBar(cropWidth, pixelSize);
  if (!bar) return "";
  const length = bar.pixels * frame.scale;
  const { area } = frame;
  const x = area.x + area.width - 10 - length;
  const y = area.y + area.height - 12;
  // White bar with a thin dark outline reads on both bright and dark images.
  return `<g class="scale-bar"><rect x="${num(x)}" y="${num(y)}" width="${num(length)}" ` +
    `height="4" fill="white" stroke="black" stroke-width="0.6" stroke-opacity="0.6"/>` +
    svgText(x + length, y - 4, bar.label, {
      anchor: "end",
      fill: "white",
      halo: "rgba(0,0,0,0.7)",
      size: FONT_SIZE.label,
      weight: "bold",
    }) + `</g>`;
}
