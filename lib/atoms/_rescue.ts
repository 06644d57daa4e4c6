/**
 * A second look for dim B columns where the lattice says they must be. The
 * first detection's threshold has to hold back noise everywhere; at the
 * centre of a square of A columns a B column is expected, so a weaker
 * response there is enough evidence. Only proper squares count (four A
 * columns, sides and diagonals of the right length), so a lattice without B
 * columns between its A columns does not grow any.
 *
 * @module
 */

import { KDBush } from "../deps.ts";
import type { Peaks } from "./detect.ts";
import type { Grid } from "./filters.ts";
import { subpixelPeak } from "./detect.ts";

/** Centres of the squares that the points (A columns) make with side ≈ `side`. */
export function squareCentres(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  side: number,
): { x: Float64Array; y: Float64Array } {
  const n = xs.length;
  const index = new KDBush(Math.max(n, 1));
  for (let k = 0; k < n; k++) index.add(xs[k], ys[k]);
  index.finish();
  const cx: number[] = [];
  const cy: number[] = [];
  for (let k = 0; k < n; k++) {
    const nbrs = index.within(xs[k], ys[k], 1.2 * side).filter((j) => {
      const d = Math.hypot(xs[j] - xs[k], ys[j] - ys[k]);
      return j !== k && d >= 0.8 * side;
    });
    for (const i of nbrs) {
      const ux = xs[i] - xs[k];
      const uy = ys[i] - ys[k];
      for (const j of nbrs) {
        const vx = xs[j] - xs[k];
        const vy = ys[j] - ys[k];
        // v a quarter turn from u (one orientation, so each corner sees each square once).
        const cross = ux * vy - uy * vx;
        const dot = ux * vx + uy * vy;
        if (!(cross > 0) || Math.abs(dot) > 0.3 * side * side) continue;
        const fx = xs[k] + ux + vx;
        const fy = ys[k] + uy + vy;
        const fourth = index.within(fx, fy, 0.2 * side);
        if (fourth.length !== 1) continue;
        const f = fourth[0];
        // Count each square once: from its corner of lowest index.
        if (k > i || k > j || k > f) continue;
        cx.push((xs[k] + xs[i] + xs[j] + xs[f]) / 4);
        cy.push((ys[k] + ys[i] + ys[j] + ys[f]) / 4);
      }
    }
  }
  return { x: Float64Array.from(cx), y: Float64Array.from(cy) };
}

/** Options for {@linkcode rescuePeaks}. */
export interface RescueOptions {
  /** A site counts as empty when no column is within this distance, px. */
  emptyRadius: number;
  /** Look for the response maximum within this distance of the site, px. */
  searchRadius: number;
  /** Minimum response accepted at an expected site. */
  threshold: number;
}

/** Peaks at expected `sites` where no column was found yet and the response is at least the threshold. */
export function rescuePeaks(
  response: Grid,
  sites: { x: ArrayLike<number>; y: ArrayLike<number> },
  existing: { x: ArrayLike<number>; y: ArrayLike<number> },
  options: RescueOptions,
): Peaks {
  const { data, width, height } = response;
  const index = new KDBush(Math.max(existing.x.length, 1));
  for (let k = 0; k < existing.x.length; k++) index.add(existing.x[k], existing.y[k]);
  index.finish();
  const px: number[] = [];
  const py: number[] = [];
  const pr: number[] = [];
  const r = options.searchRadius;
  for (let s = 0; s < sites.x.length; s++) {
    const sx = sites.x[s];
    const sy = sites.y[s];
    if (index.within(sx, sy, options.emptyRadius).length) continue;
    let best = -1;
    for (let y = Math.max(1, Math.ceil(sy - r)); y <= Math.min(height - 2, sy + r); y++) {
      for (let x = Math.max(1, Math.ceil(sx - r)); x <= Math.min(width - 2, sx + r); x++) {
        if ((x - sx) ** 2 + (y - sy) ** 2 > r * r) continue;
        const i = y * width + x;
        if (best < 0 || data[i] > data[best]) best = i;
      }
    }
    if (best < 0 || !(data[best] >= options.threshold)) continue;
    const [x, y] = subpixelPeak(response, best);
    px.push(x);
    py.push(y);
    pr.push(data[best]);
  }
  return { x: Float64Array.from(px), y: Float64Array.from(py), response: Float64Array.from(pr) };
}
