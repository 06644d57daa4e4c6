/**
 * A series' variants scored against a ground truth (e.g. the generated
 * movie of `lib/synth/movie.ts`): every encoded B site matched to the
 * truth's nearest B column, each found variant mapped to the true variant
 * most of its sites have; then per frame the fraction of each true variant
 * as found against the truth on the same sites, and per true variant the
 * mean encoded angle in every frame (one latent space means one angle).
 *
 * @module
 */

import { wrapAngle } from "../math.ts";

/** What a series found: `series.csv`'s columns. */
export interface FoundSites {
  /** Frame of each site. */
  frame: ArrayLike<number>;
  /** Position, px. */
  x: ArrayLike<number>;
  /** Position, px. */
  y: ArrayLike<number>;
  /** True for B sites. */
  isB: ArrayLike<boolean>;
  /** Found variant (-1: none). */
  variant: ArrayLike<number>;
  /** Encoded angle, radians. */
  angle: ArrayLike<number>;
}

/** One frame's truth. */
export interface TruthFrame {
  /** Column positions, px. */
  x: ArrayLike<number>;
  /** Column positions, px. */
  y: ArrayLike<number>;
  /** 1 for B columns. */
  sublattice: ArrayLike<number>;
  /** True variant (-1: non-polar). */
  variant: ArrayLike<number>;
}

/** The score. */
export interface SeriesScore {
  /** Fraction of the matched sites whose found variant maps to their true one. */
  agreement: number;
  /** Sites matched to a truth column. */
  matched: number;
  /** Found variant → true variant. */
  mapping: Map<number, number>;
  /** Per true variant (0-3), per frame: fraction found on the matched sites. */
  found: number[][];
  /** Per true variant, per frame: true fraction on the same sites. */
  truth: number[][];
  /** Per true variant, per frame: circular mean encoded angle of its sites (NaN under 5 sites), radians. */
  meanAngle: number[][];
  /** Per true variant: largest deviation of a frame's mean angle from the variant's mean over frames, degrees. */
  angleSpreadDeg: number[];
}

/**
 * Score `found` against `truth` (one entry per frame); sites farther than
 * `gate` px from every true B column are left out.
 *
 * @example
 * ```ts
 * const found = { frame: [0], x: [10], y: [10], isB: [true], variant: [0], angle: [1] };
 * const truth = [{ x: [10.2], y: [10], sublattice: [1], variant: [2] }];
 * scoreSeries(found, truth, 3).agreement; // 1
 * ```
 */
export function scoreSeries(
  found: FoundSites,
  truth: readonly TruthFrame[],
  gate: number,
): SeriesScore {
  const n = found.frame.length;
  const trueOf = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    if (!found.isB[i] || found.variant[i] < 0) continue;
    const tr = truth[found.frame[i]];
    if (!tr) continue;
    let best = -1;
    let bestD = gate;
    for (let k = 0; k < tr.x.length; k++) {
      if (tr.sublattice[k] !== 1) continue;
      const d = Math.hypot(tr.x[k] - found.x[i], tr.y[k] - found.y[i]);
      if (d < bestD) [best, bestD] = [k, d];
    }
    if (best >= 0) trueOf[i] = tr.variant[best];
  }
  const votes = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    if (trueOf[i] < 0) continue;
    const v = votes.get(found.variant[i]) ?? [0, 0, 0, 0];
    v[trueOf[i]]++;
    votes.set(found.variant[i], v);
  }
  const mapping = new Map([...votes].map(([v, c]) => [v, c.indexOf(Math.max(...c))]));
  const T = truth.length;
  const counts = Array.from({ length: T }, () => ({ n: 0, f: [0, 0, 0, 0], t: [0, 0, 0, 0] }));
  const sums = Array.from({ length: 4 }, () => Array.from({ length: T }, () => [0, 0, 0]));
  let agree = 0;
  let matched = 0;
  for (let i = 0; i < n; i++) {
    if (trueOf[i] < 0) continue;
    const t = found.frame[i];
    const mapped = mapping.get(found.variant[i])!;
    matched++;
    if (mapped === trueOf[i]) agree++;
    counts[t].n++;
    counts[t].f[mapped]++;
    counts[t].t[trueOf[i]]++;
    const s = sums[trueOf[i]][t];
    s[0] += Math.cos(found.angle[i]);
    s[1] += Math.sin(found.angle[i]);
    s[2]++;
  }
  const per = (f: (v: number, t: number) => number) =>
    Array.from({ length: 4 }, (_, v) => Array.from({ length: T }, (_, t) => f(v, t)));
  const meanAngle = per((v, t) => {
    const [c, s, m] = sums[v][t];
    return m >= 5 ? wrapAngle(Math.atan2(s, c)) : NaN;
  });
  const angleSpreadDeg = meanAngle.map((angles) => {
    const ok = angles.filter(Number.isFinite);
    if (ok.length === 0) return NaN;
    const centre = Math.atan2(
      ok.reduce((a, m) => a + Math.sin(m), 0),
      ok.reduce((a, m) => a + Math.cos(m), 0),
    );
    return Math.max(
      ...ok.map((m) => Math.abs(Math.atan2(Math.sin(m - centre), Math.cos(m - centre)))),
    ) * 180 / Math.PI;
  });
  return {
    agreement: matched ? agree / matched : NaN,
    matched,
    mapping,
    found: per((v, t) => (counts[t].n ? counts[t].f[v] / counts[t].n : NaN)),
    truth: per((v, t) => (counts[t].n ? counts[t].t[v] / counts[t].n : NaN)),
    meanAngle,
    angleSpreadDeg,
  };
}
