/**
 * Choosing a scale bar: a round physical length (1, 2 or 5 times a power of
 * ten, in nm) near a fifth of the image width.
 *
 * @module
 */

import { type PixelSize, pixelSizeInPm } from "../image.ts";

/** A chosen scale bar. */
export interface ScaleBar {
  /** Physical length in nm. */
  nm: number;
  /** Length in image pixels (`nm` / pixel size). */
  pixels: number;
  /** Label, e.g. "2 nm" or "0.5 nm". */
  label: string;
}

/** Options for {@linkcode chooseScaleBar}. */
export interface ScaleBarOptions {
  /** Target fraction of the image width, default 0.2. */
  fraction?: number;
}

/**
 * The scale bar for an image `imageWidth` pixels wide with `pixelSize`, or
 * undefined when the image has no length calibration.
 */
export function chooseScaleBar(
  imageWidth: number,
  pixelSize: PixelSize | undefined,
  options: ScaleBarOptions = {},
): ScaleBar | undefined {
  const pm = pixelSizeInPm(pixelSize);
  if (pm === undefined || !(pm > 0) || !(imageWidth > 0)) return undefined;
  const pixelNm = pm / 1000;
  const target = imageWidth * pixelNm * (options.fraction ?? 0.2);
  const decade = 10 ** Math.floor(Math.log10(target));
  // The largest round length not above the target (so the bar never outgrows it).
  const nm = [5, 2, 1].map((m) => m * decade).find((v) => v <= target * (1 + 1e-9)) ?? decade;
  const rounded = Number(nm.toPrecision(6));
  const label = `${rounded} nm`;
  return { nm: rounded, pixels: rounded / pixelNm, label };
}
