/**
 * How a stack's intensities are scaled for the rVAE: to [0, 1] by the
 * stack's minimum and maximum (what AtomAI's examples do before training),
 * so that the loss's implied noise level is the same for every input.
 *
 * @module
 */

import type { Normalization } from "./config.ts";

/**
 * Offset and scale that map `data`'s range onto [0, 1] (scale 1 for a
 * constant stack), and the mean scaled window of `pixels` values.
 *
 * @example
 * ```ts
 * import { stackNormalization } from "./normalize.ts";
 * // Two windows of two pixels: [10, 20] and [30, 50].
 * const n = stackNormalization([10, 20, 30, 50], 2);
 * if (n.offset !== 10 || n.scale !== 40) throw new Error("range 10-50 onto [0, 1]");
 * if (n.meanWindow?.join() !== "0.25,0.625") throw new Error("mean window, scaled");
 * ```
 */
export function stackNormalization(data: ArrayLike<number>, pixels: number): Normalization {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const offset = Number.isFinite(lo) ? lo : 0;
  const scale = Number.isFinite(hi) && hi > lo ? hi - lo : 1;
  const count = Math.floor(data.length / pixels);
  const sums = new Float64Array(pixels);
  for (let n = 0; n < count; n++) {
    for (let p = 0; p < pixels; p++) sums[p] += data[n * pixels + p];
  }
  const meanWindow = Array.from(sums, (s) => (count > 0 ? (s / count - offset) / scale : 0));
  return { offset, scale, meanWindow };
}
