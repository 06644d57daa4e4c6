/**
 * The preview figure of a generated image: the whole image, its true
 * variant map, and a zoomed crop with the true B-site displacements as
 * arrows coloured by variant.
 *
 * @module
 */

import type { Image } from "../image.ts";
import { categoricalColor, type Rgb } from "../figures/color.ts";
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

function hexToRgb(hex: string): Rgb {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/**
 * A coarse image (1/`factor` of the size) whose pixels hold the variant of
 * the nearest polar B site (NaN in the substrate and beyond the sites): a
 * light map of the domains.
 */
export function variantMap(result: SynthResult, factor: number): Image {
  const { image, truth, meta } = result;
  const width = Math.ceil(image.width / factor);
  const height = Math.ceil(image.height / factor);
  const data = new Float32Array(width * height).fill(NaN);
  const nearest = new Float64Array(width * height).fill(Infinity);
  const reach = (0.75 * meta.spacingPx) / factor;
  for (let i = 0; i < truth.x.length; i++) {
    if (truth.sublattice[i] !== SUBLATTICE_B) continue;
    const cx = (truth.x[i] + 0.5) / factor - 0.5;
    const cy = (truth.y[i] + 0.5) / factor - 0.5;
    for (let y = Math.max(0, Math.ceil(cy - reach)); y <= Math.min(height - 1, cy + reach); y++) {
      for (let x = Math.max(0, Math.ceil(cx - reach)); x <= Math.min(width - 1, cx + reach); x++) {
        const d = (x - cx) ** 2 + (y - cy) ** 2;
        if (d >= nearest[y * width + x]) continue;
        nearest[y * width + x] = d;
        data[y * width + x] = truth.variant[i] >= 0 ? truth.variant[i] : NaN;
      }
    }
  }
  const pixelSize = image.pixelSize
    ? { value: image.pixelSize.value * factor, unit: image.pixelSize.unit }
    : undefined;
  return { data, width, height, pixelSize };
}

/** Panels: the image, the true variant map, a crop with the true displacements, a legend. */
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
  const map = imagePanel(variantMap(result, 4), {
    title: "true variants",
    width: 360,
    range: [0, 3],
    colormap: (t) => hexToRgb(categoricalColor(Math.round(3 * t))),
    pixelated: false,
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
  return figureGrid([whole, map, zoom, legend], { columns: 4 });
}
