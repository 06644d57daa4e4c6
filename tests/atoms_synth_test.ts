/**
 * Atom finding and polarisation scored against ground truth with the
 * generator's scoring functions: the bundled sample (its files), and fresh
 * images at other seeds, doses and geometries. The sample (1000 counts on
 * an A peak) must meet the bars: RMSE ≤ 0.15 px, median angle error
 * ≤ 10°. Below that dose the limits follow what the shot noise allows: at
 * 200 counts a B column (Fe-O, 16 % of Bi) is located to 0.25 px radial by
 * any unbiased estimator, and the RMSE over A and B of an ideal one is
 * 0.20 px (Cramér-Rao bound, printed by `deno task bench atoms`).
 */

import { assert } from "./assert.ts";
import { findAtoms } from "../lib/atoms/find_atoms.ts";
import type { AtomResult } from "../lib/atoms/find_atoms.ts";
import { readImage } from "../lib/io/read_image.ts";
import { numericColumn, parseCsv, stringColumn } from "../lib/io/csv.ts";
import { generateHaadf } from "../lib/synth/generate.ts";
import type { SynthOptions } from "../lib/synth/options.ts";
import { scoreAtoms, scorePolarization, type TruthSites } from "../lib/score.ts";

interface Limits {
  rmse: number;
  /** Lowest recall and precision per sublattice (default 0.995). */
  found?: number;
  /** Lowest sublattice accuracy (default 0.99). */
  sublattice?: number;
  /** Lowest share of polar sites with a polarisation (default 0.98). */
  polar?: number;
  /** Largest |p| ratio error, |ratio − 1| (default 0.12). */
  ratio?: number;
  /** Median angle error against the designed displacement, degrees. */
  angle: number;
  /** Median angle error against the true B minus the mean of its four true A, degrees. */
  cage: number;
}

function check(
  label: string,
  result: AtomResult,
  truth: TruthSites,
  size: number[],
  limits: Limits,
) {
  const [width, height] = size;
  const atoms = scoreAtoms(result.columns, truth, { width, height });
  // Flagged vectors have NaN components, which the scorer counts as not found.
  const pol = scorePolarization(result.polarization, truth, { width, height });
  const cage = scorePolarization(result.polarization, truth, { width, height, reference: "cage" });
  const line = `${label}: recall A ${atoms.recallA.toFixed(4)} B ${atoms.recallB.toFixed(4)}, ` +
    `precision A ${atoms.precisionA.toFixed(4)} B ${atoms.precisionB.toFixed(4)}, ` +
    `RMSE ${atoms.rmse.toFixed(3)} px, sublattice ${atoms.sublatticeAccuracy.toFixed(4)}, ` +
    `angle error ${pol.medianAngleErrorDeg.toFixed(2)}° (cage ${
      cage.medianAngleErrorDeg.toFixed(2)
    }°), |p| ratio ${pol.magnitudeRatio.toFixed(3)}, ` +
    `${pol.matched}/${pol.polarCount} polar sites`;
  console.log(line);
  for (
    const [name, value] of [
      ["recall A", atoms.recallA],
      ["recall B", atoms.recallB],
      ["precision A", atoms.precisionA],
      ["precision B", atoms.precisionB],
    ] as const
  ) {
    assert(
      value >= (limits.found ?? 0.995),
      `${label}: ${name} ${value} < ${limits.found ?? 0.995}`,
    );
  }
  assert(
    atoms.sublatticeAccuracy >= (limits.sublattice ?? 0.99),
    `${label}: sublattice accuracy ${atoms.sublatticeAccuracy}`,
  );
  assert(atoms.rmse <= limits.rmse, `${label}: RMSE ${atoms.rmse} > ${limits.rmse}`);
  assert(
    pol.medianAngleErrorDeg <= limits.angle,
    `${label}: median angle error ${pol.medianAngleErrorDeg}° > ${limits.angle}°`,
  );
  assert(
    cage.medianAngleErrorDeg <= limits.cage,
    `${label}: median angle error (cage) ${cage.medianAngleErrorDeg}° > ${limits.cage}°`,
  );
  assert(
    pol.matched >= (limits.polar ?? 0.98) * pol.polarCount,
    `${label}: ${pol.matched}/${pol.polarCount} polar sites`,
  );
  assert(
    Math.abs(pol.magnitudeRatio - 1) < (limits.ratio ?? 0.12),
    `${label}: |p| ratio ${pol.magnitudeRatio}`,
  );
}

Deno.test("atoms on the bundled sample (data/sample, 1000 counts, dislocation)", async () => {
  const image = await readImage("data/sample/image.tif");
  const table = parseCsv(await Deno.readTextFile("data/sample/truth.csv"), "truth.csv");
  const truth: TruthSites = {
    x: numericColumn(table, "x"),
    y: numericColumn(table, "y"),
    sublattice: stringColumn(table, "sublattice"),
    dx: numericColumn(table, "dx"),
    dy: numericColumn(table, "dy"),
    variant: numericColumn(table, "variant"),
  };
  check("sample", findAtoms(image), truth, [image.width, image.height], {
    rmse: 0.15,
    angle: 10,
    cage: 5,
  });
});

const CASES: [string, SynthOptions, Limits][] = [
  ["seed 3, 200 counts", { seed: 3, dose: 200 }, { rmse: 0.25, angle: 11.5, cage: 10 }],
  ["seed 5, 100 counts", { seed: 5, dose: 100 }, { rmse: 0.38, angle: 16.5, cage: 16 }],
  // Strongly polar (B off-centre by 40 pm): two A columns much nearer than the other two.
  ["seed 9, displacement 0.1 cell", { seed: 9, displacement: 0.1 }, {
    rmse: 0.15,
    angle: 6,
    cage: 4,
  }],
  ["seed 6, generator defaults (1000 counts)", { seed: 6 }, { rmse: 0.15, angle: 8, cage: 5 }],
  [
    "seed 8, 500 counts, 20 px cell turned 10°, 2 variants, no substrate",
    { seed: 8, dose: 500, spacing: 20, rotation: 10, variants: 2, substrate: 0 },
    { rmse: 0.16, angle: 7.5, cage: 6.5 },
  ],
  // Broad columns: a bright A core still gives 10-20 % of its peak at the edge of a B
  // column's fit window, so A must be subtracted precisely. Before A was subtracted
  // with its shared-shape refit, these measured RMSE 0.155 and 0.425 px, angle 7.7° and 12.4°.
  ["seed 4, probe sigma 0.06 nm (FWHM 0.40 period)", { seed: 4, probeSigma: 0.06 }, {
    rmse: 0.14,
    angle: 7,
    cage: 5.5,
  }],
  // B columns (12 % of A) this near broad A cores: the A tails that one Gaussian misses
  // still pull each B towards its nearest A (|p| too long by ~15 %).
  ["seed 4, probe sigma 0.07 nm (FWHM 0.45 period)", { seed: 4, probeSigma: 0.07 }, {
    rmse: 0.21,
    angle: 8,
    cage: 6,
    ratio: 0.16,
  }],
];

for (const [label, options, limits] of CASES) {
  Deno.test(`atoms on a generated image: ${label}`, () => {
    const { image, truth } = generateHaadf(options);
    check(label, findAtoms(image), truth, [image.width, image.height], limits);
  });
}
