/**
 * The one in-memory image type every stage shares.
 *
 * @module
 */

/** Physical size of one pixel, e.g. `{ value: 0.0297, unit: "nm" }`. */
export interface PixelSize {
  /** Size of one pixel in `unit`. */
  value: number;
  /** Unit of `value`, e.g. "nm", "pm", "Å". */
  unit: string;
}

/** A 2-D gray image, row-major: pixel (x, y) is `data[y * width + x]`. */
export interface Image {
  /** Pixel values, row-major, `width * height` of them. */
  data: Float32Array;
  /** Number of columns. */
  width: number;
  /** Number of rows. */
  height: number;
  /** Calibration, when the file carries one. */
  pixelSize?: PixelSize;
}

/** Convert a pixel size to picometres, or undefined when the unit is not a length. */
export function pixelSizeInPm(pixelSize: PixelSize | undefined): number | undefined {
  if (!pixelSize) return undefined;
  const unit = pixelSize.unit.trim().toLowerCase();
  const factor: Record<string, number> = {
    pm: 1,
    "å": 100,
    "a": 100,
    angstrom: 100,
    nm: 1000,
    "µm": 1e6,
    "μm": 1e6,
    um: 1e6,
    m: 1e12,
  };
  const f = factor[unit];
  return f === undefined ? undefined : pixelSize.value * f;
}

/**
 * `image` with its calibration replaced by `nm` nm per pixel (a user's
 * `--pixel-size`), or `image` itself when `nm` is undefined. The pixels are
 * shared, not copied.
 *
 * @example
 * ```ts
 * import { pixelSizeInPm, withPixelSize } from "./image.ts";
 * const image = { data: new Float32Array(4), width: 2, height: 2 };
 * if (pixelSizeInPm(withPixelSize(image, 0.02).pixelSize) !== 20) throw new Error("20 pm");
 * if (withPixelSize(image, undefined) !== image) throw new Error("unchanged without a size");
 * ```
 */
export function withPixelSize(image: Image, nm: number | undefined): Image {
  return nm === undefined ? image : { ...image, pixelSize: { value: nm, unit: "nm" } };
}
