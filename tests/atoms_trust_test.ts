/**
 * Trust in the atom stage's numbers (lib/atoms/trust.ts and its parts), on
 * generated images with ground truth: standard errors that are calibrated
 * ((estimate − truth)/σ has a standard deviation in [0.8, 1.25] at three
 * doses, for positions and polarisation components), the mistilt cases
 * (tilt correction and the automatic substrate reference), warnings,
 * domains, lattice maps, calibration and the perovskite guard rail.
 */

import { findAtoms } from "../lib/atoms/find_atoms.ts";
import { resolveCalibration } from "../lib/atoms/calibration.ts";
import { findDomains } from "../lib/atoms/domains.ts";
import { latticeMap, latticeSummary } from "../lib/atoms/lattice_map.ts";
import { perovskiteFit } from "../lib/atoms/perovskite_fit.ts";
import { correctPolarization, parseReference } from "../lib/atoms/reference.ts";
import { parseAveraging } from "../lib/atoms/averaging.ts";
import { domainsCsv, latticeCsv, polarizationCsv } from "../lib/atoms/tables.ts";
import { assessPolarization } from "../lib/atoms/trust.ts";
import { UserError } from "../lib/errors.ts";
import { Random } from "../lib/random.ts";
import { generateHaadf } from "../lib/synth/generate.ts";
import { assert, assertEquals, assertThrows } from "./assert.ts";
import {
  calibrationZ,
  mistiltedFilm,
  mistiltedNonPolar,
  variantAngleErrors,
} from "./trust_calibration.ts";

for (const dose of [300, 1000, 3000]) {
  Deno.test(`trust: standard errors are calibrated at ${dose} counts`, () => {
    const z = calibrationZ(generateHaadf({ seed: 1, width: 512, height: 512, dose }));
    console.log(`dose ${dose}: ${JSON.stringify(z)}`);
    for (const [name, sd] of Object.entries(z.sd)) {
      assert(sd >= 0.8 && sd <= 1.25, `${name}: z-score SD ${sd.toFixed(3)} outside [0.8, 1.25]`);
    }
    assert(z.count.positions > 1000 && z.count.vectors > 500, JSON.stringify(z.count));
  });
}

Deno.test("trust: tilt correction brings a non-polar image with mistilt below 2 standard errors", () => {
  for (const seed of [3, 4]) {
    const { image } = mistiltedNonPolar(seed);
    const atoms = findAtoms(image);
    const raw = assessPolarization(image, atoms);
    const fixed = assessPolarization(image, atoms, { tiltCorrection: true });
    const ratio = (r: typeof raw) => r.summary.medianMagnitude / r.summary.medianPErr;
    console.log(
      `seed ${seed}: median |p| / σ ${ratio(raw).toFixed(2)} -> ${ratio(fixed).toFixed(2)}`,
    );
    assert(ratio(raw) > 2, `the mistilt shows before correction (${ratio(raw)})`);
    assert(raw.warnings.some((w) => w.code === "uniform-offset"), "uniform-offset warned");
    assert(ratio(fixed) < 2, `median |p| ${ratio(fixed)} σ after correction`);
    assert(
      fixed.warnings.some((w) => w.code === "below-noise"),
      "a non-polar crystal is below noise",
    );
    assertEquals(fixed.vectors.tilt?.order, 1);
  }
});

Deno.test("trust: reference auto finds the substrate and gives a mistilted film's variants back within 10°", () => {
  const { image, meta } = mistiltedFilm(5);
  const atoms = findAtoms(image);
  const errorsOf = (r: ReturnType<typeof assessPolarization>) =>
    variantAngleErrors(r.domains.classAngles, meta.variantAngles);
  const raw = assessPolarization(image, atoms);
  const auto = assessPolarization(image, atoms, { reference: "auto" });
  console.log(
    `variant errors (deg): none ${errorsOf(raw).map((e) => e.toFixed(1))}, auto ${
      errorsOf(auto).map((e) => e.toFixed(1))
    }; ${auto.vectors.reference.message}`,
  );
  assertEquals(auto.vectors.reference.used, "auto");
  assertEquals(auto.vectors.reference.band?.edge, "bottom");
  const interface_ = image.height - 1 - meta.interfaceY!;
  assert(Math.abs(auto.vectors.reference.band!.depth - interface_) < meta.spacingPx, "band depth");
  assert(auto.vectors.reference.sites.length > 50, "substrate sites used");
  assert(auto.domains.coherent, "variants are coherent");
  assertEquals(auto.domains.classAngles.length, 4);
  for (const e of errorsOf(auto)) assert(e < 10, `variant angle off by ${e}°`);
  assert(Math.max(...errorsOf(raw)) > 10, "without the reference the mistilt shows");
});

