/**
 * Encoded angles: wrapping into [0, 2π), the circular histogram, and its
 * automatic peak detection with the angle between neighbouring peaks (the
 * paper's Fig 1d: four variants show as four peaks 90° apart).
 *
 * @module
 */

const TWO_PI = 2 * Math.PI;

/** `angle` wrapped into [0, 2π). */
export function wrapAngle(angle: number): number {
  const w = angle % TWO_PI;
  return w < 0 ? w + TWO_PI : w === TWO_PI ? 0 : w;
}

/** Signed difference a − b wrapped into (−π, π]. */
export function angleDelta(a: number, b: number): number {
  const d = wrapAngle(a - b);
  return d > Math.PI ? d - TWO_PI : d;
}

/** A circular histogram: bin `i` covers [i, i+1)·2π/bins. */
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
  /** Samples within half the distance to the neighbouring peaks. */
  count: number;
  /** Height of the smoothed histogram at the peak (samples per bin). */
  height: number;
}

/** Options of {@linkcode findAnglePeaks}. */
export interface AnglePeakOptions {
  /** Histogram bins over 2π (default 120, 3° each). */
  bins?: number;
  /** Gaussian smoothing of the histogram, degrees (default 6). */
  smoothingDeg?: number;
  /** A peak must reach this fraction of the highest one (default 0.2). */
  minRelativeHeight?: number;
  /** And dominate its surroundings: the dip to a higher peak must be below this fraction of it (default 0.75). */
  maxDipRatio?: number;
}

/** Peaks, in increasing angle, and the angles between neighbours (degrees, circular). */
export interface AnglePeaks {
  /** Detected peaks sorted by angle. */
  peaks: AnglePeak[];
  /** separationsDeg[i]: from peak i to peak i+1 (the last wraps to the first). */
  separationsDeg: number[];
  /** The smoothed histogram the peaks were found in. */
  smoothed: Float64Array;
}

/** Detect the peaks of the circular distribution of `angles`. */
export function findAnglePeaks(
  angles: ArrayLike<number>,
  options: AnglePeakOptions = {},
): AnglePeaks {
  const bins = options.bins ?? 120;
  const sigmaBins = ((options.smoothingDeg ?? 6) / 360) * bins;
  const raw = angleHistogram(angles, bins);
  const reach = Math.max(1, Math.ceil(3 * sigmaBins));
  const kernel = Array.from(
    { length: 2 * reach + 1 },
    (_, k) => Math.exp(-0.5 * ((k - reach) / Math.max(sigmaBins, 1e-9)) ** 2),
  );
  const kernelSum = kernel.reduce((a, b) => a + b, 0);
  const smoothed = new Float64Array(bins);
  for (let i = 0; i < bins; i++) {
    let s = 0;
    for (let k = -reach; k <= reach; k++) {
      s += raw[(((i + k) % bins) + bins) % bins] * kernel[k + reach];
    }
    smoothed[i] = s / kernelSum;
  }
  const top = Math.max(...smoothed);
  if (!(top > 0)) return { peaks: [], separationsDeg: [], smoothed };
  const minHeight = (options.minRelativeHeight ?? 0.2) * top;
  const maxDip = options.maxDipRatio ?? 0.75;
  const at = (i: number) => smoothed[((i % bins) + bins) % bins];
  const candidates: number[] = [];
  for (let i = 0; i < bins; i++) {
    // Plateaus count once: strictly above the left neighbour, at least the right one.
    if (smoothed[i] >= minHeight && smoothed[i] > at(i - 1) && smoothed[i] >= at(i + 1)) {
      candidates.push(i);
    }
  }
  // Keep a candidate unless the path to a higher one never dips well below it.
  const kept = candidates.filter((i) => {
    for (const direction of [1, -1]) {
      let low = smoothed[i];
      for (let step = 1; step < bins; step++) {
        const v = at(i + direction * step);
        if (v > smoothed[i]) {
          if (low > maxDip * smoothed[i]) return false;
          break;
        }
        low = Math.min(low, v);
      }
    }
    return true;
  });
  const positions = kept.map((i) => {
    // Parabolic refinement of the maximum.
    const l = at(i - 1);
    const c = smoothed[i];
    const r = at(i + 1);
    const denom = l - 2 * c + r;
    const shift = denom !== 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (l - r)) / denom)) : 0;
    return { bin: i, angle: wrapAngle(((i + 0.5 + shift) / bins) * TWO_PI) };
  });
  const peaks: AnglePeak[] = positions.map((p, j) => {
    const previous = positions[(j - 1 + positions.length) % positions.length].angle;
    const next = positions[(j + 1) % positions.length].angle;
    const lower = positions.length > 1 ? wrapAngle(p.angle - previous) / 2 : Math.PI;
    const upper = positions.length > 1 ? wrapAngle(next - p.angle) / 2 : Math.PI;
    let count = 0;
    for (let i = 0; i < angles.length; i++) {
      const d = angleDelta(angles[i], p.angle);
      if (d >= -lower && d < upper) count++;
    }
    return { angle: p.angle, count, height: smoothed[p.bin] };
  });
  const separationsDeg = peaks.length > 1
    ? peaks.map((p, j) =>
      (wrapAngle(peaks[(j + 1) % peaks.length].angle - p.angle) * 180) / Math.PI
    )
    : [];
  return { peaks, separationsDeg, smoothed };
}
