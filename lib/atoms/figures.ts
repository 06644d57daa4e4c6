/**
 * The atom stage's figures, as SVG documents: columns over the image
 * coloured by sublattice; the polarisation map in amplitude-phase colours
 * with its colour wheel (the seed paper's Fig. 1b); the distribution of
 * polarisation directions; and polarisation arrows on a zoomed crop.
 * Lengths are in pm when the image is calibrated.
 *
 * @module
 */

import { categoricalColor } from "../figures/color.ts";
import { histogramFigure } from "../figures/charts.ts";
import { imagePanel } from "../figures/image_panel.ts";
import { arrowsLayer, pointsLayer } from "../figures/layers.ts";
import { figureGrid } from "../figures/layout.ts";
import { categoricalLegend } from "../figures/legends.ts";
import { siteMapFigure } from "../figures/site_map.ts";
import { plural } from "../figures/text.ts";
import { type Image, pixelSizeInPm } from "../image.ts";
import type { AtomResult } from "./find_atoms.ts";
import { A, B } from "./sublattice.ts";
import { quantile } from "../math.ts";

const PANEL = 520;

function ok(result: AtomResult): number[] {
  const p = result.polarization;
  return Array.from({ length: p.x.length }, (_, j) => j).filter((j) => p.status[j] === "ok");
}

/**
 * Columns over the image: A and B in two colours, failed fits as crosses.
 *
 * @example
 * ```ts
 * import { sublatticeFigure } from "./figures.ts";
 * import { findAtoms } from "./find_atoms.ts";
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image } = generateHaadf({ seed: 1, width: 96, height: 96 });
 * const svg = sublatticeFigure(image, findAtoms(image));
 * if (!svg.startsWith("<svg") || !svg.includes("sublattice")) throw new Error("titled SVG");
 * ```
 */
export function sublatticeFigure(image: Image, result: AtomResult): string {
  const c = result.columns;
  const pick = (s: number) => {
    const idx = Array.from({ length: c.x.length }, (_, k) => k).filter((k) =>
      c.sublattice[k] === s
    );
    return { x: idx.map((k) => c.x[k]), y: idx.map((k) => c.y[k]) };
  };
  const failed = Array.from({ length: c.x.length }, (_, k) => k).filter((k) => !c.fitOk[k]);
  const a = pick(A);
  const b = pick(B);
  const radius = Math.max(1.5, Math.min(4, (0.15 * result.nnDistance * PANEL) / image.width));
  const panel = imagePanel(image, {
    title: `${a.x.length} A + ${b.x.length} B columns`,
    width: PANEL,
    layers: [
      pointsLayer(a.x, a.y, { color: categoricalColor(0), radius }),
      pointsLayer(b.x, b.y, { color: categoricalColor(1), radius }),
      pointsLayer(failed.map((k) => c.x[k]), failed.map((k) => c.y[k]), {
        color: "#222222",
        radius: radius + 1,
        shape: "cross",
      }),
    ],
  });
  const legend = categoricalLegend([
    { label: "A", color: categoricalColor(0) },
    { label: "B", color: categoricalColor(1) },
    { label: `fit failed (${failed.length}): centre of mass`, color: "#222222" },
  ], { title: "sublattice" });
  return figureGrid([panel, legend], { letters: false });
}

/** Options of {@linkcode polarizationMapFigure}. */
export interface PolarizationMapOptions {
  /** Draw the image in grey under the sites ("image", default) or not ("none"). */
  background?: "image" | "none";
}

/**
 * The polarisation map (the seed paper's Fig. 1b): every B column a disc
 * whose hue is the direction and whose colour strength is the magnitude of
 * its polarisation vector, in the image's frame (y down, equal aspect, axes
 * in nm when calibrated), over the image in grey unless `background` is
 * "none", with the colour wheel as key (magnitude at the rim in pm when
 * calibrated, px otherwise).
 *
 * @example
 * ```ts
 * import { polarizationMapFigure } from "./figures.ts";
 * import { findAtoms } from "./find_atoms.ts";
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image } = generateHaadf({ seed: 1, width: 96, height: 96 });
 * const svg = polarizationMapFigure(image, findAtoms(image), { background: "none" });
 * if (!svg.includes("|p| (pm)")) throw new Error("a calibrated image: magnitudes in pm");
 * ```
 */
