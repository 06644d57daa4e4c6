/**
 * Small numeric helpers every stage shares, one definition each: the
 * median, quantiles and percentiles (two named interpolation conventions),
 * and angles on the circle (wrapping into [0, 2π), signed difference).
 *
 * @example
 * ```ts
 * import { angleDelta, median, quantile, wrapAngle } from "./math.ts";
 * if (median([3, 1, 2, 10]) !== 2.5) throw new Error("mean of the two middle values");
 * if (quantile([0, 10, 20, 30, 40], 0.25) !== 10) throw new Error("linear by default");
 * if (Math.abs(wrapAngle(-Math.PI / 2) - 1.5 * Math.PI) > 1e-12) throw new Error("wrapped");
 * if (Math.abs(angleDelta(0.1, 2 * Math.PI - 0.1) - 0.2) > 1e-12) throw new Error("short way");
 * ```
 *
 * @module
 */

const TWO_PI = 2 * Math.PI;

/**
 * Median of the values: the middle one of the sorted values, or the mean of
 * the two middle ones for an even count; NaN for none. Values are not
 * filtered: NaN sorts last (filter with `Number.isFinite` first when the
 * values can hold NaN).
 *
 * @example
 * ```ts
 * import { median } from "./math.ts";
 * if (median([5, 1, 3]) !== 3) throw new Error("middle value");
 * if (median([4, 1, 3, 2]) !== 2.5) throw new Error("mean of the two middle values");
 * if (!Number.isNaN(median([]))) throw new Error("NaN for none");
 * ```
 */
export function median(values: ArrayLike<number>): number {
  const s = Float64Array.from(values).sort();
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

/**
 * How a quantile between two order statistics is taken:
 * - `"linear"`: at position q·(n − 1) in the sorted values, linearly
 *   interpolated between its neighbours (NumPy's default, Hyndman & Fan's
 *   type 7), so q = 0 and q = 1 are the minimum and the maximum;
 * - `"step"`: the sorted value at index ⌊q·n⌋ (at most n − 1), no
 *   interpolation (the upper median for q = 0.5 and an even count).
 */
export type QuantileMethod = "linear" | "step";

/** Options for {@linkcode quantile}, {@linkcode quantileSorted} and {@linkcode percentile}. */
export interface QuantileOptions {
  /** Interpolation convention, default `"linear"`. */
  method?: QuantileMethod;
  /** Returned when there are no values, default NaN. */
  empty?: number;
}

/**
 * Quantile `q` (clamped to [0, 1]) of values already sorted ascending, with
 * the convention of `options.method` (see {@linkcode QuantileMethod}).
 *
 * @example
 * ```ts
 * import { quantileSorted } from "./math.ts";
 * const sorted = [1, 2, 3, 4];
 * if (quantileSorted(sorted, 0.5) !== 2.5) throw new Error("linear: between 2 and 3");
 * if (quantileSorted(sorted, 0.5, { method: "step" }) !== 3) throw new Error("step: index 2");
 * if (quantileSorted([], 0.5, { empty: 0 }) !== 0) throw new Error("empty value");
 * ```
 */
export function quantileSorted(
  sorted: ArrayLike<number>,
  q: number,
  options: QuantileOptions = {},
): number {
  const n = sorted.length;
  if (n === 0) return options.empty ?? NaN;
  const at = Math.min(1, Math.max(0, q));
  if ((options.method ?? "linear") === "step") return sorted[Math.min(n - 1, Math.floor(at * n))];
  const pos = at * (n - 1);
  const lo = Math.floor(pos), hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Quantile `q` (in [0, 1]) of the finite values (NaN and ±Infinity are
 * skipped), with the convention of `options.method`, default linear
 * interpolation (see {@linkcode QuantileMethod}); `options.empty` (NaN) when
 * no value is finite.
 *
 * @example
 * ```ts
 * import { quantile } from "./math.ts";
 * const values = [40, 0, NaN, 30, 10, 20];
 * if (quantile(values, 0.5) !== 20) throw new Error("median of the finite values");
 * if (quantile(values, 0.9) !== 36) throw new Error("linear between 30 and 40");
 * if (quantile(values, 0.9, { method: "step" }) !== 40) throw new Error("index floor(0.9 * 5)");
 * ```
 */
export function quantile(
  values: ArrayLike<number>,
  q: number,
  options: QuantileOptions = {},
): number {
  return quantileSorted(Float64Array.from(values).filter(Number.isFinite).sort(), q, options);
}

/**
 * Percentile `p` (in [0, 100]) of the finite values: {@linkcode quantile} at
 * p / 100, same conventions and options.
 *
 * @example
 * ```ts
 * import { percentile } from "./math.ts";
 * const values = Array.from({ length: 101 }, (_, i) => i);
 * if (percentile(values, 99.5) !== 99.5) throw new Error("linear interpolation");
 * ```
 */
export function percentile(
  values: ArrayLike<number>,
  p: number,
  options: QuantileOptions = {},
): number {
  return quantile(values, Math.min(100, Math.max(0, p)) / 100, options);
}

/**
 * `angle` (radians) wrapped into [0, 2π). One rounding edge: a negative
 * angle within 4.4e-16 of a multiple of 2π lands on 2π itself (kept so that
 * results stay identical to earlier versions).
 *
 * @example
 * ```ts
 * import { wrapAngle } from "./math.ts";
 * if (Math.abs(wrapAngle(-Math.PI / 2) - 1.5 * Math.PI) > 1e-12) throw new Error("negative");
 * if (Math.abs(wrapAngle(7) - (7 - 2 * Math.PI)) > 1e-12) throw new Error("above 2π");
 * ```
 */
export function wrapAngle(angle: number): number {
  const w = angle % TWO_PI;
  return w < 0 ? w + TWO_PI : w;
}

/**
 * Signed difference a − b of two angles (radians), wrapped into (−π, π]:
 * the short way round from b to a.
 *
 * @example
 * ```ts
 * import { angleDelta } from "./math.ts";
 * const d = angleDelta(0.1, 2 * Math.PI - 0.1);
 * if (Math.abs(d - 0.2) > 1e-12) throw new Error("across zero, the short way");
 * if (Math.abs(angleDelta(2 * Math.PI - 0.1, 0.1) + 0.2) > 1e-12) throw new Error("signed");
 * ```
 */
export function angleDelta(a: number, b: number): number {
  const d = wrapAngle(a - b);
  return d > Math.PI ? d - TWO_PI : d;
}
