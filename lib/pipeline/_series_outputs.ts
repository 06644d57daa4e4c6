/**
 * What the series' pooling writes: the tables (`series.csv`, `frames.csv`,
 * `tracks.csv`), the figures (variant fractions against frame, a filmstrip
 * of domain maps, the polarisation of one track over time) and
 * `report.html` with a frame slider. Pure: arrays in, text out.
 *
 * @module
 */

import { SpatialGrid } from "../atoms/spatial_grid.ts";
import { lineFigure } from "../figures/charts.ts";
import { figureGrid } from "../figures/layout.ts";
import { siteMapFigure } from "../figures/site_map.ts";
import { formatCsv } from "../io/csv.ts";
import { angleDelta } from "../math.ts";
import { buildReportHtml, escapeHtml, svgDataUrl } from "../report/report_html.ts";
import type { AnglePeaks } from "../rvae/angles.ts";
import type { FrameShift } from "../series/registration.ts";
import type { Warning } from "../warnings.ts";
import type { StageFigure } from "./_stage.ts";

/** Every column of every frame, columnar, frame after frame. */
export interface SeriesSites {
  /** Columns in all. */
  count: number;
  /** Index of each frame's first column (frames + 1 entries, the last = count). */
  frameStart: Int32Array;
  /** Frame of each column. */
  frame: Int32Array;
  /** Track id. */
  track: Int32Array;
  /** Position in its frame, px. */
  x: Float64Array;
  /** Position in its frame, px. */
  y: Float64Array;
  /** 0 = A, 1 = B. */
  sublattice: Uint8Array;
  /** Polarisation, px (NaN for A columns and flagged B columns). */
  px: Float64Array;
  /** Polarisation, px. */
  py: Float64Array;
  /** Encoded angle, radians in [0, 2π) (NaN without a window). */
  angle: Float64Array;
  /** Encoded content displacement, px. */
  dx: Float64Array;
  /** Encoded content displacement, px. */
  dy: Float64Array;
  /** Content latents z1..zK. */
  z: Float64Array[];
  /** Variant: index of the encoded-angle peak whose basin holds the angle (-1: none). */
  variant: Int8Array;
}

/**
 * The variant of each angle: the peak whose basin (`from`…`to`, on the
 * circle) holds it, else the nearest peak; -1 for NaN or without peaks.
 */
export function classify(angles: ArrayLike<number>, peaks: AnglePeaks | null): Int8Array {
  const out = new Int8Array(angles.length).fill(-1);
  const list = peaks?.peaks ?? [];
  if (list.length === 0) return out;
  for (let i = 0; i < angles.length; i++) {
    const a = angles[i];
    if (!Number.isFinite(a)) continue;
    let best = -1;
    let bestD = Infinity;
    for (let k = 0; k < list.length; k++) {
      const p = list[k];
      const span = (p.to - p.from + 2 * Math.PI) % (2 * Math.PI) || 2 * Math.PI;
      const into = (a - p.from + 2 * Math.PI) % (2 * Math.PI);
      if (list.length > 1 && into < span) {
        best = k;
        break;
      }
      const d = Math.abs(angleDelta(a, p.angle));
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    }
    out[i] = best;
  }
  return out;
}

/**
 * Domain-wall length in a frame, px: the nearest-neighbour pairs of B sites
 * (closer than 1.25 periods) in different variants, times the period, times
 * π/4 — a wall of length L crosses L(|cos θ| + |sin θ|)/a such pairs, whose
 * mean over wall directions θ is 4L/(πa).
 */
export function wallLength(sites: SeriesSites, from: number, to: number, period: number): number {
  const idx: number[] = [];
  for (let i = from; i < to; i++) if (sites.variant[i] >= 0) idx.push(i);
  if (idx.length < 2 || !(period > 0)) return 0;
  const xs = Float64Array.from(idx, (i) => sites.x[i]);
  const ys = Float64Array.from(idx, (i) => sites.y[i]);
  let maxX = 0;
  let maxY = 0;
  for (let j = 0; j < idx.length; j++) {
    maxX = Math.max(maxX, xs[j]);
    maxY = Math.max(maxY, ys[j]);
  }
  const r = 1.25 * period;
  const grid = new SpatialGrid(maxX + 1, maxY + 1, r);
  idx.forEach((_, j) => grid.insert(j, Math.max(0, xs[j]), Math.max(0, ys[j])));
  let pairs = 0;
  for (let j = 0; j < idx.length; j++) {
    grid.forEachWithin(Math.max(0, xs[j]), Math.max(0, ys[j]), r * r, xs, ys, (m) => {
      if (m > j && sites.variant[idx[m]] !== sites.variant[idx[j]]) pairs++;
    });
  }
  return (pairs * period * Math.PI) / 4;
}

