/**
 * Tiny rVAE training data for tests: square windows, each holding a blob
 * off-centre in one of four directions (window n's is at n % 4 quarter
 * turns), plus Gaussian noise; values in about [0, 1].
 *
 * @module
 */

import { Random } from "../lib/random.ts";

/** `count` windows of `size` x `size` px, seeded. */
export function blobWindows(count: number, seed: number, size = 10): Float32Array {
  const random = new Random(seed);
  const data = new Float32Array(count * size * size);
  const c = (size - 1) / 2;
  for (let n = 0; n < count; n++) {
    const bx = c + 2.5 * Math.cos(((n % 4) * Math.PI) / 2);
    const by = c + 2.5 * Math.sin(((n % 4) * Math.PI) / 2);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        data[n * size * size + y * size + x] = Math.exp(-((x - bx) ** 2 + (y - by) ** 2) / 3) +
          0.05 * random.normal();
      }
    }
  }
  return data;
}
