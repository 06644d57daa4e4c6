/**
 * Column detection: a Laplacian-of-Gaussian at the column scale, local maxima
 * above a noise floor, greedy non-maximum suppression at a distance set by
 * the lattice, and a threshold relative to the strongest nearby column so
 * that dim B columns between bright A columns survive while noise and the
 * faint oxygen columns do not.
 *
 * Reference: T. Lindeberg, Feature detection with automatic scale
 * selection, Int. J. Comput. Vision 30, 79-116 (1998),
 * doi:10.1023/A:1008045108935 (the scale-normalised Laplacian of Gaussian).
 *
 * @module
 */

import { type Grid, laplacianOfGaussian, parabolaVertex } from "./filters.ts";
import { SpatialGrid } from "./spatial_grid.ts";
import { quantileSorted } from "../math.ts";

/** Candidate columns, strongest first. */
export interface Peaks {
  /** Sub-pixel x of each peak (parabolic interpolation of the filter response). */
  x: Float64Array;
  /** Sub-pixel y of each peak. */
  y: Float64Array;
  /** Filter response at the peak. */
  response: Float64Array;
}

/** Options for {@linkcode findPeaks}. */
export interface FindPeaksOptions {
  /** Laplacian-of-Gaussian width in pixels (about the column's Gaussian sigma). */
  sigma: number;
  /** No two peaks closer than this, pixels (the weaker one goes). */
  minDistance: number;
  /** Keep a peak only if its response is at least this multiple of the filtered noise (default 3.5). */
  noiseThreshold?: number;
  /** Keep a peak only if its response is at least this fraction of the strongest within `referenceRadius` (default 0.05). */
  relativeThreshold?: number;
  /** Neighbourhood for the relative threshold, pixels (default 4 × minDistance). */
  referenceRadius?: number;
  /** Columns found before (e.g. on the image before a residual was taken): they suppress peaks within `minDistance` and count as references for the relative threshold. */
  known?: Peaks;
  /** No new peak within this distance of a known one, pixels (default `minDistance`). */
  knownDistance?: number;
}

/** Candidates with the filter response they were found in. */
export interface PeakDetection extends Peaks {
  /** The Laplacian-of-Gaussian response of the whole image. */
  responseMap: Grid;
  /** Standard deviation of white noise in the response. */
  noise: number;
}

/** Find column candidates in `image`. */
export function findPeaks(image: Grid, options: FindPeaksOptions): PeakDetection {
  const { width, height } = image;
  const response = laplacianOfGaussian(image, options.sigma);
  const r = response.data;
  const noise = estimateNoise(image) * logKernelNorm(options.sigma);
  const floor = Math.max(0, (options.noiseThreshold ?? 3.5) * noise);
  const cand: number[] = [];
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const v = r[i];
      if (!(v > floor)) continue;
      // Strict on one half of the neighbourhood, loose on the other, so a flat top yields one peak.
      if (
        v <= r[i - width - 1] || v <= r[i - width] || v <= r[i - width + 1] || v <= r[i - 1] ||
        v < r[i + 1] || v < r[i + width - 1] || v < r[i + width] || v < r[i + width + 1]
      ) continue;
      cand.push(i);
    }
  }
  cand.sort((a, b) => r[b] - r[a]);
  const grid = new SpatialGrid(width, height, options.minDistance);
  const keptX: number[] = [];
  const keptY: number[] = [];
  const keptR: number[] = [];
  const known = options.known;
  const knownCount = known ? known.x.length : 0;
  const knownReach = options.knownDistance ?? options.minDistance;
  const knownGrid = new SpatialGrid(width, height, knownReach);
  for (let k = 0; k < knownCount; k++) {
    grid.insert(k, known!.x[k], known!.y[k]);
    knownGrid.insert(k, known!.x[k], known!.y[k]);
    keptX.push(known!.x[k]);
    keptY.push(known!.y[k]);
    keptR.push(known!.response[k]);
  }
  const d2min = options.minDistance * options.minDistance;
  for (const i of cand) {
    const [px, py] = subpixelPeak(response, i);
    if (grid.anyWithin(px, py, d2min, keptX, keptY)) continue;
    if (knownCount && knownGrid.anyWithin(px, py, knownReach * knownReach, keptX, keptY)) continue;
    grid.insert(keptX.length, px, py);
    keptX.push(px);
    keptY.push(py);
    keptR.push(r[i]);
  }
  // Relative threshold against the strongest peak nearby.
  const rel = options.relativeThreshold ?? 0.05;
  const refRadius = options.referenceRadius ?? 4 * options.minDistance;
  const refGrid = new SpatialGrid(width, height, refRadius);
  for (let k = 0; k < keptX.length; k++) refGrid.insert(k, keptX[k], keptY[k]);
  const out: number[] = [];
  const rr2 = refRadius * refRadius;
  for (let k = knownCount; k < keptX.length; k++) {
    let ref = 0;
    refGrid.forEachWithin(keptX[k], keptY[k], rr2, keptX, keptY, (j) => {
      if (keptR[j] > ref) ref = keptR[j];
    });
    if (keptR[k] >= rel * ref) out.push(k);
  }
  return {
    x: Float64Array.from(out, (k) => keptX[k]),
    y: Float64Array.from(out, (k) => keptY[k]),
    response: Float64Array.from(out, (k) => keptR[k]),
    responseMap: response,
    noise,
  };
}

