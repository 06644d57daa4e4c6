/**
 * Encoded angles: wrapping into [0, 2π), the circular histogram, and its
 * automatic peak detection with the angle between neighbouring peaks (the
 * paper's Fig 1d: four variants show as four peaks 90° apart).
 *
 * @module
 */

import { angleDelta, wrapAngle } from "../math.ts";

const TWO_PI = 2 * Math.PI;

/**
 * A circular histogram: bin `i` covers [i, i+1)·2π/bins.
 *
 * @example
 * ```ts
 * import { angleHistogram } from "./angles.ts";
 * const counts = angleHistogram([0.1, -0.1, Math.PI, NaN], 4);
 * if (counts.join() !== "1,0,1,1") throw new Error("-0.1 wraps into the last bin; NaN is left out");
 * ```
 */
export function angleHistogram(angles: ArrayLike<number>, bins: number): Float64Array {
  const counts = new Float64Array(bins);
  for (let i = 0; i < angles.length; i++) {
    if (!Number.isFinite(angles[i])) continue;
    counts[Math.min(bins - 1, Math.floor((wrapAngle(angles[i]) / TWO_PI) * bins))]++;
  }
  return counts;
}

/** One detected peak of the angle distribution. */
export interface AnglePeak {
  /** Peak position, radians in [0, 2π). */
  angle: number;
  /** Standard error of the position, radians (the peak's spread over √count). */
  angleErr: number;
  /** Samples in the peak's basin (between the histogram's minima towards its neighbours). */
  count: number;
  /** `count` over all finite samples. */
  fraction: number;
  /** Height of the smoothed histogram at the peak (samples per bin). */
  height: number;
  /** Height above the higher of the two minima that separate it from higher ground (samples per bin). */
  prominence: number;
  /** Prominence over its counting noise (standard deviations). */
  significance: number;
  /** Full width at half prominence, degrees, with the smoothing removed in quadrature. */
  widthDeg: number;
  /** Start of the basin, radians in [0, 2π) (the whole circle for a single peak). */
  from: number;
  /** End of the basin, radians in [0, 2π). */
  to: number;
}

/** Options of {@linkcode findAnglePeaks}. */
export interface AnglePeakOptions {
  /** Histogram bins over 2π (default 120, 3° each). */
  bins?: number;
  /** Gaussian smoothing of the histogram, degrees (default 6). */
  smoothingDeg?: number;
  /**
   * A peak's prominence must reach this many standard deviations of its
   * counting noise (default 4): Poisson noise of the raw bins carried
   * through the smoothing, for the peak's and the separating minimum's bins.
   */
  minSignificance?: number;
  /** And this fraction of the highest peak's height (default 0.02). */
  minRelativeProminence?: number;
}

/** Peaks, in increasing angle, and the angles between neighbours (degrees, circular). */
export interface AnglePeaks {
  /** Detected peaks sorted by angle. */
  peaks: AnglePeak[];
  /** separationsDeg[i]: from peak i to peak i+1 (the last wraps to the first). */
  separationsDeg: number[];
  /** The smoothed histogram the peaks were found in (bin i centred at (i + ½)·2π/bins). */
  smoothed: Float64Array;
  /** Counting noise of each smoothed bin (standard deviation, samples per bin). */
  noise: Float64Array;
  /** Finite samples. */
  total: number;
  /**
   * Where to cut the circle to draw the histogram on a line, radians: at its
   * lowest point, so that no peak is split between 0° and 360°.
   */
  cutAngle: number;
}

/**
 * Detect the peaks of the circular distribution of `angles` (radians; NaN
 * left out): a histogram that wraps (0 = 2π), smoothed by a circular
 * Gaussian; every local maximum whose topographic prominence on the
 * circle is significant against the histogram's Poisson counting noise is
 * a peak. Each peak owns the samples of its basin (between the minima
 * towards its neighbours) and reports its position with a standard error,
 * its width and its population. Works for any angles: the rVAE's encoded
 * angle or the atom stage's polarisation direction.
 *
 * @example
 * ```ts
 * import { findAnglePeaks } from "./angles.ts";
 * import { Random } from "../random.ts";
 * // Two variants 90° apart, 5° spread.
 * const random = new Random(1);
 * const angles = Array.from({ length: 400 }, (_, i) => (i % 2 ? 1.6 : 0.3) + 0.09 * random.normal());
 * const { peaks, separationsDeg } = findAnglePeaks(angles);
 * if (peaks.length !== 2) throw new Error(`two peaks, found ${peaks.length}`);
 * if (Math.abs(separationsDeg[0] - 74.5) > 3) throw new Error(`${separationsDeg[0]}° apart`);
 * ```
 */
