/**
 * How far to trust what the atom stage reports, in one call for the
 * pipeline: standard errors of every column and vector, a reference frame
 * and tilt correction, significance, domains with a coherence test,
 * averaging, lattice maps, the calibration, the perovskite guard rail, and
 * the warnings a careful referee would raise. Pure: image and atom result
 * in, numbers and warnings out; {@linkcode trustRecord} and
 * {@linkcode trustSummaryLines} shape them for `run.json` and the summary,
 * `tables.ts` for the CSV files.
 *
 * @module
 */

import type { Image } from "../image.ts";
import { type Warning, warning } from "../warnings.ts";
import {
  type AveragedVectors,
  averagePolarization,
  type AveragingSpec,
  parseAveraging,
} from "./averaging.ts";
import { type Calibration, resolveCalibration } from "./calibration.ts";
import { type Domains, findDomains, neighbourPairs } from "./domains.ts";
import type { AtomResult } from "./find_atoms.ts";
import { type LatticeMap, latticeMap, type LatticeSummary, latticeSummary } from "./lattice_map.ts";
import { type PerovskiteFit, perovskiteFit } from "./perovskite_fit.ts";
import {
  correctPolarization,
  parseReference,
  type ReferenceInfo,
  type ReferenceSpec,
  type TiltInfo,
} from "./reference.ts";
import { median, wrapAngle } from "../math.ts";
import {
  polarizationUncertainty,
  type PositionUncertainty,
  positionUncertainty,
} from "./uncertainty.ts";

/** Options for {@linkcode assessPolarization}; every one has a default. */
export interface TrustOptions {
  /** `none|mean|auto|box:x0,y0,x1,y1` or a parsed spec (default none). */
  reference?: ReferenceSpec | string;
  /** Subtract a smooth field fitted to all vectors: false (default), true (a plane) or the order, 1 or 2. */
  tiltCorrection?: boolean | number;
  /** `none|cell|radius:R` or a parsed spec (default none). */
  average?: AveragingSpec | string;
  /** Pixel size in nm, overriding the image's (`--pixel-size`). */
  pixelSizeNm?: number;
  /** Seed of the coherence test's shuffles (default 0). */
  seed?: number;
  /** Significance threshold in standard errors (default 3). */
  threshold?: number;
  /** Largest pixel lag of measured noise correlation (default 2). */
  maxLag?: number;
  /** Direction coherence R above which the field counts as uniform (default 0.9). */
  uniformR?: number;
  /** Relative difference of the two lattice periods that warns (default 0.02). */
  anisotropy?: number;
  /** Fraction of significant vectors below which the field is called below noise (default 0.5). */
  minSignificant?: number;
}

/** The polarisation after correction, with its errors. */
export interface TrustedVectors {
  /** Corrected x component, px (NaN where flagged). */
  px: Float64Array;
  /** Corrected y component, px. */
  py: Float64Array;
  /** As measured, px. */
  pxRaw: Float64Array;
  /** As measured, px. */
  pyRaw: Float64Array;
  /** |p| after correction, px. */
  magnitude: Float64Array;
  /** Angle after correction, radians in [0, 2π). */
  angle: Float64Array;
  /** Standard error of each component, px (the reference's own error included). */
  pErr: Float64Array;
  /** Standard error of px, px. */
  pxErr: Float64Array;
  /** Standard error of py, px. */
  pyErr: Float64Array;
  /** 1 when |p| > threshold · pErr. */
  significant: Uint8Array;
  /** The reference used. */
  reference: ReferenceInfo;
  /** The tilt correction, when asked for. */
  tilt?: TiltInfo;
}

