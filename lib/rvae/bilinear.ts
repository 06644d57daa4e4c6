/**
 * Differentiable bilinear sampling: read images at real-valued pixel
 * positions, with the gradient flowing both to the images and to the
 * positions (hence to the angle and shifts that produced them).
 *
 * One custom-gradient op: the forward pass gathers the four neighbours of
 * every position; the backward pass scatters the weighted output gradient
 * back onto the image (`scatterND` sums repeated indices) and differentiates
 * the bilinear weights for the positions. Positions outside the image read
 * its nearest edge (clamped), where the position gradient is zero.
 *
 * @module
 */

import { tf } from "../deps.ts";

/**
 * Sample `images` ([B, H, W]) at `cols`, `rows` ([B, P], pixel units: the
 * centre of pixel (x, y) is at col = x, row = y). Returns [B, P].
 */
export function bilinearSample(
  images: tf.Tensor3D,
  cols: tf.Tensor2D,
  rows: tf.Tensor2D,
): tf.Tensor2D {
  const [batch, height, width] = images.shape;
  const points = cols.shape[1];
  const op = tf.customGrad((img, c, r, saveArg) => {
    const save = saveArg as unknown as tf.GradSaveFunc;
    const image = img as tf.Tensor3D;
    const col = c as tf.Tensor2D;
    const row = r as tf.Tensor2D;
    const c0 = tf.floor(col);
    const r0 = tf.floor(row);
    const fc = tf.sub(col, c0);
    const fr = tf.sub(row, r0);
    const clampCol = (v: tf.Tensor) => tf.clipByValue(v, 0, width - 1);
    const clampRow = (v: tf.Tensor) => tf.clipByValue(v, 0, height - 1);
    const cA = clampCol(c0);
    const cB = clampCol(tf.add(c0, 1));
    const rA = tf.mul(clampRow(r0), width);
    const rB = tf.mul(clampRow(tf.add(r0, 1)), width);
    const base = tf.reshape(tf.mul(tf.range(0, batch, 1, "float32"), height * width), [batch, 1]);
    // Corner order: (rA,cA) (rA,cB) (rB,cA) (rB,cB), stacked on a leading axis of 4.
    const index = tf.cast(
      tf.add(
        tf.stack([tf.add(rA, cA), tf.add(rA, cB), tf.add(rB, cA), tf.add(rB, cB)]),
        base,
      ),
      "int32",
    );
    const flatIndex = tf.reshape(index, [4 * batch * points]);
    const values = tf.reshape(
      tf.gather(tf.reshape(image, [batch * height * width]), flatIndex),
      [4, batch, points],
    );
    const gc = tf.sub(1, fc);
    const gr = tf.sub(1, fr);
    const weights = tf.stack([tf.mul(gr, gc), tf.mul(gr, fc), tf.mul(fr, gc), tf.mul(fr, fc)]);
    const value = tf.sum(tf.mul(values, weights), 0) as tf.Tensor2D;
    save([flatIndex, weights, values, fc, fr]);
    return {
      value,
      gradFunc: (dy, saved) => {
        const [idx, w, v, fcS, frS] = saved;
        const d = dy as tf.Tensor2D;
        const dImage = tf.reshape(
          tf.scatterND(
            tf.reshape(idx, [4 * batch * points, 1]),
            tf.reshape(tf.mul(w, d), [4 * batch * points]),
            [batch * height * width],
          ),
          [batch, height, width],
        );
        const [v00, v01, v10, v11] = tf.unstack(v, 0);
        const gcS = tf.sub(1, fcS);
        const grS = tf.sub(1, frS);
        const dCol = tf.mul(
          d,
          tf.add(tf.mul(grS, tf.sub(v01, v00)), tf.mul(frS, tf.sub(v11, v10))),
        );
        const dRow = tf.mul(
          d,
          tf.add(tf.mul(gcS, tf.sub(v10, v00)), tf.mul(fcS, tf.sub(v11, v01))),
        );
        return [dImage, dCol, dRow];
      },
    };
  });
  return op(images, cols, rows) as tf.Tensor2D;
}
