/**
 * Scores of results against ground truth (from `generateHaadf` of
 * `lib/synth`, or a `truth.csv` read back): atom-finding recall, precision,
 * position error and sublattice accuracy; the polarisation's direction
 * error; the agreement of an encoded angle (the rVAE's) with the true
 * variants after the best global offset and sign; and the adjusted Rand
 * index of any labelling (L. Hubert, P. Arabie, Comparing partitions,
 * J. Classif. 2, 193-218 (1985), doi:10.1007/BF01908075). Pure: arrays in,
 * numbers out. Benches and tests use them to measure the pipeline on
 * generated images.
 *
 * @example
 * ```ts
 * import { scoreAtoms } from "./mod.ts";
 * import { generateHaadf } from "../synth/mod.ts";
 * const { truth } = generateHaadf({ seed: 1, width: 96, height: 96 });
 * const score = scoreAtoms(truth, truth);
 * if (score.recall !== 1 || score.rmse !== 0) throw new Error("the truth scores perfectly");
 * ```
 *
 * @module
 */

export {
  angleDifference,
  scoreAtoms,
  scorePolarization,
  scoreSiteAngles,
  truthFromCsv,
} from "../score.ts";
export type {
  AngleSites,
  AtomScore,
  FoundPolarization,
  PolarizationScore,
  PolarizationScoreOptions,
} from "../score.ts";
export { adjustedRandIndex, angleVariantAgreement } from "./labels.ts";
export type { AngleAgreement, AngleAgreementOptions } from "./labels.ts";
export { estimateCell, matchPoints } from "./matching.ts";
export type { MatchOptions, ScoredPoints, TruthSites } from "./matching.ts";
