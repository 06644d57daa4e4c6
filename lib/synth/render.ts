/**
 * Rendering of a HAADF image: each column is a Gaussian (intrinsic width)
 * seen through a probe made of one or two Gaussians (core and tail). The
 * convolution of Gaussians is a Gaussian, so blurring is exact by widening
 * them; each column is drawn only within a few sigma, row by row through the
 * scan (so drift and jitter distort it as a real scan does), and a
 * multiplicative recurrence replaces all but two `exp` calls per row.
 *
 * @module
 */

import type { Random } from "../random.ts";
import { rowShift, sampleRowY, type Scan } from "./_scan.ts";

/** One Gaussian component of the probe as seen on a column. */
export interface GaussianComponent {
  /** Sigma in px (column width and probe width added in quadrature). */
  sigma: number;
  /** Peak height of this component for a column of weight 1. */
  peak: number;
}

/** Columns to draw, in the sample frame. */
export interface ColumnList {
  /** Sample x, px. */
  x: ArrayLike<number>;
  /** Sample y, px. */
  y: ArrayLike<number>;
  /** Integrated intensity relative to a reference column. */
  weight: ArrayLike<number>;
}

/**
 * A Gaussian is drawn out to where it falls below this fraction of an
 * isolated film A column's peak (0.1 counts at the default dose, far below
 * the shot noise of the background): ~4.3 sigma for a bright core, ~3 sigma
 * for the faint probe tail.
 */
const CUTOFF = 1e-4;

/**
 * The probe components of the generator's options (lengths in nm, turned
 * into px by the pixel size): what every column is drawn with.
 */
export function optionsProbeComponents(o: {
  pixelSize: number;
  columnSigma: number;
  probeSigma: number;
  probeTail: number;
  probeTailSigma: number;
}): GaussianComponent[] {
  const nmToPx = 1 / o.pixelSize;
  return probeComponents(o.columnSigma * nmToPx, {
    sigma: o.probeSigma * nmToPx,
    tail: o.probeTail,
    tailSigma: o.probeTailSigma * nmToPx,
  });
}

/**
 * Probe components for column width `columnSigma` and a probe with a core of
 * `probe.sigma` holding `1 - tail` of the intensity and a tail of
 * `tailSigma` holding `tail` (all px), scaled so that an isolated column of
 * weight 1 peaks at exactly 1.
 */
export function probeComponents(
  columnSigma: number,
  probe: { sigma: number; tail: number; tailSigma: number },
): GaussianComponent[] {
  const core = Math.hypot(columnSigma, probe.sigma);
  const parts: GaussianComponent[] = [{ sigma: core, peak: 1 - probe.tail }];
  if (probe.tail > 0) {
    const wide = Math.hypot(columnSigma, probe.tailSigma);
    parts.push({ sigma: wide, peak: probe.tail * (core * core) / (wide * wide) });
  }
  const total = parts.reduce((sum, p) => sum + p.peak, 0);
  return parts.map((p) => ({ sigma: p.sigma, peak: p.peak / total }));
}

/** Add every column, blurred by `components`, into `target` (width × height, row-major). */
export function drawColumns(
  target: Float64Array,
  scan: Scan,
  columns: ColumnList,
  components: readonly GaussianComponent[],
): void {
  const { width, height } = scan;
  const c = (height - 1) / 2;
  const scale = 1 + scan.stretch;
  // Per-row x offset (smooth distortion plus jitter) and sample y, computed once.
  const shift = new Float64Array(height);
  const rowY = new Float64Array(height);
  for (let y = 0; y < height; y++) {
    shift[y] = rowShift(scan, y) + scan.jitter[y];
    rowY[y] = sampleRowY(scan, y);
  }
  for (const { sigma, peak } of components) {
    const inv2s2 = 1 / (2 * sigma * sigma);
    const step = Math.exp(-2 * inv2s2);
    for (let k = 0; k < columns.x.length; k++) {
      const amp = peak * columns.weight[k];
      if (!(amp > CUTOFF)) continue;
      const radius = sigma * Math.sqrt(2 * Math.log(amp / CUTOFF));
      const sx = columns.x[k];
      const sy = columns.y[k];
      const y0 = Math.max(0, Math.ceil((sy - radius - c) / scale + c));
      const y1 = Math.min(height - 1, Math.floor((sy + radius - c) / scale + c));
      for (let y = y0; y <= y1; y++) {
        const ddy = rowY[y] - sy;
        const rowAmp = amp * Math.exp(-ddy * ddy * inv2s2);
        // The column appears in this row at image x = sx - shift.
        const xc = sx - shift[y];
        const x0 = Math.max(0, Math.ceil(xc - radius));
        const x1 = Math.min(width - 1, Math.floor(xc + radius));
        if (x0 > x1) continue;
        // g(x) = exp(-(x-xc)²/2σ²); g(x+1) = g(x)·r(x); r(x+1) = r(x)·exp(-1/σ²).
        const d = x0 - xc;
        let g = rowAmp * Math.exp(-d * d * inv2s2);
        let r = Math.exp(-(2 * d + 1) * inv2s2);
        const base = y * width;
        for (let x = x0; x <= x1; x++) {
          target[base + x] += g;
          g *= r;
          r *= step;
        }
      }
    }
  }
}

/** Options for {@linkcode addBackground}. */
export interface BackgroundOptions {
  /** Mean level. */
  level: number;
  /** Relative amplitude of the slow variation. */
  variation: number;
}

/** Add a slowly varying background (a tilted sheet plus one long-wavelength ripple). */
export function addBackground(
  target: Float64Array,
  size: { width: number; height: number },
  random: Random,
  options: BackgroundOptions,
): void {
  const { width, height } = size;
  const tiltAngle = 2 * Math.PI * random.uniform();
  const phaseX = 2 * Math.PI * random.uniform();
  const phaseY = 2 * Math.PI * random.uniform();
  const tx = Math.cos(tiltAngle) / Math.max(width, height);
  const ty = Math.sin(tiltAngle) / Math.max(width, height);
  const v = options.variation;
  const waveX = new Float64Array(width);
  for (let x = 0; x < width; x++) waveX[x] = Math.sin((1.7 * Math.PI * x) / width + phaseX);
  for (let y = 0; y < height; y++) {
    const ripple = Math.cos((1.3 * Math.PI * y) / height + phaseY);
    for (let x = 0; x < width; x++) {
      const slope = tx * (x - width / 2) + ty * (y - height / 2);
      const wave = waveX[x] * ripple;
      target[y * width + x] += options.level * (1 + v * (0.6 * slope * 2 + 0.4 * wave));
    }
  }
}

/**
 * Turn expected intensities into detector counts: Poisson shot noise with
 * `dose` counts per unit intensity plus Gaussian read noise (counts). An
 * infinite dose gives the noiseless image in counts per unit dose of one.
 */
export function detect(
  expected: Float64Array,
  random: Random,
  options: { dose: number; readNoise: number },
): Float32Array {
  const out = new Float32Array(expected.length);
  const { dose, readNoise } = options;
  if (dose === Infinity) {
    for (let i = 0; i < out.length; i++) out[i] = expected[i];
    return out;
  }
  for (let i = 0; i < out.length; i++) {
    let counts = random.poisson(dose * Math.max(0, expected[i]));
    if (readNoise > 0) counts += readNoise * random.normal();
    out[i] = counts;
  }
  return out;
}