/** What {@linkcode frameTables} tabulates. */
export interface FrameTablesInput {
  /** Every site. */
  sites: SeriesSites;
  /** Each frame's record (its drift against the previous frame). */
  records: readonly { index: number; shift: FrameShift | null; period: number }[];
  /** Drift of every frame against the first. */
  drift: { x: Float64Array; y: Float64Array };
  /** Per frame, fraction of the encoded B sites in each variant. */
  fractions: readonly number[][];
  /** Per frame, domain-wall length, px. */
  walls: readonly number[];
  /** Content latents K. */
  latentDim: number;
  /** Frame names. */
  names?: readonly string[];
  /** Number of tracks. */
  tracks: number;
}

/** `series.csv`, `frames.csv` and `tracks.csv`. */
export function frameTables(input: FrameTablesInput): Record<string, string> {
  const { sites, records, drift, fractions, walls } = input;
  const T = records.length;
  const z: Record<string, Float64Array> = {};
  for (let j = 0; j < input.latentDim; j++) z[`z${j + 1}`] = sites.z[j];
  const series = formatCsv({
    frame: sites.frame,
    track: sites.track,
    x: sites.x,
    y: sites.y,
    sublattice: Array.from(sites.sublattice, (s) => (s === 1 ? "B" : "A")),
    px: sites.px,
    py: sites.py,
    angle: sites.angle,
    dx: sites.dx,
    dy: sites.dy,
    ...z,
    variant: sites.variant,
    x_registered: Float64Array.from(sites.x, (x, i) => x - drift.x[sites.frame[i]]),
    y_registered: Float64Array.from(sites.y, (y, i) => y - drift.y[sites.frame[i]]),
  });
  const variants = fractions.reduce((m, f) => Math.max(m, f.length), 0);
  const perFrame = (f: (t: number) => number) => Float64Array.from({ length: T }, (_, t) => f(t));
  const count = (t: number, test: (i: number) => boolean) => {
    let n = 0;
    for (let i = sites.frameStart[t]; i < sites.frameStart[t + 1]; i++) if (test(i)) n++;
    return n;
  };
  const encoded = perFrame((t) => count(t, (i) => sites.variant[i] >= 0));
  const columns: Record<string, ArrayLike<number> | ArrayLike<string>> = {
    frame: perFrame((t) => t),
    source: records.map((_, t) => input.names?.[t] ?? String(t)),
    columns: perFrame((t) => sites.frameStart[t + 1] - sites.frameStart[t]),
    sites: encoded,
  };
  for (let v = 0; v < variants; v++) {
    columns[`fraction_${v + 1}`] = perFrame((t) => fractions[t][v] ?? NaN);
    // Binomial standard error of the fraction.
    columns[`fraction_${v + 1}_err`] = perFrame((t) => {
      const f = fractions[t][v] ?? NaN;
      return encoded[t] > 0 ? Math.sqrt((f * (1 - f)) / encoded[t]) : NaN;
    });
  }
  const meanP = perFrame((t) => {
    let s = 0;
    let n = 0;
    for (let i = sites.frameStart[t]; i < sites.frameStart[t + 1]; i++) {
      const m = Math.hypot(sites.px[i], sites.py[i]);
      if (Number.isFinite(m)) {
        s += m;
        n++;
      }
    }
    return n ? s / n : NaN;
  });
  const meanPErr = perFrame((t) => {
    let s = 0;
    let n = 0;
    for (let i = sites.frameStart[t]; i < sites.frameStart[t + 1]; i++) {
      const m = Math.hypot(sites.px[i], sites.py[i]);
      if (Number.isFinite(m)) {
        s += (m - meanP[t]) ** 2;
        n++;
      }
    }
    return n > 1 ? Math.sqrt(s / (n - 1) / n) : NaN;
  });
  Object.assign(columns, {
    mean_p: meanP,
    mean_p_err: meanPErr,
    wall_length: perFrame((t) => walls[t]),
    shift_x: perFrame((t) => records[t].shift?.dx ?? 0),
    shift_y: perFrame((t) => records[t].shift?.dy ?? 0),
    shift_peak: perFrame((t) => records[t].shift?.peak ?? NaN),
    shift_ambiguity: perFrame((t) => records[t].shift?.ambiguity ?? NaN),
    drift_x: drift.x,
    drift_y: drift.y,
    period: perFrame((t) => records[t].period),
  });
  // Tracks: where each is (drift removed), when, and how often its variant changed.
  const n = input.tracks;
  const sub = new Int8Array(n).fill(-1);
  const seen = new Int32Array(n);
  const first = new Int32Array(n).fill(-1);
  const last = new Int32Array(n).fill(-1);
  const sx = new Float64Array(n);
  const sy = new Float64Array(n);
  const spx = new Float64Array(n);
  const spy = new Float64Array(n);
  const np = new Int32Array(n);
  const lastVariant = new Int8Array(n).fill(-1);
  const switches = new Int32Array(n);
  for (let i = 0; i < sites.count; i++) {
    const k = sites.track[i];
    const t = sites.frame[i];
    sub[k] = sites.sublattice[i];
    seen[k]++;
    if (first[k] < 0) first[k] = t;
    last[k] = t;
    sx[k] += sites.x[i] - drift.x[t];
    sy[k] += sites.y[i] - drift.y[t];
    if (Number.isFinite(sites.px[i]) && Number.isFinite(sites.py[i])) {
      spx[k] += sites.px[i];
      spy[k] += sites.py[i];
      np[k]++;
    }
    const v = sites.variant[i];
    if (v >= 0) {
      if (lastVariant[k] >= 0 && lastVariant[k] !== v) switches[k]++;
      lastVariant[k] = v;
    }
  }
  const tracks = formatCsv({
    track: Int32Array.from({ length: n }, (_, k) => k),
    sublattice: Array.from(sub, (s) => (s === 1 ? "B" : "A")),
    frames: seen,
    first_frame: first,
    last_frame: last,
    x: Float64Array.from(sx, (s, k) => s / seen[k]),
    y: Float64Array.from(sy, (s, k) => s / seen[k]),
    mean_px: Float64Array.from(spx, (s, k) => (np[k] ? s / np[k] : NaN)),
    mean_py: Float64Array.from(spy, (s, k) => (np[k] ? s / np[k] : NaN)),
    switches,
  });
  return { "series.csv": series, "frames.csv": formatCsv(columns), "tracks.csv": tracks };
}

