/**
 * The rVAE's figures after the seed paper, pure (results in, SVG out), in
 * one vocabulary (`angle`, `dx`, `dy`, `z1`, `z2`: the names of
 * `latents.csv`) and in degrees:
 * - {@linkcode encodedAngleHistogramFigure}: the encoded angle with its peaks (Fig. 1d);
 * - {@linkcode latentManifoldFigure}: decoded windows over a grid of z values,
 *   tiles apart, z on the axes (Fig. 1e), on the grid of {@linkcode manifoldGrid};
 * - {@linkcode latentScatterFigure}: z1 against z2 coloured by angle (Fig. 2e, g);
 * - {@linkcode latentClassesFigure}: classes of the latents over angle and z1 (Fig. 2h);
 * - {@linkcode latentMapFigures}: angle, shift, dx, dy, z1, z2 on the sites in
 *   the image's frame with their colour wheels, and the classes (Fig. 2, 6, 7).
 *
 * @module
 */

import { histogramFigure, scatterFigure } from "./charts.ts";
import { amplitudePhaseColor, cssColor } from "./color.ts";
import type { ImageData } from "./image_panel.ts";
import { mosaicFigure } from "./mosaic.ts";
import { siteMapFigure, type SiteMapFrame, type SitePositions } from "./site_map.ts";
import { pixelSizeInPm } from "../image.ts";
import type { NamedFigure } from "../io/figure.ts";
import { DEG, degrees, plural } from "./text.ts";
import { quantile } from "../math.ts";

/** The encoded latents of the windows, as `Encoding` of `lib/rvae` holds them. */
export interface LatentValues {
  /** Encoded angle per window, radians in [0, 2π). */
  angle: ArrayLike<number>;
  /** Encoded shift per window in image pixels, [count, 2] (dx, dy). */
  shiftPixels: ArrayLike<number>;
  /** Content latents, [count, K] row-major. */
  content: ArrayLike<number>;
  /** K, the number of content latents. */
  latentDim: number;
}

/** Latent `j` (0-based) of every window. */
export function contentColumn(latents: LatentValues, j: number): Float64Array {
  const k = latents.latentDim, n = latents.angle.length;
  return Float64Array.from({ length: n }, (_, i) => latents.content[i * k + j]);
}

/** Axis and colour limits: the step quantile (no interpolation), 0 for no finite value. */
function limit(values: ArrayLike<number>, q: number): number {
  return quantile(values, q, { method: "step", empty: 0 });
}

/**
 * Histogram of the encoded angle in degrees with a marker and label at each
 * peak (radians in, as `findAnglePeaks` gives them) and the angles between
 * neighbouring peaks in the title.
 *
 * @example
 * ```ts
 * import { encodedAngleHistogramFigure } from "./latent_figures.ts";
 * const svg = encodedAngleHistogramFigure([0.1, 1.6, 3.1], { peaks: [1.6], separationsDeg: [] });
 * if (!svg.includes("1 peak")) throw new Error("the peak count is in the title");
 * ```
 */
export function encodedAngleHistogramFigure(
  angles: ArrayLike<number>,
  peaks: {
    peaks: readonly (number | { angle: number })[];
    separationsDeg: readonly number[];
    /** Where to cut the circle, radians (`findAnglePeaks`' `cutAngle`; default 0). */
    cutAngle?: number;
  },
): string {
  const at = peaks.peaks.map((p) => typeof p === "number" ? p : p.angle);
  const separations = peaks.separationsDeg.map((s) => `${s.toFixed(0)}°`).join(", ");
  // The axis runs over one turn from the cut (taken in [−180°, 180°)), so that no peak
  // is drawn half at one end and half at the other.
  const cut = (((peaks.cutAngle ?? 0) * DEG + 180) % 360 + 360) % 360 - 180;
  const onAxis = (deg: number) => cut + (((deg - cut) % 360) + 360) % 360;
  return histogramFigure(Array.from(angles, (a) => onAxis(a * DEG)), {
    title: `Encoded angle: ${plural(at.length, "peak")}` +
      (separations && at.length > 1 ? `, ${separations} apart` : ""),
    xLabel: "angle (°)",
    yLabel: "windows",
    bins: 72,
    domain: [cut, cut + 360],
    markers: at.map((a) => ({ x: onAxis(a * DEG), label: degrees(a) })),
  });
}

/** The grid of {@linkcode manifoldGrid}: z values along each axis and the content to decode. */
export interface ManifoldGrid {
  /** z1 of each column, left to right. */
  z1: number[];
  /** z2 of each row, top to bottom (descending: up is larger, as on a plot); [] when K = 1. */
  z2: number[];
  /** Content latents of every tile, row by row, [tiles, K] (other latents 0). */
  content: Float32Array;
}

