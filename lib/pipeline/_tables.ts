/**
 * The rVAE's tables: `latents.csv` from an encoded stack and `history.csv`
 * from the training records.
 *
 * @module
 */

import { formatCsv } from "../io/csv.ts";
import type { Encoding } from "../rvae/inference.ts";
import type { EpochRecord } from "../rvae/train.ts";

/** What `latents.csv` adds to the encoding. */
export interface LatentsTableOptions {
  /** Content latents K. */
  latentDim: number;
  /** Whether the model has shift latents (adds `shift_x_latent, shift_y_latent`). */
  translation: boolean;
  /** Window centres in the image, written as `x,y`. */
  positions: { x: ArrayLike<number>; y: ArrayLike<number> } | null;
  /** nm per pixel: adds `dx_pm, dy_pm`. */
  pixelSizeNm?: number;
}

/**
 * `latents.csv`: `i,angle,dx,dy,z1..zK` (angle in [0, 2π), dx,dy the content's
 * displacement in pixels, image frame), then `dx_pm,dy_pm` when calibrated,
 * `angle_raw`, the raw shift latents, `angle_sd` and `x,y` with positions.
 *
 * @example
 * ```ts
 * const encoding = {
 *   count: 1, latents: 4, mean: new Float32Array(4), sd: new Float32Array(4).fill(0.1),
 *   angle: Float64Array.of(1), angleRaw: Float64Array.of(1),
 *   shiftPixels: new Float64Array(2), content: new Float32Array(1),
 * };
 * latentsCsv(encoding, { latentDim: 1, translation: true, positions: null });
 * ```
 */
export function latentsCsv(encoding: Encoding, options: LatentsTableOptions): string {
  const { count } = encoding;
  const k = options.latentDim;
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
    columns.dx_pm = Float64Array.from(columns.dx, (v) => v * pm);
    columns.dy_pm = Float64Array.from(columns.dy, (v) => v * pm);
  }
  columns.angle_raw = encoding.angleRaw;
  if (options.translation) {
    const l = encoding.latents;
    columns.shift_x_latent = perWindow((i) => encoding.mean[i * l + 1]);
    columns.shift_y_latent = perWindow((i) => encoding.mean[i * l + 2]);
  }
  columns.angle_sd = perWindow((i) => encoding.sd[i * encoding.latents]);
  if (options.positions) {
    columns.x = options.positions.x;
    columns.y = options.positions.y;
  }
  return formatCsv(columns);
}

/**
 * `history.csv`: `epoch, train_loss, train_reconstruction, train_kl,
 * validation_loss` (NaN without a held-out set) and `learning_rate`. Wall-clock
 * rates stay out, so that reruns give identical files.
 *
 * @example
 * ```ts
 * historyCsv([]); // the header only
 * ```
 */
export function historyCsv(history: readonly EpochRecord[]): string {
  return formatCsv({
    epoch: history.map((r) => r.epoch),
    train_loss: history.map((r) => r.train.loss),
    train_reconstruction: history.map((r) => r.train.reconstruction),
    train_kl: history.map((r) => r.train.kl),
    validation_loss: history.map((r) => r.validation?.loss ?? NaN),
    learning_rate: history.map((r) => r.learningRate),
  });
}
