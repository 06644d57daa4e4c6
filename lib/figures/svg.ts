/**
 * SVG as strings: the document wrapper, text, axes drawn from d3 scales,
 * embedded rasters, and ids that stay unique when figures are nested.
 * Every figure function in `lib/figures` returns a complete `<svg>` document
 * whose root carries `width` and `height`, so figures nest by composition
 * ({@linkcode figureGrid}) and open in any browser or viewer.
 *
 * @module
 */

import { encodePng, type PngPixels } from "../formats/png.ts";

/** Font stack: Roboto is bundled for rasterising; viewers fall back to their sans-serif. */
export const FONT_FAMILY = "Roboto, 'Helvetica Neue', Arial, sans-serif";

/** Sizes (px) shared by all figures so panels look alike. */
export const FONT_SIZE = { title: 14, label: 12, tick: 10.5 } as const;

/** A rectangle in SVG user units. */
export interface Rect {
  /** Left edge. */
  x: number;
  /** Top edge. */
  y: number;
  /** Width. */
  width: number;
  /** Height. */
  height: number;
}

/** Escape text for SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) =>
      c === "&"
        ? "&amp;"
        : c === "<"
        ? "&lt;"
        : c === ">"
        ? "&gt;"
        : c === '"'
        ? "&quot;"
        : "&#39;",
  );
}

/** Smallest and largest finite value, or [Infinity, -Infinity] when there is none. */
export function finiteMinMax(values: ArrayLike<number>): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return [lo, hi];
}

/** A coordinate rounded to 0.01 so SVG files stay small. */
export function num(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** Options for {@linkcode svgDocument}. */
export interface SvgDocumentOptions {
  /** Background fill, default white; "none" for transparent. */
  background?: string;
}

/** Wrap `body` in a root `<svg>` of the given size. */
export function svgDocument(
  size: { width: number; height: number },
  body: string,
  options: SvgDocumentOptions = {},
): string {
  const w = num(size.width), h = num(size.height);
  const background = options.background ?? "white";
  const bg = background === "none" ? "" : `<rect width="${w}" height="${h}" fill="${background}"/>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" ` +
    `viewBox="0 0 ${w} ${h}" font-family="${escapeXml(FONT_FAMILY)}">${bg}${body}</svg>`;
}

/** Width and height of a document made by {@linkcode svgDocument} (or any root with both). */
export function svgSize(svg: string): { width: number; height: number } {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0] ?? "";
  const width = Number(/\swidth="([\d.]+)"/.exec(root)?.[1]);
  const height = Number(/\sheight="([\d.]+)"/.exec(root)?.[1]);
  if (!(width > 0 && height > 0)) throw new RangeError("SVG root has no numeric width and height");
  return { width, height };
}

/** Options for {@linkcode svgText}. */
export interface TextOptions {
  /** Font size in px, default {@linkcode FONT_SIZE}.label. */
  size?: number;
  /** "start", "middle" (default) or "end". */
  anchor?: "start" | "middle" | "end";
  /** Font weight, default normal. */
  weight?: "normal" | "bold";
  /** Fill colour, default near-black. */
  fill?: string;
  /** Rotation in degrees about (x, y). */
  rotate?: number;
  /** Vertical alignment: "baseline" (default), "middle" or "hanging". */
  baseline?: "baseline" | "middle" | "hanging";
  /** Outline colour drawn under the glyphs, so text reads over images. */
  halo?: string;
}

/** A `<text>` element; `text` is escaped. */
export function svgText(x: number, y: number, text: string, options: TextOptions = {}): string {
  const size = options.size ?? FONT_SIZE.label;
  // resvg ignores dominant-baseline, so vertical alignment is done with dy.
  const dy = options.baseline === "middle"
    ? size * 0.35
    : options.baseline === "hanging"
    ? size * 0.8
    : 0;
  const attrs = [
    `x="${num(x)}"`,
    `y="${num(y + dy)}"`,
    `font-size="${num(size)}"`,
    `text-anchor="${options.anchor ?? "middle"}"`,
    `fill="${options.fill ?? "#222"}"`,
  ];
  if (options.weight === "bold") attrs.push(`font-weight="bold"`);
  if (options.halo) {
    attrs.push(
      `stroke="${options.halo}" stroke-width="2.5" stroke-linejoin="round" paint-order="stroke"`,
    );
  }
  if (options.rotate) attrs.push(`transform="rotate(${num(options.rotate)} ${num(x)} ${num(y)})"`);
  return `<text ${attrs.join(" ")}>${escapeXml(text)}</text>`;
}

/** A short, stable id from content (FNV-1a), so nested figures never share an id by chance. */
export function contentId(prefix: string, content: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < content.length; i++) {
    h = Math.imul(h ^ content.charCodeAt(i), 0x01000193) >>> 0;
  }
  return `${prefix}-${h.toString(36)}`;
}

