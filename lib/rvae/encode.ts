/**
 * Applying a saved model to windows it was not trained on, and training one
 * model on several stacks: the checks that the windows match the model
 * (side, scaling, lattice period), the encoding, and the columns of
 * `latents.csv` (one function, so that `train` and `encode` write the same
 * table: encoding the training stack with its own saved model gives the
 * training run's latents exactly).
 *
 * @module
 */

import { UserError } from "../errors.ts";
import type { Normalization, RvaeConfig } from "./config.ts";
import { encodeStack, type Encoding } from "./inference.ts";
import type { Rvae } from "./model.ts";
import type { WindowSpec } from "./serialize.ts";
import type { RvaeWarning } from "./window.ts";

/** Windows to encode: `count` windows of `window × window`, row-major. */
export interface WindowStack {
  /** Values, window after window. */
  data: Float32Array;
  /** Window side, px. */
  window: number;
}

/** Options of {@linkcode checkModelApplies}. */
export interface ApplyOptions {
  /** How the model's training windows were cut (`ModelFile.windows`). */
  windows?: WindowSpec;
  /** Name of the stack or image in messages (default "stack"). */
  name?: string;
  /** Lattice period of the new image, px (checked against the model's). */
  periodPx?: number;
  /** Refuse when the periods differ by more than this fraction (default 0.1). */
  periodTolerance?: number;
  /** Refuse when the scaled values leave [−margin, 1 + margin] (default 0.5). */
  rangeMargin?: number;
  /** Warn (`model-mismatch`) when the mean windows correlate less than this (default 0.5). */
  minMeanCorrelation?: number;
}

/**
 * Check that `model` can encode `stack`: the window side must be the
 * model's; the stack's values, scaled as the model scales its input, must
 * lie about in the [0, 1] its decoder can produce (a stack cut with another
 * `--normalization`, or raw counts, does not); with both lattice periods
 * known, the windows must hold the same number of cells (within 10%).
 * Throws a `UserError` naming the stack otherwise. Returns warnings:
 * `model-mismatch` when the stack's mean window hardly resembles the
 * training stack's (e.g. windows on the other sublattice).
 *
 * @example
 * ```ts
 * import { checkModelApplies } from "./encode.ts";
 * import { initBackend } from "./backend.ts";
 * import { makeConfig } from "./config.ts";
 * import { createRvae } from "./model.ts";
 * import { stackNormalization } from "./normalize.ts";
 * await initBackend({ backend: "cpu" });
 * const data = new Float32Array(4 * 8 * 8).map((_, i) => (i % 8) / 8);
 * const normalization = stackNormalization(data, 8 * 8);
 * const model = createRvae(makeConfig(8, { hiddenUnits: 8 }), { normalization });
 * const warnings = checkModelApplies(model, { data, window: 8 }, { name: "stack.npy" });
 * if (warnings.length !== 0) throw new Error("the model's own stack applies");
 * let refused = false;
 * try {
 *   checkModelApplies(model, { data, window: 4 }, { name: "stack.npy" });
 * } catch {
 *   refused = true;
 * }
 * if (!refused) throw new Error("another window side is refused");
 * ```
 */
