/**
 * The rVAE's encoded angle against the polarisation direction the atom
 * stage measured on the same sites: the first thing a user checks. The
 * encoded angle has an arbitrary origin and handedness, so the comparison
 * first finds the best map angle ↦ ±angle + offset (the same search as the
 * ground-truth score, `angleVariantAgreement`), then reports the fraction
 * of sites within 30° after it, and the circular correlation ρ_T of Fisher
 * & Lee (1983, "A correlation coefficient for circular data", Biometrika
 * 70, 327-332, doi:10.1093/biomet/70.2.327; also Jammalamadaka & SenGupta,
 * Topics in Circular Statistics, 2001, doi:10.1142/4031, §8.2): +1 when one
 * angle is the other rotated, −1 when it is the other reflected, about 0
 * when they are unrelated; invariant to either angle's origin, so it needs
 * no fitted offset. Its standard error is the jackknife's.
 *
 * @module
 */

import { angleVariantAgreement } from "../score/labels.ts";
import { angleDelta, wrapAngle } from "../math.ts";
import type { RvaeWarning } from "./window.ts";

const DEG = 180 / Math.PI;

/** How the encoded angle relates to the polarisation direction on a set of sites. */
export interface AngleRelation {
  /** Sites compared (both angles finite). */
  count: number;
  /** Fraction within the tolerance after the map encoded ↦ sign·encoded + offset. */
  agreement: number;
  /** Its binomial standard error. */
  agreementErr: number;
  /** Circular mean of polarisation − mapped encoded angle, degrees in (−180, 180]. */
  meanResidualDeg: number;
  /** Circular standard deviation of those residuals, degrees. */
  spreadDeg: number;
}

/** The comparison over all sites, per domain, and its warnings. */
export interface PolarizationComparison extends AngleRelation {
  /** Best offset of the map, radians in [0, 2π). */
  offset: number;
  /** Best sign of the map, +1 or −1. */
  sign: 1 | -1;
  /** Fisher-Lee circular correlation ρ_T in [−1, 1] (NaN with fewer than 3 sites). */
  correlation: number;
  /** Jackknife standard error of ρ_T. */
  correlationErr: number;
  /**
   * Mean resultant length of the polarisation angles (0: spread round the
   * circle, 1: all one way); near 1 any encoding "agrees" and ρ_T says little.
   */
  polarizationConcentration: number;
  /** Per domain label (labels < 0 left out), with the overall map. */
  byDomain: (AngleRelation & { label: number })[];
  /** One line for the summary. */
  text: string;
  /** `rvae-disagrees` when the agreement is low overall or in a domain. */
  warnings: RvaeWarning[];
}

/** Options of {@linkcode compareWithPolarization}. */
export interface PolarizationCheckOptions {
  /** Domain label of each site (e.g. `domains.csv`'s `domain`; < 0: none). */
  labels?: ArrayLike<number>;
  /** Tolerance, degrees (default 30). */
  toleranceDeg?: number;
  /** Warn (`rvae-disagrees`) below this agreement (default 0.7). */
  minAgreement?: number;
  /** Only warn about sets of at least this many sites (default 20). */
  minSites?: number;
}

/**
 * Fisher & Lee's circular correlation ρ_T of paired angles (radians; pairs
 * with a non-finite angle left out) and its jackknife standard error, in
 * O(n) from the sums of their closed form
 * ρ_T = 4(AB − CD) / √((n² − E² − F²)(n² − G² − H²)).
 *
 * @example
 * ```ts
 * import { circularCorrelation } from "./polarization_check.ts";
 * const { correlation } = circularCorrelation([0.1, 1, 2, 4], [1.1, 2, 3, 5]);
 * if (Math.abs(correlation - 1) > 1e-12) throw new Error("a rotation correlates perfectly");
 * ```
 */
export function circularCorrelation(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
): { correlation: number; correlationErr: number; count: number } {
  if (a.length !== b.length) throw new RangeError(`${a.length} angles against ${b.length}`);
  const terms: number[][] = [];
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) continue;
    const ca = Math.cos(a[i]), sa = Math.sin(a[i]), cb = Math.cos(b[i]), sb = Math.sin(b[i]);
    terms.push([
      ca * cb,
      sa * sb,
      ca * sb,
      sa * cb,
      Math.cos(2 * a[i]),
      Math.sin(2 * a[i]),
      Math.cos(2 * b[i]),
      Math.sin(2 * b[i]),
    ]);
  }
  const n = terms.length;
  const sums = new Float64Array(8);
  for (const t of terms) for (let k = 0; k < 8; k++) sums[k] += t[k];
  const rho = (s: ArrayLike<number>, m: number) => {
    const [A, B, C, D, E, F, G, H] = Array.from(s);
    const denominator = Math.sqrt((m * m - E * E - F * F) * (m * m - G * G - H * H));
    return denominator > 0 ? Math.max(-1, Math.min(1, (4 * (A * B - C * D)) / denominator)) : NaN;
  };
  if (n < 3) return { correlation: NaN, correlationErr: NaN, count: n };
  const correlation = rho(sums, n);
  const loo = new Float64Array(n);
  const left = new Float64Array(8);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 8; k++) left[k] = sums[k] - terms[i][k];
    loo[i] = rho(left, n - 1);
  }
  const mean = loo.reduce((s, v) => s + v, 0) / n;
  const ss = loo.reduce((s, v) => s + (v - mean) ** 2, 0);
  return { correlation, correlationErr: Math.sqrt(((n - 1) / n) * ss), count: n };
}