/** Image-level numbers for the summary and run.json. */
export interface TrustSummary {
  /** B sites. */
  sites: number;
  /** B sites with a vector. */
  vectors: number;
  /** Vectors significant after correction. */
  significant: number;
  /** significant / vectors. */
  fractionSignificant: number;
  /** Median standard error of a component, px. */
  medianPErr: number;
  /** Median |p| after correction, px. */
  medianMagnitude: number;
  /** Mean corrected vector, px. */
  meanVector: [number, number];
  /** Its standard error per component, px. */
  meanVectorErr: number;
  /** Direction coherence R = |mean of the unit vectors| over all vectors (1: all parallel). */
  directionCoherence: number;
  /** The same before any correction. */
  rawDirectionCoherence: number;
  /** Mean vector before correction, px. */
  rawMeanVector: [number, number];
  /**
   * Cell-to-cell scatter of the vectors per component, px: from the
   * differences between neighbouring vectors (robust: median |Δp|², which
   * domain walls barely move). Model-free: it holds the noise, whatever
   * its source, and any real per-cell disorder; well below |p| in a film
   * with domains, about |p| where the vectors are noise.
   */
  neighbourScatter: number;
}

/** Everything {@linkcode assessPolarization} measures. */
export interface TrustReport {
  /** Pixel size used. */
  calibration: Calibration;
  /** Standard errors of every column. */
  positions: PositionUncertainty;
  /** Corrected vectors with errors and significance. */
  vectors: TrustedVectors;
  /** Averaged vectors (identical to the per-site ones for `none`). */
  averaged: AveragedVectors;
  /** Domains of the significant sites. */
  domains: Domains;
  /** Per-cell lattice parameters (undefined with too few A columns). */
  lattice?: LatticeMap;
  /** Both periods and their anisotropy. */
  latticeSummary?: LatticeSummary;
  /** The perovskite guard rail. */
  perovskite: PerovskiteFit;
  /** Image-level numbers. */
  summary: TrustSummary;
  /** The warnings, in order of importance. */
  warnings: Warning[];
}

/**
 * Measure how far to trust the atom stage's result `atoms` on `image`.
 *
 * @example
 * ```ts
 * import { assessPolarization } from "./trust.ts";
 * import { findAtoms } from "./find_atoms.ts";
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image } = generateHaadf({ seed: 1, width: 96, height: 96 });
 * const atoms = findAtoms(image);
 * const trust = assessPolarization(image, atoms, { reference: "auto" });
 * const significant = trust.summary.fractionSignificant;
 * if (!(significant > 0.5)) throw new Error(`a polar film is mostly significant: ${significant}`);
 * ```
 */
export function assessPolarization(
  image: Image,
  atoms: AtomResult,
  options: TrustOptions = {},
): TrustReport {
  const threshold = options.threshold ?? 3;
  const calibration = resolveCalibration(image.pixelSize, options.pixelSizeNm);
  const pm = calibration.pixelPm;
  const { columns, polarization } = atoms;
  const period = atoms.lattice.period;
  const positions = positionUncertainty(image, columns, {
    radius: atoms.windowRadius,
    rowShift: atoms.rowShift,
    maxLag: options.maxLag,
    sublattice: columns.sublattice,
  });
  const errors = polarizationUncertainty(polarization, positions, { threshold });
  const reference = typeof options.reference === "string"
    ? parseReference(options.reference)
    : options.reference ?? { kind: "none" as const };
  const corrected = correctPolarization(polarization, {
    reference,
    tilt: options.tiltCorrection,
    columns: {
      x: columns.x,
      y: columns.y,
      intensity: columns.amplitude,
      sublattice: columns.sublattice,
    },
    size: image,
    period,
  });
  const n = polarization.x.length;
  const pErr = Float64Array.from(errors.pErr, (e) => Math.hypot(e, corrected.reference.offsetErr));
  const pxErr = Float64Array.from(
    errors.pxErr,
    (e) => Math.hypot(e, corrected.reference.offsetErr),
  );
  const pyErr = Float64Array.from(
    errors.pyErr,
    (e) => Math.hypot(e, corrected.reference.offsetErr),
  );
  const magnitude = Float64Array.from(corrected.px, (v, j) => Math.hypot(v, corrected.py[j]));
  const angle = Float64Array.from(
    corrected.px,
    (v, j) => Number.isFinite(v) ? wrapAngle(Math.atan2(corrected.py[j], v)) : NaN,
  );
  const significant = Uint8Array.from(magnitude, (m, j) => (m > threshold * pErr[j] ? 1 : 0));
  const vectors: TrustedVectors = {
    px: corrected.px,
    py: corrected.py,
    pxRaw: corrected.pxRaw,
    pyRaw: corrected.pyRaw,
    magnitude,
    angle,
    pErr,
    pxErr,
    pyErr,
    significant,
    reference: corrected.reference,
    tilt: corrected.tilt,
  };
  const spec = typeof options.average === "string"
    ? parseAveraging(options.average)
    : options.average ?? { kind: "none" as const, radius: 0 };
  const averaged = averagePolarization(polarization, corrected, positions, { spec, period });
  const domains = findDomains(
    { x: polarization.x, y: polarization.y, angle, significant },
    { seed: options.seed },
  );
  const lattice = latticeMap(columns, { referenceBox: corrected.reference.box });
  const latticeStats = lattice
    ? latticeSummary(lattice, { pixelPm: pm, rule: polarization.rule })
    : undefined;
  const perovskite = perovskiteFit(columns, polarization.status, {
    columnsPerCell: atoms.columnsPerCell,
  });
  const summary = summarise(vectors, n, polarization);
  const report: TrustReport = {
    calibration,
    positions,
    vectors,
    averaged,
    domains,
    lattice,
    latticeSummary: latticeStats,
    perovskite,
    summary,
    warnings: [],
  };
  report.warnings = trustWarnings(report, options);
  return report;
}

