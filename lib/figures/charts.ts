/**
 * Charts with axes: a histogram (with optional peak markers) and a 2-D
 * scatter plot with a kernel-density contour layer (for embeddings and
 * latent spaces), coloured by category or by value.
 *
 * @module
 */

import { d3 } from "../deps.ts";
import { categoricalColor } from "./color.ts";
import { categoryLegend, type MarkColorOptions, markColors, markersSvg } from "./layers.ts";
import { categoricalLegend, textWidth } from "./legends.ts";
import { nest } from "./image_panel.ts";
import {
  axisSvg,
  contentId,
  escapeXml,
  finiteMinMax,
  FONT_SIZE,
  num,
  type Rect,
  svgDocument,
  svgSize,
  svgText,
} from "./svg.ts";

/** Common options of charts with axes. */
export interface ChartOptions {
  /** Title above the plot. */
  title?: string;
  /** x-axis title. */
  xLabel?: string;
  /** y-axis title. */
  yLabel?: string;
  /** Whole figure width in px, default 440. */
  width?: number;
  /** Whole figure height in px, default 320. */
  height?: number;
}

/** A vertical line marking a value on a histogram (e.g. a detected peak). */
export interface HistogramMarker {
  /** Position on the x axis. */
  x: number;
  /** Text at the top of the line. */
  label?: string;
  /** Line colour, default dark red. */
  color?: string;
}

/** Options for {@linkcode histogramFigure}. */
export interface HistogramOptions extends ChartOptions {
  /** Number of equal-width bins, default 40. */
  bins?: number;
  /** Range binned, default the min and max of the finite values. */
  domain?: readonly [number, number];
  /** Bar colour, default Tableau blue. */
  color?: string;
  /** Vertical marker lines. */
  markers?: readonly HistogramMarker[];
}

const MARGIN = { top: 10, right: 14, bottom: 46, left: 58 };

function plotArea(options: ChartOptions, extraRight = 0): { area: Rect; titleHeight: number } {
  const width = options.width ?? 440, height = options.height ?? 320;
  const titleHeight = options.title ? FONT_SIZE.title + 10 : 0;
  const top = MARGIN.top + titleHeight;
  return {
    titleHeight,
    area: {
      x: MARGIN.left,
      y: top,
      width: width - MARGIN.left - MARGIN.right - extraRight,
      height: height - top - MARGIN.bottom,
    },
  };
}

function titleSvg(options: ChartOptions, area: Rect): string {
  return options.title
    ? svgText(area.x + area.width / 2, MARGIN.top + FONT_SIZE.title, options.title, {
      size: FONT_SIZE.title,
      weight: "bold",
    })
    : "";
}

/** Bin counts of {@linkcode histogramFigure}: `counts[i]` values fall in [edges[i], edges[i+1]). */
export function histogramCounts(
  values: ArrayLike<number>,
  options: { bins?: number; domain?: readonly [number, number] } = {},
): { edges: number[]; counts: number[] } {
  const bins = Math.max(1, Math.round(options.bins ?? 40));
  let [lo, hi] = options.domain ?? finiteMinMax(values);
  if (!(hi > lo)) [lo, hi] = Number.isFinite(lo) ? [lo - 0.5, lo + 0.5] : [0, 1];
  const width = (hi - lo) / bins;
  const edges = d3.range(bins + 1).map((i) => lo + i * width);
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= lo && v <= hi)) continue;
    counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  }
  return { edges, counts };
}

/** A histogram of `values` with axes, optional marker lines and labels. */
export function histogramFigure(values: ArrayLike<number>, options: HistogramOptions = {}): string {
  const { edges, counts } = histogramCounts(values, options);
  const { area } = plotArea(options);
  const x = d3.scaleLinear().domain([edges[0], edges[edges.length - 1]])
    .range([area.x, area.x + area.width]);
  const y = d3.scaleLinear().domain([0, Math.max(1, ...counts)]).nice()
    .range([area.y + area.height, area.y]);
  const color = options.color ?? categoricalColor(0);
  const bars = counts.map((c, i) => {
    if (c === 0) return "";
    const x0 = x(edges[i]), x1 = x(edges[i + 1]);
    return `<rect x="${num(x0)}" y="${num(y(c))}" width="${num(Math.max(0.5, x1 - x0 - 0.5))}" ` +
      `height="${num(y(0) - y(c))}"/>`;
  }).join("");
  const markers = markerLines(options.markers ?? [], x, area);
  const body = titleSvg(options, area) +
    `<g class="bars" fill="${escapeXml(color)}">${bars}</g>` + markers +
    axisSvg(x, { orient: "bottom", offset: area.y + area.height }, { label: options.xLabel }) +
    axisSvg(y, { orient: "left", offset: area.x }, { label: options.yLabel ?? "count" });
  return svgDocument({ width: options.width ?? 440, height: options.height ?? 320 }, body);
}

