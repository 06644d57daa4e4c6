/**
 * The rVAE's tables: `latents.csv` from an encoded stack and `history.csv`
 * from the training records. One definition each, in lib/rvae
 * (`latentColumns`, `historyColumns`): `train`, `analyze` and `encode`
 * write the same columns.
 *
 * @module
 */

import { formatCsv } from "../io/csv.ts";
import { latentColumns } from "../rvae/encode.ts";
import type { Encoding } from "../rvae/inference.ts";
import { historyColumns, type TrainResult } from "../rvae/train.ts";

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
  /** Index of the stack each window came from (training on several stacks): adds `source`. */
  source?: ArrayLike<number> | null;
}

/**
 * `latents.csv`: `i,angle,dx,dy,z1..zK` (angle in [0, 2π), dx,dy the content's
 * displacement in pixels, image frame), then `dx_pm,dy_pm` when calibrated,
 * `angle_raw`, the raw shift latents, `angle_sd`, `x,y` with positions and
 * `source` with several stacks (see `latentColumns`).
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
  return formatCsv(latentColumns(options, encoding, options));
}

/**
 * `history.csv`: `epoch, train_loss, train_reconstruction, train_kl,
 * validation_loss` (NaN without a held-out set), `learning_rate` and `best`
 * (1 on the epoch whose parameters the model ended with). Wall-clock rates
 * stay out, so that reruns give identical files (see `historyColumns`).
 *
 * @example
 * ```ts
 * historyCsv({ history: [], finalEpoch: 0 }); // the header only
 * ```
 */
export function historyCsv(result: Pick<TrainResult, "history" | "finalEpoch">): string {
  return formatCsv(historyColumns(result));
}
