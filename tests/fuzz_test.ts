/**
 * The short fuzz run of CI: 500 mutated inputs per image reader (the long
 * run is `deno task fuzz`). Every input must decode to a well-formed image
 * or end in the reader's FormatError, within 2 s and under the memory cap.
 */

import { assert, assertEquals } from "./assert.ts";
import { FUZZ_FORMATS } from "./fuzz/corpus.ts";
import { describeFailures, fuzzFormat } from "./fuzz/harness.ts";

/** Inputs per format; a seed other than the long run's default, so CI adds coverage. */
const COUNT = 500;
const SEED = 2026;

for (const format of FUZZ_FORMATS) {
  Deno.test(`fuzz: ${COUNT} mutated ${format} files give an image or a FormatError`, async () => {
    const report = await fuzzFormat(format, { count: COUNT, seed: SEED });
    assertEquals(report.failures.length, 0, `\n${describeFailures(report, 10)}`);
    // HDF5 inputs slow in one thread count only if the public reader answered them in time.
    assertEquals(report.accepted + report.refused + report.hdf5Timeouts.length, COUNT);
    // Both outcomes occur, or the mutations (or the seed files) are not doing their job.
    assert(report.accepted > 0 && report.refused > COUNT / 4, JSON.stringify(report.errorKinds));
    assert(report.seeds.length >= 2, `seed files: ${report.seeds.join(", ")}`);
  });
}
