/**
 * Splitting columns into the A and B sublattices. In a perovskite every
 * column's nearest neighbours belong to the other sublattice (B sits at the
 * centre of a square of A, A at the centre of a square of B), so the
 * nearest-neighbour graph is bipartite: a two-colouring of it, cleaned by a
 * majority vote, separates the sublattices by geometry alone, and intensity
 * only decides which colour is A. That keeps working where brightness does
 * not (an SrRuO3 layer, whose B columns outshine its A columns).
 *
 * @module
 */

import { KDBush } from "../deps.ts";

/** 0 = A, 1 = B. */
export const A = 0;
/** 0 = A, 1 = B. */
export const B = 1;

/** How to tell A from B. */
export type SublatticeRule = "geometry" | "intensity";

/** Options for {@linkcode assignSublattices}. */
export interface SublatticeOptions {
  /** Typical nearest-neighbour distance, px. */
  nnDistance: number;
  /** "geometry" (default): graph two-colouring, intensity picks A; "intensity": a threshold. */
  rule?: SublatticeRule;
  /** Whether A columns are the brighter ones (default true). */
  aBrighter?: boolean;
}

/** Sublattice (0 = A, 1 = B) of each column. */
export function assignSublattices(
  columns: { x: ArrayLike<number>; y: ArrayLike<number>; intensity: ArrayLike<number> },
  options: SublatticeOptions,
): Uint8Array {
  const n = columns.x.length;
  const aBrighter = options.aBrighter ?? true;
  if (n === 0) return new Uint8Array(0);
  if ((options.rule ?? "geometry") === "intensity") {
    const t = otsuThreshold(columns.intensity);
    return Uint8Array.from(
      { length: n },
      (_, k) => (columns.intensity[k] > t) === aBrighter ? A : B,
    );
  }
  const neighbours = neighbourGraph(columns, options.nnDistance);
  const colour = twoColour(neighbours);
  // Per connected component: which colour is brighter.
  const component = components(neighbours);
  const count = Math.max(...component) + 1;
  const sums = new Float64Array(count * 2);
  const counts = new Float64Array(count * 2);
  for (let k = 0; k < n; k++) {
    sums[component[k] * 2 + colour[k]] += columns.intensity[k];
    counts[component[k] * 2 + colour[k]]++;
  }
  const out = new Uint8Array(n);
  // Small components (a lone column, a pair at the border) cannot vote: threshold them.
  const t = otsuThreshold(columns.intensity);
  for (let k = 0; k < n; k++) {
    const c = component[k];
    if (counts[c * 2] + counts[c * 2 + 1] < 4 || !counts[c * 2] || !counts[c * 2 + 1]) {
      out[k] = (columns.intensity[k] > t) === aBrighter ? A : B;
      continue;
    }
    const mean0 = sums[c * 2] / counts[c * 2];
    const mean1 = sums[c * 2 + 1] / counts[c * 2 + 1];
    const brighter = mean0 >= mean1 ? 0 : 1;
    out[k] = (colour[k] === brighter) === aBrighter ? A : B;
  }
  return out;
}

/** Neighbours of each column at 0.75–1.3 nearest-neighbour distances. */
export function neighbourGraph(
  points: { x: ArrayLike<number>; y: ArrayLike<number> },
  nnDistance: number,
): number[][] {
  const n = points.x.length;
  const index = new KDBush(Math.max(n, 1));
  for (let k = 0; k < n; k++) index.add(points.x[k], points.y[k]);
  index.finish();
  const lo = 0.75 * nnDistance;
  return Array.from(
    { length: n },
    (_, k) =>
      index.within(points.x[k], points.y[k], 1.3 * nnDistance).filter((j) =>
        j !== k && Math.hypot(points.x[j] - points.x[k], points.y[j] - points.y[k]) >= lo
      ),
  );
}

/** Breadth-first two-colouring, then majority votes to undo the damage of odd cycles. */
function twoColour(neighbours: number[][]): Uint8Array {
  const n = neighbours.length;
  const colour = new Uint8Array(n);
  const seen = new Uint8Array(n);
  const queue = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    if (seen[s]) continue;
    let head = 0;
    let tail = 0;
    queue[tail++] = s;
    seen[s] = 1;
    while (head < tail) {
      const k = queue[head++];
      for (const j of neighbours[k]) {
        if (seen[j]) continue;
        seen[j] = 1;
        colour[j] = 1 - colour[k];
        queue[tail++] = j;
      }
    }
  }
  for (let round = 0; round < 20; round++) {
    let changed = 0;
    for (let k = 0; k < n; k++) {
      let same = 0;
      for (const j of neighbours[k]) if (colour[j] === colour[k]) same++;
      if (2 * same > neighbours[k].length) {
        colour[k] = 1 - colour[k];
        changed++;
      }
    }
    if (!changed) break;
  }
  return colour;
}

function components(neighbours: number[][]): Int32Array {
  const n = neighbours.length;
  const label = new Int32Array(n).fill(-1);
  let next = 0;
  const stack: number[] = [];
  for (let s = 0; s < n; s++) {
    if (label[s] >= 0) continue;
    label[s] = next;
    stack.push(s);
    while (stack.length) {
      const k = stack.pop()!;
      for (const j of neighbours[k]) {
        if (label[j] < 0) {
          label[j] = next;
          stack.push(j);
        }
      }
    }
    next++;
  }
  return label;
}

/** Otsu's threshold of a set of values (maximises the between-class variance). */
export function otsuThreshold(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n < 2) return n ? sorted[0] : 0;
  let total = 0;
  for (const v of sorted) total += v;
  let left = 0;
  let best = -1;
  let threshold = sorted[0];
  for (let i = 0; i < n - 1; i++) {
    left += sorted[i];
    if (sorted[i] === sorted[i + 1]) continue;
    const nl = i + 1;
    const nr = n - nl;
    const diff = left / nl - (total - left) / nr;
    const between = nl * nr * diff * diff;
    if (between > best) {
      best = between;
      threshold = 0.5 * (sorted[i] + sorted[i + 1]);
    }
  }
  return threshold;
}
