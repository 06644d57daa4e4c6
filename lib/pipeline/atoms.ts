/**
 * The atoms stage: atom columns, A/B sublattices and the polarisation of
 * every B column, as the files and figures `atoms` writes.
 *
 * @module
 */

import { type AtomResult, findAtoms, type FindAtomsOptions } from "../atoms/find_atoms.ts";
import { arrowsFigure, sublatticeFigure } from "../atoms/figures.ts";
import { atomsCsv, domainsCsv, latticeCsv, polarizationCsv } from "../atoms/tables.ts";
import {
  assessPolarization,
  type TrustOptions,
  trustRecord,
  type TrustReport,
  trustSummaryLines,
} from "../atoms/trust.ts";
import {
  domainMapFigure,
  latticeMapsFigure,
  polarizationDirectionsFigure,
  trustedPolarizationMapFigure,
} from "../atoms/trust_figures.ts";
import { UserError } from "../errors.ts";
import { type Image, withPixelSize } from "../image.ts";
import { type AnglePeaks, describePeaks, findAnglePeaks } from "../rvae/angles.ts";
import type { StageHooks, StageOutput } from "./_stage.ts";

/** Options of {@linkcode atomsStage}: the finder's options, the image's name and whether to draw. */
export interface AtomsStageOptions extends FindAtomsOptions {
  /** The image's file name, named in error messages (default "image"). */
  source?: string;
  /** Draw the figures (default true). */
  figures?: boolean;
  /**
   * How far to trust the polarisation: reference (default none), tilt
   * correction (default off), averaging (default none), pixel size in nm
   * overriding the file's (`--pixel-size`), seed of the coherence test
   * (see `assessPolarization`).
   */
  trust?: TrustOptions;
  /** Stop with a UserError when the columns do not fit a perovskite (`--strict`; default false). */
  strict?: boolean;
  /** The image in grey under the site maps ("image") or not ("none", default: smaller files). */
  mapBackground?: "image" | "none";
}

/** What {@linkcode atomsStage} found: `atoms.csv`, `polarization.csv` and the figures. */
export interface AtomsStageResult extends StageOutput {
  /** The tables' text. */
  files: {
    "atoms.csv": string;
    "polarization.csv": string;
    "domains.csv": string;
    "lattice.csv": string;
  };
  /** Columns, sublattices, polarisation. */
  result: AtomResult;
  /** How far to trust the polarisation (errors, reference, significance, domains, lattice). */
  trust: TrustReport;
  /** Peaks of the significant vectors' directions. */
  peaks: AnglePeaks;
  /** Lines for the summary after the first (significance, reference, domains, lattice, calibration). */
  trustLines: string[];
}

/**
 * Find the atom columns of `image` (LoG detection, Levenberg-Marquardt
 * refinement, sublattices, polarisation; see `findAtoms`), measure how far
 * to trust the polarisation (`assessPolarization`: standard errors,
 * reference and tilt correction, significance, domains, averaging, lattice
 * maps, calibration, the perovskite guard rail, warnings) and make
 * `atoms.csv` (with `x_err, y_err`), `polarization.csv` (corrected vectors,
 * `px_raw, py_raw, p_err, significant`, …), `domains.csv`, `lattice.csv`
 * and, unless `figures` is false, the figures `atoms`, `polarization_map`
 * (insignificant vectors grey), `polarization_angles` (significant
 * directions with their peaks), `polarization_arrows`, `domain_map` and
 * `lattice_maps`. Throws a UserError naming `source` when the image holds
 * no lattice, or, with `strict`, when the columns do not fit a perovskite.
 *
 * @example
 * ```ts
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image } = generateHaadf({ width: 128, height: 128, seed: 1 });
 * const stage = await atomsStage(image, { figures: false });
 * console.log(stage.summary, Object.keys(stage.files)); // atoms.csv, polarization.csv
 * ```
 */
