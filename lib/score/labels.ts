/**
 * Scores of labellings: agreement of an encoded angle (the rVAE's) with the
 * polarisation variants, and the adjusted Rand index of any two labellings.
 *
 * @module
 */

import { wrapAngle } from "../math.ts";

/** Options for {@linkcode angleVariantAgreement}. */
export interface AngleAgreementOptions {
  /** Direction (radians) of each variant when the truth is given as variants. Default 45° + k·90°. */
  variantAngles?: readonly number[];
  /** Tolerance in degrees. Default 30. */
  toleranceDeg?: number;
}

/** Best agreement of encoded angles with the true directions. */
export interface AngleAgreement {
  /** Fraction of polar sites within the tolerance after the best offset and sign. */
  agreement: number;
  /** The best global offset, radians in [0, 2π). */
  offset: number;
  /** The best sign, +1 or -1 (encoded angle → sign·angle + offset). */
  sign: number;
  /** Polar sites scored (truth variant ≥ 0 or a finite true angle). */
  count: number;
}

/**
 * Fraction of polar sites whose encoded angle (e.g. the rVAE's latent angle)
 * matches the true polarisation direction within the tolerance (30°), after
 * the best global map angle → ±angle + offset. `truth` is aligned with
 * `angles`: an integer typed array (Int8Array, Int16Array, Int32Array) holds
 * variants (-1 = non-polar, left out), anything else holds true directions
 * in radians (NaN = non-polar, left out).
 *
 * @example
 * ```ts
 * import { angleVariantAgreement } from "./labels.ts";
 * // Variants 0-3 (0°, 90°, 180°, 270°); encoded angles mirrored and turned by 0.5 rad.
 * const variants = Int32Array.from({ length: 40 }, (_, i) => i % 4);
 * const angles = Array.from(variants, (v) => 0.5 - (v * Math.PI) / 2);
 * const result = angleVariantAgreement(angles, variants);
 * if (result.agreement !== 1 || result.sign !== -1) throw new Error("found mirrored");
 * ```
 */
export function angleVariantAgreement(
  angles: ArrayLike<number>,
  truth: ArrayLike<number>,
  options: AngleAgreementOptions = {},
): AngleAgreement {
  if (angles.length !== truth.length) {
    throw new RangeError(
      `angleVariantAgreement: ${angles.length} angles but ${truth.length} truths`,
    );
  }
  const isVariants = truth instanceof Int8Array || truth instanceof Int16Array ||
    truth instanceof Int32Array;
  const variantAngles = options.variantAngles ??
    [0, 1, 2, 3].map((k) => Math.PI / 4 + k * Math.PI / 2);
  const encoded: number[] = [];
  const target: number[] = [];
  for (let i = 0; i < angles.length; i++) {
    const t = isVariants ? (truth[i] >= 0 ? variantAngles[truth[i]] : NaN) : truth[i];
    if (t === undefined || !Number.isFinite(t) || !Number.isFinite(angles[i])) continue;
    encoded.push(angles[i]);
    target.push(t);
  }
  const tolerance = ((options.toleranceDeg ?? 30) * Math.PI) / 180;
  let best: AngleAgreement = { agreement: NaN, offset: 0, sign: 1, count: encoded.length };
  if (encoded.length === 0) return best;
  let bestHits = -1;
  for (const sign of [1, -1]) {
    const { hits, offset } = bestOffset(encoded.map((a, i) => target[i] - sign * a), tolerance);
    if (hits > bestHits) {
      bestHits = hits;
      best = { agreement: hits / encoded.length, offset, sign, count: encoded.length };
    }
  }
  return best;
}

/**
 * The offset c maximising #{i : |wrap(d_i - c)| ≤ tol}: a circular sweep over
 * the sorted d; c is then the circular mean of the d inside the best window.
 */
function bestOffset(differences: number[], tolerance: number): { hits: number; offset: number } {
  const twoPi = 2 * Math.PI;
  const d = differences.map(wrapAngle).sort((a, b) => a - b);
  const n = d.length;
  const window = Math.min(2 * tolerance, twoPi);
  const at = (k: number) => d[k % n] + (k >= n ? twoPi : 0);
  let hits = 0;
  let bestStart = 0;
  let end = 0;
  // Some optimal window [c - tol, c + tol] starts at a d_i.
  for (let start = 0; start < n; start++) {
    if (end < start) end = start;
    while (end < start + n && at(end) - d[start] <= window) end++;
    if (end - start > hits) {
      hits = end - start;
      bestStart = start;
    }
  }
  let sx = 0;
  let sy = 0;
  for (let k = bestStart; k < bestStart + hits; k++) {
    sx += Math.cos(d[k % n]);
    sy += Math.sin(d[k % n]);
  }
  return { hits, offset: wrapAngle(Math.atan2(sy, sx)) };
}

/**
 * Adjusted Rand index of two labellings of the same items (L. Hubert,
 * P. Arabie, Comparing partitions, J. Classif. 2, 193-218 (1985),
 * doi:10.1007/BF01908075): 1 for identical partitions whatever the label names, about 0 for
 * independent ones. Two partitions that are both trivial (one cluster, or
 * every item alone) score 1.
 *
 * @example
 * ```ts
 * import { adjustedRandIndex } from "./labels.ts";
 * if (adjustedRandIndex([0, 0, 1, 1, 2], ["b", "b", "a", "a", "c"]) !== 1) throw new Error();
 * ```
 */
export function adjustedRandIndex(
  labelsA: ArrayLike<number | string>,
  labelsB: ArrayLike<number | string>,
): number {
  const n = labelsA.length;
  if (n !== labelsB.length) {
    throw new RangeError(`adjustedRandIndex: ${n} labels against ${labelsB.length}`);
  }
  const ids = (labels: ArrayLike<number | string>) => {
    const map = new Map<number | string, number>();
    const out = new Int32Array(labels.length);
    for (let i = 0; i < labels.length; i++) {
      let id = map.get(labels[i]);
      if (id === undefined) map.set(labels[i], id = map.size);
      out[i] = id;
    }
    return { out, count: map.size };
  };
  const a = ids(labelsA);
  const b = ids(labelsB);
  const table = new Map<number, number>();
  const rows = new Float64Array(a.count);
  const cols = new Float64Array(b.count);
  for (let i = 0; i < n; i++) {
    const key = a.out[i] * b.count + b.out[i];
    table.set(key, (table.get(key) ?? 0) + 1);
    rows[a.out[i]]++;
    cols[b.out[i]]++;
  }
  const pairs = (m: number) => (m * (m - 1)) / 2;
  let index = 0;
  for (const m of table.values()) index += pairs(m);
  let sumRows = 0;
  let sumCols = 0;
  for (const m of rows) sumRows += pairs(m);
  for (const m of cols) sumCols += pairs(m);
  const expected = n > 1 ? (sumRows * sumCols) / pairs(n) : 0;
  const maximum = (sumRows + sumCols) / 2;
  if (maximum === expected) return 1;
  return (index - expected) / (maximum - expected);
}
