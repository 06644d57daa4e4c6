/**
 * What every script shares: flag parsing with commander, the contract's
 * one-line errors and exit codes, Ctrl-C, and the removal of a run's staging
 * folder when it fails or is interrupted (its output folder is then as it was).
 *
 * @module
 */

import { Command, InvalidArgumentError, type OptionValues } from "../lib/deps.ts";
import { UsageError, UserError } from "../lib/errors.ts";
import { Run, type RunOptions } from "../lib/io/run.ts";
import { formatWarnings } from "../lib/warnings.ts";

/** Make a commander program for script `name` that never exits by itself. */
export function program(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void Deno.stdout.writeSync(new TextEncoder().encode(s)),
      // commander's own error text is replaced by the contract's one line below.
      writeErr: () => {},
      outputError: () => {},
      // Asking commander about colours would read environment variables.
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .allowExcessArguments(false)
    .showHelpAfterError(false);
}

/** Parse a whole number in [min, max] for flag `flag`. */
export function intFlag(flag: string, min = -Infinity, max = Infinity): (v: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^[-+]?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      const range = Number.isFinite(max)
        ? ` from ${min} to ${max}`
        : min > -Infinity
        ? ` ≥ ${min}`
        : "";
      throw new InvalidArgumentError(`${flag} takes a whole number${range}, not "${value}"`);
    }
    return n;
  };
}

/** Parse a finite number in [min, max] for flag `flag`. */
export function numberFlag(flag: string, min = -Infinity, max = Infinity): (v: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${flag} takes a number in [${min}, ${max}], not "${value}"`);
    }
    return n;
  };
}

/** Parse a choice among `choices` for flag `flag`. */
export function choiceFlag<T extends string>(
  flag: string,
  choices: readonly T[],
): (v: string) => T {
  return (value: string) => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`${flag} takes one of ${choices.join(", ")}, not "${value}"`);
    }
    return value as T;
  };
}

/** The option values commander's typings infer for command `C`. */
export type OptionValuesOf<C> = C extends Command<infer _A, infer O, infer _G> ? O : never;

/**
 * `true` when command `C` yields exactly the option values `V` (same keys, types and
 * optionality), else `false`: with {@linkcode Assert}, keeps a stated `...FlagValues`
 * type true to the flags it describes.
 */
export type YieldsExactly<C, V> = [OptionValuesOf<C>] extends [V]
  ? ([V] extends [OptionValuesOf<C>] ? true : false)
  : false;

/** Compiles only when `T` is `true` (a compile-time assertion). */
export type Assert<T extends true> = T;

/**
 * `cmd` with the flags `add` puts on it, typed as `cmd`'s option values plus `V`. The shared
 * flag builders state `V` (and check it against `add` with {@linkcode YieldsExactly}) rather
 * than infer it: over a generic `O`, commander's typings would give every caller a nest of
 * deferred conditional types, one per flag.
 */
export function withFlags<
  V extends OptionValues,
  A extends unknown[],
  O extends OptionValues,
  G extends OptionValues,
>(cmd: Command<A, O, G>, add: (bare: Command) => unknown): Command<A, O & V, G> {
  return add(cmd as unknown as Command) as Command<A, O & V, G>;
}

interface CommanderLike {
  code?: string;
  exitCode?: number;
  message?: string;
}

/** Turn commander's message into the contract's `error: <flag>: <problem>` line. */
function usageErrorFrom(script: string, raw: string): UsageError {
  const message = raw.replace(/^error:\s*/, "").split("\n")[0];
  const invalid = /^option '(--?[\w-]+)[^']*' argument '.*' is invalid\. (.*)$/.exec(message);
  if (invalid) return new UsageError(invalid[1], invalid[2].replace(invalid[1] + " ", ""));
  const unknown = /^unknown option '([^']+)'/.exec(message);
  if (unknown) return new UsageError(unknown[1], `unknown flag (see ${script} --help)`);
  const missing = /^required option '(--?[\w-]+)[^']*' not specified/.exec(message);
  if (missing) return new UsageError(missing[1], "this flag is required");
  const missingArg = /^missing required argument '([^']+)'/.exec(message);
  if (missingArg) return new UsageError(script, `missing argument ${missingArg[1].toUpperCase()}`);
  return new UsageError(script, message);
}

/** Parse `args` with `cmd`, turning commander's complaints into a {@linkcode UsageError}. */
export function parseArgs<C extends Command<unknown[], Record<string, unknown>>>(
  cmd: C,
  args: string[] = Deno.args,
): C {
  try {
    cmd.parse(args, { from: "user" });
  } catch (err) {
    const e = err as CommanderLike;
    if (
      e.code === "commander.helpDisplayed" || e.code === "commander.version" ||
      e.code === "commander.help"
    ) {
      Deno.exit(0);
    }
    throw usageErrorFrom(cmd.name(), e.message ?? String(err));
  }
  return cmd;
}

/** Help of the `--force` flag every script with `--out` has. */
export const FORCE_HELP = "use --out even if it is not an output folder of this script " +
  "(files no ferrovae run wrote are kept, never deleted or overwritten)";

/**
 * Test hook, the only one: when the environment variable
 * `FERROVAE_TEST_PAUSE_AT` names a stage and the script may read it (no task
 * grants that; a test adds `--allow-env=FERROVAE_TEST_PAUSE_AT`), the script
 * prints `reached <stage>` on stderr when it gets there (`<stage>#<n>`: the
 * n-th time) and waits for a signal: SIGINT goes on as a Ctrl-C at that
 * point, SIGKILL kills it there. Tests interrupt runs at exact points this
 * way, without sleeping. Stages: the run's steps (`write:<file>`,
 * `commit:staged`, `commit:aside`, `commit:swapped`; see `RunOptions.onStep`)
 * and those a script names with `MainContext.step` (series: `frame:<t>`).
 */
