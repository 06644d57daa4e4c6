/**
 * `series --slurm --submit` against a real one-node Slurm
 * (tests/slurm_cluster.ts), run by a child with the permissions the daemons
 * need (the test task grants only `deno`): 8 generated frames over 4 array
 * tasks and the pooling job after them give a byte-identical `series.csv`
 * (and `frames.csv`) to a local `series` run. Skipped, with a message, where
 * Slurm is not installed or the test is not root.
 */

import { assert, assertEquals } from "./assert.ts";
import { runDeno } from "./child.ts";
import { SLURM_COMMANDS } from "./slurm_cluster.ts";

Deno.test("Slurm: series over a 4-task job array equals a local series run, byte for byte", async () => {
  const child = new URL("./children/slurm_series.ts", import.meta.url).pathname;
  const result = await runDeno([
    "run",
    `--allow-run=${SLURM_COMMANDS.join(",")},sh,deno,${Deno.execPath()}`,
    "--allow-read",
    "--allow-write=/tmp",
    "--allow-env",
    "--allow-sys",
    "--allow-net=127.0.0.1",
    child,
  ]);
  assertEquals(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout.trim().split("\n").at(-1)!);
  if (report.skipped) {
    console.warn(`skipping the real Slurm test: ${report.skipped}`);
    return;
  }
  const logs = report.logs.join("\n");
  assertEquals(report.arrayStates, ["COMPLETED", "COMPLETED", "COMPLETED", "COMPLETED"], logs);
  assertEquals(report.poolStates, ["COMPLETED"], logs);
  assert(report.local !== null && report.slurm !== null, logs);
  assertEquals(report.slurm, report.local, "series.csv differs");
  assertEquals(report.slurmFrames, report.localFrames, "frames.csv differs");
});
