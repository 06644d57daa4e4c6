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
  const contrast = localContrast(columns.intensity, neighbours);
  // Decisive contrast labels a column by itself; the rest follow the geometry.
  const label = new Int8Array(n).fill(-1);
  const brighterLabel = aBrighter ? A : B;
  const dimmerLabel = aBrighter ? B : A;
  for (let k = 0; k < n; k++) {
    if (Math.abs(contrast[k]) >= DECISIVE) label[k] = contrast[k] > 0 ? brighterLabel : dimmerLabel;
  }
  flood(label, neighbours, contrast);
  // Components without one decisive column: colour them, brighter colour is A.
  const t = otsuThreshold(columns.intensity);
  const colour = twoColour(neighbours);
  const sums = new Map<number, [number, number, number, number]>();
  const root = componentRoots(neighbours);
  for (let k = 0; k < n; k++) {
    if (label[k] >= 0) continue;
    const s = sums.get(root[k]) ?? [0, 0, 0, 0];
    s[colour[k]] += columns.intensity[k];
    s[2 + colour[k]]++;
    sums.set(root[k], s);
  }
  const out = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    if (label[k] >= 0) {
      out[k] = label[k];
      continue;
    }
    const s = sums.get(root[k])!;
    if (!s[2] || !s[3]) {
      out[k] = columns.intensity[k] > t ? brighterLabel : dimmerLabel;
      continue;
    }
    const brighterColour = s[0] / s[2] >= s[1] / s[3] ? 0 : 1;
    out[k] = colour[k] === brighterColour ? brighterLabel : dimmerLabel;
  }
  // Same-label neighbours left over (a misfit column, a slip): majority vote.
  for (let round = 0; round < 10; round++) {
    let changed = 0;
    for (let k = 0; k < n; k++) {
      let same = 0;
      for (const j of neighbours[k]) if (out[j] === out[k]) same++;
      if (2 * same > neighbours[k].length + 1) {
        out[k] = 1 - out[k];
        changed++;
      }
    }
    if (!changed) break;
  }
  return out;
}

/** |contrast| from which a column's brightness alone names its sublattice. */
const DECISIVE = 0.3;

/** (I − mean of neighbours) / (|I| + |mean|), 0 for a column without neighbours. */
function localContrast(intensity: ArrayLike<number>, neighbours: number[][]): Float64Array {
  const n = neighbours.length;
  const c = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    if (!neighbours[k].length) continue;
    let mean = 0;
    for (const j of neighbours[k]) mean += intensity[j];
    mean /= neighbours[k].length;
    const denominator = Math.abs(intensity[k]) + Math.abs(mean);
    c[k] = denominator > 0 ? (intensity[k] - mean) / denominator : 0;
  }
  return c;
}

/**
 * Grow labels from labelled columns to their neighbours, most constrained
 * first (most labelled neighbours): each takes the label opposite to the
 * majority of its labelled neighbours, its own contrast breaking ties.
 */
function flood(label: Int8Array, neighbours: number[][], contrast: Float64Array): void {
  const n = neighbours.length;
  const votes = new Int32Array(n); // labelled neighbours
  const bVotes = new Int32Array(n); // of which labelled B (1)
  const buckets: number[][] = [[], [], [], [], [], [], [], [], []];
  const push = (k: number) => buckets[Math.min(votes[k], 8)].push(k);
  for (let k = 0; k < n; k++) {
    if (label[k] < 0) continue;
    for (const j of neighbours[k]) {
      votes[j]++;
      if (label[k] === 1) bVotes[j]++;
    }
  }
  for (let k = 0; k < n; k++) if (label[k] < 0 && votes[k] > 0) push(k);
  for (;;) {
    let k = -1;
    for (let v = 8; v >= 1 && k < 0; v--) {
      while (buckets[v].length) {
        const c = buckets[v].pop()!;
        // Stale entries: already labelled, or filed under an old vote count.
        if (label[c] < 0 && Math.min(votes[c], 8) === v) {
          k = c;
          break;
        }
      }
    }
    if (k < 0) break;
    const aVotes = votes[k] - bVotes[k];
    // Neighbours are of the other sublattice: many B neighbours → this is A.
    label[k] = bVotes[k] > aVotes ? 0 : aVotes > bVotes[k] ? 1 : contrast[k] > 0 ? 0 : 1;
    for (const j of neighbours[k]) {
      votes[j]++;
      if (label[k] === 1) bVotes[j]++;
      if (label[j] < 0) push(j);
    }
  }
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

/** Index of a representative column of each column's connected component. */
function componentRoots(neighbours: number[][]): Int32Array {
  const n = neighbours.length;
  const root = new Int32Array(n).fill(-1);
  const stack: number[] = [];
  for (let s = 0; s < n; s++) {
    if (root[s] >= 0) continue;
    root[s] = s;
    stack.push(s);
    while (stack.length) {
      const k = stack.pop()!;
      for (const j of neighbours[k]) {
        if (root[j] < 0) {
          root[j] = s;
          stack.push(j);
        }
      }
    }
  }
  return root;
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