function summarise(
  v: TrustedVectors,
  n: number,
  sites: { x: ArrayLike<number>; y: ArrayLike<number> },
): TrustSummary {
  const ok: number[] = [];
  for (let j = 0; j < n; j++) if (Number.isFinite(v.px[j])) ok.push(j);
  const significant = ok.filter((j) => v.significant[j]).length;
  const meanOf = (a: Float64Array) => ok.reduce((s, j) => s + a[j], 0) / Math.max(ok.length, 1);
  const coherence = (px: Float64Array, py: Float64Array) => {
    let ux = 0;
    let uy = 0;
    let m = 0;
    for (const j of ok) {
      const r = Math.hypot(px[j], py[j]);
      if (!(r > 0)) continue;
      ux += px[j] / r;
      uy += py[j] / r;
      m++;
    }
    return m ? Math.hypot(ux, uy) / m : NaN;
  };
  const mx = meanOf(v.px);
  const my = meanOf(v.py);
  const spread = Math.sqrt(
    ok.reduce((s, j) => s + (v.px[j] - mx) ** 2 + (v.py[j] - my) ** 2, 0) /
      Math.max(1, 2 * (ok.length - 1)),
  );
  return {
    sites: n,
    vectors: ok.length,
    significant,
    fractionSignificant: ok.length ? significant / ok.length : NaN,
    medianPErr: median(ok.map((j) => v.pErr[j])),
    medianMagnitude: median(ok.map((j) => v.magnitude[j])),
    meanVector: [mx, my],
    meanVectorErr: spread / Math.sqrt(Math.max(ok.length, 1)),
    directionCoherence: coherence(v.px, v.py),
    rawDirectionCoherence: coherence(v.pxRaw, v.pyRaw),
    rawMeanVector: [meanOf(v.pxRaw), meanOf(v.pyRaw)],
    neighbourScatter: Math.sqrt(
      median(
        neighbourPairs(sites, ok, 1.5).map(([a, b]) =>
          (v.px[a] - v.px[b]) ** 2 + (v.py[a] - v.py[b]) ** 2
        ),
      ) / (4 * Math.LN2),
    ),
  };
}

/** A length in pm when calibrated, else in px. */
function length(px: number, pixelPm?: number, digits = 2): string {
  return pixelPm === undefined
    ? `${px.toFixed(digits + 1)} px`
    : `${(px * pixelPm).toFixed(digits - 1)} pm (${px.toFixed(digits + 1)} px)`;
}

