/**
 * Slurm batch scripts for a series: a job array with one task per shard
 * (each task runs the series command on shard `SLURM_ARRAY_TASK_ID` of N),
 * and a pooling job that starts once every task has succeeded
 * (`sbatch --dependency=afterok:JOBID`). Pure: text in, text out; submitting
 * is the caller's (`sbatch --parsable`, see {@linkcode sbatchArgs}).
 *
 * Commands are argument lists, quoted for the shell here; the token
 * {@linkcode SHARD_TOKEN} in an argument becomes `$SLURM_ARRAY_TASK_ID/N`.
 * Each task runs `deno run` with exactly the permissions it needs
 * ({@linkcode denoRunCommand}): no environment access is needed, since the
 * task id arrives as an argument.
 *
 * @module
 */

import { UsageError } from "../errors.ts";

/** Stands for `I/N` (this task's shard) inside a job array command's arguments. */
export const SHARD_TOKEN = "{shard}";

/** Resources and placement of a Slurm job; every field but `workdir` has a default. */
export interface SlurmJobOptions {
  /** Folder the job runs in (`--chdir`); relative paths of the command are relative to it. */
  workdir: string;
  /** Job name (`--job-name`). Default "ferrovae-series". */
  jobName?: string;
  /** Partition (`--partition`). Default: the cluster's default partition. */
  partition?: string;
  /** Wall-clock limit per task (`--time`), Slurm's format, e.g. "30", "2:00:00", "1-00:00:00". Default "1:00:00". */
  time?: string;
  /** Memory per task (`--mem`), e.g. "4G", "500M". Default "8G". */
  memory?: string;
  /** CPUs per task (`--cpus-per-task`). Default 2. */
  cpusPerTask?: number;
  /** Folder of the jobs' log files (`--output`). Default: `workdir`. */
  logDir?: string;
  /** At most this many array tasks at once (`--array=…%K`). Default: no limit. */
  maxParallel?: number;
  /** Further `#SBATCH` options verbatim, e.g. `["--account=abc"]`. Default none. */
  extra?: string[];
}

/** Quote `text` for a POSIX shell (single quotes; a quote inside as `'\''`). */
export function shellQuote(text: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(text)) return text;
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** Permissions of one `deno run`. */
export interface DenoPermissions {
  /** Paths it may read. */
  read: readonly string[];
  /** Paths it may write. Default none. */
  write?: readonly string[];
  /** The `deno` executable. Default "deno" (found on the job's PATH). */
  deno?: string;
}

/**
 * `deno run` of `script` with `args`, granting only `read` and `write` (and
 * never prompting: a batch job has no one to answer).
 *
 * @example
 * ```ts
 * import { denoRunCommand, SHARD_TOKEN } from "./slurm.ts";
 * const command = denoRunCommand("scripts/series.ts", ["movie.npy", "--shard", SHARD_TOKEN], {
 *   read: [".", "movie.npy"],
 *   write: ["out"],
 * });
 * const head = "deno,run,--no-prompt,--allow-read=.,movie.npy,--allow-write=out,scripts/series.ts";
 * if (!command.join().startsWith(head)) throw new Error(command.join(" "));
 * ```
 */
export function denoRunCommand(
  script: string,
  args: readonly string[],
  permissions: DenoPermissions,
): string[] {
  const list = (paths: readonly string[]) => [...new Set(paths)].join(",");
  const flags = ["--no-prompt", `--allow-read=${list(permissions.read)}`];
  if (permissions.write && permissions.write.length > 0) {
    flags.push(`--allow-write=${list(permissions.write)}`);
  }
  return [permissions.deno ?? "deno", "run", ...flags, script, ...args];
}

function checkOptions(options: SlurmJobOptions): void {
  if (options.partition !== undefined && !/^[A-Za-z0-9_.,-]+$/.test(options.partition)) {
    throw new UsageError("--partition", `"${options.partition}" is not a partition name`);
  }
  if (options.time !== undefined && !/^(\d+-)?\d+(:\d{1,2}){0,2}$/.test(options.time)) {
    throw new UsageError(
      "--time",
      `"${options.time}" is not a Slurm time (minutes, H:MM:SS or D-HH:MM:SS)`,
    );
  }
  if (options.memory !== undefined && !/^\d+[KMGT]?$/.test(options.memory)) {
    throw new UsageError("--mem", `"${options.memory}" is not a memory size (e.g. 4G, 500M)`);
  }
  const cpus = options.cpusPerTask;
  if (cpus !== undefined && !(Number.isInteger(cpus) && cpus >= 1)) {
    throw new UsageError("--cpus-per-task", `expected a whole number ≥ 1, got ${cpus}`);
  }
}

