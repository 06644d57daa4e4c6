/**
 * Site tracks (lib/series/tracks.ts) against ground truth: a drifting,
 * jittered two-sublattice lattice whose columns are listed in a new order in
 * every frame, some missed, some leaving and entering the field of view.
 */

import { Random } from "../lib/random.ts";
import { cumulativeDrift } from "../lib/series/registration.ts";
import { type FrameSites, trackSites } from "../lib/series/tracks.ts";
import { assert, assertEquals } from "./assert.ts";

const PERIOD = 15;
const SIZE = 200;

interface Truth {
  frames: FrameSites[];
  ids: number[][];
  drift: { x: Float64Array; y: Float64Array };
}

/** A lattice seen through a 200 px field of view drifting by `steps`, with 0.3 px jitter. */
function movie(steps: { dx: number; dy: number }[], seed: number, missRate: number): Truth {
  const random = new Random(seed);
  const drift = cumulativeDrift(steps);
  const sites: { x: number; y: number; sub: number }[] = [];
  for (let j = -5; j < SIZE / PERIOD + 5; j++) {
    for (let i = -5; i < SIZE / PERIOD + 5; i++) {
      sites.push({ x: i * PERIOD, y: j * PERIOD, sub: 0 });
      sites.push({ x: (i + 0.5) * PERIOD, y: (j + 0.5) * PERIOD, sub: 1 });
    }
  }
  const frames: FrameSites[] = [];
  const ids: number[][] = [];
  for (let t = 0; t < steps.length; t++) {
    const seen: { x: number; y: number; sub: number; id: number }[] = [];
    sites.forEach((s, id) => {
      // In view by its true position: jitter never makes a column flicker at the edge.
      const tx = s.x + drift.x[t];
      const ty = s.y + drift.y[t];
      const x = tx + 0.3 * random.normal();
      const y = ty + 0.3 * random.normal();
      if (tx < 0 || ty < 0 || tx > SIZE || ty > SIZE || random.uniform() < missRate) return;
      seen.push({ x, y, sub: s.sub, id });
    });
    const order = random.permutation(seen.length);
    const listed = Array.from(order, (k) => seen[k]);
    frames.push({
      x: listed.map((s) => s.x),
      y: listed.map((s) => s.y),
      sublattice: listed.map((s) => s.sub),
    });
    ids.push(listed.map((s) => s.id));
  }
  return { frames, ids, drift };
}

/** Every true column keeps one track, and no track holds two columns. */
function checkAgainstTruth(truth: Truth, track: Int32Array[]): { tracks: number; columns: number } {
  const trackOf = new Map<number, number>();
  const columnOf = new Map<number, number>();
  truth.ids.forEach((ids, t) =>
    ids.forEach((id, s) => {
      const k = track[t][s];
      if (trackOf.has(id)) {
        assertEquals(trackOf.get(id), k, `column ${id} changed track at frame ${t}`);
      }
      if (columnOf.has(k)) {
        assertEquals(columnOf.get(k), id, `track ${k} holds two columns`);
      }
      trackOf.set(id, k);
      columnOf.set(k, id);
    })
  );
  return { tracks: columnOf.size, columns: trackOf.size };
}

Deno.test("trackSites: drifting lattice, shuffled lists, missed columns: one track per column", () => {
  // Drift of 2-4 px a frame: several times the gate (4.5 px) over the movie, so drift removal matters.
  const steps = [{ dx: 0, dy: 0 }];
  for (let t = 1; t < 12; t++) steps.push({ dx: 3 + 0.1 * t, dy: -2 + 0.05 * t });
  const truth = movie(steps, 1, 0.05);
  const result = trackSites(truth.frames, PERIOD, { drift: truth.drift, maxGap: 3 });
  const { tracks, columns } = checkAgainstTruth(truth, result.track);
  assertEquals(tracks, columns);
  assertEquals(result.count, columns);
  // Steps are the jitter (two 0.3 px draws): never near the gate.
  for (const s of result.step) for (const d of s) assert(Number.isNaN(d) || d < 2.5, `step ${d}`);
});

Deno.test("trackSites: without drift removal the same movie's tracks break", () => {
  const steps = [{ dx: 0, dy: 0 }];
  for (let t = 1; t < 6; t++) steps.push({ dx: 5, dy: 3 });
  const truth = movie(steps, 2, 0);
  const ok = trackSites(truth.frames, PERIOD, { drift: truth.drift });
  checkAgainstTruth(truth, ok.track);
  // A (5, 3) px step, and two of them, are more than 5.8 px from any same-sublattice
  // site: beyond the gate (0.3 period = 4.5 px) by three jitter sigmas.
  const blind = trackSites(truth.frames, PERIOD);
  const continued = (r: typeof ok) => r.step.flatMap((s) => Array.from(s)).filter((d) => d >= 0);
  assert(continued(ok).length > 1000);
  assertEquals(continued(blind).length, 0);
});

Deno.test("trackSites: a column missed for one frame keeps its track; after a longer gap it does not", () => {
  const frames: FrameSites[] = [
    { x: [10, 40], y: [10, 10] },
    { x: [40.2], y: [10] },
    { x: [10.3, 40.1], y: [10, 10.2] },
    { x: [40], y: [10] },
    { x: [40], y: [10] },
    { x: [10, 40], y: [10, 10] },
  ];
  const { track, count } = trackSites(frames, 15);
  assertEquals(Array.from(track[2]), [0, 1]);
  assertEquals(Array.from(track[5]), [2, 1]);
  assertEquals(count, 3);
});

Deno.test("trackSites: a column matches only its own sublattice", () => {
  const frames: FrameSites[] = [
    { x: [10], y: [10], sublattice: [0] },
    { x: [10.5], y: [10], sublattice: [1] },
  ];
  assertEquals(trackSites(frames, 15).track.map((t) => Array.from(t)), [[0], [1]]);
  const same = frames.map(({ x, y }) => ({ x, y }));
  assertEquals(trackSites(same, 15).track.map((t) => Array.from(t)), [[0], [0]]);
});
