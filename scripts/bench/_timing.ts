/**
 * Timing shared by the benchmarks: the median of a few repeats, which a
 * single slow run on a shared machine does not move.
 *
 * @module
 */

import { median } from "../../lib/math.ts";

/** Median wall time of `repeats` calls of `fn`, ms. */
export function medianTime(repeats: number, fn: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  return median(times);
}

/** Median wall time of `repeats` awaited calls of `fn`, ms. */
export async function medianTimeAsync(
  repeats: number,
  fn: () => Promise<unknown>,
): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return median(times);
}