Deno.test("trust: reference auto says so when there is no band, and the CSV tables carry the new columns", () => {
  const { image } = generateHaadf({ seed: 2, width: 256, height: 256, substrate: 0 });
  const atoms = findAtoms(image);
  const r = assessPolarization(image, atoms, { reference: "auto", average: "cell" });
  assertEquals(r.vectors.reference.used, "none");
  assert(r.warnings.some((w) => w.code === "no-reference-region"));
  const header = polarizationCsv(atoms.polarization, 27, r).split("\n")[0].split(",");
  for (const c of ["px_raw", "py_raw", "p_err", "p_err_pm", "significant", "px_avg", "p_avg_err"]) {
    assert(header.includes(c), `polarization.csv has ${c}`);
  }
  // The averaged vectors are more precise than the per-site ones.
  const ok = Array.from(r.averaged.pErr.keys()).filter((j) => r.averaged.count[j] >= 4);
  assert(ok.every((j) => r.averaged.pErr[j] < r.vectors.pErr[j]), "averaging lowers the error");
  assertEquals(
    domainsCsv(atoms.polarization, r).split("\n")[0],
    "x,y,domain,variant,significant,wall,class",
  );
  assert(
    latticeCsv(r, 27).startsWith("x,y,a,b,a_pm,b_pm,ratio,rotation_deg,strain_a,strain_b,atom"),
  );
  // Polar film with four variants: coherent, significant, no physics warning.
  assert(r.summary.fractionSignificant > 0.7, `${r.summary.fractionSignificant} significant`);
  assert(r.domains.coherent && r.domains.coherence.kappa > 0.5, r.domains.message);
  for (const code of ["below-noise", "incoherent-domains", "not-perovskite", "uncalibrated"]) {
    assert(!r.warnings.some((w) => w.code === code), `no ${code} on a clean film`);
  }
});

Deno.test("trust: reference mean and box subtract the region's mean vector; bad values are flag errors", () => {
  const field = { x: [0, 10, 20, 30], y: [0, 0, 0, 0], px: [1, 1, 2, NaN], py: [0, 0, 1, NaN] };
  const mean = correctPolarization(field, { reference: parseReference("mean") });
  assertEquals(
    Array.from(mean.px.slice(0, 3)).map((v) => +v.toFixed(6)),
    [-1 / 3, -1 / 3, 2 / 3].map((v) => +v.toFixed(6)),
  );
  assertEquals(mean.pxRaw[2], 2);
  const box = correctPolarization(field, { reference: parseReference("box:-1,-1,11,1") });
  assertEquals(Array.from(box.px.slice(0, 3)), [0, 0, 1]);
  assertEquals(box.reference.sites.length, 2);
  for (const bad of ["box:1,2,3", "box:5,0,1,1", "middle"]) {
    const err = assertThrows(() => parseReference(bad), UserError) as UserError;
    assertEquals(err.exitCode, 2);
  }
  assertEquals(parseAveraging("radius:2.5"), { kind: "radius", radius: 2.5 });
  assertThrows(() => parseAveraging("radius:-1"), UserError);
  // A plane field is removed exactly by the tilt correction.
  const plane = { x: [] as number[], y: [] as number[], px: [] as number[], py: [] as number[] };
  for (let i = 0; i < 10; i++) {
    for (let j = 0; j < 10; j++) {
      plane.x.push(10 * i);
      plane.y.push(10 * j);
      plane.px.push(0.2 + 0.01 * i);
      plane.py.push(-0.1 + 0.02 * j);
    }
  }
  const flat = correctPolarization(plane, { tilt: true });
  assert(Math.max(...Array.from(flat.px, Math.abs), ...Array.from(flat.py, Math.abs)) < 1e-9);
});