/** The frames drawn in a filmstrip or slider: all, or `max` evenly spaced ones. */
export function sampleFrames(frames: number, max: number): number[] {
  if (frames <= max) return Array.from({ length: frames }, (_, t) => t);
  return Array.from({ length: max }, (_, i) => Math.round((i * (frames - 1)) / (max - 1)));
}

function variantLabel(peaks: AnglePeaks | null, v: number | string): string {
  const p = peaks?.peaks[Number(v)];
  return p ? `variant ${Number(v) + 1} (${((p.angle * 180) / Math.PI).toFixed(0)}°)` : "none";
}

/** Map of frame `t`'s B sites coloured by variant. */
function domainMap(
  sites: SeriesSites,
  t: number,
  peaks: AnglePeaks | null,
  size: number,
  title?: string,
): string {
  const from = sites.frameStart[t];
  const to = sites.frameStart[t + 1];
  const x: number[] = [];
  const y: number[] = [];
  const v: number[] = [];
  let width = 1;
  let height = 1;
  for (let i = from; i < to; i++) {
    width = Math.max(width, Math.ceil(sites.x[i] + 1));
    height = Math.max(height, Math.ceil(sites.y[i] + 1));
    if (sites.sublattice[i] !== 1) continue;
    x.push(sites.x[i]);
    y.push(sites.y[i]);
    v.push(sites.variant[i]);
  }
  return siteMapFigure({ width, height }, { x, y }, {
    title: title ?? `frame ${t}`,
    size,
    categories: v,
    categoryLabel: (c) => variantLabel(peaks, c),
    legendTitle: "variant",
  });
}

