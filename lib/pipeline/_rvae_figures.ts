/**
 * The paper's figures from a trained rVAE, as SVG documents:
 * - `angle_histogram`: encoded angles with detected peaks and the angles
 *   between neighbouring peaks (Fig 1d);
 * - `latent_manifold`: decoded windows over a grid of content values (Fig 1e, 5a/d);
 * - `latent_scatter`: content latents with their density, coloured by angle (Fig 2e, g);
 * - `latent_gmm`, `map_gmm`: the classes of the Gaussian mixture on the latents
 *   (fitted by the stage, see `latentMixture`) in latent space and, with
 *   positions, in real space (Fig 2h-i, 7);
 * - with positions (`stack.csv`): real-space maps `map_angle`, `map_shift`,
 *   `map_dx`, `map_dy`, `map_z1`, `map_z2` in amplitude-phase colours, the
 *   angle as hue (Fig 2a-d, 6).
 *
 * @module
 */

import { histogramFigure, scatterFigure } from "../figures/charts.ts";
import { amplitudePhaseColor, cssColor } from "../figures/color.ts";
import { mosaicFigure } from "../figures/mosaic.ts";
import type { AnglePeaks } from "../rvae/angles.ts";
import { decodeWithPose, type Encoding } from "../rvae/inference.ts";
import type { Rvae } from "../rvae/model.ts";
import type { StageFigure } from "./_stage.ts";

/** What the figures are drawn from. */
export interface RvaeFigureInput {
  /** The trained model (for the manifold). */
  model: Rvae;
  /** Encoded stack. */
  encoding: Encoding;
  /** Angle peaks of the encoding. */
  peaks: AnglePeaks;
  /** Window centres in the image, when known. */
  positions: { x: ArrayLike<number>; y: ArrayLike<number> } | null;
  /** The Gaussian mixture on the latents, when fitted: its components and each window's class. */
  mixture: LatentMixture | null;
}

/** Classes of a Gaussian mixture on the latents. */
export interface LatentMixture {
  /** Components. */
  components: number;
  /** Class of each window, from 0. */
  classes: Int32Array;
}

const DEG = 180 / Math.PI;

function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(values).sort();
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0;
}

function column(encoding: Encoding, j: number): Float64Array {
  const k = encoding.content.length / encoding.count;
  return Float64Array.from({ length: encoding.count }, (_, i) => encoding.content[i * k + j]);
}

/** Amplitude-phase colours: hue from the angle, chroma from |value| (scaled by its 98th percentile). */
function phaseColors(angles: ArrayLike<number>, values: ArrayLike<number> | null): string[] {
  const scale = values ? quantile(Array.from(values, Math.abs), 0.98) || 1 : 1;
  return Array.from(
    angles,
    (a, i) => cssColor(amplitudePhaseColor(a, values ? Math.abs(values[i]) / scale : 1)),
  );
}

