/**
 * Overlays for {@linkcode imagePanel}: points (atom columns, coloured by
 * category or value) and arrows (polarisation vectors). Both take positions
 * in image pixel coordinates and draw in panel coordinates through the
 * panel's frame, so marker sizes stay in screen px whatever the zoom.
 *
 * @module
 */

import { type Colormap, colormap, type ColormapName, cssColor } from "./color.ts";
import type { ImageFrame, Layer } from "./image_panel.ts";
import { num } from "./svg.ts";

/** How to colour marks: one colour, one colour per mark, or values through a colour map. */
export interface MarkColorOptions {
  /** One CSS colour for every mark (default "#e15759"), or one per mark. */
  color?: string | readonly string[];
  /** Per-mark values coloured through `colormap` over `domain` (overrides `color`). */
  values?: ArrayLike<number>;
  /** Colour map for `values`, default "viridis". */
  colormap?: ColormapName | Colormap;
  /** Value range for `values`, default their min and max. */
  domain?: readonly [number, number];
  /** Fill opacity, default 0.9. */
  opacity?: number;
}

/** Per-mark colour function from {@linkcode MarkColorOptions}. */
export function markColors(options: MarkColorOptions): (i: number) => string {
  if (options.values) {
    const values = options.values;
    const map = typeof options.colormap === "function"
      ? options.colormap
      : colormap(options.colormap ?? "viridis");
    let [lo, hi] = options.domain ?? [Infinity, -Infinity];
    if (!options.domain) {
      for (let i = 0; i < values.length; i++) {
        if (Number.isFinite(values[i])) {
          lo = Math.min(lo, values[i]);
          hi = Math.max(hi, values[i]);
        }
      }
    }
    const span = hi > lo ? hi - lo : 1;
    return (i) => cssColor(map((values[i] - lo) / span));
  }
  const color = options.color ?? "#e15759";
  return typeof color === "string" ? () => color : (i) => color[i] ?? "#e15759";
}

/** Options for {@linkcode pointsLayer}. */
export interface PointsOptions extends MarkColorOptions {
  /** Marker radius in screen px, default 3. */
  radius?: number;
  /** Marker shape, default "circle". */
  shape?: "circle" | "square" | "cross";
  /** Outline colour, default a thin dark outline; "none" for none. */
  stroke?: string;
}

/** Markers at image positions (`x`, `y` in pixels). */
export function pointsLayer(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: PointsOptions = {},
): Layer {
  if (x.length !== y.length) throw new RangeError(`pointsLayer: ${x.length} x but ${y.length} y`);
  return (frame: ImageFrame) => {
    const colorOf = markColors(options);
    const r = options.radius ?? 3;
    const stroke = options.stroke ?? "rgba(0,0,0,0.6)";
    const shape = options.shape ?? "circle";
    const marks: string[] = [];
    for (let i = 0; i < x.length; i++) {
      if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) continue;
      const cx = frame.x(x[i]), cy = frame.y(y[i]);
      const fill = colorOf(i);
      if (shape === "circle") {
        marks.push(`<circle cx="${num(cx)}" cy="${num(cy)}" r="${num(r)}" fill="${fill}"/>`);
      } else if (shape === "square") {
        marks.push(
          `<rect x="${num(cx - r)}" y="${num(cy - r)}" width="${num(2 * r)}" ` +
            `height="${num(2 * r)}" fill="${fill}"/>`,
        );
      } else {
        marks.push(
          `<path d="M${num(cx - r)},${num(cy)}h${num(2 * r)}M${num(cx)},${num(cy - r)}` +
            `v${num(2 * r)}" stroke="${fill}" stroke-width="1.5"/>`,
        );
      }
    }
    const outline = shape === "cross" || stroke === "none"
      ? ""
      : ` stroke="${stroke}" stroke-width="0.6"`;
    return `<g class="points" fill-opacity="${options.opacity ?? 0.9}"${outline}>` +
      `${marks.join("")}</g>`;
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
  /** Shaft width in px, default 1.2. */
  width?: number;
  /** Draw arrows centred on the origin (default) or starting at it. */
  pivot?: "middle" | "tail";
}

/** Arrows (a vector field) over an image. */
export function arrowsLayer(field: VectorField, options: ArrowsOptions = {}): Layer {
  const n = field.x.length;
  if (field.y.length !== n || field.dx.length !== n || field.dy.length !== n) {
    throw new RangeError("arrowsLayer: x, y, dx and dy differ in length");
  }
  return (frame: ImageFrame) => {
    const k = options.lengthScale ?? autoLengthScale(field);
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