/** The warnings of a trust report. */
function trustWarnings(r: TrustReport, options: TrustOptions): Warning[] {
  const out: Warning[] = [];
  const pm = r.calibration.pixelPm;
  const s = r.summary;
  if (!r.perovskite.fits) {
    out.push(warning(
      "not-perovskite",
      `the columns do not fit a two-sublattice perovskite (${r.perovskite.failures.join("; ")}); ` +
        "A/B labels, polarisation and variants are not physics here",
    ));
  }
  const uniformR = options.uniformR ?? 0.9;
  const [meanX, meanY] = s.meanVector;
  const meanLength = Math.hypot(meanX, meanY);
  // Nearly uniform: the directions agree, or a mean that stands out from its
  // error makes up most of the typical vector.
  const dominantMean = meanLength > 5 * s.meanVectorErr && meanLength > 0.5 * s.medianMagnitude;
  if (s.vectors >= 10 && (s.directionCoherence > uniformR || dominantMean)) {
    const [mx, my] = s.meanVector;
    const deg = Math.round((wrapAngle(Math.atan2(my, mx)) * 180) / Math.PI);
    out.push(warning(
      "uniform-offset",
      `the vectors are nearly uniform (direction coherence R = ${
        s.directionCoherence.toFixed(2)
      } ` +
        `over ${s.vectors} sites): mean ${length(Math.hypot(mx, my), pm)} towards ${deg}° ` +
        "(image frame, y down); specimen mistilt or scan distortion gives this, and so does a " +
        "single polar domain — measure against " +
        "a non-polar reference region (--reference box:x0,y0,x1,y1 or auto) or use --tilt-correction",
    ));
  }
  if (s.vectors > 0 && s.fractionSignificant < (options.minSignificant ?? 0.5)) {
    out.push(warning(
      "below-noise",
      `most vectors are below their noise: ${Math.round(100 * s.fractionSignificant)} % of ` +
        `${s.vectors} exceed ${options.threshold ?? 3} standard errors ` +
        `(median |p| ${length(s.medianMagnitude, pm)}, median standard error ` +
        `${length(s.medianPErr, pm)}); average over cells (--average cell) or use a cleaner image`,
    ));
  } else if (s.vectors >= 10 && s.medianMagnitude < 2 * s.neighbourScatter) {
    // Significant against the counting noise, yet neighbouring cells disagree about
    // as much as the vectors are long: noise the model misses (filtering, scan) or
    // per-cell disorder; either way no domain structure to report.
    out.push(warning(
      "below-noise",
      `the vectors change from cell to cell about as much as their size: neighbouring vectors ` +
        `differ by ${length(s.neighbourScatter, pm)} per component (robust) against a median ` +
        `|p| of ${length(s.medianMagnitude, pm)}, though ${
          Math.round(100 * s.fractionSignificant)
        } % ` +
        `exceed ${options.threshold ?? 3} counting-noise standard errors ` +
        `(${length(s.medianPErr, pm)}): correlated noise (a filtered image, scan noise) or ` +
        "per-cell disorder; average over cells (--average cell) before reading domains",
    ));
  }
  if (r.domains.classAngles.length >= 2 && !r.domains.coherent) {
    out.push(warning("incoherent-domains", `${r.domains.message}: no variants reported`));
  }
  if (r.latticeSummary && r.latticeSummary.anisotropy > (options.anisotropy ?? 0.02)) {
    const l = r.latticeSummary;
    out.push(warning(
      "anisotropic-lattice",
      `the two lattice periods differ by ${(100 * l.anisotropy).toFixed(1)} %` +
        (l.expectedRatio !== 1 ? ` beyond the projection's ${l.expectedRatio.toFixed(3)}` : "") +
        ` (${length(l.a, pm)} and ${length(l.b, pm)}): scan distortion, a wrong calibration ` +
        "or a non-cubic cell",
    ));
  }
  if (r.calibration.pixelPm === undefined) out.push(warning("uncalibrated", r.calibration.message));
  if (r.vectors.reference.requested === "auto" && r.vectors.reference.used === "none") {
    out.push(warning("no-reference-region", r.vectors.reference.message));
  }
  return out;
}

/**
 * What to record in `run.json` (JSON-ready): calibration, noise model,
 * reference and tilt correction, averaging, domains, lattice, guard rail,
 * summary and warnings.
 *
 * @example
 * ```ts
 * import { assessPolarization, trustRecord } from "./trust.ts";
 * import { findAtoms } from "./find_atoms.ts";
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image } = generateHaadf({ seed: 1, width: 96, height: 96 });
 * const record = trustRecord(assessPolarization(image, findAtoms(image)));
 * if (!("summary" in record && "warnings" in record)) throw new Error(JSON.stringify(record));
 * ```
 */