/** Every figure the inputs allow, in the order they are written. */
export function rvaeFigures(input: RvaeFigureInput): StageFigure[] {
  const { model, encoding, peaks, positions, mixture } = input;
  const k = model.config.latentDim;
  const figures: StageFigure[] = [];
  const write = (name: string, svg: string) => void figures.push({ name, svg });

  const separations = peaks.separationsDeg.map((s) => `${s.toFixed(0)}°`).join(", ");
  write(
    "angle_histogram",
    histogramFigure(Array.from(encoding.angle, (a) => a * DEG), {
      title: `Encoded angle: ${peaks.peaks.length} peaks` +
        (separations ? `, ${separations} apart` : ""),
      xLabel: "angle (degrees)",
      yLabel: "windows",
      bins: 72,
      domain: [0, 360],
      markers: peaks.peaks.map((p) => ({
        x: p.angle * DEG,
        label: `${(p.angle * DEG).toFixed(0)}°`,
      })),
    }),
  );

  if (k >= 1) {
    const steps = k >= 2 ? 8 : 12;
    // As AtomAI's manifold: the prior's 5%…95% quantiles (±1.645), widened to the
    // encoded values' 2%…98% range when that is wider.
    const range = (j: number) => {
      const c = column(encoding, j);
      return [Math.min(-1.645, quantile(c, 0.02)), Math.max(1.645, quantile(c, 0.98))] as const;
    };
    const [lo1, hi1] = range(0);
    const [lo2, hi2] = k >= 2 ? range(1) : [0, 0];
    const content: number[] = [];
    const rows = k >= 2 ? steps : 1;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < steps; c++) {
        const z = new Array(k).fill(0);
        z[0] = lo1 + ((hi1 - lo1) * c) / (steps - 1);
        if (k >= 2) z[1] = hi2 - ((hi2 - lo2) * r) / (steps - 1);
        content.push(...z);
      }
    }
    const decoded = decodeWithPose(model, { content });
    const s = model.config.size;
    const tiles = Array.from({ length: rows * steps }, (_, i) => ({
      data: decoded.subarray(i * s * s, (i + 1) * s * s),
      width: s,
      height: s,
    }));
    write(
      "latent_manifold",
      mosaicFigure(
        tiles,
        {
          columns: steps,
          gap: 0,
          title: k >= 2
            ? `Decoded latent manifold (angle 0): z1 ${lo1.toFixed(1)} to ${
              hi1.toFixed(1)
            } across, z2 ${hi2.toFixed(1)} to ${lo2.toFixed(1)} down`
            : `Decoded over z1 ${lo1.toFixed(1)} to ${hi1.toFixed(1)} (angle 0)`,
        },
      ),
    );
  }

  const z1 = k >= 1 ? column(encoding, 0) : null;
  const z2 = k >= 2 ? column(encoding, 1) : null;
  if (z1) {
    write(
      "latent_scatter",
      scatterFigure(z1, z2 ?? Array.from(encoding.angle, (a) => a * DEG), {
        title: "Latents, coloured by encoded angle",
        xLabel: "z1",
        yLabel: z2 ? "z2" : "angle (degrees)",
        color: phaseColors(encoding.angle, null),
        density: "contours",
      }),
    );
  }

  const n = encoding.count;
  if (mixture) {
    const clusters = mixture.components;
    const labels = Array.from(mixture.classes, (l) => `cluster ${l + 1}`);
    write(
      "latent_gmm",
      scatterFigure(
        Array.from(encoding.angle, (a) => a * DEG),
        z1 ?? Array.from(encoding.angle, () => 0),
        {
          title: `GMM (${clusters} components) on angle and content`,
          xLabel: "angle (degrees)",
          yLabel: z1 ? "z1" : "",
          categories: labels,
          legendTitle: "GMM",
        },
      ),
    );
    if (positions) {
      write(
        "map_gmm",
        scatterFigure(positions.x, Array.from(positions.y, (y) => -y), {
          title: "GMM clusters in real space",
          xLabel: "x (px)",
          yLabel: "−y (px)",
          categories: labels,
          legendTitle: "GMM",
          density: "none",
        }),
      );
    }
  }

  if (positions) {
    const maps: [string, string, ArrayLike<number> | null][] = [
      ["map_angle", "Encoded angle (hue)", null],
      [
        "map_shift",
        "Shift |(dx, dy)| (chroma), angle (hue)",
        Float64Array.from(
          { length: n },
          (_, i) => Math.hypot(encoding.shiftPixels[2 * i], encoding.shiftPixels[2 * i + 1]),
        ),
      ],
    ];
    maps.push(
      [
        "map_dx",
        "dx (chroma: |dx|), angle (hue)",
        Float64Array.from({ length: n }, (_, i) => encoding.shiftPixels[2 * i]),
      ],
      [
        "map_dy",
        "dy (chroma: |dy|), angle (hue)",
        Float64Array.from({ length: n }, (_, i) => encoding.shiftPixels[2 * i + 1]),
      ],
    );
    if (z1) maps.push(["map_z1", "z1 (chroma), angle (hue)", z1]);
    if (z2) maps.push(["map_z2", "z2 (chroma), angle (hue)", z2]);
    for (const [name, title, values] of maps) {
      write(
        name,
        scatterFigure(positions.x, Array.from(positions.y, (y) => -y), {
          title,
          xLabel: "x (px)",
          yLabel: "−y (px)",
          color: phaseColors(encoding.angle, values),
          density: "none",
        }),
      );
    }
  }
  return figures;
}
