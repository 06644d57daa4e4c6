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
 * Barnes-Hut repulsion for the sorted points [from, to) of `tree` (see
 * {@link Quadtree.order}): writes each one's unnormalised force
 * Σ_j q̃_ij² (y_i - y_j) into `force` (at its original index) and returns
 * their Σ_j q̃_ij, a share of the normaliser Z. A cell is one body when
 * width² < θ² · distance² to its centre of mass; a near leaf is summed point
 * by point.
 */
export function repulsion(
  tree: Pick<Quadtree, "node" | "skip" | "leafStart" | "leafEnd" | "order" | "sorted" | "size">,
  theta2: number,
  force: Float64Array,
  from: number,
  to: number,
): number {
  const { node, skip, leafStart, leafEnd, order, sorted, size } = tree;
  let z = 0;
  for (let t = from; t < to; t++) {
    const yx = sorted[2 * t], yy = sorted[2 * t + 1];
    let fx = 0, fy = 0;
    for (let c = 0; c < size;) {
      const o = NODE_STRIDE * c;
      const dx = yx - node[o], dy = yy - node[o + 1];
      const d2 = dx * dx + dy * dy;
      if (node[o + 3] < theta2 * d2) {
        const q = 1 / (1 + d2);
        const mq = node[o + 2] * q;
        z += mq;
        fx += mq * q * dx;
        fy += mq * q * dy;
        c = skip[c];
        continue;
      }
      const start = leafStart[c];
      if (start < 0) {
        c++;
        continue;
      }
      const end = leafEnd[c];
      if (node[o + 3] === 0) {
        // Coincident points: one body, less the point itself if it is one of them.
        const q = 1 / (1 + d2);
        const mq = (node[o + 2] - (t >= start && t < end ? 1 : 0)) * q;
        z += mq;
        fx += mq * q * dx;
        fy += mq * q * dy;
        c = skip[c];
        continue;
      }
      for (let s = start; s < end; s++) {
        if (s === t) continue;
        const ex = yx - sorted[2 * s], ey = yy - sorted[2 * s + 1];
        const q = 1 / (1 + ex * ex + ey * ey);
        z += q;
        fx += q * q * ex;
        fy += q * q * ey;
      }
      c = skip[c];
    }
    const i = order[t];
    force[2 * i] = fx;
    force[2 * i + 1] = fy;
  }
  return z;
}

/** Everything one gradient evaluation reads and writes, in shared memory. */
export interface ForceArgs {
  /** Affinities. */
  p: Affinities;
  /** Current embedding, x y interleaved. */
  y: Float64Array;
  /** Output: attractive forces. */
  attract: Float64Array;
  /** Output: unnormalised repulsive forces. */
  repel: Float64Array;
  /** The quadtree over `y` (only its arrays and size are read). */
  tree: Pick<Quadtree, "node" | "skip" | "leafStart" | "leafEnd" | "order" | "sorted" | "size">;
  /** θ². */
  theta2: number;
  /** Attraction factor. */
  exaggeration: number;
}

/**
 * Both force terms for points [from, to) — rows for attraction, sorted
 * positions for repulsion — returning their share of Z: the unit a
 * {@link WorkerPool} hands out.
 */
export function tsneForces(args: ForceArgs, from: number, to: number): number {
  attraction(args.p, args.y, args.exaggeration, args.attract, from, to);
  return repulsion(args.tree, args.theta2, args.repel, from, to);
}