/**
 * The grid of content values the manifold is decoded on: as AtomAI's
 * manifold, the prior's 5 %…95 % quantiles (±1.645), widened to the encoded
 * values' 2 %…98 % range when that is wider; `steps` per axis (default 8 for
 * two or more latents, 12 for one).
 *
 * @example
 * ```ts
 * import { manifoldGrid } from "./latent_figures.ts";
 * const latents = { angle: [0, 1], shiftPixels: [0, 0, 0, 0], content: [0.1, -2, 0.3, 1] };
 * const grid = manifoldGrid({ ...latents, latentDim: 2 });
 * if (grid.z1.length !== 8 || grid.content.length !== 2 * 8 * 8) throw new Error("8 x 8 (z1, z2)");
 * ```
 */
export function manifoldGrid(latents: LatentValues, steps?: number): ManifoldGrid {
  const k = latents.latentDim;
  if (k < 1) throw new RangeError("manifoldGrid: no content latents");
  const s = Math.max(2, Math.round(steps ?? (k >= 2 ? 8 : 12)));
  const range = (j: number) => {
    const c = contentColumn(latents, j);
    return [Math.min(-1.645, limit(c, 0.02)), Math.max(1.645, limit(c, 0.98))] as const;
  };
  const [lo1, hi1] = range(0);
  const z1 = Array.from({ length: s }, (_, c) => lo1 + ((hi1 - lo1) * c) / (s - 1));
  let z2: number[] = [];
  if (k >= 2) {
    const [lo2, hi2] = range(1);
    z2 = Array.from({ length: s }, (_, r) => hi2 - ((hi2 - lo2) * r) / (s - 1));
  }
  const rows = Math.max(1, z2.length);
  const content = new Float32Array(rows * s * k);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < s; c++) {
      const o = (r * s + c) * k;
      content[o] = z1[c];
      if (k >= 2) content[o + 1] = z2[r];
    }
  }
  return { z1, z2, content };
}

/**
 * Decoded windows on the grid of {@linkcode manifoldGrid} (`tiles` row by
 * row, each `size` x `size`), separated by a thin gap, with the z values
 * under the columns and left of the rows (the paper's Fig. 1e).
 *
 * @example
 * ```ts
 * import { latentManifoldFigure } from "./latent_figures.ts";
 * // Three decoded 8 x 8 windows along z1 (decodeWithPose of lib/rvae makes them).
 * const tiles = new Float32Array(3 * 8 * 8).map((_, i) => i % 8);
 * const svg = latentManifoldFigure(tiles, 8, { z1: [-1, 0, 1], z2: [] });
 * if (!svg.startsWith("<svg") || !svg.includes("z1")) throw new Error("a mosaic labelled z1");
 * ```
 */
export function latentManifoldFigure(
  tiles: Float32Array,
  size: number,
  grid: Pick<ManifoldGrid, "z1" | "z2">,
): string {
  const columns = grid.z1.length, rows = Math.max(1, grid.z2.length);
  const images: ImageData[] = Array.from({ length: rows * columns }, (_, i) => ({
    data: tiles.subarray(i * size * size, (i + 1) * size * size),
    width: size,
    height: size,
  }));
  const label = (v: number) => v.toFixed(1);
  return mosaicFigure(images, {
    columns,
    gap: 3,
    title: "Decoded latent manifold (angle 0°, no shift)",
    xLabel: "z1",
    columnLabels: grid.z1.map(label),
    ...(grid.z2.length ? { yLabel: "z2", rowLabels: grid.z2.map(label) } : {}),
  });
}

/** Amplitude-phase colours: hue from the angle, chroma from |value| / `max`. */
function phaseColors(angles: ArrayLike<number>): string[] {
  return Array.from(angles, (a) => cssColor(amplitudePhaseColor(a, 1)));
}

/**
 * z1 against z2 (or the angle, with one latent) with the density, points
 * coloured by the encoded angle (Fig. 2e, g).
 *
 * @example
 * ```ts
 * import { latentScatterFigure } from "./latent_figures.ts";
 * const n = 50;
 * const svg = latentScatterFigure({
 *   angle: Array.from({ length: n }, (_, i) => (i % 4) * Math.PI / 2),
 *   shiftPixels: new Float64Array(2 * n),
 *   content: Array.from({ length: 2 * n }, (_, i) => Math.sin(i)),
 *   latentDim: 2,
 * });
 * if (!svg.includes("z2")) throw new Error("z1 against z2");
 * ```
 */
export function latentScatterFigure(latents: LatentValues): string {
  const z1 = contentColumn(latents, 0);
  const z2 = latents.latentDim >= 2 ? contentColumn(latents, 1) : null;
  return scatterFigure(z1, z2 ?? Array.from(latents.angle, (a) => a * DEG), {
    title: "Latents, coloured by the encoded angle",
    xLabel: "z1",
    yLabel: z2 ? "z2" : "angle (°)",
    color: phaseColors(latents.angle),
    density: "contours",
  });
}

