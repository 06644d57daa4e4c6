/**
 * Calibration: the pixel size in pm, from a flag (`--pixel-size NM`, which
 * overrides) or from the file, and lengths in px turned into pm.
 *
 * @module
 */

import { UserError } from "../errors.ts";
import { type PixelSize, pixelSizeInPm } from "../image.ts";

/** Where the calibration came from. */
export interface Calibration {
  /** Picometres per pixel, or undefined when uncalibrated. */
  pixelPm?: number;
  /** "flag" (given by the user), "file", or "none". */
  source: "flag" | "file" | "none";
  /** One line for the summary. */
  message: string;
}

/**
 * The calibration of an image: `overrideNm` (nm per px, e.g. from
 * `--pixel-size`) when given, else the file's when its unit is a length.
 *
 * @example
 * ```ts
 * import { resolveCalibration } from "./calibration.ts";
 * if (resolveCalibration({ value: 0.027, unit: "nm" }).pixelPm !== 27) throw new Error("27 pm");
 * if (resolveCalibration(undefined, 0.018).pixelPm !== 18) throw new Error("override in nm");
 * ```
 */
export function resolveCalibration(pixelSize?: PixelSize, overrideNm?: number): Calibration {
  if (overrideNm !== undefined) {
    if (!(Number.isFinite(overrideNm) && overrideNm > 0 && overrideNm < 1000)) {
      throw new UserError("--pixel-size", `must be a positive size in nm, not ${overrideNm}`, {
        exitCode: 2,
      });
    }
    return {
      pixelPm: overrideNm * 1000,
      source: "flag",
      message: `${(overrideNm * 1000).toPrecision(4)} pm per px (given)`,
    };
  }
  const pm = pixelSizeInPm(pixelSize);
  if (pm !== undefined && pm > 0) {
    return {
      pixelPm: pm,
      source: "file",
      message: `${pm.toPrecision(4)} pm per px (from the file)`,
    };
  }
  const why = pixelSize
    ? `its pixel size has no length unit ("${pixelSize.unit}")`
    : "it has no pixel size";
  return {
    source: "none",
    message: `uncalibrated: ${why}; lengths in px (give --pixel-size NM)`,
  };
}

/**
 * `values` (px) in pm, or undefined when uncalibrated.
 *
 * @example
 * ```ts
 * import { toPm } from "./calibration.ts";
 * if (toPm([1, 2], 27)?.join() !== "27,54") throw new Error("px times pm per px");
 * if (toPm([1, 2]) !== undefined) throw new Error("undefined when uncalibrated");
 * ```
 */
export function toPm(values: ArrayLike<number>, pixelPm?: number): Float64Array | undefined {
  return pixelPm === undefined ? undefined : Float64Array.from(values, (v) => v * pixelPm);
}
