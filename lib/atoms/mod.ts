/**
 * The atom stage: from one HAADF-STEM image to every atom column, its
 * sublattice (A or B of a perovskite ABO3), and the polarisation of each B
 * column (its displacement from the centre of its A neighbours), with the
 * standard error of every position and vector and the warnings a careful
 * referee would raise ({@linkcode assessPolarization}); then the tables
 * (`atoms.csv`, `polarization.csv`, `domains.csv`, `lattice.csv`) and the
 * figures of the `atoms` script. Pure: image in, columns, numbers, text and
 * SVG out.
 *
 * Methods: the lattice from the power spectrum; columns detected as maxima
 * of the scale-normalised Laplacian of Gaussian at the lattice scale
 * (T. Lindeberg, Feature detection with automatic scale selection, Int. J.
 * Comput. Vision 30, 79-116 (1998), doi:10.1023/A:1008045108935), refined by
 * centre of mass and an elliptical Gaussian fitted by Levenberg-Marquardt
 * least squares (K. Levenberg, Q. Appl. Math. 2, 164-168 (1944),
 * doi:10.1090/qam/10666; D. W. Marquardt, J. SIAM 11, 431-441 (1963),
 * doi:10.1137/0111030).
 *
 * @example
 * ```ts
 * import { assessPolarization, findAtoms, polarizationCsv } from "./mod.ts";
 * import { generateHaadf } from "../synth/mod.ts";
 * const { image } = generateHaadf({ seed: 1, width: 96, height: 96 });
 * const atoms = findAtoms(image);
 * const trust = assessPolarization(image, atoms);
 * const csv = polarizationCsv(atoms.polarization, undefined, trust);
 * if (!csv.split("\n")[0].includes("p_err")) throw new Error("vectors with their errors");
 * ```
 *
 * @module
 */

export { findAtoms } from "./find_atoms.ts";
export type { AtomColumns, AtomResult, FindAtomsOptions } from "./find_atoms.ts";
export { estimateLattice } from "./spacing.ts";
export type { BraggPeak, LatticeEstimate, LatticeOptions } from "./spacing.ts";
export type {
  NeighbourRule,
  Polarization,
  PolarizationOptions,
  PolarizationStatus,
} from "./polarization.ts";
export { assessPolarization, trustRecord, trustSummaryLines } from "./trust.ts";
export type { TrustedVectors, TrustOptions, TrustReport, TrustSummary } from "./trust.ts";
export { parseReference } from "./reference.ts";
export type { ReferenceSpec } from "./reference.ts";
export { parseAveraging } from "./averaging.ts";
export type { AveragingSpec } from "./averaging.ts";
export { resolveCalibration } from "./calibration.ts";
export type { Calibration } from "./calibration.ts";
export { findDomains } from "./domains.ts";
export type { DomainOptions, Domains } from "./domains.ts";
export { atomsCsv, domainsCsv, latticeCsv, polarizationCsv } from "./tables.ts";
export {
  angleHistogramFigure,
  arrowsFigure,
  polarizationMapFigure,
  sublatticeFigure,
} from "./figures.ts";
export type { PolarizationMapOptions } from "./figures.ts";

// Types the API above names
export type { AveragedVectors } from "./averaging.ts";
export type { CoherenceTest } from "./domains.ts";
export type { Grid } from "./filters.ts";
export type { LatticeMap, LatticeSummary } from "./lattice_map.ts";
export type { PerovskiteFit } from "./perovskite_fit.ts";
export type { PositionUncertainty } from "./uncertainty.ts";
export type { ReferenceInfo, TiltInfo } from "./reference.ts";
export type { RefinedColumns } from "./refine.ts";
export type { SublatticeRule } from "./sublattice.ts";
export type { GaussianParams } from "./gaussian_fit.ts";
export type { LatticeVectors } from "./lattice_map.ts";
export type { NoiseModel, RowNoise } from "./uncertainty.ts";
export type { SubstrateBand } from "./reference.ts";
