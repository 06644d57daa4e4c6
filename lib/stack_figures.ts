/**
 * Figures of a sub-image stack: a mosaic of sample windows and an overview
 * of the image with the kept and dropped window centres. Pure: data in,
 * SVG out.
 *
 * @module
 */

import { figureGrid } from "./figures/layout.ts";
import { pointsLayer } from "./figures/layers.ts";
import { imagePanel } from "./figures/image_panel.ts";
import { categoricalLegend } from "./figures/legends.ts";
import { mosaicFigure } from "./figures/mosaic.ts";
import type { Image } from "./image.ts";
import { plural } from "./figures/text.ts";
import type { Centres, SubImageStack } from "./stack.ts";

/** Indices of `count` windows spread evenly through a stack of `total`. */
export function sampleIndices(total: number, count: number): number[] {
  const m = Math.min(total, count);
  return Array.from({ length: m }, (_, k) => Math.floor(((k + 0.5) * total) / m));
}

/** A mosaic of up to `count` (default 64) windows spread through the stack. */
export function stackMosaicFigure(stack: SubImageStack, count = 64): string {
  const size = stack.window * stack.window;
  const picks = sampleIndices(stack.count, count);
  const tiles = picks.map((k) => ({
    data: stack.data.subarray(k * size, (k + 1) * size),
    width: stack.window,
    height: stack.window,
  }));
  return mosaicFigure(tiles, {
    title: `${picks.length} of ${
      plural(stack.count, "window")
    } (${stack.window} × ${stack.window} px)`,
    tileLabels: stack.window >= 24 && picks.length <= 64 ? picks.map(String) : undefined,
  });
}

const KEPT_COLOR = "#59a14f";
const DROPPED_COLOR = "#e15759";

/** The image with the centres of kept (green) and dropped (red crosses) windows. */
export function stackOverviewFigure(image: Image, centres: Centres, stack: SubImageStack): string {
  const isKept = new Uint8Array(centres.x.length);
  for (const k of stack.kept) isKept[k] = 1;
  const droppedX: number[] = [], droppedY: number[] = [];
  for (let i = 0; i < centres.x.length; i++) {
    if (!isKept[i]) {
      droppedX.push(centres.x[i]);
      droppedY.push(centres.y[i]);
    }
  }
  const radius = centres.x.length > 2000 ? 1.5 : 2.5;
  const panel = imagePanel(image, {
    title: `window centres: ${stack.count} kept, ${stack.dropped} dropped`,
    layers: [
      pointsLayer(stack.x, stack.y, { color: KEPT_COLOR, radius, stroke: "none" }),
      pointsLayer(droppedX, droppedY, { color: DROPPED_COLOR, radius: radius + 1, shape: "cross" }),
    ],
  });
  const legend = categoricalLegend([
    { label: `kept (${stack.count})`, color: KEPT_COLOR },
    { label: `border (${stack.droppedBorder})`, color: DROPPED_COLOR },
    { label: `NaN pixels (${stack.droppedNonFinite})`, color: DROPPED_COLOR },
  ]);
  return figureGrid([panel, legend], { letters: false });
}
