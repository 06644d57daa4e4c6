// The default rVAE recovers the polar variants of a generated image: angle-to-
// variant agreement ≥ 0.9 and four angle peaks 90° ± 10° apart. A smaller
// image and fewer epochs than `deno task bench rvae-accuracy` (which runs the
// full 560 × 560 case on three seeds), to stay fast.

import { initBackend } from "../lib/rvae/backend.ts";
import { scoreOnGenerated } from "../lib/rvae/synthetic_score.ts";
import { assert, assertEquals } from "./assert.ts";

Deno.test("default rVAE: angle agrees with the true variants, peaks 90° apart", async () => {
  await initBackend();
  // Narrower stripes than the default, so that a 400 px image holds all four variants.
  const result = await scoreOnGenerated(1, {
    imageSize: 400,
    epochs: 10,
    synth: { domainWidth: 6 },
  });
  const summary = JSON.stringify(result);
  assert(result.polar >= 400, `only ${result.polar} polar windows: ${summary}`);
  assert(result.agreement >= 0.9, `agreement ${result.agreement.toFixed(3)}: ${summary}`);
  assertEquals(result.peaksDeg.length, 4, summary);
  for (const s of result.separationsDeg) assert(Math.abs(s - 90) <= 10, summary);
});
