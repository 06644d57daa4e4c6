/**
 * The generator of fuzz input `index`: a pure function of the run's seed,
 * the format and the index, so that any one input is rebuilt on its own
 * (for a failure report) without replaying the inputs before it.
 *
 * @module
 */

import { Random } from "../../lib/random.ts";

/** The generator for input `index` of `format` in the run seeded with `seed`. */
export function inputRandom(seed: number, format: string, index: number): Random {
  let h = Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) >>> 0;
  for (let i = 0; i < format.length; i++) h = Math.imul(h ^ format.charCodeAt(i), 0x01000193) >>> 0;
  return new Random((h ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
}
