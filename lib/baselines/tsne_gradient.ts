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

/** The parts of a {@link Quadtree} the repulsion reads. */
export type TreeView = Pick<
  Quadtree,
  "node" | "skip" | "leafStart" | "leafEnd" | "leafAt" | "order" | "sorted" | "size"
>;

/**
 * Barnes-Hut repulsion for the leaves of `tree` that start at sorted
 * positions [from, to): writes each of their points' unnormalised force
 * Σ_j q̃_ij² (y_i - y_j) into `force` (at its original index) and returns
 * their Σ_j q̃_ij, a share of the normaliser Z. The tree is walked once per
 * leaf, not per point: a cell is one body for all the leaf's points when
 * width² < θ² · distance² from its centre of mass to the leaf's bounding box
 * (stricter than the per-point test, so at least as accurate); near leaves
 * are summed point by point.
 */
export function repulsion(
  tree: TreeView,
  theta2: number,
  force: Float64Array,
  from: number,
  to: number,
): number {
  const { node, skip, leafStart, leafEnd, leafAt, order, sorted, size } = tree;
  // Far cells from the front, near leaves from the back.
  const list = new Int32Array(size);
  let z = 0;
  for (let first = from; first < to; first++) {
    const g = leafAt[first];
    if (g < 0) continue;
    const end = leafEnd[g];
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (let t = first; t < end; t++) {
      const px = sorted[2 * t], py = sorted[2 * t + 1];
      if (px < x0) x0 = px;
      if (px > x1) x1 = px;
      if (py < y0) y0 = py;
      if (py > y1) y1 = py;
    }
    let far = 0, near = size;
    for (let c = 0; c < size;) {
      const o = NODE_STRIDE * c;
      const cx = node[o], cy = node[o + 1];
      const dx = cx < x0 ? x0 - cx : cx > x1 ? cx - x1 : 0;
      const dy = cy < y0 ? y0 - cy : cy > y1 ? cy - y1 : 0;
      if (node[o + 3] < theta2 * (dx * dx + dy * dy)) {
        list[far++] = c;
        c = skip[c];
      } else if (leafStart[c] < 0) {
        c++;
      } else {
        list[--near] = c;
        c = skip[c];
      }
    }
    for (let t = first; t < end; t++) {
      const yx = sorted[2 * t], yy = sorted[2 * t + 1];
      let fx = 0, fy = 0;
      for (let f = 0; f < far; f++) {
        const o = NODE_STRIDE * list[f];
        const ex = yx - node[o], ey = yy - node[o + 1];
        const q = 1 / (1 + ex * ex + ey * ey);
        const mq = node[o + 2] * q;
        z += mq;
        fx += mq * q * ex;
        fy += mq * q * ey;
      }
      for (let l = near; l < size; l++) {
        const c = list[l], o = NODE_STRIDE * c;
        const start = leafStart[c], stop = leafEnd[c];
        if (node[o + 3] === 0) {
          // Coincident points: one body, less the point itself if it is one of them.
          const ex = yx - node[o], ey = yy - node[o + 1];
          const q = 1 / (1 + ex * ex + ey * ey);
          const mq = (node[o + 2] - (t >= start && t < stop ? 1 : 0)) * q;
          z += mq;
          fx += mq * q * ex;
          fy += mq * q * ey;
          continue;
        }
        for (let s = start; s < stop; s++) {
          if (s === t) continue;
          const ex = yx - sorted[2 * s], ey = yy - sorted[2 * s + 1];
          const q = 1 / (1 + ex * ex + ey * ey);
          z += q;
          fx += q * q * ex;
          fy += q * q * ey;
        }
      }
      const i = order[t];
      force[2 * i] = fx;
      force[2 * i + 1] = fy;
    }
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
  tree: TreeView;
  /** θ². */
  theta2: number;
  /** Attraction factor. */
  exaggeration: number;
}

/**
 * Both force terms for [from, to) — rows for attraction, leaves starting at
 * those sorted positions for repulsion — returning their share of Z: the
 * unit a {@link WorkerPool} hands out.
 */
export function tsneForces(args: ForceArgs, from: number, to: number): number {
  attraction(args.p, args.y, args.exaggeration, args.attract, from, to);
  return repulsion(args.tree, args.theta2, args.repel, from, to);
}