/** Dashed vertical lines at the markers' x, each with its label. */
function markerLines(
  markers: readonly HistogramMarker[],
  x: (v: number) => number,
  area: Rect,
): string {
  return markers.map((m) => {
    const mx = x(m.x);
    const stroke = escapeXml(m.color ?? "#b22222");
    return `<path d="M${num(mx)},${num(area.y + area.height)}V${num(area.y + 12)}" ` +
      `stroke="${stroke}" stroke-width="1.4" stroke-dasharray="4 3"/>` +
      (m.label ? markerLabel(m.label, mx, area, m.color ?? "#b22222") : "");
  }).join("");
}

/** A marker's label over its line, kept inside the plot area (a peak at 0° or 360°). */
function markerLabel(label: string, x: number, area: Rect, color: string): string {
  const half = textWidth(label, FONT_SIZE.tick) / 2;
  const at = Math.min(area.x + area.width - half, Math.max(area.x + half, x));
  return svgText(at, area.y + 9, label, { size: FONT_SIZE.tick, fill: color });
}

/** Options for {@linkcode scatterFigure}. */
export interface ScatterOptions extends ChartOptions, MarkColorOptions {
  /** Legend title when points are coloured by `categories` (which adds a legend). */
  legendTitle?: string;
  /** Point radius in px, default 2.5 (1.5 above 5000 points). */
  radius?: number;
  /** Density layer under the points: "contours" (kernel density) or "none" (default above 50 points: contours). */
  density?: "contours" | "none";
  /** Kernel bandwidth in px for the density, default 14. */
  bandwidth?: number;
}

/** A 2-D scatter plot of (`x[i]`, `y[i]`) with a density layer and, for categories, a legend. */
export function scatterFigure(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: ScatterOptions = {},
): string {
  if (x.length !== y.length) throw new RangeError(`scatterFigure: ${x.length} x but ${y.length} y`);
  const n = x.length;
  const legend = options.categories
    ? categoricalLegend(categoryLegend(options.categories), { title: options.legendTitle })
    : "";
  const legendSize = legend ? svgSize(legend) : { width: 0, height: 0 };
  const { area } = plotArea(options, legendSize.width);
  const sx = d3.scaleLinear().domain(finiteExtent(x)).nice().range([area.x, area.x + area.width]);
  const sy = d3.scaleLinear().domain(finiteExtent(y)).nice().range([area.y + area.height, area.y]);
  const colorOf = markColors({ color: "#4e79a7", ...options });
  const parts: string[] = [titleSvg(options, area)];
  const clip = contentId("plot", `${area.x},${area.y},${area.width},${area.height}`);
  parts.push(
    `<clipPath id="${clip}"><rect x="${num(area.x)}" y="${num(area.y)}" ` +
      `width="${num(area.width)}" height="${num(area.height)}"/></clipPath>`,
  );
  if ((options.density ?? (n > 50 ? "contours" : "none")) === "contours" && n > 2) {
    parts.push(`<g clip-path="url(#${clip})">${densityContours(x, y, sx, sy, area, options)}</g>`);
  }
  const marks = Array.from(
    { length: n },
    (_, i) => ({ x: sx(x[i]), y: sy(y[i]), color: colorOf(i) }),
  );
  parts.push(
    `<g clip-path="url(#${clip})">${
      markersSvg(marks, {
        radius: options.radius ?? (n > 5000 ? 1.5 : 2.5),
        opacity: options.opacity ?? 0.8,
      })
    }</g>`,
    axisSvg(sx, { orient: "bottom", offset: area.y + area.height }, { label: options.xLabel }),
    axisSvg(sy, { orient: "left", offset: area.x }, { label: options.yLabel }),
  );
  if (legend) parts.push(nest(legend, area.x + area.width + 8, area.y));
  return svgDocument(
    { width: options.width ?? 440, height: options.height ?? 320 },
    parts.join(""),
  );
}

