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

import { type Tensor2D, type Tensor3D, tf } from "../../deps.ts";
import { allocateFloats, floatView, requireInputs } from "./_js_kernel.ts";
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
  images: Tensor3D,
  cols: Tensor2D,
  rows: Tensor2D,
  options: { padding?: Padding } = {},
): Tensor2D {
  const [batch] = images.shape;
  if (cols.shape[0] !== batch || rows.shape[0] !== batch || cols.shape[1] !== rows.shape[1]) {
    throw new Error(
      `sampleBilinear: images [${images.shape}], cols [${cols.shape}], rows [${rows.shape}] disagree`,
    );
  }
  const padding = options.padding ?? "border";
  return tf.engine().runKernel(SAMPLE, { images, cols, rows }, { padding }) as tf.Tensor2D;
}

/** Each point's four neighbours (flat indices into the batch, −1 outside) and fractions. */
interface Corners {
  /** Indices of the (r0, c0), (r0, c0+1), (r0+1, c0), (r0+1, c0+1) neighbours, 4 per point. */
  index: Int32Array;
  /** Fractional column offset from c0, per point. */
  fc: Float32Array;
  /** Fractional row offset from r0, per point. */
  fr: Float32Array;
}

/**
 * The neighbours of every point. With "border" padding each index is clamped
 * into the image; with "zeros" an outside neighbour is −1 (reads 0).
 */
function corners(
  shape: { batch: number; height: number; width: number; points: number },
  cols: Float32Array,
  rows: Float32Array,
  attrs?: tf.NamedAttrMap,
): Corners {
  const border = attrs?.padding !== "zeros";
  const { batch, height, width, points } = shape;
  const n = batch * points;
  const index = new Int32Array(4 * n), fc = new Float32Array(n), fr = new Float32Array(n);
  const lastRow = height - 1, lastCol = width - 1;
  for (let b = 0; b < batch; b++) {
    const base = b * height * width;
    for (let p = 0; p < points; p++) {
      const i = b * points + p;
      const c = cols[i], r = rows[i];
      const c0 = Math.floor(c), r0 = Math.floor(r);
      fc[i] = c - c0;
      fr[i] = r - r0;
      let ca = c0, cb = c0 + 1, ra = r0, rb = r0 + 1;
      if (border) {
        ca = ca < 0 ? 0 : ca > lastCol ? lastCol : ca;
        cb = cb < 0 ? 0 : cb > lastCol ? lastCol : cb;
        ra = ra < 0 ? 0 : ra > lastRow ? lastRow : ra;
        rb = rb < 0 ? 0 : rb > lastRow ? lastRow : rb;
        index[4 * i] = base + ra * width + ca;
        index[4 * i + 1] = base + ra * width + cb;
        index[4 * i + 2] = base + rb * width + ca;
        index[4 * i + 3] = base + rb * width + cb;
      } else {
        const caIn = ca >= 0 && ca <= lastCol, cbIn = cb >= 0 && cb <= lastCol;
        const raIn = ra >= 0 && ra <= lastRow, rbIn = rb >= 0 && rb <= lastRow;
        index[4 * i] = raIn && caIn ? base + ra * width + ca : -1;
        index[4 * i + 1] = raIn && cbIn ? base + ra * width + cb : -1;
        index[4 * i + 2] = rbIn && caIn ? base + rb * width + ca : -1;
        index[4 * i + 3] = rbIn && cbIn ? base + rb * width + cb : -1;
      }
    }
  }
  return { index, fc, fr };
}

interface SampleArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}

function shapeOf(images: tf.TensorInfo, cols: tf.TensorInfo) {
  const [batch, height, width] = images.shape as [number, number, number];
  return { batch, height, width, points: cols.shape[1] as number };
}

function sampleKernel({ inputs, backend, attrs }: SampleArgs): tf.TensorInfo {
  const { images, cols, rows } = requireInputs(inputs, ["images", "cols", "rows"]);
  const shape = shapeOf(images, cols);
  const out = allocateFloats(backend, [shape.batch, shape.points]);
  const img = floatView(backend, images), y = floatView(backend, out);
  const { index, fc, fr } = corners(
    shape,
    floatView(backend, cols),
    floatView(backend, rows),
    attrs,
  );
  for (let i = 0; i < y.length; i++) {
    const k00 = index[4 * i], k01 = index[4 * i + 1], k10 = index[4 * i + 2];
    const k11 = index[4 * i + 3];
    const v00 = k00 < 0 ? 0 : img[k00], v01 = k01 < 0 ? 0 : img[k01];
    const v10 = k10 < 0 ? 0 : img[k10], v11 = k11 < 0 ? 0 : img[k11];
    const top = v00 + fc[i] * (v01 - v00), bottom = v10 + fc[i] * (v11 - v10);
    y[i] = top + fr[i] * (bottom - top);
  }
  return out;
}

function sampleGradKernel({ inputs, backend, attrs }: SampleArgs): tf.TensorInfo[] {
  const { images, cols, rows, dy } = requireInputs(inputs, ["images", "cols", "rows", "dy"]);
  const shape = shapeOf(images, cols);
  const dImagesInfo = allocateFloats(backend, images.shape);
  const dColsInfo = allocateFloats(backend, cols.shape);
  const dRowsInfo = allocateFloats(backend, rows.shape);
  const img = floatView(backend, images), g = floatView(backend, dy);
  const dImages = floatView(backend, dImagesInfo);
  const dCols = floatView(backend, dColsInfo), dRows = floatView(backend, dRowsInfo);
  const { index, fc, fr } = corners(
    shape,
    floatView(backend, cols),
    floatView(backend, rows),
    attrs,
  );
  for (let i = 0; i < g.length; i++) {
    const gi = g[i], a = fc[i], b = fr[i];
    const k00 = index[4 * i], k01 = index[4 * i + 1], k10 = index[4 * i + 2];
    const k11 = index[4 * i + 3];
    let v00 = 0, v01 = 0, v10 = 0, v11 = 0;
    if (k00 >= 0) {
      v00 = img[k00];
      dImages[k00] += gi * (1 - a) * (1 - b);
    }
    if (k01 >= 0) {
      v01 = img[k01];
      dImages[k01] += gi * a * (1 - b);
    }
    if (k10 >= 0) {
      v10 = img[k10];
      dImages[k10] += gi * (1 - a) * b;
    }
    if (k11 >= 0) {
      v11 = img[k11];
      dImages[k11] += gi * a * b;
    }
    dCols[i] = gi * ((1 - b) * (v01 - v00) + b * (v11 - v10));
    dRows[i] = gi * ((1 - a) * (v10 - v00) + a * (v11 - v01));
  }
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