/**
 * The classes of the windows (e.g. a Gaussian mixture on cos angle, sin
 * angle and the z: the pipeline fits it and passes `classes` in, 0-based)
 * over the angle and z1 (Fig. 2h).
 *
 * @example
 * ```ts
 * import { latentClassesFigure } from "./latent_figures.ts";
 * const latents = { angle: [0, 0.1, 3, 3.1], shiftPixels: new Float64Array(8), latentDim: 1 };
 * const svg = latentClassesFigure({ ...latents, content: [0, 0.2, 1, 1.1] }, [0, 0, 1, 1]);
 * if (!svg.includes("2 components")) throw new Error("the class count is in the title");
 * ```
 */
export function latentClassesFigure(latents: LatentValues, classes: ArrayLike<number>): string {
  const count = new Set(Array.from(classes)).size;
  return scatterFigure(
    Array.from(latents.angle, (a) => a * DEG),
    latents.latentDim >= 1 ? contentColumn(latents, 0) : Array.from(latents.angle, () => 0),
    {
      title: `GMM (${plural(count, "component")}) on angle and content`,
      xLabel: "angle (°)",
      yLabel: latents.latentDim >= 1 ? "z1" : "",
      categories: Array.from(classes, (c) => c + 1),
      legendTitle: "class",
    },
  );
}

/** Options of {@linkcode latentMapFigures}. */
export interface LatentMapOptions {
  /** The image under the sites in grey (`--map-background image`), or none (default). */
  background?: ImageData | null;
  /** Class of each window (0-based), e.g. the GMM on the latents: adds `map_gmm`. */
  classes?: ArrayLike<number> | null;
}

/**
 * The latents on the window centres in the image's frame (Fig. 2a-d, 6):
 * as {@linkcode NamedFigure}s ready for `writeFigure`: `map_angle` (hue), and `map_shift`, `map_dx`, `map_dy`, `map_z1`,
 * `map_z2` with the angle as hue and the quantity's size as colour strength,
 * each with its colour wheel (the amplitude at the rim is the 98th
 * percentile of the size; shifts in pm when the image is calibrated, px
 * otherwise); and `map_gmm` when `classes` are given.
 *
 * @example
 * ```ts
 * import { latentMapFigures } from "./latent_figures.ts";
 * const positions = { x: [10, 30, 50], y: [20, 20, 20] };
 * const latents = {
 *   angle: [0, 2, 4],
 *   shiftPixels: [0.1, 0, 0, 0.2, -0.1, 0],
 *   content: [0.5, -0.5, 1],
 *   latentDim: 1,
 * };
 * const figures = latentMapFigures({ width: 64, height: 48 }, positions, latents);
 * if (!figures.some((f) => f.name === "map_angle")) throw new Error("the angle map");
 * ```
 */
export function latentMapFigures(
  frame: SiteMapFrame,
  positions: SitePositions,
  latents: LatentValues,
  options: LatentMapOptions = {},
): NamedFigure[] {
  const n = latents.angle.length;
  if (positions.x.length !== n) {
    throw new RangeError(`latentMapFigures: ${positions.x.length} sites but ${n} latents`);
  }
  // Shifts are a fraction of a pixel: pm when calibrated, as polarisation is.
  const pm = pixelSizeInPm(frame.pixelSize);
  const unit = pm !== undefined && pm > 0 ? "pm" : "px", perPixel = unit === "pm" ? pm! : 1;
  const background = options.background ?? null;
  const out: NamedFigure[] = [];
  out.push({
    name: "map_angle",
    svg: siteMapFigure(frame, positions, {
      title: "Encoded angle",
      angles: latents.angle,
      background,
    }),
  });
  const shift = (c: 0 | 1) =>
    Float64Array.from({ length: n }, (_, i) => latents.shiftPixels[2 * i + c] * perPixel);
  const dx = shift(0), dy = shift(1);
  const maps: [string, string, string, Float64Array][] = [
    [
      "map_shift",
      "Shift |(dx, dy)|",
      `|(dx, dy)| (${unit})`,
      dx.map((v, i) => Math.hypot(v, dy[i])),
    ],
    ["map_dx", "dx", `|dx| (${unit})`, dx],
    ["map_dy", "dy", `|dy| (${unit})`, dy],
  ];
  for (let j = 0; j < Math.min(2, latents.latentDim); j++) {
    maps.push([`map_z${j + 1}`, `z${j + 1}`, `|z${j + 1}|`, contentColumn(latents, j)]);
  }
  for (const [name, what, amplitudeLabel, values] of maps) {
    const sizes = Array.from(values, Math.abs);
    const top = limit(sizes, 0.98) || 1;
    out.push({
      name,
      svg: siteMapFigure(frame, positions, {
        title: `${what} (colour strength), angle (hue)`,
        angles: latents.angle,
        amplitudes: sizes,
        amplitudeMax: top,
        amplitudeLabel,
        background,
      }),
    });
  }
  if (options.classes) {
    const classes = options.classes;
    out.push({
      name: "map_gmm",
      svg: siteMapFigure(frame, positions, {
        title: "GMM classes of the latents",
        categories: Array.from(classes, (c) => c + 1),
        legendTitle: "class",
        background,
      }),
    });
  }
  return out;
}
