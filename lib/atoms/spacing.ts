/**
 * The crystal lattice read off the image itself: the Bragg peaks of the power
 * spectrum give the two shortest non-collinear reciprocal vectors, hence the
 * real-space lattice vectors and the period that sets every later length
 * (filter width, suppression distance, fit window).
 *
 * @module
 */

import { powerSpectrum } from "./fft.ts";
import { parabolaVertex } from "./filters.ts";
import type { Grid } from "./filters.ts";

/** A Bragg peak: reciprocal vector in cycles per pixel and its power. */
export interface BraggPeak {
  /** Frequency along x, cycles per pixel. */
  gx: number;
  /** Frequency along y, cycles per pixel. */
  gy: number;
  /** Power at the peak. */
  power: number;
  /** Power over the radially averaged background (log-mean) at the same |g|. */
  contrast: number;
}

/** The lattice found in an image. */
export interface LatticeEstimate {
  /** Shortest real-space lattice vector length in pixels (1 / |g1| is the plane spacing). */
  period: number;
  /** Real-space primitive vectors, pixels: `[[a1x, a1y], [a2x, a2y]]`. */
  vectors: [[number, number], [number, number]];
  /** The two reciprocal vectors chosen, cycles per pixel. */
  reciprocal: [BraggPeak, BraggPeak];
  /** Every strong peak found (half plane), strongest first. */
  peaks: BraggPeak[];
}

/** Options for {@linkcode estimateLattice}. */
export interface LatticeOptions {
  /** Shortest period considered, pixels (default 3). */
  minPeriod?: number;
  /** Longest period considered, pixels (default a third of the smaller side analysed). */
  maxPeriod?: number;
  /** Analyse at most this many pixels along each side, from the centre (default 512). */
  maxSize?: number;
}

/**
 * Estimate the lattice of a periodic image from its power spectrum. Returns
 * undefined when no two non-collinear Bragg peaks stand out.
 *
 * @example
 * ```ts
 * import { estimateLattice } from "./spacing.ts";
 * // Round bumps on a square lattice of period 8 px.
 * const data = Float32Array.from({ length: 128 * 128 }, (_, i) =>
 *   Math.cos((2 * Math.PI * (i % 128)) / 8) + Math.cos((2 * Math.PI * Math.floor(i / 128)) / 8));
 * const lattice = estimateLattice({ data, width: 128, height: 128 });
 * if (Math.abs(lattice!.period - 8) > 0.05) throw new Error(`period ${lattice?.period}`);
 * ```
 */
