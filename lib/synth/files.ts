/**
 * The files of a generated image, as bytes: what `synth` writes and what
 * the bundled sample in `data/` holds. Pure: encoding only, no file access.
 *
 * @module
 */

import { encodeNpy } from "../formats/npy.ts";
import { encodeTiff } from "../formats/tiff_write.ts";
import { formatCsv } from "../io/csv.ts";
import type { SynthResult } from "./generate.ts";

/**
 * `image.tif` (float32, calibrated), `image.npy` (float32, rows × columns),
 * `truth.csv` (`x,y,sublattice,dx,dy,variant`; sublattice "A"/"B"; variant -1
 * for non-polar sites) and `meta.json` (every parameter; an infinite dose is
 * written as the string "Infinity").
 */
export function synthFiles(result: SynthResult): Record<string, Uint8Array | string> {
  const { image, truth, meta } = result;
  const sublattice = Array.from(truth.sublattice, (s) => (s === 0 ? "A" : "B"));
  const dose = meta.options.dose === Infinity ? "Infinity" : meta.options.dose;
  return {
    "image.tif": encodeTiff(image, { description: `ferrovae synth seed=${meta.options.seed}` }),
    "image.npy": encodeNpy(image.data, [image.height, image.width]),
    "truth.csv": formatCsv({
      x: truth.x,
      y: truth.y,
      sublattice,
      dx: truth.dx,
      dy: truth.dy,
      variant: truth.variant,
    }),
    "meta.json": JSON.stringify({ ...meta, options: { ...meta.options, dose } }, null, 2) + "\n",
  };
}
