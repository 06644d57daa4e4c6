/**
 * Words and numbers as figures and the report print them: one vocabulary
 * (the names of `latents.csv` and `polarization.csv`), counts with the right
 * plural, angles in degrees, lengths in the image's calibrated unit.
 *
 * @module
 */

import { type PixelSize, pixelSizeInPm } from "../image.ts";

/**
 * The names every figure and the report use for the quantities, as the
 * files name them (`latents.csv`: `angle, dx, dy, z1..zK`;
 * `polarization.csv`: `px, py, magnitude, angle`).
 */
export const VOCABULARY = {
  /** The rVAE's encoded rotation. */
  angle: "angle",
  /** The rVAE's encoded shift along x. */
  dx: "dx",
  /** The rVAE's encoded shift along y (down). */
  dy: "dy",
  /** The rVAE's encoded shift (dx, dy). */
  shift: "shift",
  /** Content latent j (1-based): "z1", "z2", … */
  z: (j: number): string => `z${j}`,
  /** The polarisation vector and its components. */
  polarization: "polarisation",
  /** x component of the polarisation. */
  px: "px",
  /** y component of the polarisation (down). */
  py: "py",
} as const;

/**
 * `count` and the noun, singular or plural: `plural(1, "peak")` is
 * "1 peak", `plural(4, "peak")` "4 peaks", `plural(2, "class", "classes")`
 * "2 classes". Counts are printed with thousands separators.
 *
 * @example
 * ```ts
 * import { plural } from "./text.ts";
 * if (plural(1, "epoch") !== "1 epoch") throw new Error("singular");
 * if (plural(1911, "site") !== "1,911 sites") throw new Error("plural, thousands separated");
 * ```
 */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  const shown = Number.isInteger(count) ? count.toLocaleString("en-US") : String(count);
  return `${shown} ${count === 1 ? singular : pluralForm}`;
}

/** Radians to degrees. */
export const DEG = 180 / Math.PI;

/**
 * An angle given in radians, printed in degrees with `digits` decimals
 * (default 0): `degrees(Math.PI / 2)` is "90°".
 *
 * @example
 * ```ts
 * import { degrees } from "./text.ts";
 * if (degrees(Math.PI) !== "180°") throw new Error("radians in, whole degrees out");
 * ```
 */
export function degrees(radians: number, digits = 0): string {
  return `${(radians * DEG).toFixed(digits)}°`;
}

/** A length unit for figures: pixels or nanometres, and the factor from pixels. */
export interface LengthUnit {
  /** "nm" when the image is calibrated in a length, else "px". */
  unit: "nm" | "px";
  /** Unit per pixel (the pixel size in nm, or 1). */
  perPixel: number;
}

/**
 * The unit figures use for lengths in an image with `pixelSize`: nm when
 * the calibration is a length, px otherwise.
 *
 * @example
 * ```ts
 * import { lengthUnit } from "./text.ts";
 * if (lengthUnit({ value: 0.015, unit: "nm" }).perPixel !== 0.015) throw new Error("nm per px");
 * if (lengthUnit(undefined).unit !== "px") throw new Error("pixels when uncalibrated");
 * ```
 */
export function lengthUnit(pixelSize: PixelSize | undefined): LengthUnit {
  const pm = pixelSizeInPm(pixelSize);
  return pm !== undefined && pm > 0 ? { unit: "nm", perPixel: pm / 1000 } : {
    unit: "px",
    perPixel: 1,
  };
}

/**
 * A small length given in pixels, in pm when the image is calibrated (the
 * scale of polar displacements), else px, to `precision` significant digits.
 *
 * @example
 * ```ts
 * import { smallLength } from "./text.ts";
 * if (smallLength(0.5, { value: 0.02, unit: "nm" }) !== "10 pm") throw new Error("half of 20 pm");
 * ```
 */
export function smallLength(
  pixels: number,
  pixelSize: PixelSize | undefined,
  precision = 2,
): string {
  const pm = pixelSizeInPm(pixelSize);
  const round = (v: number) => String(Number(v.toPrecision(precision)));
  return pm !== undefined && pm > 0 ? `${round(pixels * pm)} pm` : `${round(pixels)} px`;
}