export function trustRecord(r: TrustReport): Record<string, unknown> {
  const pm = r.calibration.pixelPm;
  const inPm = (v: number) => (pm === undefined ? undefined : v * pm);
  const ref = r.vectors.reference;
  const noise = r.positions.noise;
  const span = 2 * noise.maxLag + 1;
  return {
    calibration: { pixelPm: pm ?? null, source: r.calibration.source },
    noise: {
      offset: noise.offset,
      gain: noise.gain,
      lag1Correlation: {
        x: noise.maxLag ? noise.correlation[noise.maxLag * span + noise.maxLag + 1] : 0,
        y: noise.maxLag ? noise.correlation[(noise.maxLag + 1) * span + noise.maxLag] : 0,
      },
      rowNoisePx: { x: r.positions.rowNoise.x, y: r.positions.rowNoise.y },
    },
    reference: {
      requested: ref.requested,
      used: ref.used,
      offsetPx: ref.offset,
      offsetPm: pm === undefined ? null : ref.offset.map((v) => v * pm),
      offsetErrPx: ref.offsetErr,
      sites: ref.sites.length,
      box: ref.box ?? null,
      band: ref.band ?? null,
      message: ref.message,
    },
    tiltCorrection: r.vectors.tilt
      ? {
        order: r.vectors.tilt.order,
        coefficients: r.vectors.tilt.coefficients,
        frame: r.vectors.tilt.frame,
        rmsPx: r.vectors.tilt.rms,
      }
      : null,
    averaging: r.averaged.spec,
    summary: {
      ...r.summary,
      medianPErrPm: inPm(r.summary.medianPErr) ?? null,
      medianMagnitudePm: inPm(r.summary.medianMagnitude) ?? null,
    },
    domains: {
      classesDeg: r.domains.classAngles.map((a) => (a * 180) / Math.PI),
      classCounts: r.domains.classCounts,
      coherent: r.domains.coherent,
      coherence: r.domains.coherence,
      domains: r.domains.domains,
      wallSites: r.domains.wallSites,
      message: r.domains.message,
    },
    lattice: r.latticeSummary ?? null,
    perovskite: { ...r.perovskite },
    warnings: r.warnings,
  };
}

/**
 * Lines for the one-screen summary: significance, reference, domains,
 * lattice and calibration (the warnings are printed separately, e.g. with
 * `formatWarnings`).
 *
 * @example
 * ```ts
 * import { assessPolarization, trustSummaryLines } from "./trust.ts";
 * import { findAtoms } from "./find_atoms.ts";
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image } = generateHaadf({ seed: 1, width: 96, height: 96 });
 * const lines = trustSummaryLines(assessPolarization(image, findAtoms(image)));
 * if (!lines.some((l) => l.includes("significant"))) throw new Error(lines.join("\n"));
 * ```
 */
export function trustSummaryLines(r: TrustReport): string[] {
  const pm = r.calibration.pixelPm;
  const s = r.summary;
  const lines = [
    `polarisation: ${s.significant} of ${s.vectors} vectors significant (${
      Math.round(100 * s.fractionSignificant)
    } %, |p| > 3 standard errors); median |p| ${length(s.medianMagnitude, pm)}, median error ${
      length(s.medianPErr, pm)
    }, cell-to-cell scatter ${length(s.neighbourScatter, pm)}`,
    r.vectors.reference.message +
    (r.vectors.tilt
      ? `; tilt correction order ${r.vectors.tilt.order}, field rms ${
        length(r.vectors.tilt.rms, pm)
      }`
      : ""),
    `domains: ${r.domains.message}`,
  ];
  if (r.latticeSummary) {
    const l = r.latticeSummary;
    lines.push(
      `lattice: ${length(l.a, pm)} and ${length(l.b, pm)}, anisotropy ${
        (100 * l.anisotropy).toFixed(1)
      } %`,
    );
  }
  lines.push(`calibration: ${r.calibration.message}`);
  lines.push(`perovskite fit: ${r.perovskite.message}`);
  return lines;
}
