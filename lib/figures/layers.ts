/**
 * Overlays for {@linkcode imagePanel}: points (atom columns, coloured by
 * category or value) and arrows (polarisation vectors). Both take positions
 * in image pixel coordinates and draw in panel coordinates through the
 * panel's frame, so marker sizes stay in screen px whatever the zoom.
 *
 * @module
 */

import type { LegendEntry } from "./legends.ts";
import {
  amplitudePhaseColor,
  categoricalColor,
  type Colormap,
  colormap,
  type ColormapName,
  cssColor,
} from "./color.ts";
import type { ImageFrame, Layer } from "./image_panel.ts";
import { escapeXml, finiteMinMax, num } from "./svg.ts";

/**
 * How to colour marks: one colour, one colour per mark, values through a
 * colour map, or directions (and strengths) through the amplitude-phase map.
 */
export interface MarkColorOptions {
  /** One CSS colour for every mark (default "#e15759"), or one per mark. */
  color?: string | readonly string[];
  /** Per-mark values coloured through `colormap` over `domain` (overrides `color`). */
  values?: ArrayLike<number>;
  /** Colour map for `values`, default "viridis". */
  colormap?: ColormapName | Colormap;
  /** Value range for `values`, default their min and max. */
  domain?: readonly [number, number];
  /**
   * Per-mark categories (e.g. sublattice "A"/"B" or cluster ids), coloured
   * from the categorical palette in sorted order (see {@linkcode categoryLegend}).
   */
  categories?: ArrayLike<number | string>;
  /**
   * Per-mark directions (radians) coloured by the amplitude-phase map
   * (overrides `values` and `color`), e.g. polarisation or latent angles.
   */
  angles?: ArrayLike<number>;
  /** Per-mark strengths for `angles`, divided by `amplitudeMax`; default all 1. */
  amplitudes?: ArrayLike<number>;
  /** Amplitude shown at full chroma, default the largest finite amplitude. */
  amplitudeMax?: number;
  /** Fill opacity, default 0.9. */
  opacity?: number;
}

/** Per-mark colour function from {@linkcode MarkColorOptions}. */
export function markColors(options: MarkColorOptions): (i: number) => string {
  if (options.angles) {
    const { angles, amplitudes } = options;
    const max = options.amplitudeMax ?? (amplitudes ? finiteMinMax(amplitudes)[1] : 1);
    const scale = max > 0 && Number.isFinite(max) ? 1 / max : 1;
    // Quantised to 1 degree and 1/32 of the amplitude (invisible steps) so marks group by colour.
    const step = Math.PI / 180;
    return (i) => {
      const a = Math.round(angles[i] / step) * step;
      const r = amplitudes ? Math.round(amplitudes[i] * scale * 32) / 32 : 1;
      return cssColor(amplitudePhaseColor(a, r));
    };
  }
  if (options.categories) {
    const categories = options.categories;
    const index = new Map(sortedCategories(categories).map((name, k) => [name, k]));
    return (i) => categoricalColor(index.get(categories[i]) ?? 0);
  }
  if (options.values) {
    const values = options.values;
    const map = typeof options.colormap === "function"
      ? options.colormap
      : colormap(options.colormap ?? "viridis");
    const [lo, hi] = options.domain ?? finiteMinMax(values);
    const span = hi > lo ? hi - lo : 1;
    // 256 levels: as many as an 8-bit colour map has, and few enough to group marks by colour.
    return (i) => cssColor(map(Math.round(((values[i] - lo) / span) * 255) / 255));
  }
  const color = options.color ?? "#e15759";
  return typeof color === "string" ? () => color : (i) => color[i] ?? "#e15759";
}

/** The distinct categories in the order they take palette colours (numbers ascending, then text). */
export function sortedCategories(categories: ArrayLike<number | string>): (number | string)[] {
  return [...new Set(Array.from(categories))].sort((a, b) =>
    typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b))
  );
}

/** Legend entries matching the colours `categories` get from {@linkcode markColors}. */
export function categoryLegend(
  categories: ArrayLike<number | string>,
  options: { label?: (category: number | string) => string } = {},
): LegendEntry[] {
  return sortedCategories(categories).map((name, k) => ({
    label: options.label ? options.label(name) : String(name),
    color: categoricalColor(k),
  }));
}

