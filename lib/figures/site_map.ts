/**
 * Maps of sites (atom columns, window centres) drawn in the image's own
 * frame, as a microscopist reads an image: x to the right, y down, one image
 * pixel square on screen, axes in nm when the image is calibrated (px
 * otherwise), optionally over the image in grey. Each map carries the key of
 * its colours: the colour wheel (with the amplitude range and unit) for
 * amplitude-phase colours, a colour bar for values, a legend for classes.
 *
 * Sites are at pixel coordinates (pixel centres at integers, x right, y
 * down); the plot area spans the image's pixels, -0.5 … width - 0.5.
 *
 * @module
 */

import { d3 } from "../deps.ts";
import type { PixelSize } from "../image.ts";
import { binImage, type ImageData, imageToRgba, nest, percentileRange } from "./image_panel.ts";
import { categoryLegend, type MarkColorOptions, markColors, markersSvg } from "./layers.ts";
import { categoricalLegend, colorBar, colorWheelSvg } from "./legends.ts";
import { lengthUnit } from "./text.ts";
import {
  axisSvg,
  contentId,
  finiteMinMax,
  FONT_SIZE,
  num,
  type Rect,
  svgDocument,
  svgRaster,
  svgSize,
  svgText,
} from "./svg.ts";

/** The image the sites belong to: its size in pixels and calibration. */
export interface SiteMapFrame {
  /** Image width in pixels. */
  width: number;
  /** Image height in pixels. */
  height: number;
  /** Calibration; lengths on the axes are in nm when it is a length. */
  pixelSize?: PixelSize;
}

/** Site positions in image pixels. */
export interface SitePositions {
  /** Column coordinate of each site. */
  x: ArrayLike<number>;
  /** Row coordinate of each site (down). */
  y: ArrayLike<number>;
}

/** Options of {@linkcode siteMapFigure}; colours as in {@linkcode MarkColorOptions}. */
export interface SiteMapOptions extends MarkColorOptions {
  /** Title above the map. */
  title?: string;
  /** The image drawn in grey under the sites; none by default. */
  background?: ImageData | null;
  /** Longest side of the plot area in screen px, default 480. */
  size?: number;
  /** Marker radius in screen px, default 0.38 of the typical site spacing (1.2-9). */
  radius?: number;
  /**
   * Name of the amplitude of `angles` colours with its unit, for the colour
   * wheel, e.g. "|p| (pm)"; `amplitudeMax` is its value at the rim.
   */
  amplitudeLabel?: string;
  /** Name of what the hue shows on the wheel, default "angle". */
  hueLabel?: string;
  /** Label of the colour bar when colouring by `values`. */
  valueLabel?: string;
  /** Legend title when colouring by `categories`. */
  legendTitle?: string;
  /** Text of each category in the legend, default the category itself. */
  categoryLabel?: (category: number | string) => string;
}

const MARGIN = { left: 62, right: 10, top: 8, bottom: 44 };

/** Where the plot area of a site map sits, in its SVG's units. */
export interface SiteMapLayout {
  /** The plot area (the image's extent). */
  area: Rect;
  /** Screen px per image pixel. */
  scale: number;
}

/** Size of the plot area for an image of `frame`'s shape: longest side `size`. */
export function siteMapArea(frame: SiteMapFrame, size = 480): { width: number; height: number } {
  const scale = size / Math.max(frame.width, frame.height);
  return { width: frame.width * scale, height: frame.height * scale };
}

/**
 * A map of `sites` over the image frame with axes (nm when calibrated, px
 * otherwise; y down), equal aspect, clipped to the image, and the key of
 * its colours at the right. Returns a complete SVG document whose plot area
 * is the `<rect class="plot-area">`.
 *
 * @example
 * ```ts
 * import { siteMapFigure } from "./site_map.ts";
 * const svg = siteMapFigure({ width: 64, height: 48 }, { x: [10, 30], y: [5, 40] }, {
 *   angles: [0, Math.PI / 2],
 *   amplitudes: [1, 0.5],
 *   amplitudeMax: 1,
 *   amplitudeLabel: "|p| (px)",
 * });
 * if (!svg.startsWith("<svg") || !svg.includes("|p| (px)")) throw new Error("wheel labelled");
 * ```
 */