function finiteExtent(values: ArrayLike<number>): [number, number] {
  const [lo, hi] = finiteMinMax(values);
  if (!(hi >= lo)) return [0, 1];
  return hi > lo ? [lo, hi] : [lo - 0.5, hi + 0.5];
}

function densityContours(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  sx: (v: number) => number,
  sy: (v: number) => number,
  area: Rect,
  options: ScatterOptions,
): string {
  const points: [number, number][] = [];
  for (let i = 0; i < x.length; i++) {
    if (Number.isFinite(x[i]) && Number.isFinite(y[i])) points.push([sx(x[i]), sy(y[i])]);
  }
  // The density grid starts at the panel origin and covers the plot area.
  const density = d3.contourDensity<[number, number]>()
    .x((p) => p[0]).y((p) => p[1])
    .size([Math.ceil(area.x + area.width), Math.ceil(area.y + area.height)])
    .bandwidth(options.bandwidth ?? 14)
    .thresholds(8)(points);
  const path = d3.geoPath();
  const max = Math.max(...density.map((c) => c.value), 1e-12);
  return density.map((c) =>
    `<path d="${path(c) ?? ""}" fill="${d3.interpolateBlues(0.15 + 0.6 * (c.value / max))}" ` +
    `fill-opacity="0.45" stroke="#6b8fb8" stroke-width="0.5" stroke-opacity="0.5"/>`
  ).join("");
}

/** One line of a {@linkcode lineFigure}. */
export interface LineSeries {
  /** Legend label. */
  label: string;
  /** y value at each x (NaN leaves a gap). */
  y: ArrayLike<number>;
  /** Line colour, default from the categorical palette. */
  color?: string;
}

/** Options for {@linkcode lineFigure}. */
export interface LineOptions extends ChartOptions {
  /** Logarithmic y axis (e.g. for losses); non-positive values leave gaps. */
  logY?: boolean;
  /** Vertical marker lines (e.g. the best epoch). */
  markers?: readonly HistogramMarker[];
}

/** Lines over a shared x (e.g. training loss per epoch), with a legend when there are several. */
export function lineFigure(
  x: ArrayLike<number>,
  series: readonly LineSeries[],
  options: LineOptions = {},
): string {
  for (const s of series) {
    if (s.y.length !== x.length) {
      throw new RangeError(`lineFigure: "${s.label}" has ${s.y.length} values for ${x.length} x`);
    }
  }
  const colors = series.map((s, i) => s.color ?? categoricalColor(i));
  const legend = series.length > 1
    ? categoricalLegend(series.map((s, i) => ({ label: s.label, color: colors[i] })), {
      marker: "square",
    })
    : "";
  const { area } = plotArea(options, legend ? svgSize(legend).width : 0);
  const usable = (v: number) => Number.isFinite(v) && (!options.logY || v > 0);
  const ys = series.flatMap((s) => Array.from(s.y).filter(usable));
  const sx = d3.scaleLinear().domain(finiteExtent(x)).range([area.x, area.x + area.width]);
  const [lo, hi] = ys.length ? finiteExtent(ys) : [options.logY ? 1 : 0, options.logY ? 10 : 1];
  const sy = options.logY
    ? d3.scaleLog().domain([lo, hi > lo ? hi : lo * 10])
    : d3.scaleLinear().domain([lo, hi]).nice();
  sy.range([area.y + area.height, area.y]);
  const lines = series.map((s, k) => {
    const line = d3.line<number>()
      .defined((i) => usable(s.y[i]) && Number.isFinite(x[i]))
      .x((i) => sx(x[i])).y((i) => sy(s.y[i]));
    const d = line(d3.range(x.length)) ?? "";
    return `<path d="${d}" fill="none" stroke="${escapeXml(colors[k])}" stroke-width="1.8"/>`;
  }).join("");
  const parts = [
    titleSvg(options, area),
    lines,
    markerLines(options.markers ?? [], sx, area),
    axisSvg(sx, { orient: "bottom", offset: area.y + area.height }, { label: options.xLabel }),
    axisSvg(sy, { orient: "left", offset: area.x }, {
      label: options.yLabel ?? (series.length === 1 ? series[0].label : undefined),
    }),
  ];
  if (legend) parts.push(nest(legend, area.x + area.width + 8, area.y));
  return svgDocument(
    { width: options.width ?? 440, height: options.height ?? 320 },
    parts.join(""),
  );
}