/** Options for {@linkcode pointsLayer}. */
export interface PointsOptions extends MarkColorOptions {
  /** Marker radius in screen px, default 3. */
  radius?: number;
  /** Marker shape, default "circle". */
  shape?: MarkerShape;
  /** Outline colour, default a thin dark outline; "none" for none. */
  stroke?: string;
}

/** Marker shapes of {@linkcode markersSvg}. */
export type MarkerShape = "circle" | "square" | "cross";

/** Options for {@linkcode markersSvg}. */
export interface MarkersSvgOptions {
  /** Marker radius in px. */
  radius: number;
  /** Marker shape, default "circle". */
  shape?: MarkerShape;
  /** Outline colour, or "none". */
  stroke?: string;
  /** Fill opacity, default 0.9. */
  opacity?: number;
}

/**
 * Markers at panel positions as one `<path>` per colour: resvg's cost is per
 * element, so 1,000 markers in a few paths rasterise several times faster
 * than 1,000 `<circle>`s. Marks of one colour therefore share a layer.
 */
export function markersSvg(
  marks: Iterable<{ x: number; y: number; color: string }>,
  options: MarkersSvgOptions,
): string {
  const r = options.radius, shape = options.shape ?? "circle";
  const byColor = new Map<string, string[]>();
  for (const { x, y, color } of marks) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const d = shape === "circle"
      ? `M${num(x - r)},${num(y)}a${num(r)},${num(r)} 0 1,0 ${num(2 * r)},0` +
        `a${num(r)},${num(r)} 0 1,0 ${num(-2 * r)},0Z`
      : shape === "square"
      ? `M${num(x - r)},${num(y - r)}h${num(2 * r)}v${num(2 * r)}h${num(-2 * r)}Z`
      : `M${num(x - r)},${num(y)}h${num(2 * r)}M${num(x)},${num(y - r)}v${num(2 * r)}`;
    const list = byColor.get(color);
    if (list) list.push(d);
    else byColor.set(color, [d]);
  }
  const stroke = options.stroke ?? "none";
  const paths: string[] = [];
  for (const [color, ds] of byColor) {
    paths.push(
      shape === "cross"
        ? `<path d="${ds.join("")}" fill="none" stroke="${color}" stroke-width="1.5"/>`
        : `<path d="${ds.join("")}" fill="${color}"/>`,
    );
  }
  const outline = shape === "cross" || stroke === "none"
    ? ""
    : ` stroke="${escapeXml(stroke)}" stroke-width="0.6"`;
  return `<g class="points" fill-opacity="${options.opacity ?? 0.9}"${outline}>` +
    `${paths.join("")}</g>`;
}

/**
 * Markers at image positions (`x`, `y` in pixels).
 *
 * @example
 * ```ts
 * import { pointsLayer } from "./layers.ts";
 * import { imagePanel } from "./image_panel.ts";
 * const image = { data: new Float32Array(16 * 16), width: 16, height: 16 };
 * const svg = imagePanel(image, { layers: [pointsLayer([4, 12], [4, 12], { color: "#ff0000" })] });
 * if (!svg.includes('class="points"')) throw new Error("markers drawn");
 * ```
 */
export function pointsLayer(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: PointsOptions = {},
): Layer {
  if (x.length !== y.length) throw new RangeError(`pointsLayer: ${x.length} x but ${y.length} y`);
  return (frame: ImageFrame) => {
    const colorOf = markColors(options);
    const marks = Array.from(
      { length: x.length },
      (_, i) => ({ x: frame.x(x[i]), y: frame.y(y[i]), color: colorOf(i) }),
    );
    return markersSvg(marks, {
      radius: options.radius ?? 3,
      shape: options.shape,
      stroke: options.stroke ?? "rgba(0,0,0,0.6)",
      opacity: options.opacity,
    });
  };
}

