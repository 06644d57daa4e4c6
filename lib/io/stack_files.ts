/**
 * The files of a sub-image stack: `stack.npy` (N x w x w float32) and
 * `stack.csv` (`i,x,y`, plus `atom`, the row of atoms.csv each window is
 * centred on). Encoding is pure; reading goes through a {@linkcode Run} so
 * the input's SHA-256 is recorded.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { FormatError } from "../errors.ts";
import { decodeNpy, encodeNpy } from "../formats/npy.ts";
import type { SubImageStack } from "../stack.ts";
import { readFileChecked } from "./atomic_write.ts";
import { formatCsv, numericColumn, parseCsv } from "./csv.ts";
import type { Run } from "./run.ts";

/** `stack.npy` and `stack.csv` of `stack` (`atoms` maps kept windows to atoms.csv rows). */
export function stackFiles(
  stack: SubImageStack,
  atoms: ArrayLike<number> = stack.kept,
): { "stack.npy": Uint8Array; "stack.csv": string } {
  const index = Int32Array.from({ length: stack.count }, (_, i) => i);
  return {
    "stack.npy": encodeNpy(stack.data, [stack.count, stack.window, stack.window]),
    "stack.csv": formatCsv({
      i: index,
      x: stack.x,
      y: stack.y,
      atom: Int32Array.from(stack.kept, (k) => atoms[k]),
    }),
  };
}

/** A stack read back: `count` windows of `window x window` float32 values. */
export interface StackFile {
  /** Values, window after window. */
  data: Float32Array;
  /** Windows. */
  count: number;
  /** Window side, px. */
  window: number;
}

/** Read `stack.npy` (N x w x w, finite values, N ≥ `minCount`), recording it in `run`. */
export async function readStackFile(run: Run, path: string, minCount = 2): Promise<StackFile> {
  const array = decodeNpy(await run.readInput(path), path);
  if (array.shape.length !== 3 || array.shape[1] !== array.shape[2]) {
    throw new FormatError(
      path,
      `expected a stack N x w x w, got shape (${array.shape.join(", ")})`,
    );
  }
  const [count, window] = array.shape;
  if (count < minCount || window < 2) {
    throw new FormatError(path, `needs at least ${minCount} windows of at least 2 x 2 pixels`);
  }
  const data = Float32Array.from(array.data);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new FormatError(
        path,
        `window ${Math.floor(i / (window * window))} holds NaN or infinity`,
      );
    }
  }
  return { data, count, window };
}

/**
 * Window centres from the `stack.csv` beside `stackPath` (columns `x,y`),
 * or null when there is none; a table of the wrong length is a FormatError.
 * With `options.run`, the file is recorded as an input of the run.
 */
export async function readStackPositions(
  stackPath: string,
  count: number,
  options: { run?: Run } = {},
): Promise<{ x: Float64Array; y: Float64Array; path: string } | null> {
  const path = join(dirname(stackPath), "stack.csv");
  const exists = await Deno.stat(path).then((s) => s.isFile, () => false);
  if (!exists) return null;
  const bytes = options.run ? await options.run.readInput(path) : await readFileChecked(path);
  const table = parseCsv(new TextDecoder().decode(bytes), path);
  const x = numericColumn(table, "x", path);
  const y = numericColumn(table, "y", path);
  if (x.length !== count) {
    throw new FormatError(path, `has ${x.length} rows but the stack has ${count} windows`);
  }
  return { x, y, path };
}

/**
 * The `parameters` the run that wrote `stackPath` recorded in the `run.json`
 * beside it (a `stack` run's, or an `analyze` run's `stack` entry: window,
 * period, sublattice, centring, normalisation), or undefined when there is
 * no such file or it is not a ferrovae manifest. Recorded as an input of `run`.
 *
 * @example
 * ```ts
 * // In a script: const parameters = await readStackRunParameters(run, "out/s/stack.npy");
 * ```
 */
export async function readStackRunParameters(
  run: Run,
  stackPath: string,
): Promise<Record<string, unknown> | undefined> {
  const path = join(dirname(stackPath), "run.json");
  if (!await Deno.stat(path).then((s) => s.isFile, () => false)) return undefined;
  let manifest: unknown;
  try {
    manifest = JSON.parse(new TextDecoder().decode(await run.readInput(path)));
  } catch (err) {
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
  const parameters = (manifest as { parameters?: unknown } | null)?.parameters;
  if (!parameters || typeof parameters !== "object") return undefined;
  const p = parameters as Record<string, unknown>;
  const stack = p.stack;
  return stack && typeof stack === "object" ? stack as Record<string, unknown> : p;
}