export function checkModelApplies(
  model: { config: RvaeConfig; normalization: Normalization },
  stack: WindowStack,
  options: ApplyOptions = {},
): RvaeWarning[] {
  const name = options.name ?? "stack";
  const size = model.config.size;
  const pixels = size * size;
  if (stack.window !== size) {
    throw new UserError(
      name,
      `the model takes ${size} px windows, these are ${stack.window} px ` +
        `(cut them with --window ${size}, or train a model on them)`,
    );
  }
  const count = stack.data.length / pixels;
  if (!Number.isInteger(count) || count < 1) {
    throw new UserError(name, `holds no whole ${size} x ${size} window`);
  }
  const { offset, scale } = model.normalization;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < stack.data.length; i++) {
    const v = (stack.data[i] - offset) / scale;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const margin = options.rangeMargin ?? 0.5;
  if (!(lo >= -margin && hi <= 1 + margin)) {
    const how = options.windows?.normalization
      ? ` (the model's windows were scaled ${options.windows.normalization}` +
        `${options.windows.perWindow ? " per window" : ""})`
      : "";
    throw new UserError(
      name,
      `its values, scaled as the model's training stack was, span [${lo.toPrecision(3)}, ` +
        `${hi.toPrecision(3)}], far outside the model's [0, 1]: cut the windows with the ` +
        `normalisation the model was trained on${how}`,
    );
  }
  const trained = options.windows?.periodPx;
  const period = options.periodPx;
  if (trained !== undefined && period !== undefined && Number.isFinite(trained * period)) {
    const tolerance = options.periodTolerance ?? 0.1;
    if (Math.abs(period / trained - 1) > tolerance) {
      throw new UserError(
        name,
        `its lattice period is ${period.toFixed(1)} px but the model was trained at ` +
          `${trained.toFixed(1)} px: its ${size} px windows would hold ` +
          `${(size / period).toFixed(2)} cells instead of ${(size / trained).toFixed(2)} ` +
          `(resample the image or train a model on it)`,
      );
    }
  }
  const warnings: RvaeWarning[] = [];
  const meanWindow = model.normalization.meanWindow;
  if (meanWindow && meanWindow.length === pixels) {
    const mean = new Float64Array(pixels);
    for (let n = 0; n < count; n++) {
      for (let p = 0; p < pixels; p++) mean[p] += stack.data[n * pixels + p];
    }
    const r = pearson(mean, meanWindow);
    const min = options.minMeanCorrelation ?? 0.5;
    if (!(r >= min)) {
      warnings.push({
        code: "model-mismatch",
        message: `${name}: its mean window correlates ${r.toFixed(2)} with the model's ` +
          `training windows (below ${min}): windows on another sublattice or of another ` +
          `material? The encoded angles may mean nothing`,
      });
    }
  }
  return warnings;
}

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

/**
 * Encode `stack` with a saved (or just trained) `model`, after
 * {@linkcode checkModelApplies}. The encoding is `encodeStack`'s, so a
 * model encodes its own training stack exactly as its training run did.
 *
 * @example
 * ```ts
 * import { encodeWithModel } from "./encode.ts";
 * import { initBackend } from "./backend.ts";
 * import { makeConfig } from "./config.ts";
 * import { createRvae } from "./model.ts";
 * import { stackNormalization } from "./normalize.ts";
 * await initBackend({ backend: "cpu" });
 * // A model as loadRvaeFile of lib/io/rvae_files.ts gives it back from a folder.
 * const data = new Float32Array(4 * 8 * 8).map((_, i) => (i % 8) / 8);
 * const normalization = stackNormalization(data, 8 * 8);
 * const model = createRvae(makeConfig(8, { hiddenUnits: 8 }), { normalization });
 * const { encoding } = encodeWithModel(model, { data, window: 8 });
 * if (encoding.count !== 4 || encoding.angle.length !== 4) throw new Error("one angle per window");
 * ```
 */
export function encodeWithModel(
  model: Rvae,
  stack: WindowStack,
  options: ApplyOptions = {},
): { encoding: Encoding; warnings: RvaeWarning[] } {
  const warnings = checkModelApplies(model, stack, options);
  return { encoding: encodeStack(model, stack.data), warnings };
}

/** Options of {@linkcode latentColumns}. */
export interface LatentColumnOptions {
  /** Window centres in the image: adds `x,y`. */
  positions?: { x: ArrayLike<number>; y: ArrayLike<number> } | null;
  /** Calibration, nm per pixel: adds `dx_pm,dy_pm`. */
  pixelSizeNm?: number;
  /** Index of the stack each window came from (several stacks): adds `source`. */
  source?: ArrayLike<number> | null;
}

/**
 * The columns of `latents.csv`, in order: `i,angle,dx,dy,z1..zK`, then
 * `dx_pm,dy_pm` (calibrated), `angle_raw`, the raw latent shifts
 * `shift_x_latent,shift_y_latent` (with translation), `angle_sd`, `x,y`
 * (with positions) and `source` (with several stacks). Angles in [0, 2π),
 * shifts in pixels, image frame.
 *
 * @example
 * ```ts
 * import { latentColumns } from "./encode.ts";
 * import { initBackend } from "./backend.ts";
 * import { makeConfig } from "./config.ts";
 * import { encodeStack } from "./inference.ts";
 * import { createRvae } from "./model.ts";
 * await initBackend({ backend: "cpu" });
 * const model = createRvae(makeConfig(8, { hiddenUnits: 8 }));
 * const encoding = encodeStack(model, new Float32Array(3 * 8 * 8));
 * const positions = { x: [10, 20, 30], y: [5, 5, 5] };
 * const names = Object.keys(latentColumns(model.config, encoding, { positions }));
 * if (names.slice(0, 6).join() !== "i,angle,dx,dy,z1,z2") throw new Error(names.join());
 * ```
 */