export function polarizationMapFigure(
  image: Image,
  result: AtomResult,
  options: PolarizationMapOptions = {},
): string {
  const p = result.polarization;
  const js = ok(result);
  const pm = pixelSizeInPm(image.pixelSize);
  const magnitudes = js.map((j) => p.magnitude[j]);
  const top = typicalMagnitude(magnitudes, 0.95);
  const toUnit = pm !== undefined ? pm : 1;
  // Disc radius a third of the column spacing, on a plot whose longest side is PANEL px.
  const scale = PANEL / Math.max(image.width, image.height);
  const radius = Math.max(1.5, Math.min(9, 0.33 * result.nnDistance * scale));
  return siteMapFigure(image, { x: js.map((j) => p.x[j]), y: js.map((j) => p.y[j]) }, {
    title: `polarisation of ${plural(js.length, "B column")} (B − mean of its A neighbours)`,
    size: PANEL,
    radius,
    angles: js.map((j) => p.angle[j]),
    amplitudes: magnitudes.map((m) => m * toUnit),
    amplitudeMax: top * toUnit,
    amplitudeLabel: `|p| (${pm !== undefined ? "pm" : "px"})`,
    hueLabel: "direction",
    background: (options.background ?? "image") === "image" ? image : null,
  });
}

/**
 * Histogram of the polarisation directions, degrees in [0, 360) (y down, as the image).
 *
 * @example
 * ```ts
 * import { angleHistogramFigure } from "./figures.ts";
 * import { findAtoms } from "./find_atoms.ts";
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image } = generateHaadf({ seed: 1, width: 96, height: 96 });
 * const svg = angleHistogramFigure(image, findAtoms(image));
 * if (!svg.includes("median |p|")) throw new Error("the median magnitude is in the title");
 * ```
 */
export function angleHistogramFigure(image: Image, result: AtomResult): string {
  const p = result.polarization;
  const js = ok(result);
  const pm = pixelSizeInPm(image.pixelSize);
  const magnitudes = js.map((j) => p.magnitude[j]);
  const median = typicalMagnitude(magnitudes, 0.5);
  const size = pm !== undefined ? `${round(median * pm)} pm` : `${round(median)} px`;
  return histogramFigure(js.map((j) => (p.angle[j] * 180) / Math.PI), {
    title: `polarisation directions (${plural(js.length, "B column")}, median |p| ${size})`,
    xLabel: "angle atan2(py, px) (°, image frame, y down)",
    domain: [0, 360],
    bins: 72,
  });
}

/**
 * Arrows on a zoomed crop (`cells` × `cells` lattice periods around the
 * image centre, default 10): each B column's polarisation, magnified.
 *
 * @example
 * ```ts
 * import { arrowsFigure } from "./figures.ts";
 * import { findAtoms } from "./find_atoms.ts";
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image } = generateHaadf({ seed: 1, width: 96, height: 96 });
 * const svg = arrowsFigure(image, findAtoms(image), 4);
 * if (!svg.includes("polarisation ×")) throw new Error("the magnification is in the title");
 * ```
 */
export function arrowsFigure(image: Image, result: AtomResult, cells = 10): string {
  const p = result.polarization;
  const c = result.columns;
  const side = Math.max(
    16,
    Math.min(image.width, image.height, Math.round(cells * result.lattice.period)),
  );
  const x0 = Math.round((image.width - side) / 2);
  const y0 = Math.round((image.height - side) / 2);
  const inside = (x: number, y: number) =>
    x >= x0 - 0.5 && x < x0 + side - 0.5 && y >= y0 - 0.5 && y < y0 + side - 0.5;
  const js = ok(result).filter((j) => inside(p.x[j], p.y[j]));
  const aIdx = Array.from({ length: c.x.length }, (_, k) => k)
    .filter((k) => c.sublattice[k] === A && inside(c.x[k], c.y[k]));
  const magnitudes = js.map((j) => p.magnitude[j]);
  const typical = typicalMagnitude(magnitudes, 0.5);
  // Magnify so that a typical vector spans about a third of the column spacing.
  const magnify = typical > 0 ? Math.max(1, Math.round((0.35 * result.nnDistance) / typical)) : 1;
  const pm = pixelSizeInPm(image.pixelSize);
  const size = pm !== undefined ? `${round(typical * pm)} pm` : `${round(typical)} px`;
  const top = typicalMagnitude(magnitudes, 0.95);
  return imagePanel(image, {
    title: `polarisation ×${magnify} (median |p| ${size}), central ${side} px`,
    crop: { x: x0, y: y0, width: side, height: side },
    width: PANEL,
    layers: [
      pointsLayer(aIdx.map((k) => c.x[k]), aIdx.map((k) => c.y[k]), {
        color: categoricalColor(0),
        radius: 2.5,
      }),
      arrowsLayer(
        {
          x: js.map((j) => p.x[j]),
          y: js.map((j) => p.y[j]),
          dx: js.map((j) => p.px[j]),
          dy: js.map((j) => p.py[j]),
        },
        {
          magnify,
          pivot: "tail",
          width: 1.6,
          angles: js.map((j) => p.angle[j]),
          amplitudes: magnitudes,
          amplitudeMax: top,
        },
      ),
    ],
  });
}

/** Scale of the drawn vectors: the step quantile (no interpolation), 0 for none. */
function typicalMagnitude(values: number[], q: number): number {
  return quantile(values, q, { method: "step", empty: 0 });
}

function round(v: number): string {
  return String(Number(v.toPrecision(2)));
}
