/**
 * Geometry of a set of columns: the typical nearest-neighbour distance, the
 * number of columns per lattice cell, and duplicates left when two
 * detections converge on one column.
 *
 * @module
 */

import { KDBush } from "../deps.ts";
import { median } from "../math.ts";
import { boundingArea } from "./_stats.ts";
import type { RefinedColumns } from "./refine.ts";
import type { LatticeEstimate } from "./spacing.ts";

/** Median distance from each point to its nearest other point. */
export function nearestNeighbourDistance(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const index = new KDBush(n);
  for (let k = 0; k < n; k++) index.add(xs[k], ys[k]);
  index.finish();
  const start = Math.sqrt(boundingArea({ x: xs, y: ys }) / n);
  const nearest: number[] = [];
  for (let k = 0; k < n; k++) {
    for (let r = start; r < 1e7; r *= 2) {
      let best = Infinity;
      for (const j of index.within(xs[k], ys[k], r)) {
        if (j !== k) best = Math.min(best, Math.hypot(xs[j] - xs[k], ys[j] - ys[k]));
      }
      if (best < Infinity) {
        nearest.push(best);
        break;
      }
    }
  }
  return median(nearest);
}

/** Indices to keep when refinement made two detections converge on one column (the better fit stays). */
export function dropDuplicates(
  cols: RefinedColumns,
  response: Float64Array,
  minDistance: number,
): number[] {
  const n = cols.x.length;
  const order = Array.from({ length: n }, (_, k) => k).sort((p, q) =>
    (cols.fitOk[q] - cols.fitOk[p]) || (response[q] - response[p])
  );
  const index = new KDBush(Math.max(n, 1));
  for (let k = 0; k < n; k++) index.add(cols.x[k], cols.y[k]);
  index.finish();
  const dropped = new Uint8Array(n);
  for (const k of order) {
    if (dropped[k]) continue;
    for (const j of index.within(cols.x[k], cols.y[k], minDistance)) if (j !== k) dropped[j] = 1;
  }
  return Array.from({ length: n }, (_, k) => k).filter((k) => !dropped[k]);
}

/** Columns per primitive cell, counting only columns at least one period inside the image. */
export function columnsPerCell(
  columns: { x: ArrayLike<number>; y: ArrayLike<number> },
  lattice: LatticeEstimate,
  size: { width: number; height: number },
): number {
  const [[ax, ay], [bx, by]] = lattice.vectors;
  const cell = Math.abs(ax * by - ay * bx);
  const m = Math.max(Math.hypot(ax, ay), Math.hypot(bx, by));
  const w = size.width - 2 * m;
  const h = size.height - 2 * m;
  if (!(w > 0 && h > 0 && cell > 0)) return NaN;
  let n = 0;
  for (let k = 0; k < columns.x.length; k++) {
    const x = columns.x[k] + 0.5 - m;
    const y = columns.y[k] + 0.5 - m;
    if (x >= 0 && x < w && y >= 0 && y < h) n++;
  }
  return (n * cell) / (w * h);
}

/**
 * For each candidate, whether it sits at a centrosymmetric site of the
 * `known` points: its nearest known neighbours (those within 1.3 times the
 * nearest distance, at least two) balance out around it, their mean offset
 * under a fifth of that distance (a B column at the centre of four A
 * columns, or midway between two).
 */
export function symmetricSites(
  candidates: { x: ArrayLike<number>; y: ArrayLike<number> },
  known: { x: ArrayLike<number>; y: ArrayLike<number> },
): Uint8Array {
  const out = new Uint8Array(candidates.x.length);
  const n = known.x.length;
  if (n < 2) return out;
  const index = new KDBush(n);
  for (let k = 0; k < n; k++) index.add(known.x[k], known.y[k]);
  index.finish();
  const reach = 4 * Math.sqrt(boundingArea(known) / n);
  for (let c = 0; c < candidates.x.length; c++) {
    const cx = candidates.x[c];
    const cy = candidates.y[c];
    const near = index.within(cx, cy, reach)
      .map((j) => ({ dx: known.x[j] - cx, dy: known.y[j] - cy }))
      .map((v) => ({ ...v, d: Math.hypot(v.dx, v.dy) }))
      .sort((p, q) => p.d - q.d);
    if (near.length < 2) continue;
    const shell = near.filter((v) => v.d <= 1.3 * near[0].d);
    if (shell.length < 2) continue;
    let sx = 0;
    let sy = 0;
    for (const v of shell) {
      sx += v.dx;
      sy += v.dy;
    }
    out[c] = Math.hypot(sx, sy) / shell.length < 0.2 * near[0].d ? 1 : 0;
  }
  return out;
}
