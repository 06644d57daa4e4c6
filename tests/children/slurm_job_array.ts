/**
 * Child of tests/slurm_test.ts (which runs under the test task's permissions
 * and so cannot start daemons itself): start a one-node Slurm, submit a job
 * array of `shards` tasks written by lib/series/slurm.ts, each task a `deno
 * run` that writes its shard's frames of a `frames`-frame series, and a
 * pooling job that depends on it and joins their files; wait for both, stop
 * the cluster, print one JSON line: `{ skipped }` or what happened.
 *
 * Usage: deno run <permissions> tests/children/slurm_job_array.ts FRAMES SHARDS
 */

import { join } from "node:path";
import {
  denoRunCommand,
  parseJobId,
  sbatchArgs,
  SHARD_TOKEN,
  slurmArrayScript,
  slurmPoolScript,
} from "../../lib/series/slurm.ts";
import { slurmMissing, startSlurmCluster } from "../slurm_cluster.ts";

const [frames, shards] = Deno.args.map(Number);
const missing = await slurmMissing();
if (missing) {
  console.log(JSON.stringify({ skipped: missing }));
  Deno.exit(0);
}
const project = new URL("../..", import.meta.url).pathname;
const cluster = await startSlurmCluster();
try {
  const work = join(cluster.dir, "work");
  await Deno.mkdir(join(work, "shards"), { recursive: true });
  // The task: write the frames of its shard (lib/series/shards.ts picks them).
  await Deno.writeTextFile(
    join(work, "task.ts"),
    `import { parseShard, shardFrames } from ${
      JSON.stringify(join(project, "lib/series/shards.ts"))
    };
const shard = parseShard(Deno.args[1]);
const frames = shardFrames(${frames}, shard);
await Deno.writeTextFile(Deno.args[0] + "/shard_" + shard.index + ".txt", frames.join("\\n") + "\\n");
`,
  );
  // The pool: every shard's frames, sorted, in one file.
  await Deno.writeTextFile(
    join(work, "pool.ts"),
    `const frames: number[] = [];
for await (const e of Deno.readDir(Deno.args[0])) {
  const text = await Deno.readTextFile(Deno.args[0] + "/" + e.name);
  frames.push(...text.split("\\n").filter((l) => l !== "").map(Number));
}
await Deno.writeTextFile(Deno.args[1], JSON.stringify(frames.sort((a, b) => a - b)));
`,
  );
  const deno = Deno.execPath();
  const read = [project, work];
  const arrayScript = slurmArrayScript(
    denoRunCommand("task.ts", ["shards", SHARD_TOKEN], {
      read,
      write: [join(work, "shards")],
      deno,
    }),
    shards,
    { workdir: work, time: "10:00", memory: "500M", cpusPerTask: 1 },
  );
  const poolScript = slurmPoolScript(
    denoRunCommand("pool.ts", ["shards", "pooled.json"], { read, write: [work], deno }),
    { workdir: work, time: "10:00", memory: "500M", cpusPerTask: 1 },
  );
  await Deno.writeTextFile(join(work, "array.sh"), arrayScript);
  await Deno.writeTextFile(join(work, "pool.sh"), poolScript);
  const submitted = await cluster.run("sbatch", sbatchArgs(join(work, "array.sh")));
  if (submitted.code !== 0) throw new Error(`sbatch: ${submitted.stderr}`);
  const arrayId = parseJobId(submitted.stdout);
  const pooled = await cluster.run("sbatch", sbatchArgs(join(work, "pool.sh"), arrayId));
  if (pooled.code !== 0) throw new Error(`sbatch: ${pooled.stderr}`);
  const poolId = parseJobId(pooled.stdout);
  const poolStates = await cluster.waitForJob(poolId);
  const arrayStates = await cluster.waitForJob(arrayId);
  const shardFiles: Record<string, string> = {};
  for await (const e of Deno.readDir(join(work, "shards"))) {
    shardFiles[e.name] = await Deno.readTextFile(join(work, "shards", e.name));
  }
  let pooledFrames: unknown = null;
  try {
    pooledFrames = JSON.parse(await Deno.readTextFile(join(work, "pooled.json")));
  } catch { /* absent: the test says so */ }
  const logs: string[] = [];
  for await (const e of Deno.readDir(work)) {
    if (e.name.endsWith(".log")) logs.push(await Deno.readTextFile(join(work, e.name)));
  }
  console.log(JSON.stringify({
    arrayScript,
    arrayStates,
    poolStates,
    shardFiles,
    pooledFrames,
    logs: logs.filter((l) => l.trim() !== ""),
  }));
} finally {
  await cluster.stop();
}
