/**
 * Legends: a continuous colour bar, a categorical legend, and the colour
 * wheel that keys the amplitude-phase map (hue by angle, amplitude by radius).
 *
 * @module
 */

import { d3 } from "../deps.ts";
import {
  amplitudePhaseColor,
  type AmplitudePhaseOptions,
  type Colormap,
  colormap,
  type ColormapName,
  cssColor,
} from "./color.ts";
import { contentId, escapeXml, FONT_SIZE, num, svgDocument, svgRaster, svgText } from "./svg.ts";

/** Options for {@linkcode colorBar}. */
export interface ColorBarOptions {
  /** Colour map, default gray. */
  colormap?: ColormapName | Colormap;
  /** Label along the bar. */
  label?: string;
  /** Bar length in px, default 200. */
  length?: number;
  /** Bar thickness in px, default 12. */
  thickness?: number;
}

/** A vertical colour bar for values in `domain` (low at the bottom), with ticks. */
export function colorBar(domain: readonly [number, number], options: ColorBarOptions = {}): string {
  const length = options.length ?? 200;
  const thickness = options.thickness ?? 12;
  const map = typeof options.colormap === "function"
    ? options.colormap
    : colormap(options.colormap ?? "gray");
  const stops = d3.range(33).map((i) => {
    const t = i / 32;
    return `<stop offset="${num(t)}" stop-color="${cssColor(map(1 - t))}"/>`;
  }).join("");
  const id = contentId("bar", stops);
  const top = 6, left = 4;
  const scale = d3.scaleLinear().domain([domain[0], domain[1]]).range([top + length, top]);
  const format = scale.tickFormat(5);
  const right = left + thickness;
  const labels = scale.ticks(5).map((t) =>
    `<path d="M${num(right)},${num(scale(t))}h4" stroke="#333" fill="none"/>` +
    svgText(right + 7, scale(t), format(t), {
      size: FONT_SIZE.tick,
      anchor: "start",
      baseline: "middle",
    })
  ).join("");
  const widest = Math.max(...scale.ticks(5).map((t) => format(t).length), 1);
  let width = left + thickness + 10 + widest * FONT_SIZE.tick * 0.62;
  let label = "";
  if (options.label) {
    width += FONT_SIZE.label + 6;
    label = svgText(width - 6, top + length / 2, options.label, { rotate: -90 });
  }
  const body = `<defs><linearGradient id="${id}" x1="0" y1="0" x2="0" y2="1">${stops}` +
    `</linearGradient></defs>` +
    `<rect x="${left}" y="${top}" width="${thickness}" height="${num(length)}" ` +
    `fill="url(#${id})" stroke="#333" stroke-width="0.8"/>` + labels + label;
  return svgDocument({ width, height: length + 2 * top }, body, { background: "none" });
}

/** One entry of a {@linkcode categoricalLegend}. */
export interface LegendEntry {
  /** Text shown. */
  label: string;
  /** Fill colour (any CSS colour). */
  color: string;
}

/** Options for {@linkcode categoricalLegend}. */
export interface LegendOptions {
  /** Heading above the entries. */
  title?: string;
  /** Marker shape, default "circle". */
  marker?: "circle" | "square";
}

/** A vertical legend of coloured markers and labels. */
export function categoricalLegend(
  entries: readonly LegendEntry[],
  options: LegendOptions = {},
): string {
  const row = 18;
  let y = 4;
  const parts: string[] = [];
  if (options.title) {
    parts.push(svgText(4, y + FONT_SIZE.label, options.title, { anchor: "start", weight: "bold" }));
    y += row + 2;
  }
  let widest = options.title ? options.title.length * FONT_SIZE.label * 0.62 : 0;
  for (const entry of entries) {
    const cy = y + row / 2;
    parts.push(
      options.marker === "square"
        ? `<rect x="6" y="${num(cy - 5)}" width="10" height="10" fill="${escapeXml(entry.color)}"/>`
        : `<circle cx="11" cy="${num(cy)}" r="5" fill="${escapeXml(entry.color)}"/>`,
      svgText(22, cy, entry.label, { anchor: "start", baseline: "middle" }),
    );
    widest = Math.max(widest, 18 + entry.label.length * FONT_SIZE.label * 0.58);
    y += row;
  }
  return svgDocument({ width: widest + 10, height: y + 4 }, parts.join(""), {
    background: "none",
  });
}