function header(options: SlurmJobOptions, name: string, logName: string): string[] {
  checkOptions(options);
  const logDir = options.logDir ?? options.workdir;
  const lines = [
    "#!/bin/bash",
    `#SBATCH --job-name=${shellQuote(name)}`,
    `#SBATCH --chdir=${shellQuote(options.workdir)}`,
    `#SBATCH --output=${shellQuote(`${logDir}/${logName}`)}`,
    `#SBATCH --time=${options.time ?? "1:00:00"}`,
    `#SBATCH --mem=${options.memory ?? "8G"}`,
    `#SBATCH --cpus-per-task=${options.cpusPerTask ?? 2}`,
    "#SBATCH --nodes=1",
    "#SBATCH --ntasks=1",
  ];
  if (options.partition) lines.push(`#SBATCH --partition=${options.partition}`);
  for (const extra of options.extra ?? []) lines.push(`#SBATCH ${extra}`);
  return lines;
}

/**
 * The job array script: `shards` tasks (`--array=0-(shards-1)`), task I
 * running `command` with {@linkcode SHARD_TOKEN} replaced by `I/shards`.
 *
 * @example
 * ```ts
 * import { SHARD_TOKEN, slurmArrayScript } from "./slurm.ts";
 * const script = slurmArrayScript(
 *   ["deno", "run", "--allow-read=.", "scripts/series.ts", "--shard", SHARD_TOKEN],
 *   4,
 *   { workdir: "/data/run", partition: "gpu", time: "2:00:00" },
 * );
 * if (!script.includes("#SBATCH --array=0-3")) throw new Error("four tasks");
 * if (!script.includes('"${SLURM_ARRAY_TASK_ID}/4"')) throw new Error("task I runs shard I/4");
 * ```
 */
export function slurmArrayScript(
  command: readonly string[],
  shards: number,
  options: SlurmJobOptions,
): string {
  if (!(Number.isInteger(shards) && shards >= 1)) {
    throw new UsageError("--shards", `expected a whole number ≥ 1, got ${shards}`);
  }
  const name = options.jobName ?? "ferrovae-series";
  const throttle = options.maxParallel ? `%${options.maxParallel}` : "";
  const lines = header(options, name, `${name}_%A_%a.log`);
  lines.push(`#SBATCH --array=0-${shards - 1}${throttle}`);
  const shard = `"\${SLURM_ARRAY_TASK_ID}/${shards}"`;
  const quoted = command.map((arg) => arg.split(SHARD_TOKEN).map(quoteOrEmpty).join(shard));
  lines.push("set -euo pipefail", `exec ${quoted.join(" ")}`, "");
  return lines.join("\n");
}

function quoteOrEmpty(text: string): string {
  return text === "" ? "" : shellQuote(text);
}

/**
 * The pooling job script: `command` once, meant to be submitted with
 * {@linkcode sbatchArgs}`(path, arrayJobId)` so that it starts only after
 * every array task succeeded.
 *
 * @example
 * ```ts
 * import { slurmPoolScript } from "./slurm.ts";
 * const script = slurmPoolScript(
 *   ["deno", "run", "--allow-read=.", "scripts/series.ts", "--pool", "out"],
 *   { workdir: "/data/run" },
 * );
 * if (!script.includes("exec deno run")) throw new Error(script);
 * ```
 */
export function slurmPoolScript(command: readonly string[], options: SlurmJobOptions): string {
  const name = `${options.jobName ?? "ferrovae-series"}-pool`;
  const lines = header(options, name, `${name}_%j.log`);
  lines.push("set -euo pipefail", `exec ${command.map(shellQuote).join(" ")}`, "");
  return lines.join("\n");
}

/**
 * Arguments of `sbatch` for `script`: `--parsable` (the answer is the job id),
 * and `--dependency=afterok:ID` when it must wait for job `after` (an array
 * job id covers every task of the array).
 *
 * @example
 * ```ts
 * import { sbatchArgs } from "./slurm.ts";
 * const args = sbatchArgs("pool.sh", "1234").join(" ");
 * if (args !== "--parsable --dependency=afterok:1234 pool.sh") throw new Error(args);
 * ```
 */
export function sbatchArgs(script: string, after?: string): string[] {
  return ["--parsable", ...(after ? [`--dependency=afterok:${after}`] : []), script];
}

/**
 * The job id in what `sbatch --parsable` printed (`ID` or `ID;cluster`).
 *
 * @example
 * ```ts
 * import { parseJobId } from "./slurm.ts";
 * if (parseJobId("1234;cluster\n") !== "1234") throw new Error("the id before the cluster");
 * ```
 */
export function parseJobId(stdout: string): string {
  const id = stdout.trim().split(";")[0];
  if (!/^\d+$/.test(id)) throw new Error(`sbatch printed no job id: "${stdout.trim()}"`);
  return id;
}
