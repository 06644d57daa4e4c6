/**
 * The Barnes-Hut t-SNE gradient (van der Maaten 2014) in 2-D: attractive
 * forces over the sparse symmetric affinities P, repulsive forces summed over
 * a quadtree, cells far enough away (width / distance < θ) taken as one body.
 *
 * @module
 */

import { NODE_STRIDE, type Quadtree } from "./quadtree.ts";

/** Sparse symmetric affinities in compressed-row form (each pair stored both ways). */
export interface Affinities {
  /** Number of points. */
  n: number;
  /** `n + 1` row offsets. */
  offsets: Int32Array;
  /** Column of each stored value. */
  columns: Int32Array;
  /** p_ij, summing to 1 over all stored entries. */
  values: Float64Array;
}

/**
 * Accumulate the attractive term Σ_j p_ij q̃_ij (y_i - y_j) of rows
 * [from, to) into `force` (q̃ = 1/(1+|y_i-y_j|²)), times `exaggeration`.
 */
export function attraction(
  p: Affinities,
  y: Float64Array,
  exaggeration: number,
  force: Float64Array,
  from: number,
  to: number,
): void {
  const { offsets, columns, values } = p;
  for (let i = from; i < to; i++) {
    const yx = y[2 * i], yy = y[2 * i + 1];
    let fx = 0, fy = 0;
    for (let e = offsets[i]; e < offsets[i + 1]; e++) {
      const j = columns[e];
      const dx = yx - y[2 * j], dy = yy - y[2 * j + 1];
      const w = values[e] / (1 + dx * dx + dy * dy);
      fx += w * dx;
      fy += w * dy;
    }
    force[2 * i] = exaggeration * fx;
    force[2 * i + 1] = exaggeration * fy;
  }
}

/**
 * Barnes-Hut repulsion for the points `tree.order[from .. to)`: writes each
 * one's unnormalised force Σ_j q̃_ij² (y_i - y_j) into `force` and returns
 * their Σ_j q̃_ij (a share of the normaliser Z). `stack` is scratch of ≥ 256.
 */
export function repulsion(
  tree: Quadtree,
  y: Float64Array,
  theta2: number,
  force: Float64Array,
  from: number,
  to: number,
  stack: Int32Array,
): number {
  const { node, child, leafOf, order } = tree;
  let z = 0;
  for (let t = from; t < to; t++) {
    const i = order[t];
    const yx = y[2 * i], yy = y[2 * i + 1];
    const home = leafOf[i];
    let fx = 0, fy = 0;
    let top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const c = stack[--top];
      const o = NODE_STRIDE * c;
      const dx = yx - node[o], dy = yy - node[o + 1];
      const d2 = dx * dx + dy * dy;
      const kids = child[c];
      if (kids >= 0 && node[o + 3] >= theta2 * d2) {
        for (let q = kids; q < kids + 4; q++) if (node[NODE_STRIDE * q + 2] > 0) stack[top++] = q;
        continue;
      }
      // A far cell or a leaf, taken as one body at its centre of mass; a
      // leaf's points coincide, so the point itself only removes its own mass.
      const m = c === home ? node[o + 2] - 1 : node[o + 2];
      if (m === 0) continue;
      const q = 1 / (1 + d2);
      const mq = m * q;
      z += mq;
      fx += mq * q * dx;
      fy += mq * q * dy;
    }
    force[2 * i] = fx;
    force[2 * i + 1] = fy;
  }
  return z;
}