/** Agreement and residual statistics of `pairs` of (mapped encoded, polarisation) angles. */
function relation(residuals: number[], tolerance: number): AngleRelation {
  const count = residuals.length;
  let within = 0;
  let sx = 0;
  let sy = 0;
  for (const r of residuals) {
    if (Math.abs(r) <= tolerance) within++;
    sx += Math.cos(r);
    sy += Math.sin(r);
  }
  const agreement = count ? within / count : NaN;
  const length = count ? Math.hypot(sx, sy) / count : NaN;
  return {
    count,
    agreement,
    agreementErr: count ? Math.sqrt((agreement * (1 - agreement)) / count) : NaN,
    meanResidualDeg: count ? Math.atan2(sy, sx) * DEG : NaN,
    spreadDeg: count ? Math.sqrt(-2 * Math.log(Math.max(length, 1e-300))) * DEG : NaN,
  };
}

/**
 * Compare the rVAE's encoded angles with the polarisation angles measured
 * on the same sites (both radians, aligned; NaN, e.g. for flagged or
 * non-significant polarisation, leaves a site out): the best map
 * encoded ↦ ±encoded + offset, the fraction of sites within 30° after it,
 * Fisher-Lee's ρ_T, and the same per domain when labels are given. A low
 * agreement (below 0.7) gets a warning `rvae-disagrees`.
 *
 * @example
 * ```ts
 * import { compareWithPolarization } from "./polarization_check.ts";
 * // Encoded angles: the polarisation's, mirrored and turned by 1 rad.
 * const polar = Array.from({ length: 100 }, (_, i) => (i % 4) * Math.PI / 2 + 0.05 * Math.sin(i));
 * const encoded = polar.map((a) => 1 - a);
 * const check = compareWithPolarization(encoded, polar);
 * if (check.agreement !== 1 || check.sign !== -1) throw new Error(check.text);
 * ```
 */
export function compareWithPolarization(
  encoded: ArrayLike<number>,
  polarization: ArrayLike<number>,
  options: PolarizationCheckOptions = {},
): PolarizationComparison {
  if (encoded.length !== polarization.length) {
    throw new RangeError(
      `compareWithPolarization: ${encoded.length} encoded angles but ${polarization.length} ` +
        `polarisation angles`,
    );
  }
  const toleranceDeg = options.toleranceDeg ?? 30;
  const tolerance = toleranceDeg / DEG;
  const minAgreement = options.minAgreement ?? 0.7;
  const minSites = options.minSites ?? 20;
  const truth = Float64Array.from(polarization);
  const best = angleVariantAgreement(encoded, truth, { toleranceDeg });
  const sign = best.sign > 0 ? 1 : -1;
  const residualOf = (i: number) =>
    angleDelta(truth[i], wrapAngle(sign * encoded[i] + best.offset));
  const all: number[] = [];
  const byLabel = new Map<number, number[]>();
  let px = 0;
  let py = 0;
  for (let i = 0; i < encoded.length; i++) {
    if (!Number.isFinite(encoded[i]) || !Number.isFinite(truth[i])) continue;
    const r = residualOf(i);
    all.push(r);
    px += Math.cos(truth[i]);
    py += Math.sin(truth[i]);
    const label = options.labels?.[i];
    if (label !== undefined && label >= 0) {
      if (!byLabel.has(label)) byLabel.set(label, []);
      byLabel.get(label)!.push(r);
    }
  }
  const overall = relation(all, tolerance);
  const { correlation, correlationErr } = circularCorrelation(encoded, truth);
  const byDomain = [...byLabel.keys()].sort((a, b) => a - b).map((label) => ({
    label,
    ...relation(byLabel.get(label)!, tolerance),
  }));
  const polarizationConcentration = all.length ? Math.hypot(px, py) / all.length : NaN;
  const percent = (v: number) => `${(100 * v).toFixed(0)} %`;
  const text = overall.count === 0
    ? "no site has both an encoded angle and a polarisation angle"
    : `${percent(overall.agreement)} ± ${percent(overall.agreementErr)} of ${overall.count} ` +
      `sites within ${toleranceDeg}° of the polarisation after angle ↦ ` +
      `${sign > 0 ? "+" : "−"}angle + ${(best.offset * DEG).toFixed(0)}°; circular ` +
      `correlation ρ_T ${correlation.toFixed(2)} ± ${correlationErr.toFixed(2)}` +
      (polarizationConcentration > 0.9 ? " (the polarisation points mostly one way)" : "");
  const warnings: RvaeWarning[] = [];
  if (overall.count >= minSites && overall.agreement < minAgreement) {
    warnings.push({
      code: "rvae-disagrees",
      message: `the encoded angle follows the measured polarisation on only ` +
        `${percent(overall.agreement)} of ${overall.count} sites (within ${toleranceDeg}°, ` +
        `best offset and sign; ρ_T ${correlation.toFixed(2)}): the rVAE's angle may describe ` +
        `something else than the polarisation`,
    });
  } else {
    const poor = byDomain.filter((d) => d.count >= minSites && d.agreement < minAgreement);
    if (poor.length > 0) {
      warnings.push({
        code: "rvae-disagrees",
        message: `the encoded angle follows the measured polarisation on fewer than ` +
          `${percent(minAgreement)} of the sites in domain${poor.length > 1 ? "s" : ""} ` +
          poor.map((d) => `${d.label} (${percent(d.agreement)} of ${d.count})`).join(", ") +
          `, with the offset that fits the whole image`,
      });
    }
  }
  return {
    ...overall,
    offset: best.offset,
    sign,
    correlation,
    correlationErr,
    polarizationConcentration,
    byDomain,
    text,
    warnings,
  };
}
