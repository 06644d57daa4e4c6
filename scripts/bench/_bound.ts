/**
 * The Cramér-Rao bound of column positions on a generated image: the
 * precision no unbiased estimator can beat at a given dose, with shapes,
 * neighbours and background known. Shared by the atoms benchmarks.
 *
 * @module
 */

import { median } from "../../lib/math.ts";
import { generateHaadf } from "../../lib/synth/generate.ts";
import type { SynthOptions } from "../../lib/synth/options.ts";
import { optionsProbeComponents } from "../../lib/synth/render.ts";

/** Bound of the x position, px per axis, and the RMSE it implies. */
export interface PositionBound {
  /** Median bound of a film A column, px per axis. */
  filmA: number;
  /** Median bound of a film B column, px per axis. */
  filmB: number;
  /** RMSE over all A and B columns (both axes) of an ideal unbiased estimator, px. */
  rmse: number;
}

/**
 * Bound at `dose` counts for the image `options` describe (scan jitter and
 * static disorder off, which move the truth but not the information):
 * 1 / Σ (∂μ/∂x)² / (μ + read noise²) over the pixels near each column, μ the
 * expected counts.
 */
export function positionBound(options: SynthOptions, dose: number): PositionBound {
  const base = { ...options, rowJitter: 0, positionJitter: 0, dose: Infinity, readNoise: 0 };
  const { image, truth, meta } = generateHaadf(base);
  const o = meta.options;
  const read2 = (options.readNoise ?? o.readNoise) ** 2;
  const components = optionsProbeComponents(o);
  const w = meta.columnWeights;
  const weightOf = (i: number) => {
    const isA = truth.sublattice[i] === 0;
    if (truth.variant[i] >= 0) return isA ? w.filmA : w.filmB;
    return isA ? w.substrateA : w.substrateB;
  };
  const reach = Math.ceil(4 * components[0].sigma) + 2;
  const margin = Math.max(meta.spacingPx, reach);
  const sd: number[][] = [[], []];
  let squares = 0;
  let count = 0;
  for (let i = 0; i < truth.x.length; i++) {
    const cx = truth.x[i];
    const cy = truth.y[i];
    if (cx < margin || cy < margin || cx > image.width - margin || cy > image.height - margin) {
      continue;
    }
    const weight = weightOf(i);
    let info = 0;
    for (let y = Math.floor(cy - reach); y <= cy + reach; y++) {
      for (let x = Math.floor(cx - reach); x <= cx + reach; x++) {
        const mu = dose * image.data[y * image.width + x] + read2;
        let slope = 0;
        for (const c of components) {
          const dx = x - cx;
          const dy = y - cy;
          slope += dose * weight * c.peak * Math.exp(-(dx * dx + dy * dy) / (2 * c.sigma ** 2)) *
            dx / c.sigma ** 2;
        }
        info += (slope * slope) / mu;
      }
    }
    if (truth.variant[i] >= 0) sd[truth.sublattice[i]].push(1 / Math.sqrt(info));
    squares += 2 / info;
    count++;
  }
  return { filmA: median(sd[0]), filmB: median(sd[1]), rmse: Math.sqrt(squares / count) };
}