export async function atomsStage(
  given: Image,
  options: AtomsStageOptions = {},
  hooks: StageHooks = {},
): Promise<AtomsStageResult> {
  const {
    source = "image",
    figures = true,
    trust: trustOptions = {},
    strict = false,
    mapBackground = "none",
    ...findOptions
  } = options;
  // Everything below (figures' axes included) in the calibration the user gave, if any.
  const image = withPixelSize(given, trustOptions.pixelSizeNm);
  const started = performance.now();
  let result;
  try {
    result = findAtoms(image, findOptions);
  } catch (err) {
    // findAtoms does not know the file's name; name it here.
    if (err instanceof UserError && !err.subject) throw new UserError(source, err.message);
    throw err;
  }
  const found = performance.now();
  await hooks.onStep?.("trust");
  const trust = assessPolarization(image, result, trustOptions);
  const warnings = trust.warnings;
  const notPerovskite = warnings.find((w) => w.code === "not-perovskite");
  if (strict && notPerovskite) {
    throw new UserError(source, `not-perovskite (--strict): ${notPerovskite.message}`);
  }
  const pm = trust.calibration.pixelPm;
  const v = trust.vectors;
  const peaks = findAnglePeaks(Array.from(v.angle).filter((_, j) => v.significant[j]));
  const parameters = {
    ...findOptions,
    period: result.lattice.period,
    sigma: result.sigma,
    windowRadius: result.windowRadius,
    neighbours: result.polarization.rule,
    pixelSizePm: pm ?? null,
    pixelSizeSource: trust.calibration.source,
    reference: v.reference.requested,
    tiltCorrection: trustOptions.tiltCorrection ?? false,
    average: trust.averaged.spec,
    strict,
  };
  const files = {
    "atoms.csv": atomsCsv(result.columns, trust),
    "polarization.csv": polarizationCsv(result.polarization, pm, trust),
    "domains.csv": domainsCsv(result.polarization, trust),
    "lattice.csv": latticeCsv(trust, pm),
  };
  if (figures) await hooks.onStep?.("figures");
  // The arrows show the corrected vectors, as the map does.
  const corrected: AtomResult = {
    ...result,
    polarization: {
      ...result.polarization,
      px: v.px,
      py: v.py,
      magnitude: v.magnitude,
      angle: v.angle,
    },
  };
  const background = { background: mapBackground };
  const lattice = figures ? latticeMapsFigure(image, trust, background) : undefined;
  const drawn = figures
    ? [
      { name: "atoms", svg: sublatticeFigure(image, result) },
      {
        name: "polarization_map",
        svg: trustedPolarizationMapFigure(image, result, trust, background),
      },
      { name: "polarization_angles", svg: polarizationDirectionsFigure(trust, peaks) },
      { name: "polarization_arrows", svg: arrowsFigure(image, corrected) },
      { name: "domain_map", svg: domainMapFigure(image, result, trust, background) },
      ...(lattice ? [{ name: "lattice_maps", svg: lattice }] : []),
    ]
    : [];
  const c = result.columns;
  const p = result.polarization;
  const countA = c.sublattice.filter((s) => s === 0).length;
  const flagged = p.status.filter((s) => s !== "ok").length;
  const failedFits = c.fitOk.length - c.fitOk.reduce((a, b) => a + b, 0);
  const shifts = result.rowShift;
  const rowJitter = Math.sqrt(shifts.reduce((s, v) => s + v * v, 0) / Math.max(1, shifts.length));
  const extra = {
    columns: c.x.length,
    a: countA,
    b: c.x.length - countA,
    polarizationFlagged: flagged,
    failedFits,
    nearestNeighbourPx: result.nnDistance,
    columnsPerCell: result.columnsPerCell,
    rescued: result.rescued,
    rowJitterRmsPx: Number(rowJitter.toFixed(4)),
    trust: trustRecord(trust),
    polarizationPeaks: {
      text: describePeaks(peaks),
      peaksDeg: peaks.peaks.map((q) => (q.angle * 180) / Math.PI),
      fractions: peaks.peaks.map((q) => q.fraction),
    },
    findMs: Math.round(found - started),
    totalMs: Math.round(performance.now() - started),
  };
  const summary = `atoms: ${c.x.length} columns (${countA} A, ${c.x.length - countA} B; ` +
    `${failedFits} fits failed), period ${result.lattice.period.toFixed(2)} px, ` +
    `${p.x.length - flagged} polarisation vectors (${flagged} flagged, ${p.rule} neighbours), ` +
    `row jitter removed ${rowJitter.toFixed(3)} px rms, ${Math.round(found - started)} ms` +
    (p.x.length === 0
      ? `; ${result.columnsPerCell.toFixed(2)} columns per lattice cell: one sublattice (or two ` +
        "that look alike), every column is called A and no polarisation is computed"
      : "");
  // Each line "label: text", so that the analyze summary can make rows of them.
  const trustLines = trustSummaryLines(trust).map((line) =>
    line.startsWith("polarisation: ")
      ? `significance: ${line.slice("polarisation: ".length)}`
      : line.startsWith(v.reference.message) && !line.startsWith("reference")
      ? `reference: ${line}`
      : line
  );
  trustLines.splice(1, 0, `directions: of the significant vectors, ${describePeaks(peaks)}`);
  return {
    result,
    trust,
    peaks,
    trustLines,
    files,
    figures: drawn,
    parameters,
    extra,
    summary,
    warnings,
  };
}