export function findAnglePeaks(
  angles: ArrayLike<number>,
  options: AnglePeakOptions = {},
): AnglePeaks {
  const bins = options.bins ?? 120;
  const binWidth = TWO_PI / bins;
  const sigmaBins = ((options.smoothingDeg ?? 6) / 360) * bins;
  const raw = angleHistogram(angles, bins);
  const total = raw.reduce((a, b) => a + b, 0);
  const reach = Math.min(Math.floor((bins - 1) / 2), Math.max(1, Math.ceil(3 * sigmaBins)));
  const kernel = Array.from(
    { length: 2 * reach + 1 },
    (_, k) => Math.exp(-0.5 * ((k - reach) / Math.max(sigmaBins, 1e-9)) ** 2),
  );
  const kernelSum = kernel.reduce((a, b) => a + b, 0);
  const smoothed = new Float64Array(bins);
  const noise = new Float64Array(bins);
  const wrap = (i: number) => ((i % bins) + bins) % bins;
  for (let i = 0; i < bins; i++) {
    let s = 0;
    let v = 0;
    for (let k = -reach; k <= reach; k++) {
      const w = kernel[k + reach] / kernelSum;
      const c = raw[wrap(i + k)];
      s += w * c;
      v += w * w * c;
    }
    smoothed[i] = s;
    noise[i] = Math.sqrt(v);
  }
  let low = 0;
  for (let i = 1; i < bins; i++) if (smoothed[i] < smoothed[low]) low = i;
  const cutAngle = (lowestStretchCentre(smoothed, low) + 0.5) * binWidth;
  const empty = { peaks: [], separationsDeg: [], smoothed, noise, total, cutAngle };
  const top = Math.max(...smoothed);
  if (!(top > smoothed[low])) return empty;
  const at = (i: number) => smoothed[wrap(i)];
  // A strict order on bins (ties broken by index), so that equal maxima are not both "highest".
  const above = (j: number, i: number) => at(j) > at(i) || (at(j) === at(i) && wrap(j) < wrap(i));
  const candidates: number[] = [];
  for (let i = 0; i < bins; i++) {
    if (above(i, i - 1) && above(i, i + 1)) candidates.push(i);
  }
  const minZ = options.minSignificance ?? 4;
  const minProminence = (options.minRelativeProminence ?? 0.02) * top;
  const kept: { bin: number; prominence: number; significance: number }[] = [];
  for (const i of candidates) {
    // The key col: the higher of the lowest points on the way to higher ground either way round.
    let col = -Infinity;
    let colBin = low;
    for (const direction of [1, -1]) {
      let min = smoothed[i];
      let minBin = i;
      let reached = false;
      for (let step = 1; step < bins; step++) {
        const j = i + direction * step;
        if (above(j, i)) {
          reached = true;
          break;
        }
        if (at(j) < min) {
          min = at(j);
          minBin = wrap(j);
        }
      }
      if (reached && min > col) {
        col = min;
        colBin = minBin;
      }
    }
    if (col === -Infinity) col = smoothed[low]; // the highest peak: down to the lowest point
    const prominence = smoothed[i] - col;
    const sd = Math.hypot(noise[i], noise[colBin]);
    const significance = sd > 0 ? prominence / sd : prominence > 0 ? Infinity : 0;
    if (significance >= minZ && prominence >= minProminence && prominence > 0) {
      kept.push({ bin: i, prominence, significance });
    }
  }
  if (kept.length === 0) return empty;
  // Basin boundaries: the lowest bin between neighbouring peaks (the whole circle for one peak).
  const n = kept.length;
  const boundaries = kept.map((p, j) => {
    if (n === 1) return wrap(p.bin + Math.round(bins / 2)); // unused for counting
    const next = kept[(j + 1) % n].bin;
    const span = wrap(next - p.bin) || bins;
    let best = wrap(p.bin + 1);
    for (let s = 1; s < span; s++) if (at(p.bin + s) < at(best)) best = wrap(p.bin + s);
    return best;
  });
  const peaks: AnglePeak[] = kept.map((p, j) => {
    const i = p.bin;
    const c = smoothed[i];
    // Basin: from the boundary before the peak (exclusive) to the boundary after it (inclusive).
    const start = n === 1 ? wrap(i - Math.floor(bins / 2)) : boundaries[(j - 1 + n) % n];
    const end = n === 1 ? wrap(start + bins - 1) : boundaries[j];
    let count = 0;
    const basin = n === 1 ? bins : wrap(end - start) || bins;
    for (let s = n === 1 ? 0 : 1; s <= (n === 1 ? bins - 1 : basin); s++) {
      count += raw[wrap(start + s)];
    }
    // Width at half prominence, interpolated, within the basin.
    const level = c - p.prominence / 2;
    const halfWidth = (direction: number, limit: number) => {
      let prev = c;
      for (let s = 1; s <= limit; s++) {
        const v = at(i + direction * s);
        if (v < level) return s - 1 + (prev - level) / (prev - v);
        prev = v;
      }
      return limit;
    };
    const leftLimit = n === 1 ? Math.floor(bins / 2) : wrap(i - start);
    const rightLimit = n === 1 ? Math.floor(bins / 2) : wrap(end - i);
    const fwhmBins = halfWidth(-1, leftLimit) + halfWidth(1, rightLimit);
    const smoothingFwhm = 2 * Math.sqrt(2 * Math.LN2) * sigmaBins;
    const widthBins = Math.sqrt(Math.max(0, fwhmBins ** 2 - smoothingFwhm ** 2));
    // Position: the circular mean of the samples within one width at half prominence (about
    // ±2.4 standard deviations of a Gaussian peak; at least 3 bins) of the maximum, re-centred
    // twice; its error from their spread. A narrower window seeks the noisy mode instead.
    const core = Math.max(fwhmBins, 3) * binWidth;
    let angle = (i + 0.5) * binWidth;
    let angleErr = NaN;
    for (let pass = 0; pass < 3; pass++) {
      let sx = 0, sy = 0, m = 0;
      for (let k = 0; k < angles.length; k++) {
        const d = angleDelta(angles[k], angle);
        if (!(Math.abs(d) <= core)) continue;
        sx += Math.cos(d);
        sy += Math.sin(d);
        m++;
      }
      if (m === 0) break;
      const shift = Math.atan2(sy, sx);
      // Circular standard deviation of the core samples over √m.
      const length = Math.min(1, Math.hypot(sx, sy) / m);
      angleErr = Math.sqrt(-2 * Math.log(Math.max(length, 1e-300)) / m);
      angle = wrapAngle(angle + shift);
    }
    return {
      angle,
      angleErr,
      count,
      fraction: total > 0 ? count / total : 0,
      height: c,
      prominence: p.prominence,
      significance: p.significance,
      widthDeg: (widthBins * 360) / bins,
      from: n === 1 ? 0 : wrapAngle((start + 1) * binWidth),
      to: n === 1 ? 0 : wrapAngle((end + 1) * binWidth),
    };
  });
  peaks.sort((a, b) => a.angle - b.angle);
  const separationsDeg = peaks.length > 1
    ? peaks.map((p, j) =>
      (wrapAngle(peaks[(j + 1) % peaks.length].angle - p.angle) * 180) / Math.PI
    )
    : [];
  return { peaks, separationsDeg, smoothed, noise, total, cutAngle };
}

