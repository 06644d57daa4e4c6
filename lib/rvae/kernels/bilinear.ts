/**
 * Differentiable bilinear sampling of a batch of single-channel images at
 * arbitrary points — the core of the rVAE's fast decoder, which renders a
 * canonical image once per sample and resamples it on the rotated, shifted
 * grid. One fused kernel forward and one backward (both the image and the
 * point gradient), in plain loops over the backend's memory: tfjs's own route
 * (`tf.gather`, whose gradient is `UnsortedSegmentSum`) is missing on wasm and
 * needs O(points²) memory on cpu.
 *
 * @module
 */

import { tf } from "../../deps.ts";
import { allocateFloats, floatView, requireInputs } from "./js_kernel.ts";
import type { KernelReplacement } from "./register.ts";

const SAMPLE = "FerrovaeSampleBilinear";
const SAMPLE_GRAD = "FerrovaeSampleBilinearGrad";

/**
 * Sample `images` ([B, H, W]) at the points (`cols[b, p]`, `rows[b, p]`), in
 * pixel units (column 0 and row 0 are the centre of the top-left pixel), by
 * bilinear interpolation; points outside the image read 0 (PyTorch's
 * `grid_sample` with zero padding and aligned corners). Returns [B, P].
 * Differentiable with respect to all three inputs. Needs `initBackend`.
 */
export function sampleBilinear(
  images: tf.Tensor3D,
  cols: tf.Tensor2D,
  rows: tf.Tensor2D,
): tf.Tensor2D {
  const [batch] = images.shape;
  if (cols.shape[0] !== batch || rows.shape[0] !== batch || cols.shape[1] !== rows.shape[1]) {
    throw new Error(
      `sampleBilinear: images [${images.shape}], cols [${cols.shape}], rows [${rows.shape}] disagree`,
    );
  }
  return tf.engine().runKernel(SAMPLE, { images, cols, rows }) as tf.Tensor2D;
}

/** Visit each point: its flat index, its image's offset, its top-left neighbour and fractions. */
function forEachCorner(
  shape: { batch: number; height: number; width: number; points: number },
  cols: Float32Array,
  rows: Float32Array,
  visit: (i: number, base: number, c0: number, r0: number, fc: number, fr: number) => void,
): void {
  const { batch, height, width, points } = shape;
  for (let b = 0; b < batch; b++) {
    const base = b * height * width;
    for (let p = 0; p < points; p++) {
      const i = b * points + p;
      const c = cols[i], r = rows[i];
      const c0 = Math.floor(c), r0 = Math.floor(r);
      visit(i, base, c0, r0, c - c0, r - r0);
    }
  }
}

function sampleKernel(
  { inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend },
): tf.TensorInfo {
  const { images, cols, rows } = requireInputs(inputs, ["images", "cols", "rows"]);
  const [batch, height, width] = images.shape as [number, number, number];
  const points = cols.shape[1] as number;
  const out = allocateFloats(backend, [batch, points]);
  const img = floatView(backend, images), c = floatView(backend, cols);
  const r = floatView(backend, rows), y = floatView(backend, out);
  const at = (base: number, row: number, col: number) =>
    row >= 0 && row < height && col >= 0 && col < width ? img[base + row * width + col] : 0;
  forEachCorner({ batch, height, width, points }, c, r, (i, base, c0, r0, fc, fr) => {
    const top = at(base, r0, c0) * (1 - fc) + at(base, r0, c0 + 1) * fc;
    const bottom = at(base, r0 + 1, c0) * (1 - fc) + at(base, r0 + 1, c0 + 1) * fc;
    y[i] = top * (1 - fr) + bottom * fr;
  });
  return out;
}

function sampleGradKernel(
  { inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend },
): tf.TensorInfo[] {
  const { images, cols, rows, dy } = requireInputs(inputs, ["images", "cols", "rows", "dy"]);
  const [batch, height, width] = images.shape as [number, number, number];
  const points = cols.shape[1] as number;
  const dImagesInfo = allocateFloats(backend, [batch, height, width]);
  const dColsInfo = allocateFloats(backend, [batch, points]);
  const dRowsInfo = allocateFloats(backend, [batch, points]);
  const img = floatView(backend, images), c = floatView(backend, cols);
  const r = floatView(backend, rows), g = floatView(backend, dy);
  const dImages = floatView(backend, dImagesInfo);
  const dCols = floatView(backend, dColsInfo), dRows = floatView(backend, dRowsInfo);
  const inside = (row: number, col: number) => row >= 0 && row < height && col >= 0 && col < width;
  forEachCorner({ batch, height, width, points }, c, r, (i, base, c0, r0, fc, fr) => {
    const gi = g[i];
    let v00 = 0, v01 = 0, v10 = 0, v11 = 0;
    const w00 = (1 - fc) * (1 - fr), w01 = fc * (1 - fr), w10 = (1 - fc) * fr, w11 = fc * fr;
    if (inside(r0, c0)) {
      const k = base + r0 * width + c0;
      v00 = img[k];
      dImages[k] += gi * w00;
    }
    if (inside(r0, c0 + 1)) {
      const k = base + r0 * width + c0 + 1;
      v01 = img[k];
      dImages[k] += gi * w01;
    }
    if (inside(r0 + 1, c0)) {
      const k = base + (r0 + 1) * width + c0;
      v10 = img[k];
      dImages[k] += gi * w10;
    }
    if (inside(r0 + 1, c0 + 1)) {
      const k = base + (r0 + 1) * width + c0 + 1;
      v11 = img[k];
      dImages[k] += gi * w11;
    }
    dCols[i] = gi * ((1 - fr) * (v01 - v00) + fr * (v11 - v10));
    dRows[i] = gi * ((1 - fc) * (v10 - v00) + fc * (v11 - v01));
  });
  return [dImagesInfo, dColsInfo, dRowsInfo];
}

/** The forward and backward kernels, for `installKernels` on cpu and wasm. */
export const SAMPLE_BILINEAR_KERNELS: readonly KernelReplacement[] = [
  { kernelName: SAMPLE, make: () => sampleKernel as unknown as tf.KernelFunc },
  { kernelName: SAMPLE_GRAD, make: () => sampleGradKernel as unknown as tf.KernelFunc },
];

/** Register the gradient of `sampleBilinear` (once; later calls do nothing). */
export function registerSampleBilinearGradient(): void {
  if (tf.getGradient(SAMPLE)) return;
  tf.registerGradient({
    kernelName: SAMPLE,
    inputsToSave: ["images", "cols", "rows"],
    gradFunc: (dy, saved) => {
      const [images, cols, rows] = saved;
      const [dImages, dCols, dRows] = tf.engine().runKernel(
        SAMPLE_GRAD,
        { images, cols, rows, dy: dy as tf.Tensor },
      ) as tf.Tensor[];
      return { images: () => dImages, cols: () => dCols, rows: () => dRows };
    },
  });
}
