/**
 * Synth speed: `generateHaadf` at 1024² (render, background, shot and read
 * noise) against a baseline measured in the same run — one `Math.exp` per
 * pixel of the same image, the least any rendering of it must do — and the
 * whole `deno task synth --size 1024` as a child process against the same
 * script's `--help` (start-up and module loading alone). Then how hard the
 * bundled sample is: the atom stage's scores on it against its truth.
 *
 * @module
 */

import { findAtoms } from "../../lib/atoms/find_atoms.ts";
import {
  angleVariantAgreement,
  matchPoints,
  scoreAtoms,
  scorePolarization,
} from "../../lib/score.ts";
import { generateHaadf } from "../../lib/synth/generate.ts";
import { synthFiles } from "../../lib/synth/files.ts";
import { medianTime, medianTimeAsync } from "./_timing.ts";

function timeChild(args: string[]): Promise<number> {
  return medianTimeAsync(3, async () => {
    const out = await new Deno.Command("deno", { args, stdout: "null", stderr: "piped" }).output();
    if (out.code !== 0) throw new Error(new TextDecoder().decode(out.stderr));
  });
}

/** Run the synth benchmark. */
export async function run(): Promise<void> {
  const side = 1024;
  const sink = new Float64Array(side * side);
  const baseline = medianTime(5, () => {
    for (let i = 0; i < sink.length; i++) sink[i] = Math.exp(-(i % side) * 1e-3);
  });
  generateHaadf({ seed: 1, width: 128, height: 128 }); // warm the JIT
  const generate = medianTime(5, () => generateHaadf({ seed: 3, width: side, height: side }));
  const noiseless = medianTime(
    5,
    () => generateHaadf({ seed: 3, width: side, height: side, dose: Infinity }),
  );
  console.log(`baseline (one exp per pixel, ${side}²): ${baseline.toFixed(1)} ms`);
  console.log(
    `generateHaadf ${side}²: ${generate.toFixed(0)} ms (${
      (generate / baseline).toFixed(1)
    }x baseline)`,
  );
  console.log(
    `  of which noiseless render: ${noiseless.toFixed(0)} ms (${
      (noiseless / baseline).toFixed(1)
    }x)`,
  );

  const out = await Deno.makeTempDir({ prefix: "bench_synth_" });
  try {
    const task = ["run", "--allow-read=.,/tmp", "--allow-write=.,/tmp", "scripts/synth.ts"];
    const help = await timeChild([...task, "--help"]);
    const whole = await timeChild([...task, "--out", out, "--seed", "3", "--size", String(side)]);
    console.log(`synth --help (start-up baseline): ${help.toFixed(0)} ms`);
    console.log(
      `synth --seed 3 --size ${side} (all files): ${whole.toFixed(0)} ms ` +
        `(${(whole / help).toFixed(1)}x start-up; ${(whole - help).toFixed(0)} ms of work)`,
    );
  } finally {
    await Deno.remove(out, { recursive: true });
  }
  await sampleDifficulty();
}

/** The atom stage on the bundled sample, scored against its truth. */
async function sampleDifficulty(): Promise<void> {
  const meta = JSON.parse(await Deno.readTextFile("data/sample/meta.json"));
  const result = generateHaadf({ ...meta.options, dose: Number(meta.options.dose) });
  const stored = await Deno.readFile("data/sample/image.npy");
  const made = synthFiles(result)["image.npy"] as Uint8Array;
  if (stored.length !== made.length || stored.some((b, i) => b !== made[i])) {
    throw new Error("data/sample/image.npy differs from its regeneration");
  }
  const { image, truth } = result;
  const start = performance.now();
  const atoms = findAtoms(image);
  const elapsed = performance.now() - start;
  const frame = { width: image.width, height: image.height, cell: meta.spacingPx };
  const a = scoreAtoms(atoms.columns, truth, frame);
  const p = scorePolarization(atoms.polarization, truth, frame);
  const partner = matchPoints(atoms.polarization, truth, 0.3 * meta.spacingPx);
  const angles: number[] = [];
  const variants: number[] = [];
  for (let i = 0; i < partner.length; i++) {
    const j = partner[i];
    if (j < 0 || truth.sublattice[j] !== 1 || truth.variant[j] < 0) continue;
    angles.push(atoms.polarization.angle[i]);
    variants.push(truth.variant[j]);
  }
  const agreement = angleVariantAgreement(angles, Int8Array.from(variants), {
    variantAngles: meta.variantAngles,
  });
  const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
  console.log(
    `\nbundled sample (${image.width}², seed ${meta.options.seed}), findAtoms in ${
      elapsed.toFixed(0)
    } ms:`,
  );
  console.log(
    `  atoms: recall ${pct(a.recall)} (A ${pct(a.recallA)}, B ${pct(a.recallB)}), precision ` +
      `${pct(a.precision)}, RMSE ${a.rmse.toFixed(3)} px, sublattice accuracy ${
        pct(a.sublatticeAccuracy)
      }`,
  );
  console.log(
    `  polarisation: median angle error ${p.medianAngleErrorDeg.toFixed(1)}°, within 20° ` +
      `${pct(p.fractionWithin)}, |p| ratio ${
        p.magnitudeRatio.toFixed(2)
      } (${p.matched}/${p.polarCount} sites)`,
  );
  console.log(
    `  polarisation angle vs variant (30°): ${
      pct(agreement.agreement)
    } of ${agreement.count} sites`,
  );
}
