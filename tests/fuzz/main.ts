/**
 * `deno task fuzz [--count 10000] [--seed 1] [--format npy,png,tiff,dm,hdf5]
 * [--start I] [--save DIR]`: the long fuzz run of every image reader. Prints
 * one line per format (inputs, accepted, refused with a FormatError,
 * failures, time, slowest input) and the first failures; saves each failing
 * input under `--save` (default /tmp/ferrovae-fuzz) and exits 1 if any input
 * broke a rule. `--start I --count 1` reruns input I alone.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { FUZZ_FORMATS, type FuzzFormat } from "./corpus.ts";
import { describeFailures, fuzzFormat } from "./harness.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    count: { type: "string", default: "10000" },
    seed: { type: "string", default: "1" },
    start: { type: "string", default: "0" },
    format: { type: "string", default: FUZZ_FORMATS.join(",") },
    save: { type: "string", default: "/tmp/ferrovae-fuzz" },
    verbose: { type: "boolean", default: false },
  },
});
const formats = values.format.split(",") as FuzzFormat[];
for (const f of formats) {
  if (!FUZZ_FORMATS.includes(f)) {
    console.error(`error: --format: unknown format "${f}" (one of ${FUZZ_FORMATS.join(", ")})`);
    Deno.exit(2);
  }
}
const count = Number(values.count);
const seed = Number(values.seed);
const start = Number(values.start);
let failed = false;
const started = performance.now();
for (const format of formats) {
  const report = await fuzzFormat(format, {
    count,
    seed,
    start,
    onProgress: (done) => {
      if (values.verbose) console.error(`${format}: ${done}/${count}`);
    },
  });
  console.log(
    `${format}: ${report.inputs} inputs from ${report.seeds.length} seed files, ` +
      `${report.accepted} decoded, ${report.refused} refused with FormatError, ` +
      `${report.failures.length} failures, ${report.seconds.toFixed(1)} s ` +
      (report.crashes ? `(${report.crashes} HDF5 library crashes refused as FormatError) ` : "") +
      `(slowest input #${report.slowestIndex}: ${report.slowestMs.toFixed(0)} ms)`,
  );
  for (const t of report.hdf5Timeouts) {
    console.log(
      `  #${t.index}: over 2 s in one thread; the public reader ${
        t.outcome === "caught" ? "stopped it with a FormatError" : "decoded it"
      } in ${(t.ms / 1000).toFixed(1)} s`,
    );
  }
  if (values.verbose) {
    const kinds = Object.entries(report.errorKinds).sort((a, b) => b[1] - a[1]);
    for (const [kind, n] of kinds.slice(0, 25)) console.log(`    ${n}\t${kind}`);
  }
  if (report.failures.length > 0) {
    failed = true;
    console.log(describeFailures(report, 10));
    await Deno.mkdir(values.save, { recursive: true });
    for (const f of report.failures) {
      if (f.bytes) await Deno.writeFile(`${values.save}/${format}-${seed}-${f.index}.bin`, f.bytes);
    }
    console.log(`  failing inputs saved in ${values.save}/${format}-${seed}-<index>.bin`);
  }
}
console.log(`fuzz: ${((performance.now() - started) / 1000).toFixed(1)} s in all`);
if (failed) Deno.exit(1);