/**
 * Standard deviation of white noise in `image`, from the median absolute
 * deviation of each pixel minus the mean of its four neighbours (smooth
 * column profiles barely contribute to that residual).
 */
export function estimateNoise(image: Grid): number {
  const { data, width, height } = image;
  if (width < 3 || height < 3) return 0;
  const step = Math.max(1, Math.floor(Math.sqrt(((width - 2) * (height - 2)) / 65_536)));
  const values: number[] = [];
  for (let y = 1; y < height - 1; y += step) {
    for (let x = 1; x < width - 1; x += step) {
      const i = y * width + x;
      values.push(
        data[i] - 0.25 * (data[i - 1] + data[i + 1] + data[i - width] + data[i + width]),
      );
    }
  }
  // Upper medians (the step quantile at 0.5): the median absolute deviation.
  const sorted = Float64Array.from(values).sort();
  const middle = quantileSorted(sorted, 0.5, { method: "step" });
  const dev = Float64Array.from(sorted, (v) => Math.abs(v - middle)).sort();
  // r = x − mean of 4 iid → var = 1.25 σ².
  return quantileSorted(dev, 0.5, { method: "step" }) / 0.6745 / Math.sqrt(1.25);
}

/** ℓ2 norm of the discrete −σ²∇²G kernel, i.e. the filtered noise per unit input noise. */
export function logKernelNorm(sigma: number): number {
  const radius = Math.max(1, Math.ceil(4 * sigma));
  const s2 = sigma * sigma;
  const g: number[] = [];
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp((-i * i) / (2 * s2));
    g.push(v);
    sum += v;
  }
  const gn = g.map((v) => v / sum);
  const d = gn.map((v, k) => v * (((k - radius) ** 2 - s2) / (s2 * s2)));
  const dm = d.reduce((a, b) => a + b, 0) / d.length;
  const d2 = d.map((v) => v - dm);
  let gg = 0, dd = 0, gd = 0;
  for (let k = 0; k < gn.length; k++) {
    gg += gn[k] * gn[k];
    dd += d2[k] * d2[k];
    gd += gn[k] * d2[k];
  }
  // Kernel K(x,y) = −σ²(d(x)g(y) + g(x)d(y)); Σ K² = σ⁴(2·dd·gg + 2·gd²).
  return s2 * Math.sqrt(2 * dd * gg + 2 * gd * gd);
}

/** Sub-pixel position of the response maximum at pixel index `i` (parabola through its neighbours). */
export function subpixelPeak(map: Grid, i: number): [number, number] {
  const { data: r, width, height } = map;
  const x = i % width;
  const y = (i - x) / width;
  const px = x > 0 && x < width - 1 ? x + parabolaVertex(r[i - 1], r[i], r[i + 1]) : x;
  const py = y > 0 && y < height - 1 ? y + parabolaVertex(r[i - width], r[i], r[i + width]) : y;
  return [px, py];
}
