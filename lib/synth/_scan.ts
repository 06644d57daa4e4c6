/**
 * Scan distortions of a STEM image: the probe visits sample position
 * S(x, y) when it records pixel (x, y). Slow-scan drift appears as a shear
 * and a stretch, scan instability as a slow sinusoidal x wobble of the rows,
 * and flyback noise as a random x offset per row (jitter). The smooth part
 * is inverted exactly to place the truth; the jitter is zero-mean noise that
 * the truth leaves out.
 *
 * @module
 */

import type { Random } from "../random.ts";

/** The smooth scan distortion. */
export interface ScanGeometry {
  /** Image width in px. */
  width: number;
  /** Image height in px. */
  height: number;
  /** x shift per row from the image centre (drift shear), px. */
  shear: number;
  /** Relative stretch of the row spacing (slow-scan drift). */
  stretch: number;
  /** Wobble amplitude, px. */
  wobble: number;
  /** Wobble period, rows. */
  wobblePeriod: number;
}

/** A drawn scan: the smooth distortion and one jitter offset per row. */
export interface Scan extends ScanGeometry {
  /** Wobble phase, radians. */
  wobblePhase: number;
  /** Random x offset of each row, px. */
  jitter: Float64Array;
}

/** Options for {@linkcode drawScan}. */
export interface ScanOptions extends ScanGeometry {
  /** Row jitter standard deviation, px. */
  rowJitter: number;
}

/** Draw a scan's random parts (wobble phase, row jitter). */
export function drawScan(random: Random, options: ScanOptions): Scan {
  const wobblePhase = 2 * Math.PI * random.uniform();
  const jitter = new Float64Array(options.height);
  if (options.rowJitter > 0) {
    for (let y = 0; y < options.height; y++) jitter[y] = options.rowJitter * random.normal();
  }
  return {
    width: options.width,
    height: options.height,
    shear: options.shear,
    stretch: options.stretch,
    wobble: options.wobble,
    wobblePeriod: options.wobblePeriod,
    wobblePhase,
    jitter,
  };
}

/** Smooth x shift of image row `y` (sample x = image x + shift, before jitter). */
export function rowShift(scan: Scan, y: number): number {
  return scan.shear * (y - (scan.height - 1) / 2) +
    scan.wobble * Math.sin((2 * Math.PI * y) / scan.wobblePeriod + scan.wobblePhase);
}

/** Sample y seen by image row `y`. */
export function sampleRowY(scan: Scan, y: number): number {
  const c = (scan.height - 1) / 2;
  return (y - c) * (1 + scan.stretch) + c;
}

/** Image position at which sample position (sx, sy) appears, leaving out the jitter. */
export function sampleToImage(scan: Scan, sx: number, sy: number): [number, number] {
  const c = (scan.height - 1) / 2;
  const y = (sy - c) / (1 + scan.stretch) + c;
  return [sx - rowShift(scan, y), y];
}