export function latentColumns(
  config: Pick<RvaeConfig, "latentDim" | "translation">,
  encoding: Encoding,
  options: LatentColumnOptions = {},
): Record<string, ArrayLike<number>> {
  const count = encoding.count;
  const k = config.latentDim;
  const l = encoding.latents;
  const perWindow = (f: (i: number) => number) =>
    Float64Array.from({ length: count }, (_, i) => f(i));
  const columns: Record<string, ArrayLike<number>> = {
    i: perWindow((i) => i),
    angle: encoding.angle,
    dx: perWindow((i) => encoding.shiftPixels[2 * i]),
    dy: perWindow((i) => encoding.shiftPixels[2 * i + 1]),
  };
  for (let j = 0; j < k; j++) columns[`z${j + 1}`] = perWindow((i) => encoding.content[i * k + j]);
  if (options.pixelSizeNm !== undefined) {
    const pm = options.pixelSizeNm * 1000;
    columns.dx_pm = perWindow((i) => encoding.shiftPixels[2 * i] * pm);
    columns.dy_pm = perWindow((i) => encoding.shiftPixels[2 * i + 1] * pm);
  }
  columns.angle_raw = encoding.angleRaw;
  if (config.translation) {
    columns.shift_x_latent = perWindow((i) => encoding.mean[i * l + 1]);
    columns.shift_y_latent = perWindow((i) => encoding.mean[i * l + 2]);
  }
  columns.angle_sd = perWindow((i) => encoding.sd[i * l]);
  if (options.positions) {
    columns.x = options.positions.x;
    columns.y = options.positions.y;
  }
  if (options.source) columns.source = options.source;
  // Degrees beside the contract's radians, last so that no column moves.
  columns.angle_deg = perWindow((i) => (encoding.angle[i] * 180) / Math.PI);
  return columns;
}

/** Several stacks as one training set. */
export interface CombinedStacks {
  /** All windows, stack after stack. */
  data: Float32Array;
  /** Window side, px. */
  window: number;
  /** Windows in all. */
  count: number;
  /** Index (0-based, in the order given) of the stack each window came from. */
  source: Int32Array;
  /** Windows per stack. */
  counts: number[];
}

/**
 * Concatenate stacks of the same window side into one training set, with
 * the stack each window came from (`latents.csv`'s `source` column). Each
 * stack keeps its own scaling (the stack stage scales each image's windows
 * to [0, 1]); the model's normalisation is then taken over all of them.
 * Throws a `UserError` naming the first stack whose side differs.
 *
 * @example
 * ```ts
 * import { combineStacks } from "./encode.ts";
 * const a = new Float32Array(2 * 8 * 8), b = new Float32Array(3 * 8 * 8).fill(1);
 * const all = combineStacks([{ data: a, window: 8 }, { data: b, window: 8, name: "b.npy" }]);
 * if (all.count !== 5 || all.source.join() !== "0,0,1,1,1") throw new Error("stack of each window");
 * ```
 */
export function combineStacks(
  stacks: readonly (WindowStack & { name?: string })[],
): CombinedStacks {
  if (stacks.length === 0) throw new RangeError("combineStacks: no stacks");
  const window = stacks[0].window;
  const pixels = window * window;
  const counts: number[] = [];
  stacks.forEach((s, k) => {
    const name = s.name ?? `stack ${k + 1}`;
    if (s.window !== window) {
      throw new UserError(
        name,
        `has ${s.window} px windows but ${stacks[0].name ?? "stack 1"} has ${window} px: ` +
          `one model needs one window side (cut them with the same --window)`,
      );
    }
    const n = s.data.length / pixels;
    if (!Number.isInteger(n)) throw new UserError(name, `is not a whole number of windows`);
    counts.push(n);
  });
  const count = counts.reduce((a, b) => a + b, 0);
  const data = new Float32Array(count * pixels);
  const source = new Int32Array(count);
  let at = 0;
  stacks.forEach((s, k) => {
    data.set(s.data, at * pixels);
    source.fill(k, at, at + counts[k]);
    at += counts[k];
  });
  return { data, window, count, source, counts };
}