/** Centre of the longest circular run of bins at the minimum value `smoothed[low]`. */
function lowestStretchCentre(smoothed: Float64Array, low: number): number {
  const bins = smoothed.length;
  const floor = smoothed[low] + 1e-12 * Math.max(...smoothed);
  let best = low;
  let bestLength = 0;
  // Start just after a bin above the floor, so that no run is cut in two (unless all are low).
  let start = 0;
  while (start < bins && smoothed[start] <= floor) start++;
  if (start === bins) return low;
  let run = 0;
  for (let s = 1; s <= bins; s++) {
    const i = (start + s) % bins;
    if (smoothed[i] <= floor) {
      run++;
      if (run > bestLength) {
        bestLength = run;
        best = (i - Math.floor((run - 1) / 2) + bins) % bins;
      }
    } else {
      run = 0;
    }
  }
  return best;
}

/**
 * "no peak", "1 peak", "2 peaks", …
 *
 * @example
 * ```ts
 * import { peakCountText } from "./angles.ts";
 * if (peakCountText(0) !== "no peak" || peakCountText(2) !== "2 peaks") throw new Error();
 * ```
 */
export function peakCountText(count: number): string {
  return count === 0 ? "no peak" : count === 1 ? "1 peak" : `${count} peaks`;
}

/**
 * One line for a summary: the count, each peak's position (degrees) with
 * its share of the samples, and the angles between neighbours, e.g.
 * "2 peaks: 180° (7 %), 359° (93 %); 179°, 181° apart".
 *
 * @example
 * ```ts
 * import { describePeaks, findAnglePeaks } from "./angles.ts";
 * const angles = Array.from({ length: 200 }, (_, i) => 0.035 + 0.01 * Math.sin(i));
 * const text = describePeaks(findAnglePeaks(angles));
 * if (text !== "1 peak: 2° (100 %)") throw new Error(text);
 * ```
 */
export function describePeaks(result: Pick<AnglePeaks, "peaks" | "separationsDeg">): string {
  const { peaks, separationsDeg } = result;
  const text = peakCountText(peaks.length);
  if (peaks.length === 0) return text;
  const list = peaks.map((p) =>
    `${((p.angle * 180) / Math.PI).toFixed(0)}° (${(100 * p.fraction).toFixed(0)} %)`
  );
  const apart = separationsDeg.length > 1
    ? `; ${separationsDeg.map((s) => `${s.toFixed(0)}°`).join(", ")} apart`
    : "";
  return `${text}: ${list.join(", ")}${apart}`;
}