/** Base64 of bytes (chunked, so large rasters do not overflow the call stack). */
export function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** RGBA pixels, row-major, 4 bytes per pixel. */
export interface RgbaPixels {
  /** `width * height * 4` bytes. */
  data: Uint8Array;
  /** Number of columns. */
  width: number;
  /** Number of rows. */
  height: number;
}

/** Options for {@linkcode svgRaster}. */
export interface RasterElementOptions {
  /** Nearest-neighbour scaling (crisp pixels) instead of smooth; default true. */
  pixelated?: boolean;
  /** Extra attributes, e.g. `clip-path="url(#c)"`. */
  attributes?: string;
}

/** An `<image>` showing `pixels` (embedded as a PNG data URL) stretched over `box`. */
export function svgRaster(
  pixels: RgbaPixels,
  box: Rect,
  options: RasterElementOptions = {},
): string {
  const png = encodePng(compactChannels(pixels));
  const rendering = options.pixelated ?? true
    ? ` image-rendering="optimizeSpeed"` // resvg's nearest-neighbour; browsers: crisp-edges
    : "";
  return `<image x="${num(box.x)}" y="${num(box.y)}" width="${num(box.width)}" ` +
    `height="${num(box.height)}" preserveAspectRatio="none"${rendering} ` +
    `${options.attributes ?? ""} href="data:image/png;base64,${base64(png)}"/>`;
}

/** Gray (+ alpha) pixels as 1 (2) channels: gray images encode 2-3x faster and smaller. */
function compactChannels(pixels: RgbaPixels): PngPixels {
  const { data, width, height } = pixels;
  let gray = true, opaque = true;
  for (let i = 0; i < data.length && gray; i += 4) {
    gray = data[i] === data[i + 1] && data[i] === data[i + 2];
    opaque &&= data[i + 3] === 255;
  }
  if (!gray) return { data, width, height, channels: 4 };
  const channels = opaque ? 1 : 2;
  const out = new Uint8Array(width * height * channels);
  for (let i = 0, o = 0; i < data.length; i += 4, o += channels) {
    out[o] = data[i];
    if (!opaque) out[o + 1] = data[i + 3];
  }
  return { data: out, width, height, channels };
}

/** A d3-like continuous scale: callable, with ticks and a tick formatter. */
export interface TickScale {
  /** Map a data value to a position. */
  (value: number): number;
  /** The scale's output range. */
  range(): number[];
  /** About `count` round tick values. */
  ticks(count?: number): number[];
  /** A formatter suited to those ticks. */
  tickFormat(count?: number, specifier?: string): (value: number) => string;
}

/** Options for {@linkcode axisSvg}. */
export interface AxisOptions {
  /** Axis title, drawn outside the tick labels. */
  label?: string;
  /** Approximate number of ticks, default 5. */
  ticks?: number;
  /** Tick mark length (px), default 5. */
  tickSize?: number;
}

/**
 * An axis as SVG: a line along the scale's range at `offset` (the y of a
 * bottom axis or the x of a left axis), tick marks, labels and a title.
 */
export function axisSvg(
  scale: TickScale,
  side: { orient: "bottom" | "left"; offset: number },
  options: AxisOptions = {},
): string {
  const count = options.ticks ?? 5;
  const tickSize = options.tickSize ?? 5;
  const format = scale.tickFormat(count);
  const [r0, r1] = scale.range();
  const o = side.offset;
  const parts: string[] = [];
  const stroke = `stroke="#333" stroke-width="1" fill="none"`;
  if (side.orient === "bottom") {
    parts.push(`<path d="M${num(r0)},${num(o)}H${num(r1)}" ${stroke}/>`);
    for (const t of scale.ticks(count)) {
      const x = scale(t);
      parts.push(`<path d="M${num(x)},${num(o)}v${tickSize}" ${stroke}/>`);
      parts.push(svgText(x, o + tickSize + 2, format(t), {
        size: FONT_SIZE.tick,
        baseline: "hanging",
      }));
    }
    if (options.label) {
      parts.push(svgText((r0 + r1) / 2, o + tickSize + 32, options.label));
    }
  } else {
    parts.push(`<path d="M${num(o)},${num(r0)}V${num(r1)}" ${stroke}/>`);
    let widest = 0;
    for (const t of scale.ticks(count)) {
      const y = scale(t);
      const text = format(t);
      widest = Math.max(widest, text.length);
      parts.push(`<path d="M${num(o)},${num(y)}h${-tickSize}" ${stroke}/>`);
      parts.push(svgText(o - tickSize - 3, y, text, {
        size: FONT_SIZE.tick,
        anchor: "end",
        baseline: "middle",
      }));
    }
    if (options.label) {
      const x = o - tickSize - 8 - widest * FONT_SIZE.tick * 0.6;
      parts.push(svgText(x, (r0 + r1) / 2, options.label, { rotate: -90 }));
    }
  }
  return `<g class="axis">${parts.join("")}</g>`;
}
