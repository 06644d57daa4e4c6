/**
 * `deno task bench rvae-accuracy`: the rVAE's angle against ground truth.
 * For each generator seed: a synthetic 560 × 560 HAADF image with four
 * polar variants (`generateHaadf`), windows of 48 × 48 centred on the true
 * B sites (`extractStack`, sub-pixel), the default configuration trained
 * from scratch; then the angle-to-variant agreement on the polar sites
 * (`angleVariantAgreement`), the detected angle peaks and the angles between
 * neighbours, the epochs, the training time and images/s.
 * `deno task bench rvae-accuracy-reference` scores AtomAI's configuration
 * instead (faithful decoder, lr 1e-4, 20 epochs, no equivariance) for comparison.
 *
 * @module
 */

import { tf } from "../../lib/deps.ts";
import { initBackend } from "../../lib/rvae/backend.ts";
import { scoreOnGenerated } from "../../lib/rvae/synthetic_score.ts";

/** Print the default configuration's scores on seeds 1-3. */
export function run(): Promise<void> {
  return report(false);
}

/** Print AtomAI's reference configuration's scores on seeds 1-3. */
export function runReference(): Promise<void> {
  return report(true);
}

async function report(reference: boolean): Promise<void> {
  const backend = await initBackend();
  console.log(
    `rVAE accuracy on generated 560x560 images, 48x48 windows on the true B sites, ` +
      `${reference ? "AtomAI's reference configuration" : "default configuration"}, ` +
      `tfjs ${tf.version_core} ${backend}`,
  );
  console.log("seed windows polar agreement peaks(deg) separations(deg) epochs seconds images/s");
  for (const seed of [1, 2, 3]) {
    const r = await scoreOnGenerated(seed, { reference });
    console.log(
      [
        r.seed,
        r.windows,
        r.polar,
        r.agreement.toFixed(3),
        r.peaksDeg.map((p) => p.toFixed(0)).join("/"),
        r.separationsDeg.map((s) => s.toFixed(1)).join("/"),
        r.epochs,
        r.seconds.toFixed(0),
        r.imagesPerSecond.toFixed(0),
      ].join(" "),
    );
  }
}
