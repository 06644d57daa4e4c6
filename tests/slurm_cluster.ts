/**
 * A real one-node Slurm for tests, started and stopped by the test itself
 * (see ../shared/notes/slurm.md for what works on these machines): its own
 * munge daemon (a fresh key and socket in a temporary folder), and
 * `slurmctld` and `slurmd` in the foreground as children of this process,
 * configured by a minimal `slurm.conf` in that folder (passed by `-f` and
 * `SLURM_CONF`, so /etc is never touched), on free ports. Everything is
 * stopped by pid and the folder removed by {@linkcode SlurmCluster.stop}.
 *
 * Needs: root (slurmd runs jobs as their user and munged as root here),
 * Debian's `slurmctld slurmd slurm-client munge` (`.ci/run` installs them),
 * and permission to run them: `--allow-run=munged,slurmctld,slurmd,sinfo,
 * sbatch,scontrol` (see {@linkcode SLURM_COMMANDS}), `--allow-sys`,
 * `--allow-net=127.0.0.1`, `--allow-env`, read/write under /tmp.
 *
 * @module
 */

import { join } from "node:path";

/** Programs the helper and a test of it run. */
export const SLURM_COMMANDS = ["munged", "slurmctld", "slurmd", "sinfo", "sbatch", "scontrol"];

/** A running one-node cluster. */
export interface SlurmCluster {
  /** The temporary folder holding its configuration, state and logs. */
  dir: string;
  /** Environment for Slurm's clients (`SLURM_CONF`). */
  env: Record<string, string>;
  /** Run a Slurm client command (`sbatch`, `scontrol`…) against this cluster. */
  run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Wait until job `id` (all its array tasks) has ended; its tasks' final states. */
  waitForJob(id: string): Promise<string[]>;
  /** Stop the daemons (by pid) and remove the folder. */
  stop(): Promise<void>;
}

