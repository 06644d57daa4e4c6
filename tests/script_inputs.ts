/**
 * Small valid inputs for running the scripts as child processes (a
 * synthetic image with its atoms, a stack of windows), and the bad ones of
 * the reliability corpus, written into a temporary folder.
 *
 * @module
 */

import { encodeNpy } from "../lib/formats/npy.ts";
import { encodeTiff } from "../lib/formats/tiff_write.ts";
import { formatCsv } from "../lib/io/csv.ts";
import { generateHaadf } from "../lib/synth/generate.ts";
import { SUBLATTICE_A } from "../lib/synth/structure.ts";

/** Side of the stack windows in {@linkcode writeScriptInputs}. */
export const WINDOW = 16;

/** Paths of the inputs {@linkcode writeScriptInputs} wrote. */
export interface ScriptInputs {
  /** The folder holding them. */
  dir: string;
  /** A 128 x 128 synthetic HAADF image (.npy) and the same as float32 TIFF. */
  image: string;
  imageTif: string;
  /** Its atoms: x,y,sublattice (A/B). */
  atoms: string;
  /** 12 windows of WINDOW x WINDOW px (.npy). */
  stack: string;
}

/** Write the valid inputs into a new folder under /tmp. */
export async function writeScriptInputs(prefix = "ferrovae_inputs_"): Promise<ScriptInputs> {
  const dir = await Deno.makeTempDir({ prefix });
  const { image, truth } = generateHaadf({ width: 128, height: 128, seed: 3 });
  const paths: ScriptInputs = {
    dir,
    image: `${dir}/image.npy`,
    imageTif: `${dir}/image.tif`,
    atoms: `${dir}/atoms.csv`,
    stack: `${dir}/stack.npy`,
  };
  await Deno.writeFile(paths.image, encodeNpy(image.data, [image.height, image.width]));
  await Deno.writeFile(paths.imageTif, encodeTiff(image));
  const sublattice = Array.from(truth.sublattice, (s) => (s === SUBLATTICE_A ? "A" : "B"));
  await Deno.writeTextFile(paths.atoms, formatCsv({ x: truth.x, y: truth.y, sublattice }));
  const count = 12;
  const windows = Float32Array.from(
    { length: count * WINDOW * WINDOW },
    (_, i) => Math.sin(i * 0.37) + Math.cos(Math.floor(i / WINDOW) * 0.61),
  );
  await Deno.writeFile(paths.stack, encodeNpy(windows, [count, WINDOW, WINDOW]));
  return paths;
}
