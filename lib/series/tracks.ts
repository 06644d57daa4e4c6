/**
 * Site tracks: every atom column keeps one id across the frames of a series.
 * Positions are first brought into the first frame's coordinates by removing
 * the drift (see `registration.ts`); each frame's columns are then matched
 * one to one with the tracks seen in the last `maxGap + 1` frames, closest
 * pairs first, within a gate of a fraction of the lattice period (a column
 * that moved more than that between frames is not the same column as far as
 * anyone can tell). Unmatched columns start new tracks; a column matches only
 * tracks of its own sublattice when sublattices are given.
 *
 * @module
 */

import { SpatialGrid } from "../atoms/spatial_grid.ts";

/** The columns found in one frame. */
export interface FrameSites {
  /** x of each column, px, in the frame's own coordinates. */
  x: ArrayLike<number>;
  /** y of each column, px. */
  y: ArrayLike<number>;
  /** Sublattice of each column (any integer code), if known. */
  sublattice?: ArrayLike<number>;
}

/** Options of {@linkcode trackSites}. */
export interface TrackOptions {
  /**
   * Drift of each frame against the first (see `cumulativeDrift`): frame t
   * shows at (x + x[t], y + y[t]) what frame 0 shows at (x, y). Default none.
   */
  drift?: { x: ArrayLike<number>; y: ArrayLike<number> };
  /** Gate as a fraction of the lattice period. Default 0.3. */
  gateFraction?: number;
  /** Frames a track may go unseen and still be continued (a column missed once). Default 1. */
  maxGap?: number;
}

/** Tracks of a series. */
export interface SiteTracks {
  /** For each frame, the track id of each of its columns (0, 1, 2... in order of first sight). */
  track: Int32Array[];
  /** Number of tracks. */
  count: number;
  /** For each frame, the distance (px, drift removed) each column moved since its track was last seen; NaN for a new track. */
  step: Float64Array[];
}

/**
 * Give every column of every frame a track id.
 *
 * @example
 * ```ts
 * import { trackSites } from "./tracks.ts";
 * const frames = [
 *   { x: [10, 30], y: [10, 10] },
 *   { x: [31, 11], y: [10.5, 9.5] },
 * ];
 * const { track, count } = trackSites(frames, 20);
 * // The columns swapped places in the list, not on the sample.
 * if (count !== 2 || Array.from(track[1]).join() !== "1,0") throw new Error("two tracks");
 * ```
 */
export function trackSites(
  frames: readonly FrameSites[],
  period: number,
  options: TrackOptions = {},
): SiteTracks {
  if (!(period > 0)) throw new RangeError(`lattice period must be positive, got ${period}`);
  const gate = (options.gateFraction ?? 0.3) * period;
  const gate2 = gate * gate;
  const maxGap = Math.max(0, Math.floor(options.maxGap ?? 1));
  // Every track's last drift-corrected position, frame and sublattice.
  const lastX: number[] = [];
  const lastY: number[] = [];
  const lastFrame: number[] = [];
  const lastSub: number[] = [];
  const track: Int32Array[] = [];
  const step: Float64Array[] = [];
  for (let t = 0; t < frames.length; t++) {
    const { x, y, sublattice } = frames[t];
    const n = x.length;
    const ox = options.drift ? Number(options.drift.x[t]) : 0;
    const oy = options.drift ? Number(options.drift.y[t]) : 0;
    const cx = Float64Array.from({ length: n }, (_, i) => x[i] - ox);
    const cy = Float64Array.from({ length: n }, (_, i) => y[i] - oy);
    // Active tracks, in a grid over their span.
    const active: number[] = [];
    for (let k = 0; k < lastFrame.length; k++) if (t - lastFrame[k] <= maxGap + 1) active.push(k);
    const ax = Float64Array.from(active, (k) => lastX[k]);
    const ay = Float64Array.from(active, (k) => lastY[k]);
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (let i = 0; i < active.length; i++) {
      minX = Math.min(minX, ax[i]);
      maxX = Math.max(maxX, ax[i]);
      minY = Math.min(minY, ay[i]);
      maxY = Math.max(maxY, ay[i]);
    }
    const pairs: { d2: number; site: number; slot: number }[] = [];
    if (active.length > 0) {
      for (let i = 0; i < active.length; i++) {
        ax[i] -= minX;
        ay[i] -= minY;
      }
      const grid = new SpatialGrid(maxX - minX, maxY - minY, Math.max(gate, 1e-3));
      for (let i = 0; i < active.length; i++) grid.insert(i, ax[i], ay[i]);
      for (let s = 0; s < n; s++) {
        const sx = cx[s] - minX;
        const sy = cy[s] - minY;
        grid.forEachWithin(sx, sy, gate2, ax, ay, (slot) => {
          if (sublattice && lastSub[active[slot]] !== Number(sublattice[s])) return;
          const dx = ax[slot] - sx;
          const dy = ay[slot] - sy;
          pairs.push({ d2: dx * dx + dy * dy, site: s, slot });
        });
      }
    }
    // Closest pairs first; ties by site then track, so the result never depends on sort stability.
    pairs.sort((a, b) => a.d2 - b.d2 || a.site - b.site || a.slot - b.slot);
    const ids = new Int32Array(n).fill(-1);
    const moved = new Float64Array(n).fill(NaN);
    const taken = new Uint8Array(active.length);
    for (const p of pairs) {
      if (ids[p.site] >= 0 || taken[p.slot]) continue;
      ids[p.site] = active[p.slot];
      taken[p.slot] = 1;
      moved[p.site] = Math.sqrt(p.d2);
    }
    for (let s = 0; s < n; s++) {
      if (ids[s] < 0) {
        ids[s] = lastX.length;
        lastX.push(0);
        lastY.push(0);
        lastFrame.push(t);
        lastSub.push(sublattice ? Number(sublattice[s]) : 0);
      }
      const k = ids[s];
      lastX[k] = cx[s];
      lastY[k] = cy[s];
      lastFrame[k] = t;
    }
    track.push(ids);
    step.push(moved);
  }
  return { track, count: lastX.length, step };
}