/** Arrow origins and components, in image pixels. */
export interface VectorField {
  /** Origin x of each arrow. */
  x: ArrayLike<number>;
  /** Origin y of each arrow. */
  y: ArrayLike<number>;
  /** x component. */
  dx: ArrayLike<number>;
  /** y component (down is positive, as in the image). */
  dy: ArrayLike<number>;
}

/** Options for {@linkcode arrowsLayer}. */
export interface ArrowsOptions extends MarkColorOptions {
  /**
   * Arrow length in screen px per image pixel of vector; default makes the
   * 95th-percentile vector 14 px long (polar displacements are tiny).
   */
  lengthScale?: number;
  /**
   * Draw each vector `magnify` times its length in image pixels (e.g. 4 for
   * "displacements x4"), whatever the zoom; used when `lengthScale` is not given.
   */
  magnify?: number;
  /** Shaft width in px, default 1.2. */
  width?: number;
  /** Draw arrows centred on the origin (default) or starting at it. */
  pivot?: "middle" | "tail";
}

/**
 * Arrows (a vector field) over an image.
 *
 * @example
 * ```ts
 * import { arrowsLayer } from "./layers.ts";
 * import { imagePanel } from "./image_panel.ts";
 * const image = { data: new Float32Array(16 * 16), width: 16, height: 16 };
 * const field = { x: [4, 12], y: [8, 8], dx: [0.5, -0.5], dy: [0, 0] };
 * const svg = imagePanel(image, { layers: [arrowsLayer(field, { magnify: 4 })] });
 * if (svg.length <= imagePanel(image).length) throw new Error("arrows drawn");
 * ```
 */
export function arrowsLayer(field: VectorField, options: ArrowsOptions = {}): Layer {
  const n = field.x.length;
  if (field.y.length !== n || field.dx.length !== n || field.dy.length !== n) {
    throw new RangeError("arrowsLayer: x, y, dx and dy differ in length");
  }
  return (frame: ImageFrame) => {
    const k = options.lengthScale ??
      (options.magnify !== undefined ? options.magnify * frame.scale : autoLengthScale(field));
    const colorOf = markColors({ color: "#f28e2b", ...options });
    const width = options.width ?? 1.2;
    const head = 3 + 1.5 * width;
    const back = options.pivot === "tail" ? 0 : 0.5;
    const arrows: string[] = [];
    for (let i = 0; i < n; i++) {
      const ux = field.dx[i] * k, uy = field.dy[i] * k;
      const length = Math.hypot(ux, uy);
      if (!(length > 0) || !Number.isFinite(frame.x(field.x[i]) + frame.y(field.y[i]))) continue;
      const x0 = frame.x(field.x[i]) - back * ux, y0 = frame.y(field.y[i]) - back * uy;
      const x1 = x0 + ux, y1 = y0 + uy;
      // Head: a triangle whose size stays fixed, shrunk for very short arrows.
      const h = Math.min(head, length * 0.6);
      const ex = ux / length, ey = uy / length;
      const bx = x1 - ex * h, by = y1 - ey * h;
      const color = colorOf(i);
      arrows.push(
        `<path d="M${num(x0)},${num(y0)}L${num(bx)},${num(by)}" stroke="${color}"/>` +
          `<path d="M${num(x1)},${num(y1)}L${num(bx - ey * h * 0.5)},${num(by + ex * h * 0.5)}` +
          `L${num(bx + ey * h * 0.5)},${num(by - ex * h * 0.5)}Z" fill="${color}"/>`,
      );
    }
    return `<g class="arrows" stroke-width="${num(width)}" stroke-linecap="round" ` +
      `fill-opacity="${options.opacity ?? 0.95}">${arrows.join("")}</g>`;
  };
}

function autoLengthScale(field: VectorField): number {
  const lengths: number[] = [];
  for (let i = 0; i < field.dx.length; i++) {
    const m = Math.hypot(field.dx[i], field.dy[i]);
    if (Number.isFinite(m)) lengths.push(m);
  }
  lengths.sort((a, b) => a - b);
  const p95 = lengths[Math.floor(0.95 * (lengths.length - 1))] ?? 0;
  return p95 > 0 ? 14 / p95 : 1;
}
