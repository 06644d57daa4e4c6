/**
 * How far the atom stage's numbers can be trusted, measured: z-score
 * standard deviations of positions and polarisation components against the
 * truth (generated images at three doses and seeds, and the multislice
 * BiFeO3/SrTiO3 film of ../shared/data), the mistilt cases before and after
 * correction, and the fractions of significant vectors on the real images.
 * Run: `deno run --allow-read=.,../shared scripts/bench/atoms_trust.ts`
 * (or `deno task bench atoms-trust` once registered).
 *
 * @module
 */

import { findAtoms } from "../../lib/atoms/find_atoms.ts";
import { otsuThreshold } from "../../lib/atoms/sublattice.ts";
import { assessPolarization } from "../../lib/atoms/trust.ts";
import { parseCsv } from "../../lib/io/csv.ts";
import { readImage } from "../../lib/io/read_image.ts";
import { truthFromCsv } from "../../lib/score.ts";
import { generateHaadf } from "../../lib/synth/generate.ts";
import {
  calibrationZ,
  mistiltedFilm,
  mistiltedNonPolar,
  variantAngleErrors,
} from "../../tests/trust_calibration.ts";

const SHARED = new URL("../../../shared/data/", import.meta.url).pathname;
const f = (v: number) => v.toFixed(2);

/** Run the benchmark. */
export async function run(): Promise<void> {
  console.log("z-score SD (x, y | px, py), median σ of x and of p (px):");
  for (const dose of [300, 1000, 3000]) {
    for (const seed of [1, 2, 3]) {
      const z = calibrationZ(generateHaadf({ seed, width: 512, height: 512, dose }));
      console.log(
        `  synth seed ${seed}, ${dose} counts: ${f(z.sd.x)}, ${f(z.sd.y)} | ${f(z.sd.px)}, ` +
          `${f(z.sd.py)}; σx ${z.medianErr.x.toFixed(3)}, σp ${z.medianErr.p.toFixed(3)}`,
      );
    }
  }
  const present = await Deno.stat(SHARED).then(() => true, () => false);
  if (!present) {
    console.log(`  shared data: skipped (${SHARED} is absent)`);
  } else {
    const dir = SHARED + "simulated/bfo_sto_multislice/";
    const image = await readImage(dir + "image.tif");
    const truth = truthFromCsv(parseCsv(await Deno.readTextFile(dir + "truth.csv")), "truth.csv");
    const meta = JSON.parse(await Deno.readTextFile(dir + "meta.json"));
    const all = calibrationZ({ image, truth });
    const z = calibrationZ({ image, truth }, (_x, y) => Math.abs(y - meta.substrate_y) < meta.cell);
    console.log(
      `  multislice, all sites: ${f(all.sd.x)}, ${f(all.sd.y)} | ${f(all.sd.px)}, ${f(all.sd.py)}`,
    );
    console.log(
      `  multislice, interface row left out: ${f(z.sd.x)}, ${f(z.sd.y)} | ${f(z.sd.px)}, ` +
        `${f(z.sd.py)}; per-variant bias removed: ${f(z.sdDebiased.x)}, ${f(z.sdDebiased.y)} | ` +
        `${f(z.sdDebiased.px)}, ${f(z.sdDebiased.py)}; σx ${z.medianErr.x.toFixed(3)}, σp ${
          z.medianErr.p.toFixed(3)
        }`,
    );
  }

  console.log("\nmistilt (synth mistilt 1 px at 30°):");
  for (const seed of [3, 4]) {
    const { image } = mistiltedNonPolar(seed);
    const atoms = findAtoms(image);
    const ratio = (tilt: boolean) => {
      const r = assessPolarization(image, atoms, { tiltCorrection: tilt });
      return `${f(r.summary.medianMagnitude / r.summary.medianPErr)} σ [${
        r.warnings.map((w) => w.code)
      }]`;
    };
    console.log(
      `  non-polar, seed ${seed}: median |p| ${ratio(false)} -> tilt correction ${ratio(true)}`,
    );
  }
  for (const seed of [5, 6]) {
    const { image, meta } = mistiltedFilm(seed);
    const atoms = findAtoms(image);
    const errors = (reference: string) => {
      const r = assessPolarization(image, atoms, { reference });
      return variantAngleErrors(r.domains.classAngles, meta.variantAngles)
        .map((e) => e.toFixed(1)).join("/") + "°";
    };
    console.log(
      `  four-variant film, seed ${seed}: variant errors ${errors("none")} -> auto ${
        errors("auto")
      }`,
    );
  }

  if (!present) return;
  console.log("\nreal images:");
  for (const name of ["sto_adf.hdf5", "bto_haadf.dm4", "pto_sro_haadf.hspy"]) {
    const image = await readImage(SHARED + "real/" + name);
    const atoms = findAtoms(image);
    const r = assessPolarization(image, atoms);
    const s = r.summary;
    let layer = "";
    if (name.startsWith("pto")) {
      const c = atoms.columns;
      const p = atoms.polarization;
      const aIdx = Array.from(c.x.keys()).filter((k) => c.sublattice[k] === 0);
      const bright = otsuThreshold(aIdx.map((k) => c.amplitude[k]));
      let n = 0;
      let sig = 0;
      for (let j = 0; j < p.x.length; j++) {
        if (!Number.isFinite(r.vectors.px[j])) continue;
        const near = aIdx.reduce((best, k) =>
          Math.hypot(c.x[k] - p.x[j], c.y[k] - p.y[j]) <
              Math.hypot(c.x[best] - p.x[j], c.y[best] - p.y[j])
            ? k
            : best
        );
        if (c.amplitude[near] <= bright) continue;
        n++;
        sig += r.vectors.significant[j];
      }
      layer = `; PbTiO3 layers ${sig}/${n} significant (${(100 * sig / n).toFixed(1)} %)`;
    }
    console.log(
      `  ${name}: ${s.significant}/${s.vectors} significant (${
        (100 * s.fractionSignificant).toFixed(1)
      } %)` +
        `${layer}; median |p| ${s.medianMagnitude.toFixed(3)} px, σ ${
          s.medianPErr.toFixed(3)
        } px, ` +
        `cell-to-cell ${s.neighbourScatter.toFixed(3)} px, R ${
          s.directionCoherence.toFixed(2)
        }, mean ` +
        `(${s.meanVector.map((v) => v.toFixed(3))}) px; ${r.domains.message}; warnings ${
          r.warnings.map((w) => w.code)
        }`,
    );
  }
}

if (import.meta.main) await run();
