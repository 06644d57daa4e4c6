/**
 * How a stack's intensities are scaled for the rVAE: to [0, 1] by the
 * stack's minimum and maximum (what AtomAI's examples do before training),
 * so that the loss's implied noise level is the same for every input.
 *
 * @module
 */

import type { Normalization } from "./config.ts";

/** Offset and scale that map `data`'s range onto [0, 1] (scale 1 for a constant stack). */
export function stackNormalization(data: ArrayLike<number>): Normalization {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { offset: 0, scale: 1 };
  return { offset: lo, scale: hi > lo ? hi - lo : 1 };
}
