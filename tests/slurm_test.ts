/**
 * The Slurm job array against a real one-node Slurm (tests/slurm_cluster.ts),
 * started by a child process with the permissions daemons need (the test
 * task grants only `deno`); skipped, with a message, where Slurm is not
 * installed or the test is not root. Also the scripts' text, without Slurm.
 */

import { UsageError } from "../lib/errors.ts";
import {
  denoRunCommand,
  sbatchArgs,
  SHARD_TOKEN,
  shellQuote,
  slurmArrayScript,
  slurmPoolScript,
} from "../lib/series/slurm.ts";
import { assert, assertEquals, assertThrows } from "./assert.ts";
import { runDeno } from "./child.ts";
import { SLURM_COMMANDS } from "./slurm_cluster.ts";

Deno.test("slurmArrayScript: one task per shard, options as #SBATCH lines, arguments quoted", () => {
  const command = denoRunCommand("scripts/series.ts", ["my movie.npy", "--shard", SHARD_TOKEN], {
    read: [".", "my movie.npy", "."],
    write: ["out"],
  });
  assertEquals(command.slice(0, 5), [
    "deno",
    "run",
    "--no-prompt",
    "--allow-read=.,my movie.npy",
    "--allow-write=out",
  ]);
  const script = slurmArrayScript(command, 8, {
    workdir: "/data/it's here",
    partition: "gpu",
    time: "2:00:00",
    memory: "16G",
    cpusPerTask: 4,
    maxParallel: 3,
  });
  const lines = script.split("\n");
  assertEquals(lines[0], "#!/bin/bash");
  for (
    const line of [
      "#SBATCH --array=0-7%3",
      "#SBATCH --partition=gpu",
      "#SBATCH --time=2:00:00",
      "#SBATCH --mem=16G",
      "#SBATCH --cpus-per-task=4",
      `#SBATCH --chdir='/data/it'\\''s here'`,
    ]
  ) assert(lines.includes(line), `missing ${line} in\n${script}`);
  assert(
    script.includes(
      `exec deno run --no-prompt '--allow-read=.,my movie.npy' --allow-write=out ` +
        `scripts/series.ts 'my movie.npy' --shard "\${SLURM_ARRAY_TASK_ID}/8"`,
    ),
    script,
  );
  const pool = slurmPoolScript(["deno", "run", "x.ts"], { workdir: "/w" });
  assert(pool.includes("#SBATCH --job-name=ferrovae-series-pool"), pool);
  assert(!pool.includes("--array"), pool);
  assertEquals(sbatchArgs("p.sh", "42"), ["--parsable", "--dependency=afterok:42", "p.sh"]);
  assertEquals(shellQuote("a'b"), `'a'\\''b'`);
});

Deno.test("slurm scripts refuse bad resources with the flag's name", () => {
  const bad: [object, string][] = [
    [{ time: "2 hours" }, "--time"],
    [{ memory: "lots" }, "--mem"],
    [{ partition: "a b" }, "--partition"],
    [{ cpusPerTask: 0 }, "--cpus-per-task"],
  ];
  for (const [options, flag] of bad) {
    const err = assertThrows(
      () => slurmArrayScript(["x"], 2, { workdir: "/w", ...options }),
      UsageError,
    ) as UsageError;
    assertEquals(err.subject, flag);
  }
});

Deno.test("Slurm: a 4-task job array and a dependent pooling job on a real one-node cluster", async () => {
  const child = new URL("./children/slurm_job_array.ts", import.meta.url).pathname;
  const result = await runDeno([
    "run",
    `--allow-run=${SLURM_COMMANDS.join(",")},sh`,
    "--allow-read",
    "--allow-write=/tmp",
    "--allow-env",
    "--allow-sys",
    "--allow-net=127.0.0.1",
    child,
    "8",
    "4",
  ]);
  assertEquals(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout.trim().split("\n").at(-1)!);
  if (report.skipped) {
    console.warn(`skipping the real Slurm test: ${report.skipped}`);
    return;
  }
  assertEquals(
    report.arrayStates,
    ["COMPLETED", "COMPLETED", "COMPLETED", "COMPLETED"],
    report.logs.join("\n"),
  );
  assertEquals(report.poolStates, ["COMPLETED"], report.logs.join("\n"));
  assertEquals(report.shardFiles, {
    "shard_0.txt": "0\n4\n",
    "shard_1.txt": "1\n5\n",
    "shard_2.txt": "2\n6\n",
    "shard_3.txt": "3\n7\n",
  });
  assertEquals(report.pooledFrames, [0, 1, 2, 3, 4, 5, 6, 7]);
});
