/**
 * Writing a figure from a script: the SVG as drawn and a PNG rasterised from
 * it, both through the run (crash-safe, listed in run.json).
 *
 * @module
 */

import { svgToPng } from "../figures/raster.ts";
import type { Run } from "./run.ts";

/** Options for {@linkcode writeFigure}. */
export interface WriteFigureOptions {
  /** PNG pixels per SVG unit, default 2 (sharp in reports and on HiDPI screens). */
  scale?: number;
}

/** A named figure for {@linkcode writeFigure}. */
export interface NamedFigure {
  /** File name without extension, relative to the run's folder, e.g. "polarization". */
  name: string;
  /** The SVG document. */
  svg: string;
}

/**
 * Write `<name>.svg` and `<name>.png` into the run's folder; returns both paths.
 * Example: `await writeFigure(run, { name: "polarization", svg })`.
 */
export async function writeFigure(
  run: Run,
  figure: NamedFigure,
  options: WriteFigureOptions = {},
): Promise<{ svg: string; png: string }> {
  const { name, svg } = figure;
  const png = await svgToPng(svg, { scale: options.scale ?? 2, background: "white" });
  return { svg: await run.write(`${name}.svg`, svg), png: await run.write(`${name}.png`, png) };
}
