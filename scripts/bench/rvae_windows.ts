/**
 * `deno task bench rvae-windows`: the rVAE with default settings on
 * generated images of 1-4 polar variants and lattice periods of 10-30 px,
 * as `analyze` runs it: atoms found by `findAtoms`, the window chosen from
 * the measured period (`chooseWindow`: 1.9 periods, even), windows on the
 * found B columns, default training (best epoch restored, reduce on
 * plateau, early stopping). Per image: the window, the agreement of the
 * encoded angle with the true variants (on the polar sites whose measured
 * polarisation is significant, and on all polar sites), the angle peaks
 * found against the variants present, the rVAE-against-polarisation check
 * (`compareWithPolarization`), the best epoch and the training time.
 *
 * Images are sized to hold about 22 × 22 cells (calibration scaled with
 * the period, so that probe and columns keep their size relative to the
 * cell), 1000 counts, no substrate, stripe domains 5 cells wide; seed 1.
 * `deno task bench rvae-windows-quick` runs two cases.
 *
 * @module
 */

import { tf } from "../../lib/deps.ts";
import { findAtoms } from "../../lib/atoms/find_atoms.ts";
import { polarizationUncertainty, positionUncertainty } from "../../lib/atoms/uncertainty.ts";
import { angleVariantAgreement } from "../../lib/score/labels.ts";
import { matchPoints } from "../../lib/score/matching.ts";
import { extractStack } from "../../lib/stack.ts";
import { generateHaadf } from "../../lib/synth/generate.ts";
import { findAnglePeaks } from "../../lib/rvae/angles.ts";
import { initBackend } from "../../lib/rvae/backend.ts";
import { makeConfig, makeTrainOptions } from "../../lib/rvae/config.ts";
import { encodeStack } from "../../lib/rvae/inference.ts";
import { createRvae, disposeRvae } from "../../lib/rvae/model.ts";
import { stackNormalization } from "../../lib/rvae/normalize.ts";
import { compareWithPolarization } from "../../lib/rvae/polarization_check.ts";
import { trainRvae } from "../../lib/rvae/train.ts";
import { chooseWindow } from "../../lib/rvae/window.ts";

const DEG = 180 / Math.PI;

/** One image through atoms, window choice, training and scoring. */
async function runCase(variants: number, period: number, seed: number): Promise<string> {
  const cells = 22;
  const side = Math.round(cells * period);
  const synth = generateHaadf({
    seed,
    width: side,
    height: side,
    variants,
    pixelSize: 0.396 / period,
    substrate: 0,
    domainWidth: 5,
  });
  const atoms = findAtoms(synth.image);
  const choice = chooseWindow(atoms.lattice.period, {
    maxWindow: Math.floor(Math.min(side, side) / 3),
  });
  const pol = atoms.polarization;
  const stack = extractStack(synth.image, { x: pol.x, y: pol.y }, { window: choice.window });
  const size = choice.window;
  const errors = positionUncertainty(synth.image, atoms.columns, {
    radius: atoms.windowRadius,
    rowShift: atoms.rowShift,
  });
  const significant = polarizationUncertainty(pol, errors).significant;
  // Truth of each window: the nearest true B site within 0.3 periods.
  const { truth } = synth;
  const tb: number[] = [];
  for (let i = 0; i < truth.x.length; i++) if (truth.sublattice[i] === 1) tb.push(i);
  const found = { x: stack.x, y: stack.y };
  const partner = matchPoints(found, {
    x: tb.map((i) => truth.x[i]),
    y: tb.map((i) => truth.y[i]),
  }, 0.3 * period);
  const variant = Int8Array.from(partner, (j) => (j >= 0 ? truth.variant[tb[j]] : -1));
  const variantSignificant = Int8Array.from(
    variant,
    (v, k) => (significant[stack.kept[k]] ? v : -1),
  );
  const present = [0, 1, 2, 3].filter((v) => variant.filter((x) => x === v).length >= 10).length;

  const config = makeConfig(size);
  const training = makeTrainOptions({ seed });
  const model = createRvae(config, {
    seed,
    normalization: stackNormalization(stack.data, size * size),
  });
  const started = performance.now();
  const result = await trainRvae(model, stack.data, training);
  const seconds = (performance.now() - started) / 1000;
  const encoding = encodeStack(model, stack.data);
  disposeRvae(model);

  const options = { variantAngles: synth.meta.variantAngles };
  const sig = angleVariantAgreement(encoding.angle, variantSignificant, options);
  const all = angleVariantAgreement(encoding.angle, variant, options);
  const peaks = findAnglePeaks(encoding.angle);
  const polarAngles = Float64Array.from(
    stack.kept,
    (j) => (significant[j] && pol.status[j] === "ok" ? pol.angle[j] : NaN),
  );
  const check = compareWithPolarization(encoding.angle, polarAngles);
  const last = result.history.at(-1)!;
  return [
    variants,
    period,
    atoms.lattice.period.toFixed(2),
    size,
    choice.cells.toFixed(2),
    stack.count,
    `${sig.agreement.toFixed(3)} (${sig.count})`,
    all.agreement.toFixed(3),
    `${peaks.peaks.length}/${present}`,
    peaks.peaks.map((p) => `${(p.angle * DEG).toFixed(0)}(${(100 * p.fraction).toFixed(0)}%)`)
      .join("/") || "-",
    `${check.agreement.toFixed(3)} ${check.correlation.toFixed(2)}`,
    `${result.bestEpoch}/${result.history.length}`,
    `${last.validation?.loss.toFixed(1)}->${result.bestLoss.toFixed(1)}`,
    result.divergences.length,
    seconds.toFixed(0),
  ].join(" ");
}

/** Every case: variants 1-4 × periods 10, 15, 22, 30 px. */
export function run(): Promise<void> {
  return runCases(false);
}

/** Two cases: 4 variants at 15 px, 2 at 22 px. */
export function runQuick(): Promise<void> {
  return runCases(true);
}

async function runCases(quick: boolean): Promise<void> {
  const backend = await initBackend();
  console.log(
    `rVAE with default settings on generated images (22 x 22 cells, 1000 counts, no substrate, ` +
      `stripes 5 cells wide, seed 1); tfjs ${tf.version_core} ${backend}`,
  );
  console.log(
    "variants period measured window cells windows agreement(significant,n) agreement(all) " +
      "peaks/variants peaks(deg(share)) vs-polarisation(agree,rho) best/epochs last->best-held-out " +
      "divergences seconds",
  );
  const cases: [number, number][] = quick
    ? [[4, 15], [2, 22]]
    : [1, 2, 3, 4].flatMap((v) => [10, 15, 22, 30].map((p) => [v, p] as [number, number]));
  for (const [variants, period] of cases) console.log(await runCase(variants, period, 1));
}