Deno.test("trust: domains of noise are incoherent, stripes coherent (seeded permutation test)", () => {
  const random = new Random(7);
  const x: number[] = [];
  const y: number[] = [];
  const stripes: number[] = [];
  const noise: number[] = [];
  for (let i = 0; i < 30; i++) {
    for (let j = 0; j < 30; j++) {
      x.push(i);
      y.push(j);
      stripes.push(((Math.floor((i + j) / 6) % 2) ? 0.8 : 3.9) + 0.2 * random.normal());
      noise.push(random.uniform() < 0.5 ? 0.8 : 3.9);
    }
  }
  const significant = x.map(() => 1);
  const coherent = findDomains({ x, y, angle: stripes, significant }, { seed: 1 });
  const incoherent = findDomains({ x, y, angle: noise, significant }, { seed: 1 });
  assert(coherent.coherent && coherent.coherence.p < 0.01, coherent.message);
  assert(coherent.wallSites > 0 && coherent.domains >= 4, coherent.message);
  assert(!incoherent.coherent, incoherent.message);
  assert(Math.abs(incoherent.coherence.kappa) < 0.1, incoherent.message);
  assert(incoherent.variant.every((v) => v === -1), "no variants when incoherent");
  assertEquals(
    findDomains({ x, y, angle: noise, significant }, { seed: 1 }).coherence,
    incoherent.coherence,
  );
});

Deno.test("trust: lattice maps measure a stretched lattice; anisotropy warns", () => {
  const x: number[] = [];
  const y: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < 12; i++) {
    for (let j = 0; j < 12; j++) {
      x.push(10 * i);
      y.push(10.5 * j);
      s.push(0);
    }
  }
  const map = latticeMap({ x, y, sublattice: s })!;
  const inner = Array.from(map.a.keys()).filter((m) =>
    Number.isFinite(map.a[m]) && Number.isFinite(map.b[m])
  );
  for (const m of inner) {
    assert(Math.abs(map.a[m] - 10) < 1e-9 && Math.abs(map.b[m] - 10.5) < 1e-9);
    assert(Math.abs(map.ratio[m] - 1.05) < 1e-9 && Math.abs(map.rotationDeg[m]) < 1e-9);
  }
  const summary = latticeSummary(map, { pixelPm: 20 });
  assert(Math.abs(summary.anisotropy - 0.05) < 1e-9 && summary.aPm === 200);
  // On a generated image with a 5 % slow-scan stretch the trust report warns.
  const { image } = generateHaadf({
    seed: 2,
    width: 320,
    height: 320,
    stretch: 0.05,
    pixelSize: 0.027,
  });
  const r = assessPolarization(image, findAtoms(image));
  const w = r.warnings.find((w) => w.code === "anisotropic-lattice");
  assert(w, `no anisotropy warning: ${JSON.stringify(r.latticeSummary)}`);
  assert(Math.abs(r.latticeSummary!.anisotropy - 0.05) < 0.015, `${r.latticeSummary!.anisotropy}`);
});

Deno.test("trust: calibration from the file or the flag; uncalibrated images warn", () => {
  assertEquals(resolveCalibration({ value: 0.027, unit: "nm" }).pixelPm, 27);
  assertEquals(resolveCalibration({ value: 0.027, unit: "nm" }, 0.018).pixelPm, 18);
  assertEquals(resolveCalibration({ value: 0.009, unit: "" }).source, "none");
  assertThrows(() => resolveCalibration(undefined, -1), UserError);
  const { image } = generateHaadf({ seed: 2, width: 256, height: 256 });
  const bare = { ...image, pixelSize: undefined };
  const r = assessPolarization(bare, findAtoms(bare));
  assert(r.warnings.some((w) => w.code === "uncalibrated"));
  const given = assessPolarization(bare, findAtoms(bare), { pixelSizeNm: 0.027 });
  assert(!given.warnings.some((w) => w.code === "uncalibrated"));
  assert(Math.abs(given.latticeSummary!.aPm! - 396) < 12, `${given.latticeSummary!.aPm} pm`);
});

Deno.test("trust: a lattice that is not a perovskite is told apart, saying what was measured", () => {
  // A honeycomb of columns with arbitrary labels: three neighbours each, no B cage.
  const x: number[] = [];
  const y: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < 14; i++) {
    for (let j = 0; j < 14; j++) {
      const ox = 15 * i + 7.5 * (j % 2);
      const oy = 13 * j;
      x.push(ox, ox + 7.5);
      y.push(oy, oy + 4.33);
      s.push(0, 0);
    }
  }
  const status = Array.from({ length: 0 }, () => "ok" as const);
  const fit = perovskiteFit({ x, y, sublattice: s }, status, { columnsPerCell: 2 });
  assert(!fit.fits && fit.failures.some((f) => f.includes("no B sublattice")), fit.message);
  // A perovskite film fits.
  const { image } = generateHaadf({ seed: 2, width: 256, height: 256 });
  const atoms = findAtoms(image);
  const good = perovskiteFit(atoms.columns, atoms.polarization.status, atoms);
  assert(good.fits, good.message);
});
