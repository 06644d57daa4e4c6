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

/** What a sample outside the image reads. */
export type Padding = "border" | "zeros";

/**
 * Sample `images` ([B, H, W]) at the points (`cols[b, p]`, `rows[b, p]`), in
 * pixel units (column 0 and row 0 are the centre of the top-left pixel), by
 * bilinear interpolation. Outside the image, `padding` "border" (default)
 * reads the nearest edge pixel (each neighbour index is clamped), "zeros"
 * reads 0 (PyTorch's `grid_sample` with aligned corners). Returns [B, P].
 * Differentiable with respect to all three inputs. Needs `initBackend`.
 */
export function sampleBilinear(
  images: tf.Tensor3D,
  cols: tf.Tensor2D,
  rows: tf.Tensor2D,
  options: { padding?: Padding } = {},
): tf.Tensor2D {
  const [batch] = images.shape;
  if (cols.shape[0] !== batch || rows.shape[0] !== batch || cols.shape[1] !== rows.shape[1]) {
    throw new Error(
      `sampleBilinear: images [${images.shape}], cols [${cols.shape}], rows [${rows.shape}] disagree`,
    );
  }
  const padding = options.padding ?? "border";
  return tf.engine().runKernel(SAMPLE, { images, cols, rows }, { padding }) as tf.Tensor2D;
}

/**
 * The flat offset (within one image) of pixel (row, col), or -1 when it is
 * outside and padding is "zeros"; with "border" the indices are clamped.
 */
function neighbour(height: number, width: number, border: boolean) {
  return (row: number, col: number): number => {
    if (border) {
      row = row < 0 ? 0 : row >= height ? height - 1 : row;
      col = col < 0 ? 0 : col >= width ? width - 1 : col;
    } else if (row < 0 || row >= height || col < 0 || col >= width) return -1;
    return row * width + col;
  };
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

interface SampleArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}

function sampleKernel({ inputs, backend, attrs }: SampleArgs): tf.TensorInfo {
  const { images, cols, rows } = requireInputs(inputs, ["images", "cols", "rows"]);
  const [batch, height, width] = images.shape as [number, number, number];
  const points = cols.shape[1] as number;
  const out = allocateFloats(backend, [batch, points]);
  const img = floatView(backend, images), c = floatView(backend, cols);
  const r = floatView(backend, rows), y = floatView(backend, out);
  const index = neighbour(height, width, attrs?.padding !== "zeros");
  const at = (base: number, row: number, col: number) => {
    const k = index(row, col);
    return k < 0 ? 0 : img[base + k];
  };
  forEachCorner({ batch, height, width, points }, c, r, (i, base, c0, r0, fc, fr) => {
    const top = at(base, r0, c0) * (1 - fc) + at(base, r0, c0 + 1) * fc;
    const bottom = at(base, r0 + 1, c0) * (1 - fc) + at(base, r0 + 1, c0 + 1) * fc;
    y[i] = top * (1 - fr) + bottom * fr;
  });
  return out;
}

function sampleGradKernel({ inputs, backend, attrs }: SampleArgs): tf.TensorInfo[] {
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
  const index = neighbour(height, width, attrs?.padding !== "zeros");
  forEachCorner({ batch, height, width, points }, c, r, (i, base, c0, r0, fc, fr) => {
    const gi = g[i];
    const k00 = index(r0, c0), k01 = index(r0, c0 + 1);
    const k10 = index(r0 + 1, c0), k11 = index(r0 + 1, c0 + 1);
    const v00 = k00 < 0 ? 0 : img[base + k00], v01 = k01 < 0 ? 0 : img[base + k01];
    const v10 = k10 < 0 ? 0 : img[base + k10], v11 = k11 < 0 ? 0 : img[base + k11];
    if (k00 >= 0) dImages[base + k00] += gi * (1 - fc) * (1 - fr);
    if (k01 >= 0) dImages[base + k01] += gi * fc * (1 - fr);
    if (k10 >= 0) dImages[base + k10] += gi * (1 - fc) * fr;
    if (k11 >= 0) dImages[base + k11] += gi * fc * fr;
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
    gradFunc: (dy, saved, attrs) => {
      const [images, cols, rows] = saved;
      const [dImages, dCols, dRows] = tf.engine().runKernel(
        SAMPLE_GRAD,
        { images, cols, rows, dy: dy as tf.Tensor },
        attrs,
      ) as tf.Tensor[];
      return { images: () => dImages, cols: () => dCols, rows: () => dRows };
    },
  });
}
