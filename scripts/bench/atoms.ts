/**
 * Atom-stage speed and accuracy. Speed: `findAtoms` (lattice, detection,
 * refinement, sublattices, polarisation) on a generated 1024² image with
 * about 3,000 columns, against a baseline measured in the same run — one
 * Gaussian blur of the same image at the detection filter's width, the
 * least any column finder must do. Accuracy: scores against the truth at
 * several seeds and doses, beside the Cramér-Rao bound of a column's
 * position at the sample's settings (the precision no unbiased estimator
 * can beat at that dose). Realism: how precisely a B column can be located,
 * relative to the lattice period, in the real images of ../shared/data and
 * in generated ones at several doses — the measure behind the generator's
 * default dose.
 *
 * @module
 */

import { findAtoms } from "../../lib/atoms/find_atoms.ts";
import { estimateNoise } from "../../lib/atoms/detect.ts";
import { gaussianBlur } from "../../lib/atoms/filters.ts";
import type { Image } from "../../lib/image.ts";
import { readImage } from "../../lib/io/read_image.ts";
import { scoreAtoms, scorePolarization } from "../../lib/score.ts";
import { generateHaadf } from "../../lib/synth/generate.ts";
import { positionBound } from "./_bound.ts";
import type { SynthOptions } from "../../lib/synth/options.ts";
import { medianTime } from "./_timing.ts";
import { median } from "../../lib/math.ts";

/** Run the atoms benchmark. */
export async function run(): Promise<void> {
  speed();
  accuracy();
  bound();
  await realism();
}

function speed(): void {
  const { image, truth } = generateHaadf({ seed: 2, width: 1024, height: 1024, spacing: 26.5 });
  findAtoms(generateHaadf({ seed: 1, width: 256, height: 256 }).image); // warm the JIT
  let found = 0;
  let sigma = 0;
  const atoms = medianTime(3, () => {
    const r = findAtoms(image);
    found = r.columns.x.length;
    sigma = r.sigma;
  });
  const blur = medianTime(3, () => gaussianBlur(image, sigma));
  console.log(
    `findAtoms 1024² (${truth.x.length} true columns, ${found} found): ${atoms.toFixed(0)} ms; ` +
      `Gaussian blur sigma ${sigma.toFixed(2)} px (baseline): ${blur.toFixed(0)} ms; ` +
      `ratio ${(atoms / blur).toFixed(1)}x`,
  );
}

function accuracy(): void {
  const cases: [string, SynthOptions][] = [
    ["sample settings (seed 11, 640², dislocation)", {
      seed: 11,
      width: 640,
      height: 640,
      dislocation: true,
    }],
    ...[1, 2, 3].flatMap((seed) =>
      [100, 200, 500, 1000].map((dose): [string, SynthOptions] => [
        `seed ${seed}, ${dose} counts`,
        { seed, dose },
      ])
    ),
  ];
  console.log(
    "\naccuracy (lib/score.ts; RMSE over A and B; angle: median error on polar B against the " +
      "designed displacement, and (cage) against the true B minus the mean of its four true A, " +
      "which includes the columns' static disorder):",
  );
  for (const [label, options] of cases) {
    const { image, truth } = generateHaadf(options);
    const r = findAtoms(image);
    const frame = { width: image.width, height: image.height };
    // Flagged vectors have NaN components, which the scorer counts as not found.
    const a = scoreAtoms(r.columns, truth, frame);
    const s = scorePolarization(r.polarization, truth, frame);
    const cage = scorePolarization(r.polarization, truth, { ...frame, reference: "cage" });
    console.log(
      `  ${label}: recall A ${a.recallA.toFixed(4)} B ${a.recallB.toFixed(4)}, precision A ` +
        `${a.precisionA.toFixed(4)} B ${a.precisionB.toFixed(4)}, RMSE ${a.rmse.toFixed(3)} px, ` +
        `sublattice ${a.sublatticeAccuracy.toFixed(4)}, angle ${
          s.medianAngleErrorDeg.toFixed(1)
        }° (cage ${cage.medianAngleErrorDeg.toFixed(1)}°), |p| ratio ${
          s.magnitudeRatio.toFixed(2)
        }`,
    );
  }
}

/** The Cramér-Rao bound at the sample's settings and several doses ({@linkcode positionBound}). */
function bound(): void {
  console.log("");
  for (const dose of [100, 200, 500, 1000]) {
    const { filmA: a, filmB: b, rmse } = positionBound({ seed: 11, width: 640, height: 640 }, dose);
    console.log(
      `Cramér-Rao bound, sample settings at ${dose} counts: film A ${a.toFixed(3)} px per axis ` +
        `(${(a * Math.SQRT2).toFixed(3)} radial), film B ${b.toFixed(3)} px per axis ` +
        `(${(b * Math.SQRT2).toFixed(3)} radial); RMSE over A and B of an ideal unbiased ` +
        `estimator ${rmse.toFixed(3)} px`,
    );
  }
}

/**
 * How precisely a B column can be located, as a fraction of the lattice
 * period: sqrt(2/π) σ / h px for a Gaussian peak of height h in white noise
 * of standard deviation σ (the bound does not depend on the peak's width),
 * with h the median fitted B amplitude and σ the image's noise estimate —
 * the same two measurements on real and generated images.
 */
async function realism(): Promise<void> {
  console.log("\nB-column localisation bound, % of the lattice period (lower = cleaner image):");
  const show = (label: string, image: Image) => {
    const r = findAtoms(image);
    const c = r.columns;
    const heights = Array.from(c.amplitude).filter((_, k) => c.sublattice[k] === 1 && c.fitOk[k]);
    const period = "period" in r.lattice ? r.lattice.period : r.nnDistance * Math.SQRT2;
    const noise = estimateNoise(image);
    const boundPx = Math.sqrt(2 / Math.PI) * noise / median(heights);
    console.log(
      `  ${label}: B height / noise ${(median(heights) / noise).toFixed(1)}, period ` +
        `${period.toFixed(1)} px, bound ${(100 * boundPx / period).toFixed(2)} %`,
    );
  };
  const real = new URL("../../../shared/data/real/", import.meta.url);
  const present = await Deno.stat(real).then(() => true, () => false);
  for (const name of ["pto_sro_haadf.npy", "bto_haadf.dm4", "sto_adf.hdf5"]) {
    if (present) show(`real ${name}`, await readImage(new URL(name, real).pathname));
    else console.log(`  real ${name}: skipped (../shared/data/real is absent)`);
  }
  for (const dose of [200, 500, 1000, 2000]) {
    show(
      `generated, sample settings, ${dose} counts`,
      generateHaadf({
        seed: 11,
        width: 640,
        height: 640,
        dose,
      }).image,
    );
  }
}
