/**
 * Child of tests/slurm_series_test.ts (which runs under the test task's
 * permissions and so cannot start daemons itself): generate an 8-frame
 * movie, run `series` on it locally, then start a one-node Slurm and run
 * `series --slurm --submit --shards 4` (a 4-task job array and the pooling
 * job after it); wait for both, stop the cluster, print one JSON line:
 * `{ skipped }` or the two `series.csv` files' SHA-256, the jobs' states
 * and their logs.
 *
 * Usage: deno run <permissions> tests/children/slurm_series.ts
 */

import { join } from "node:path";
import { encodeNpy } from "../../lib/formats/npy.ts";
import { sha256Hex } from "../../lib/io/run.ts";
import { wallMovieFrame } from "../../lib/synth/movie.ts";
import { slurmMissing, startSlurmCluster } from "../slurm_cluster.ts";

const missing = await slurmMissing();
if (missing) {
  console.log(JSON.stringify({ skipped: missing }));
  Deno.exit(0);
}
const project = new URL("../..", import.meta.url).pathname;
const movieOptions = { frames: 8, width: 160, height: 160, seed: 5 };
const flags = ["--epochs", "2", "--seed", "1"];

async function deno(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: project,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

const cluster = await startSlurmCluster();
try {
  const work = join(cluster.dir, "work");
  await Deno.mkdir(work, { recursive: true });
  const movie = join(work, "movie.npy");
  const size = movieOptions.width * movieOptions.height;
  const data = new Float32Array(movieOptions.frames * size);
  for (let t = 0; t < movieOptions.frames; t++) {
    data.set(wallMovieFrame(movieOptions, t).image.data, t * size);
  }
  await Deno.writeFile(
    movie,
    encodeNpy(data, [movieOptions.frames, movieOptions.height, movieOptions.width]),
  );
  const script = join(project, "scripts/series.ts");
  const permissions = [`--allow-read=${project},${work}`, `--allow-write=${work}`];
  const local = await deno([
    "run",
    ...permissions,
    script,
    movie,
    "--out",
    join(work, "local"),
    ...flags,
  ]);
  if (local.code !== 0) throw new Error(`local series: ${local.stderr}`);
  const submitted = await deno([
    "run",
    ...permissions,
    "--allow-run=sbatch",
    script,
    movie,
    "--out",
    join(work, "slurm"),
    "--slurm",
    "--submit",
    "--shards",
    "4",
    "--time",
    "10:00",
    "--mem",
    "1G",
    "--cpus",
    "1",
    ...flags,
  ], cluster.env);
  if (submitted.code !== 0) throw new Error(`series --slurm --submit: ${submitted.stderr}`);
  const jobs = JSON.parse(
    await Deno.readTextFile(join(work, ".slurm.ferrovae-series", "slurm", "jobs.json")),
  );
  const poolStates = await cluster.waitForJob(jobs.pool);
  const arrayStates = await cluster.waitForJob(jobs.array);
  const hash = async (path: string) => await sha256Hex(await Deno.readFile(path)).catch(() => null);
  const logs: string[] = [];
  for await (const e of Deno.readDir(join(work, ".slurm.ferrovae-series", "slurm"))) {
    if (e.name.endsWith(".log")) {
      logs.push(await Deno.readTextFile(join(work, ".slurm.ferrovae-series", "slurm", e.name)));
    }
  }
  console.log(JSON.stringify({
    submitted: submitted.stdout,
    arrayStates,
    poolStates,
    local: await hash(join(work, "local", "series.csv")),
    slurm: await hash(join(work, "slurm", "series.csv")),
    localFrames: await hash(join(work, "local", "frames.csv")),
    slurmFrames: await hash(join(work, "slurm", "frames.csv")),
    logs: logs.filter((l) => l.trim() !== "").map((l) => l.slice(-2000)),
  }));
} finally {
  await cluster.stop();
}