/** Options for {@linkcode colorWheelSvg}. */
export interface ColorWheelOptions extends AmplitudePhaseOptions {
  /** Wheel diameter in px, default 96. */
  size?: number;
  /** Label the angles 0°, 90°, 180°, 270° around the wheel, default true. */
  labels?: boolean;
  /** Title above the wheel. */
  title?: string;
  /**
   * What the radius shows: its name with the unit (e.g. "|p| (pm)") and its
   * value at the rim (full colour); written under the wheel as "0 … max".
   * Without it the wheel keys the hue alone.
   */
  amplitude?: { max: number; label: string };
}

/**
 * The key of {@linkcode amplitudePhaseColor}: the pixel at angle θ and radius
 * r (as a fraction of the wheel radius) has the colour of angle θ and
 * amplitude r. Angles follow the image frame: 0° points right and angles grow
 * clockwise on screen, because y points down (as `atan2(dy, dx)` of an
 * image-frame vector does). Returns a complete SVG document.
 */
export function colorWheelSvg(options: ColorWheelOptions = {}): string {
  const size = Math.round(options.size ?? 96);
  const labels = options.labels ?? true;
  // Room for the angle labels: "180°" at the left is about 4 characters wide.
  const side = labels ? 30 : 4, vertical = labels ? 18 : 4;
  const titleHeight = options.title ? FONT_SIZE.label + 8 : 0;
  const lines = options.amplitude
    ? [`radius: ${options.amplitude.label}`, `0 (grey) … ${formatAmplitude(options.amplitude.max)}`]
    : [];
  const width = Math.max(
    size + 2 * side,
    options.title ? textWidth(options.title, FONT_SIZE.label) + 8 : 0,
    ...lines.map((line) => textWidth(line, FONT_SIZE.tick) + 8),
  );
  const wheelBottom = titleHeight + size + 2 * vertical;
  const height = wheelBottom + (lines.length ? lines.length * (FONT_SIZE.tick + 3) + 6 : 0);
  const radius = size / 2;
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = x + 0.5 - radius, dy = y + 0.5 - radius;
      const r = Math.hypot(dx, dy) / radius;
      if (r > 1) continue;
      const o = (y * size + x) * 4;
      data.set(amplitudePhaseColor(Math.atan2(dy, dx), r, options), o);
      data[o + 3] = 255;
    }
  }
  const cx = width / 2, cy = titleHeight + vertical + radius;
  const parts = [
    svgRaster({ data, width: size, height: size }, {
      x: cx - radius,
      y: cy - radius,
      width: size,
      height: size,
    }, { pixelated: false }),
    `<circle cx="${num(cx)}" cy="${num(cy)}" r="${num(radius)}" fill="none" stroke="#555" ` +
    `stroke-width="0.8"/>`,
  ];
  if (options.title) {
    parts.push(svgText(cx, FONT_SIZE.label + 2, options.title, { weight: "bold" }));
  }
  if (labels) {
    const gap = 4, tick = { size: FONT_SIZE.tick };
    parts.push(
      svgText(cx + radius + gap, cy, "0°", { ...tick, anchor: "start", baseline: "middle" }),
      svgText(cx, cy + radius + gap, "90°", { ...tick, baseline: "hanging" }),
      svgText(cx - radius - gap, cy, "180°", { ...tick, anchor: "end", baseline: "middle" }),
      svgText(cx, cy - radius - gap, "270°", tick),
    );
  }
  if (options.amplitude) {
    // A radius from the centre to the rim: grey at the centre, full colour at the rim.
    const d = radius * Math.SQRT1_2;
    parts.push(
      `<path d="M${num(cx)},${num(cy)}L${num(cx + d)},${num(cy - d)}" stroke="#333" ` +
        `stroke-width="0.8" stroke-dasharray="2 2"/>`,
    );
    lines.forEach((line, k) => {
      parts.push(svgText(cx, wheelBottom + (k + 1) * (FONT_SIZE.tick + 3), line, {
        size: FONT_SIZE.tick,
      }));
    });
  }
  return svgDocument({ width, height }, parts.join(""), { background: "none" });
}

/** Rough width of `text` at `size` px: 0.6 em per character (Roboto's digits are 0.56 em). */
export function textWidth(text: string, size: number): number {
  return [...text].length * size * 0.6;
}

function formatAmplitude(value: number): string {
  return String(Number(value.toPrecision(2)));
}
