/**
 * Bench area `atoms-sweep`: `findAtoms` across the generator's physics, one
 * change from the defaults (1000 counts) at a time, two seeds each, 512²:
 * lattice spacing and rotation, displacement, film chemistry (B/A
 * contrast), variants, domains and walls, background, probe width, scan
 * distortion, dose, sampling. Each line gives the worst recall/precision
 * per sublattice, sublattice accuracy, position RMSE beside the RMSE of an
 * ideal unbiased estimator (Cramér-Rao), the median angle error against the
 * designed displacement and the cage vector, and the column width relative
 * to the lattice period (FWHM / period), the axis along which the finder
 * degrades. `!` marks a line that misses one of issue 4's bars.
 *
 * @module
 */

import { findAtoms } from "../../lib/atoms/find_atoms.ts";
import { scoreAtoms, scorePolarization } from "../../lib/score.ts";
import { generateHaadf } from "../../lib/synth/generate.ts";
import type { SynthOptions } from "../../lib/synth/options.ts";
import { positionBound } from "./_bound.ts";

const CASES: [string, SynthOptions][] = [
  ["defaults", {}],
  ...[11, 20, 30].map((spacing): [string, SynthOptions] => [`spacing ${spacing} px`, { spacing }]),
  ...[0, 30, 45].map((rotation): [string, SynthOptions] => [`rotation ${rotation}°`, { rotation }]),
  ["displacement 0.03 cell", { displacement: 0.03 }],
  ["displacement 0.1 cell", { displacement: 0.1 }],
  ["PbTiO3", { filmA: "Pb", filmB: "Ti" }],
  ["BaTiO3", { filmA: "Ba", filmB: "Ti" }],
  ["SrTiO3 film", { filmA: "Sr", filmB: "Ti" }],
  ["1 variant", { variants: 1 }],
  ["domains 3 cells wide", { domainWidth: 3 }],
  ["walls 3 cells wide", { wallWidth: 3 }],
  ["background 0.5", { background: 0.5, backgroundVariation: 0.6 }],
  ["probe sigma 0.06 nm", { probeSigma: 0.06 }],
  ["probe sigma 0.07 nm", { probeSigma: 0.07 }],
  ["sharp probe 0.03 nm", { probeSigma: 0.03, columnSigma: 0.02 }],
  ["no substrate", { substrate: 0 }],
  ["row jitter 0.4 px", { rowJitter: 0.4 }],
  ["strong drift", { shear: 0.05, stretch: 0.03, wobble: 1.5 }],
  ["dose 300", { dose: 300 }],
  ["dose 5000", { dose: 5000 }],
  ["0.015 nm/px (768²)", { pixelSize: 0.015, width: 768, height: 768 }],
];

/** Run the area. */
export function run(): Promise<void> {
  console.log(
    "case: worst recall/precision, sublattice, RMSE (ideal), angle (cage), FWHM/period; " +
      "! = misses a bar (recall, precision ≥ 0.995; sublattice ≥ 0.99; RMSE ≤ 0.15 px; angle ≤ 10°)",
  );
  for (const [label, change] of CASES) {
    for (const seed of [21, 22]) {
      const options = { width: 512, height: 512, ...change, seed };
      const { image, truth, meta } = generateHaadf(options);
      const r = findAtoms(image);
      const frame = { width: image.width, height: image.height };
      // Flagged vectors have NaN components, which the scorer counts as not found.
      const a = scoreAtoms(r.columns, truth, frame);
      const angle = scorePolarization(r.polarization, truth, frame).medianAngleErrorDeg;
      const cage = scorePolarization(r.polarization, truth, { ...frame, reference: "cage" })
        .medianAngleErrorDeg;
      const worst = Math.min(a.recallA, a.recallB, a.precisionA, a.precisionB);
      const ideal = positionBound(options, meta.options.dose).rmse;
      const fwhm = 2.355 * meta.sigmaPx[0] / meta.spacingPx;
      const miss = !(worst >= 0.995 && a.sublatticeAccuracy >= 0.99 && a.rmse <= 0.15) ||
        (meta.options.displacement > 0 && !(angle <= 10));
      console.log(
        `${miss ? "!" : " "} ${label}, seed ${seed}: ${worst.toFixed(3)}, ` +
          `${a.sublatticeAccuracy.toFixed(3)}, ${a.rmse.toFixed(3)} px (${ideal.toFixed(3)}), ` +
          `${angle.toFixed(1)}° (${cage.toFixed(1)}°), ${fwhm.toFixed(2)}`,
      );
    }
  }
  return Promise.resolve();
}
