/**
 * The preview figure of a generated image: the whole image, and a zoomed
 * crop with the true B-site displacements as arrows coloured by variant.
 *
 * @module
 */

import { categoricalColor } from "../figures/color.ts";
import { arrowsLayer, pointsLayer } from "../figures/layers.ts";
import { imagePanel } from "../figures/image_panel.ts";
import { categoricalLegend } from "../figures/legends.ts";
import { figureGrid } from "../figures/layout.ts";
import type { SynthResult } from "./generate.ts";
import { SUBLATTICE_B } from "./structure.ts";

/** A square crop, in image pixels. */
export interface CropBox {
  /** Left column. */
  x: number;
  /** Top row. */
  y: number;
  /** Side, px. */
  size: number;
}

/** The default crop: 12 cells square around the image centre, reaching into the substrate. */
export function defaultCrop(result: SynthResult): CropBox {
  const { width, height } = result.image;
  const size = Math.min(width, height, Math.round(12 * result.meta.spacingPx));
  const centreY = result.meta.interfaceY ?? height / 2;
  const y = Math.max(0, Math.min(height - size, Math.round(centreY - 0.7 * size)));
  return { x: Math.round((width - size) / 2), y, size };
}

/** Two panels: the image, and a crop with the truth's displacements coloured by variant. */
export function synthPreviewFigure(
  result: SynthResult,
  crop: CropBox = defaultCrop(result),
): string {
  const { image, truth, meta } = result;
  const inCrop = (i: number) =>
    truth.x[i] >= crop.x - 0.5 && truth.x[i] < crop.x + crop.size - 0.5 &&
    truth.y[i] >= crop.y - 0.5 && truth.y[i] < crop.y + crop.size - 0.5;
  const b: number[] = [];
  const substrate: number[] = [];
  for (let i = 0; i < truth.x.length; i++) {
    if (truth.sublattice[i] !== SUBLATTICE_B || !inCrop(i)) continue;
    (truth.variant[i] >= 0 ? b : substrate).push(i);
  }
  const pick = (ids: number[], a: ArrayLike<number>) => ids.map((i) => a[i]);
  const colors = b.map((i) => categoricalColor(truth.variant[i]));
  const whole = imagePanel(image, {
    title: `synthetic HAADF, seed ${meta.options.seed}`,
    width: 360,
  });
  const zoom = imagePanel(image, {
    title: "true B-site displacements (×4)",
    crop: { x: crop.x, y: crop.y, width: crop.size, height: crop.size },
    width: 360,
    layers: [
      pointsLayer(pick(substrate, truth.x), pick(substrate, truth.y), {
        color: "#bbbbbb",
        radius: 2,
      }),
      arrowsLayer(
        {
          x: pick(b, truth.x),
          y: pick(b, truth.y),
          dx: pick(b, truth.dx),
          dy: pick(b, truth.dy),
        },
        { color: colors, lengthScale: (4 * 360) / crop.size, width: 1.6 },
      ),
    ],
  });
  const degrees = (a: number) => Math.round((a * 180) / Math.PI);
  const legend = categoricalLegend(
    [
      ...meta.variantAngles.slice(0, meta.options.variants).map((a, k) => ({
        label: `variant ${k} (${degrees(a)}°)`,
        color: categoricalColor(k),
      })),
      { label: "substrate (non-polar)", color: "#bbbbbb" },
    ],
    { title: "truth" },
  );
  return figureGrid([whole, zoom, legend], { columns: 3 });
}