export function estimateLattice(
  image: Grid,
  options: LatticeOptions = {},
): LatticeEstimate | undefined {
  const crop = centralCrop(image, options.maxSize ?? 512);
  const spec = powerSpectrum(crop.data, crop);
  const { power, width: pw, height: ph } = spec;
  const minPeriod = options.minPeriod ?? 3;
  const maxPeriod = options.maxPeriod ?? Math.min(crop.width, crop.height) / 3;
  const rMin = 1 / maxPeriod;
  const rMax = 1 / minPeriod;
  const binWidth = 1 / Math.max(pw, ph);
  const bins = Math.ceil(0.75 / binWidth) + 1;
  const logSum = new Float64Array(bins);
  const count = new Float64Array(bins);
  const logPower = new Float64Array(pw * ph);
  let floor = 0;
  for (let i = 0; i < power.length; i++) floor = Math.max(floor, power[i]);
  floor = floor * 1e-14 + 1e-300;
  for (let ky = 0; ky < ph; ky++) {
    const fy = (ky < ph / 2 ? ky : ky - ph) / ph;
    for (let kx = 0; kx < pw; kx++) {
      const fx = (kx < pw / 2 ? kx : kx - pw) / pw;
      const i = ky * pw + kx;
      const lp = Math.log(power[i] + floor);
      logPower[i] = lp;
      const b = Math.round(Math.hypot(fx, fy) / binWidth);
      logSum[b] += lp;
      count[b]++;
    }
  }
  for (let b = 0; b < bins; b++) logSum[b] = count[b] ? logSum[b] / count[b] : 0;

  const peaks: BraggPeak[] = [];
  // Half plane: ky in [0, ph/2], so that each ±g pair is seen once.
  for (let ky = 0; ky <= ph / 2; ky++) {
    const fy = ky / ph;
    for (let kx = 0; kx < pw; kx++) {
      const fx = (kx < pw / 2 ? kx : kx - pw) / pw;
      if (ky === 0 && fx < 0) continue;
      const r = Math.hypot(fx, fy);
      if (r < rMin || r > rMax) continue;
      const i = ky * pw + kx;
      const v = logPower[i];
      let isMax = true;
      for (let dy = -1; dy <= 1 && isMax; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          if (!dx && !dy) continue;
          const j = ((ky + dy + ph) % ph) * pw + ((kx + dx + pw) % pw);
          if (logPower[j] > v) {
            isMax = false;
            break;
          }
        }
      }
      if (!isMax) continue;
      const contrast = Math.exp(v - logSum[Math.round(r / binWidth)]);
      if (contrast < 30) continue;
      const sx = parabolaVertex(
        logPower[ky * pw + ((kx + pw - 1) % pw)],
        v,
        logPower[ky * pw + ((kx + 1) % pw)],
      );
      const sy = parabolaVertex(
        logPower[((ky + ph - 1) % ph) * pw + kx],
        v,
        logPower[((ky + 1) % ph) * pw + kx],
      );
      peaks.push({ gx: fx + sx / pw, gy: fy + sy / ph, power: power[i], contrast });
    }
  }
  peaks.sort((p, q) => q.power - p.power);
  const strong = peaks.filter((p) => p.power >= 0.005 * (peaks[0]?.power ?? 0)).slice(0, 60);
  const basis = strongestPair(strong);
  if (!basis) return undefined;
  let [g1, g2] = basis;
  // A basis of strong peaks may miss a weaker, finer reciprocal lattice: the
  // (1,0) reflections of a perovskite are weaker than the (1,1) ones when the
  // two cation columns scatter alike. Halve while half-combinations are peaks.
  // Within 1.5 frequency bins, or 4 % of the vector for long ones.
  const bin = 1 / Math.max(pw, ph);
  for (let round = 0; round < 3; round++) {
    const half = [
      [0.5, 0.5],
      [0.5, -0.5],
      [0.5, 0],
      [0, 0.5],
    ].map(([c1, c2]) => {
      const gx = c1 * g1.gx + c2 * g2.gx;
      const gy = c1 * g1.gy + c2 * g2.gy;
      return findPeak(strong, gx, gy, Math.max(1.5 * bin, 0.04 * Math.hypot(gx, gy)));
    });
    const [sum, diff, h1, h2] = half;
    if (sum && diff) [g1, g2] = [sum, diff];
    else if (sum) g1 = sum;
    else if (diff) g1 = diff;
    else if (h1) g1 = h1;
    else if (h2) g2 = h2;
    else break;
  }
  const det = g1.gx * g2.gy - g1.gy * g2.gx;
  // Real-space vectors a_i with a_i · g_j = δ_ij.
  const [a1, a2] = reduceBasis([g2.gy / det, -g2.gx / det], [-g1.gy / det, g1.gx / det]);
  const period = Math.hypot(...a1);
  return { period, vectors: [a1, a2], reciprocal: [g1, g2], peaks: strong };
}

/** Lagrange-Gauss reduction: the two shortest vectors spanning the same lattice, shorter first. */
export function reduceBasis(
  u: [number, number],
  v: [number, number],
): [[number, number], [number, number]] {
  let a = u;
  let b = v;
  for (let i = 0; i < 100; i++) {
    if (Math.hypot(...b) < Math.hypot(...a)) [a, b] = [b, a];
    const m = Math.round((a[0] * b[0] + a[1] * b[1]) / (a[0] * a[0] + a[1] * a[1]));
    if (m === 0) break;
    b = [b[0] - m * a[0], b[1] - m * a[1]];
  }
  return [a, b];
}

/** The central `size × size` part of `image` (all of it when smaller). */
function centralCrop(image: Grid, size: number): Grid {
  const width = Math.min(image.width, size);
  const height = Math.min(image.height, size);
  if (width === image.width && height === image.height) return image;
  const x0 = (image.width - width) >> 1;
  const y0 = (image.height - height) >> 1;
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    data.set(
      image.data.subarray((y0 + y) * image.width + x0, (y0 + y) * image.width + x0 + width),
      y * width,
    );
  }
  return { data, width, height };
}

/** The strongest peak and the strongest one not collinear with it. */
function strongestPair(peaks: BraggPeak[]): [BraggPeak, BraggPeak] | undefined {
  if (peaks.length < 2) return undefined;
  const g1 = peaks[0];
  const n1 = Math.hypot(g1.gx, g1.gy);
  for (const g2 of peaks.slice(1)) {
    const n2 = Math.hypot(g2.gx, g2.gy);
    const sin = Math.abs(g1.gx * g2.gy - g1.gy * g2.gx) / (n1 * n2);
    if (sin > 0.5) return [g1, g2];
  }
  return undefined;
}

/** The peak at ±(gx, gy) within `tolerance`, if any. */
function findPeak(
  peaks: BraggPeak[],
  gx: number,
  gy: number,
  tolerance: number,
): BraggPeak | undefined {
  for (const p of peaks) {
    if (
      Math.hypot(p.gx - gx, p.gy - gy) <= tolerance || Math.hypot(p.gx + gx, p.gy + gy) <= tolerance
    ) return p;
  }
  return undefined;
}