const PAUSE_VARIABLE = "FERROVAE_TEST_PAUSE_AT";

function pauseStage(): string | undefined {
  const permission = { name: "env", variable: PAUSE_VARIABLE } as const;
  if (Deno.permissions.querySync(permission).state !== "granted") return undefined;
  return Deno.env.get(PAUSE_VARIABLE);
}

/** What {@linkcode runMain} gives a script's `main`. */
export interface MainContext {
  /**
   * Start the script's run into its output folder (see {@linkcode Run}): a
   * failure or Ctrl-C removes its staging folder, Ctrl-C stops it at its next
   * write, and the test hook sees its steps.
   */
  open(options: Omit<RunOptions, "onStep" | "cancelled">): Run;
  /** True once Ctrl-C (SIGINT) was received. */
  interrupted(): boolean;
  /** A named point of the script's own work (e.g. `frame:3`), where the test hook can pause it. */
  step(name: string): Promise<void>;
}

/**
 * Run a script's `main`: a {@linkcode UserError} prints one line and exits
 * with its status after the runs' staging folders are removed; anything else
 * is a bug and keeps its stack trace. The first Ctrl-C asks the run to stop
 * at its next write (exit status 130, the output folder as it was); a second
 * one removes the staging folders and exits at once.
 */
export async function runMain(main: (context: MainContext) => Promise<void>): Promise<void> {
  const runs: Run[] = [];
  let interrupted = false;
  const waiting: (() => void)[] = [];
  const onSigint = () => {
    if (interrupted) {
      for (const run of runs) run.abandonSync();
      console.error(`error: interrupted twice; stopped at once`);
      Deno.exit(130);
    }
    interrupted = true;
    for (const resume of waiting.splice(0)) resume();
  };
  Deno.addSignalListener("SIGINT", onSigint);
  const [pauseAt, nth] = (pauseStage() ?? "").split("#");
  let seen = 0;
  const reach = async (stage: string) => {
    if (stage !== pauseAt || ++seen !== Number(nth ?? 1)) return;
    console.error(`reached ${stage}${nth ? `#${nth}` : ""}`);
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  try {
    await main({
      open(options) {
        const run = new Run({ ...options, onStep: reach, cancelled: () => interrupted });
        runs.push(run);
        return run;
      },
      interrupted: () => interrupted,
      step: reach,
    });
  } catch (err) {
    for (const run of runs) await run.abandon();
    if (err instanceof UserError) {
      console.error(err.line());
      Deno.exit(err.exitCode);
    }
    throw err;
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
  }
}

/**
 * Print a finished run's one-screen summary, then one line per warning it
 * recorded (`warning: <code>: <message>`), so that doubtful results are
 * never reported silently.
 */
export function printSummary(
  summary: string,
  manifest: Readonly<{ warnings: readonly { code: string; message: string }[] }>,
): void {
  console.log(summary);
  for (const line of formatWarnings(manifest.warnings)) console.log(line);
}
