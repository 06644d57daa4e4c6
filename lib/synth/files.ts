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
import { PHASE_NAMES } from "./superlattice.ts";

/**
 * `image.tif` (float32, calibrated), `image.npy` (float32, rows × columns),
 * `truth.csv` (`x,y,sublattice,dx,dy,variant`; sublattice "A"/"B"; variant -1
 * for non-polar sites; a superlattice adds `layer` (id from the substrate
 * up, -1 in the substrate), `phase` (`R`, `antipolar` or `nonpolar`) and
 * `mix` (fraction of the non-polar layers' species on the site)) and
 * `meta.json` (every parameter; an infinite dose is written as the string
 * "Infinity").
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
      ...(truth.layer && truth.phase && truth.mix
        ? {
          layer: truth.layer,
          phase: Array.from(truth.phase, (p) => PHASE_NAMES[p]),
          mix: truth.mix,
        }
        : {}),
    }),
    "meta.json": JSON.stringify({ ...meta, options: { ...meta.options, dose } }, null, 2) + "\n",
  };
}
