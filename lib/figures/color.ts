/**
 * Colour for figures: sequential colour maps, a categorical palette, and the
 * amplitude-phase map (hue = angle, chroma = amplitude) used for polarisation
 * and latent-angle maps. The amplitude-phase map is built in OKLab
 * (Ottosson 2020) at constant lightness, so equal angle steps give equal
 * perceived colour steps, unlike HSV, whose yellow and cyan bands look wider
 * and brighter than its blue.
 *
 * @module
 */

import { d3 } from "../deps.ts";

/** An sRGB colour, each channel 0-255. */
export type Rgb = [number, number, number];

/** A colour map: `t` in [0, 1] to an sRGB colour (values outside are clamped). */
export type Colormap = (t: number) => Rgb;

/** Names accepted by {@linkcode colormap}. */
export type ColormapName = "gray" | "viridis" | "magma" | "inferno" | "cividis" | "blue-red";

/** `rgb(r,g,b)` for SVG attributes. */
export function cssColor(rgb: Rgb): string {
  return `rgb(${Math.round(rgb[0])},${Math.round(rgb[1])},${Math.round(rgb[2])})`;
}

function clamp01(t: number): number {
  return t < 0 ? 0 : t > 1 ? 1 : Number.isNaN(t) ? 0 : t;
}

function fromInterpolator(interpolate: (t: number) => string): Colormap {
  return (t) => {
    const c = d3.rgb(interpolate(clamp01(t)));
    return [c.r, c.g, c.b];
  };
}

/**
 * A named sequential (or, for "blue-red", diverging) colour map.
 *
 * @example
 * ```ts
 * import { colormap } from "./color.ts";
 * const gray = colormap("gray");
 * if (gray(0).join() !== "0,0,0" || gray(1).join() !== "255,255,255") throw new Error();
 * ```
 */
export function colormap(name: ColormapName): Colormap {
  switch (name) {
    case "gray":
      return (t) => {
        const v = Math.round(clamp01(t) * 255);
        return [v, v, v];
      };
    case "viridis":
      return fromInterpolator(d3.interpolateViridis);
    case "magma":
      return fromInterpolator(d3.interpolateMagma);
    case "inferno":
      return fromInterpolator(d3.interpolateInferno);
    case "cividis":
      return fromInterpolator(d3.interpolateCividis);
    case "blue-red":
      return fromInterpolator((t) => d3.interpolateRdBu(1 - t));
  }
}

/**
 * Colour of category `index` (0, 1, 2, ...): Tableau 10, which stays
 * distinguishable for common colour-vision deficiencies; repeats after 10.
 */
export function categoricalColor(index: number): string {
  const palette = d3.schemeTableau10;
  return palette[((Math.trunc(index) % palette.length) + palette.length) % palette.length];
}

// --- OKLab <-> sRGB (Ottosson's matrices) ---

function srgbToLinear(c: number): number {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

function linearToSrgb(v: number): number {
  const c = v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055;
  return c * 255;
}

/** OKLab `[L, a, b]` of an sRGB colour (L in [0, 1]). */
export function rgbToOklab(rgb: Rgb): [number, number, number] {
  const r = srgbToLinear(rgb[0]), g = srgbToLinear(rgb[1]), b = srgbToLinear(rgb[2]);
  const l = Math.cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b);
  const m = Math.cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b);
  const s = Math.cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b);
  return [
    0.2104542553 * l + 0.793617785 * m - 0.0040720468 * s,
    1.9779984951 * l - 2.428592205 * m + 0.4505937099 * s,
    0.0259040371 * l + 0.7827717662 * m - 0.808675766 * s,
  ];
}

/** sRGB of an OKLab colour, unclamped (channels outside 0-255 mean out of gamut). */
export function oklabToRgb(lab: readonly [number, number, number]): Rgb {
  const [L, a, b] = lab;
  const l = (L + 0.3963377774 * a + 0.2158037573 * b) ** 3;
  const m = (L - 0.1055613458 * a - 0.0638541728 * b) ** 3;
  const s = (L - 0.0894841775 * a - 1.291485548 * b) ** 3;
  return [
    linearToSrgb(4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s),
    linearToSrgb(-1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s),
    linearToSrgb(-0.0041960863 * l - 0.7034186147 * m + 1.707614701 * s),
  ];
}

/** Options for {@linkcode amplitudePhaseColor}. */
export interface AmplitudePhaseOptions {
  /** OKLab lightness of the whole map, default 0.75. */
  lightness?: number;
  /** OKLab chroma at amplitude 1, default 0.125 (sRGB holds every hue up to 0.127 at L 0.75). */
  chroma?: number;
  /** OKLCh hue (degrees) shown at angle 0, default 29 (red). */
  hueAtZero?: number;
}

/**
 * Colour for a direction and a strength: hue follows `angle` (radians, any
 * range; angle 0 is red, pi/2 yellow-green, pi cyan-teal, 3pi/2 violet-blue
 * with the defaults), chroma grows linearly with `amplitude` (clamped to
 * [0, 1]; 0 is a neutral gray). Lightness is constant, so equal angle steps
 * are equal steps in OKLab, and no direction stands out.
 *
 * @example
 * ```ts
 * import { amplitudePhaseColor } from "./color.ts";
 * const [r, g, b] = amplitudePhaseColor(0, 1);
 * if (!(r > g && r > b)) throw new Error("angle 0 is red");
 * const [gr, gg, gb] = amplitudePhaseColor(0, 0);
 * if (gr !== gg || gg !== gb) throw new Error("amplitude 0 is gray");
 * ```
 */
export function amplitudePhaseColor(
  angle: number,
  amplitude: number,
  options: AmplitudePhaseOptions = {},
): Rgb {
  const lightness = options.lightness ?? 0.75;
  const chroma = (options.chroma ?? 0.125) * clamp01(amplitude);
  const hue = angle + ((options.hueAtZero ?? 29) * Math.PI) / 180;
  const rgb = oklabToRgb([lightness, chroma * Math.cos(hue), chroma * Math.sin(hue)]);
  return [
    Math.round(Math.min(255, Math.max(0, rgb[0]))),
    Math.round(Math.min(255, Math.max(0, rgb[1]))),
    Math.round(Math.min(255, Math.max(0, rgb[2]))),
  ];
}