export function siteMapFigure(
  frame: SiteMapFrame,
  sites: SitePositions,
  options: SiteMapOptions = {},
): string {
  const n = sites.x.length;
  if (sites.y.length !== n) throw new RangeError(`siteMapFigure: ${n} x but ${sites.y.length} y`);
  if (!(frame.width > 0 && frame.height > 0)) {
    throw new RangeError("siteMapFigure: the frame needs a positive width and height");
  }
  const key = keySvg(options, n);
  const keySize = key ? svgSize(key) : { width: 0, height: 0 };
  const plot = siteMapArea(frame, options.size ?? 480);
  const titleHeight = options.title ? FONT_SIZE.title + 10 : 0;
  const area: Rect = {
    x: MARGIN.left,
    y: MARGIN.top + titleHeight,
    width: plot.width,
    height: plot.height,
  };
  const scale = area.width / frame.width;
  const px = (x: number) => area.x + (x + 0.5) * scale;
  const py = (y: number) => area.y + (y + 0.5) * scale;
  const parts: string[] = [];
  if (options.title) {
    parts.push(svgText(area.x + area.width / 2, MARGIN.top + FONT_SIZE.title, options.title, {
      size: FONT_SIZE.title,
      weight: "bold",
    }));
  }
  if (options.background) parts.push(backgroundSvg(options.background, area));
  const clip = contentId("map", `${area.x},${area.y},${area.width},${area.height},${n}`);
  parts.push(
    `<clipPath id="${clip}"><rect x="${num(area.x)}" y="${num(area.y)}" ` +
      `width="${num(area.width)}" height="${num(area.height)}"/></clipPath>`,
  );
  const colorOf = markColors(options);
  const radius = options.radius ?? autoRadius(frame, n, scale);
  const marks = Array.from({ length: n }, (_, i) => ({
    x: px(sites.x[i]),
    y: py(sites.y[i]),
    color: colorOf(i),
  }));
  parts.push(
    `<g clip-path="url(#${clip})">${
      markersSvg(marks, {
        radius,
        stroke: options.background ? "rgba(0,0,0,0.5)" : "none",
        opacity: options.opacity ?? 1,
      })
    }</g>`,
    `<rect class="plot-area" x="${num(area.x)}" y="${num(area.y)}" width="${num(area.width)}" ` +
      `height="${num(area.height)}" fill="none" stroke="#333" stroke-width="0.8"/>`,
  );
  const { unit, perPixel } = lengthUnit(frame.pixelSize);
  const sx = d3.scaleLinear().domain([-0.5 * perPixel, (frame.width - 0.5) * perPixel])
    .range([area.x, area.x + area.width]);
  const sy = d3.scaleLinear().domain([-0.5 * perPixel, (frame.height - 0.5) * perPixel])
    .range([area.y, area.y + area.height]);
  const ticks = (length: number) => Math.max(2, Math.min(6, Math.round(length / 80)));
  parts.push(
    axisSvg(sx, { orient: "bottom", offset: area.y + area.height }, {
      label: `x (${unit})`,
      ticks: ticks(area.width),
    }),
    axisSvg(sy, { orient: "left", offset: area.x }, {
      label: `y (${unit})`,
      ticks: ticks(area.height),
    }),
  );
  let width = area.x + area.width + MARGIN.right;
  if (key) {
    parts.push(nest(key, width, area.y));
    width += keySize.width + MARGIN.right;
  }
  const height = Math.max(area.y + area.height + MARGIN.bottom, area.y + keySize.height + 6);
  return svgDocument({ width, height }, parts.join(""));
}

/** The plot area of a site map (the `<rect class="plot-area">`), or undefined. */
export function plotAreaOf(svg: string): Rect | undefined {
  const rect =
    /<rect class="plot-area" x="([\d.-]+)" y="([\d.-]+)" width="([\d.]+)" height="([\d.]+)"/
      .exec(svg);
  if (!rect) return undefined;
  const [x, y, width, height] = rect.slice(1).map(Number);
  return { x, y, width, height };
}

/** The image in grey, dimmed so that coloured sites stand out, stretched over `area`. */
function backgroundSvg(image: ImageData, area: Rect): string {
  const whole = { x: 0, y: 0, width: image.width, height: image.height };
  // Context under the sites, dimmed: one raster pixel per screen pixel is enough, and block
  // means keep the SVG (and the report) small: a 640 px image under a 520 px map is binned 2x.
  const factor = Math.min(Math.ceil(image.width / area.width), image.height);
  const shown = factor >= 2 ? binImage(image, whole, factor) : image;
  const box = factor >= 2
    ? {
      ...area,
      width: (shown.width * factor * area.width) / image.width,
      height: (shown.height * factor * area.height) / image.height,
    }
    : area;
  const [lo, hi] = percentileRange(shown.data);
  const pixels = imageToRgba(shown, { range: [lo, lo + 1.8 * (hi - lo)] });
  return svgRaster(pixels, box, { pixelated: area.width / image.width >= 1 });
}

/** Marker radius from the typical spacing of `n` sites spread over the image. */
function autoRadius(frame: SiteMapFrame, n: number, scale: number): number {
  const spacing = Math.sqrt((frame.width * frame.height) / Math.max(1, n));
  return Math.max(1.2, Math.min(9, 0.38 * spacing * scale));
}

/** The key of the map's colours, or "" when every site has one colour. */
function keySvg(options: SiteMapOptions, n: number): string {
  if (options.angles) {
    const amplitude = options.amplitudes
      ? (options.amplitudeMax ?? finiteMinMax(options.amplitudes)[1])
      : undefined;
    return colorWheelSvg({
      size: 84,
      title: options.hueLabel ?? "angle",
      amplitude: amplitude !== undefined && Number.isFinite(amplitude)
        ? { max: amplitude, label: options.amplitudeLabel ?? "amplitude" }
        : undefined,
    });
  }
  if (options.categories) {
    return categoricalLegend(
      categoryLegend(options.categories, { label: options.categoryLabel }),
      { title: options.legendTitle },
    );
  }
  if (options.values && n > 0) {
    const domain = options.domain ?? finiteMinMax(options.values);
    const safe: [number, number] = domain[1] > domain[0]
      ? [domain[0], domain[1]]
      : [domain[0] - 0.5, domain[0] + 0.5];
    return colorBar(safe, {
      colormap: options.colormap ?? "viridis",
      label: options.valueLabel,
      length: 180,
    });
  }
  return "";
}
