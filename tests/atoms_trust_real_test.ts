/**
 * Trust on the shared real and multislice-simulated images (skipped, with
 * a message, when ../shared/data is absent): the non-polar SrTiO3 reports
 * no significant polarisation (or a uniform offset, with its size); the
 * PbTiO3 layers of the PbTiO3/SrRuO3 superlattice are significant and
 * coherent; on the multislice BiFeO3/SrTiO3 film (Poisson noise in
 * electron counts) the noise model finds gain 1 and read noise 2 e, and the
 * standard errors are calibrated against the truth.
 */

import { findAtoms } from "../lib/atoms/find_atoms.ts";
import { otsuThreshold } from "../lib/atoms/sublattice.ts";
import { assessPolarization } from "../lib/atoms/trust.ts";
import { parseCsv } from "../lib/io/csv.ts";
import { readImage } from "../lib/io/read_image.ts";
import { truthFromCsv } from "../lib/score.ts";
import { assert } from "./assert.ts";
import { SHARED_DATA, testWithSharedData } from "./shared_data.ts";
import { calibrationZ } from "./trust_calibration.ts";

testWithSharedData("trust: SrTiO3 reports no significant polarisation", async () => {
  const image = await readImage(SHARED_DATA + "real/sto_adf.hdf5");
  const r = assessPolarization(image, findAtoms(image));
  const codes = r.warnings.map((w) => w.code);
  console.log(
    `SrTiO3: ${(100 * r.summary.fractionSignificant).toFixed(1)} % significant, median |p| ` +
      `${r.summary.medianMagnitude.toFixed(3)} px, error ${
        r.summary.medianPErr.toFixed(3)
      } px; ${codes}`,
  );
  assert(
    r.summary.fractionSignificant < 0.2 || codes.includes("uniform-offset"),
    `${r.summary.fractionSignificant} significant and no uniform-offset warning`,
  );
  assert(codes.includes("below-noise") || codes.includes("uniform-offset"), `${codes}`);
  assert(!r.domains.coherent || r.domains.classAngles.length === 0, r.domains.message);
});

testWithSharedData(
  "trust: the PbTiO3 layers of PbTiO3/SrRuO3 are significant and coherent",
  async () => {
    const image = await readImage(SHARED_DATA + "real/pto_sro_haadf.hspy");
    const atoms = findAtoms(image);
    const r = assessPolarization(image, atoms);
    // PbTiO3 B sites: those whose nearest A column is a bright (Pb) one.
    const c = atoms.columns;
    const p = atoms.polarization;
    const aIdx = Array.from(c.x.keys()).filter((k) => c.sublattice[k] === 0);
    const bright = otsuThreshold(aIdx.map((k) => c.amplitude[k]));
    let pto = 0;
    let significant = 0;
    for (let j = 0; j < p.x.length; j++) {
      if (!Number.isFinite(r.vectors.px[j])) continue;
      let nearest = aIdx[0];
      for (const k of aIdx) {
        if (
          Math.hypot(c.x[k] - p.x[j], c.y[k] - p.y[j]) <
            Math.hypot(c.x[nearest] - p.x[j], c.y[nearest] - p.y[j])
        ) nearest = k;
      }
      if (c.amplitude[nearest] <= bright) continue;
      pto++;
      significant += r.vectors.significant[j];
    }
    console.log(
      `PbTiO3 layers: ${significant} of ${pto} significant (${
        (100 * significant / pto).toFixed(1)
      } %); ` +
        `whole image ${(100 * r.summary.fractionSignificant).toFixed(1)} %; ${r.domains.message}`,
    );
    assert(pto >= 100 && significant >= 0.6 * pto, `${significant} of ${pto}`);
    assert(r.domains.coherent, r.domains.message);
    assert(!r.warnings.some((w) => w.code === "not-perovskite" || w.code === "incoherent-domains"));
  },
);

testWithSharedData("trust: multislice film: counting noise found, errors calibrated", async () => {
  const dir = SHARED_DATA + "simulated/bfo_sto_multislice/";
  const image = await readImage(dir + "image.tif");
  const truth = truthFromCsv(parseCsv(await Deno.readTextFile(dir + "truth.csv")), "truth.csv");
  const meta = JSON.parse(await Deno.readTextFile(dir + "meta.json"));
  const atoms = findAtoms(image);
  const r = assessPolarization(image, atoms, { reference: "auto" });
  const noise = r.positions.noise;
  console.log(
    `multislice noise: gain ${noise.gain.toFixed(3)}, offset ${noise.offset.toFixed(2)} e²`,
  );
  assert(Math.abs(noise.gain - 1) < 0.1 && Math.abs(noise.offset - 4) < 1.5, JSON.stringify(noise));
  assert(r.vectors.reference.band?.edge === "bottom", r.vectors.reference.message);
  assert(r.domains.coherent && r.domains.classAngles.length === 3, r.domains.message);
  // The interface row holds Bi/Sr-averaged A columns whose truth is an average: left out.
  const z = calibrationZ({ image, truth }, (_x, y) => Math.abs(y - meta.substrate_y) < meta.cell);
  console.log(`multislice z-score SD: ${JSON.stringify(z)}`);
  for (const [name, sd] of Object.entries(z.sdDebiased)) {
    assert(sd >= 0.8 && sd <= 1.25, `${name}: ${sd}`);
  }
});