/** Why Slurm cannot run here, or undefined when it can. */
export async function slurmMissing(): Promise<string | undefined> {
  if (Deno.uid() !== 0) return "not root (the test's slurmd and munged run as root)";
  for (const program of SLURM_COMMANDS) {
    const found = await new Deno.Command("sh", {
      args: ["-c", `command -v ${program}`],
      stdout: "null",
      stderr: "null",
    }).output().catch(() => ({ code: 1 }));
    if (found.code !== 0) {
      return `${program} is not installed (apt-get install slurmctld slurmd slurm-client munge)`;
    }
  }
  return undefined;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

const text = new TextDecoder();

/** Poll `check` until it returns a value; between polls, wait for the next timer tick. */
async function until<T>(
  check: () => Promise<T | undefined>,
  failed: () => string | undefined,
): Promise<T> {
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    const why = failed();
    if (why) throw new Error(why);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Start a one-node cluster; throws when a daemon fails to start (with its log). */
export async function startSlurmCluster(): Promise<SlurmCluster> {
  const dir = await Deno.makeTempDir({ prefix: "ferrovae-slurm-" });
  await Deno.chmod(dir, 0o711); // munged wants its socket's folder searchable by all
  const children: Deno.ChildProcess[] = [];
  const exited = new Map<string, number>();
  const start = (name: string, program: string, args: string[]) => {
    const child = new Deno.Command(program, {
      args,
      env: { SLURM_CONF: join(dir, "slurm.conf") },
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    children.push(child);
    child.status.then((s) => exited.set(name, s.code));
  };
  const stop = async () => {
    for (const child of children) {
      try {
        child.kill("SIGTERM");
      } catch { /* already ended */ }
    }
    await Promise.all(children.map((c) => c.status));
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    // munge: a fresh key, its own socket.
    const key = crypto.getRandomValues(new Uint8Array(1024));
    await Deno.writeFile(join(dir, "munge.key"), key, { mode: 0o400 });
    const socket = join(dir, "munge.sock");
    start("munged", "munged", [
      "--foreground",
      "--force",
      `--socket=${socket}`,
      `--key-file=${join(dir, "munge.key")}`,
      `--pid-file=${join(dir, "munged.pid")}`,
      `--log-file=${join(dir, "munged.log")}`,
      `--seed-file=${join(dir, "munged.seed")}`,
    ]);
    await until(
      async () => (await exists(socket)) ? true : undefined,
      () => exited.has("munged") ? `munged exited: ${readLog(dir, "munged.log")}` : undefined,
    );
    const host = Deno.hostname();
    const cpus = navigator.hardwareConcurrency;
    const memory = Math.max(100, Math.floor(Deno.systemMemoryInfo().total / 2 ** 21));
    const [ctldPort, dPort] = [freePort(), freePort()];
    for (const sub of ["state", "spool"]) await Deno.mkdir(join(dir, sub));
    const conf = [
      "ClusterName=ferrovaetest",
      `SlurmctldHost=${host}`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${dPort}`,
      "SlurmUser=root",
      "SlurmdUser=root",
      "AuthType=auth/munge",
      `AuthInfo=socket=${socket}`,
      "CredType=cred/munge",
      "ProctrackType=proctrack/linuxproc",
      "TaskPlugin=task/none",
      "SelectType=select/cons_tres",
      "SelectTypeParameters=CR_Core",
      "ReturnToService=2",
      "MpiDefault=none",
      "JobCompType=jobcomp/none",
      "AccountingStorageType=accounting_storage/none",
      `StateSaveLocation=${join(dir, "state")}`,
      `SlurmdSpoolDir=${join(dir, "spool")}`,
      `SlurmctldPidFile=${join(dir, "slurmctld.pid")}`,
      `SlurmdPidFile=${join(dir, "slurmd.pid")}`,
      `SlurmctldLogFile=${join(dir, "slurmctld.log")}`,
      `SlurmdLogFile=${join(dir, "slurmd.log")}`,
      `NodeName=${host} CPUs=${cpus} RealMemory=${memory} State=UNKNOWN`,
      `PartitionName=test Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
      "",
    ].join("\n");
    await Deno.writeTextFile(join(dir, "slurm.conf"), conf);
    const confPath = join(dir, "slurm.conf");
    start("slurmctld", "slurmctld", ["-D", "-f", confPath]);
    start("slurmd", "slurmd", ["-D", "-f", confPath]);
    const env = { SLURM_CONF: confPath };
    const run = async (command: string, args: string[]) => {
      const out = await new Deno.Command(command, { args, env, stdout: "piped", stderr: "piped" })
        .output();
      return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
    };
    const daemonDied = () => {
      for (const name of ["munged", "slurmctld", "slurmd"]) {
        if (exited.has(name)) {
          return `${name} exited (${exited.get(name)}): ${readLog(dir, `${name}.log`)}`;
        }
      }
      return undefined;
    };
    // The node is ready when sinfo says idle.
    await until(async () => {
      const state = await run("sinfo", ["-h", "-o", "%t"]);
      return state.code === 0 && state.stdout.trim() === "idle" ? true : undefined;
    }, daemonDied);
    const ended = new Set([
      "COMPLETED",
      "FAILED",
      "CANCELLED",
      "TIMEOUT",
      "NODE_FAIL",
      "OUT_OF_MEMORY",
      "BOOT_FAIL",
      "DEADLINE",
      "PREEMPTED",
    ]);
    const waitForJob = (id: string) =>
      until(async () => {
        // One line per array task (or the job); finished jobs stay listed for MinJobAge (300 s).
        const shown = await run("scontrol", ["show", "job", "-o", id]);
        if (shown.code !== 0) return undefined;
        const states = [...shown.stdout.matchAll(/JobState=(\S+)/g)].map((m) => m[1]);
        return states.length > 0 && states.every((s) => ended.has(s)) ? states : undefined;
      }, daemonDied);
    return { dir, env, run, waitForJob, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

function readLog(dir: string, name: string): string {
  try {
    return Deno.readTextFileSync(join(dir, name)).split("\n").slice(-5).join(" | ");
  } catch {
    return "(no log)";
  }
}