/** The series' figures: fractions against frame, the filmstrip, one track's polarisation. */
export function seriesFigures(input: {
  sites: SeriesSites;
  fractions: readonly number[][];
  peaks: AnglePeaks | null;
  frames: number;
  track: number;
}): StageFigure[] {
  const { sites, fractions, peaks, frames, track } = input;
  const x = Array.from({ length: frames }, (_, t) => t);
  const variants = peaks?.peaks.length ?? 0;
  const out: StageFigure[] = [];
  if (variants > 0) {
    out.push({
      name: "series_fractions",
      svg: lineFigure(
        x,
        Array.from({ length: variants }, (_, v) => ({
          label: variantLabel(peaks, v),
          y: fractions.map((f) => f[v]),
        })),
        { title: "Variant fractions", xLabel: "frame", yLabel: "fraction of the B sites" },
      ),
    });
  }
  const strip = sampleFrames(frames, 12).map((t) => domainMap(sites, t, peaks, 180));
  out.push({ name: "series_filmstrip", svg: figureGrid(strip, { columns: 4, letters: false }) });
  if (track >= 0) {
    const px = new Float64Array(frames).fill(NaN);
    const py = new Float64Array(frames).fill(NaN);
    for (let i = 0; i < sites.count; i++) {
      if (sites.track[i] !== track) continue;
      px[sites.frame[i]] = sites.px[i];
      py[sites.frame[i]] = sites.py[i];
    }
    out.push({
      name: "series_track",
      svg: lineFigure(x, [{ label: "px", y: px }, { label: "py", y: py }], {
        title: `Polarisation of track ${track}`,
        xLabel: "frame",
        yLabel: "px, py (px)",
      }),
    });
  }
  return out;
}

/** What {@linkcode seriesReportHtml} shows. */
export interface SeriesReportInput {
  /** Every site. */
  sites: SeriesSites;
  /** Per frame, variant fractions. */
  fractions: readonly number[][];
  /** Per frame, domain-wall length, px. */
  walls: readonly number[];
  /** Drift against the first frame. */
  drift: { x: Float64Array; y: Float64Array };
  /** The variants. */
  peaks: AnglePeaks | null;
  /** Figures to show. */
  figures: readonly StageFigure[];
  /** Warnings, shown first. */
  warnings: readonly Warning[];
  /** The one-line summary. */
  summary: string;
  /** The run's manifest. */
  provenance: unknown;
  /** d3's bundle (the report's base needs it). */
  d3Source: string;
}

/** `report.html`: summary, a frame slider over the domain maps (≤ 60 frames), the figures. */
export function seriesReportHtml(input: SeriesReportInput): string {
  const { sites, fractions, walls, drift, peaks } = input;
  const frames = fractions.length;
  const shown = sampleFrames(frames, 60);
  const maps = shown.map((t) => svgDataUrl(domainMap(sites, t, peaks, 360)));
  const captions = shown.map((t) =>
    escapeHtml(
      `frame ${t}: ` +
        fractions[t].map((f, v) => `${variantLabel(peaks, v)} ${(100 * f).toFixed(1)} %`).join(
          ", ",
        ) +
        `; wall ${walls[t].toFixed(0)} px; drift ${drift.x[t].toFixed(2)}, ${
          drift.y[t].toFixed(2)
        } px`,
    )
  );
  const json = (value: unknown) => JSON.stringify(value).replaceAll("<", "\\u003c");
  const slider = `<section><h2>Frames</h2>
<input type="range" id="frame-slider" min="0" max="${
    shown.length - 1
  }" value="0" style="width:480px">
<p id="frame-caption">${captions[0] ?? ""}</p>
<img id="frame-map" alt="domain map" src="${maps[0] ?? ""}">
<script>(function(){var maps=${json(maps.map(unescapeAttr))},caps=${json(captions)};
var s=document.getElementById("frame-slider"),i=document.getElementById("frame-map"),
c=document.getElementById("frame-caption");
s.addEventListener("input",function(){i.src=maps[s.value];c.innerHTML=caps[s.value];});})();
</script></section>`;
  const html = buildReportHtml({
    title: "ferrovae series",
    summary: [
      ["summary", input.summary],
      ["frames", String(frames)],
      ["columns", String(sites.count)],
    ],
    sections: [{
      title: "Series",
      figures: input.figures.map((f) => ({ title: f.name, svg: f.svg })),
    }],
    parameters: input.provenance,
    warnings: input.warnings,
  }, { d3Source: input.d3Source });
  return html.replace("<section><h2>Summary</h2>", `${slider}\n<section><h2>Summary</h2>`);
}

function unescapeAttr(text: string): string {
  return text.replaceAll("&quot;", '"').replaceAll("&gt;", ">").replaceAll("&lt;", "<")
    .replaceAll("&amp;", "&");
}
