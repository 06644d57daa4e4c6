/**
 * What every script shares: flag parsing with commander, the contract's
 * one-line errors and exit codes, and removal of partial outputs when a run
 * fails.
 *
 * @module
 */

import { Command, InvalidArgumentError, type OptionValues } from "../lib/deps.ts";
import { UsageError, UserError } from "../lib/errors.ts";
import type { Run } from "../lib/io/run.ts";

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

/**
 * Run a script's `main`: a {@linkcode UserError} prints one line and exits
 * with its status after the run's partial outputs are removed; anything else
 * is a bug and keeps its stack trace.
 */
export async function runMain(main: (track: (run: Run) => void) => Promise<void>): Promise<void> {
  const runs: Run[] = [];
  try {
    await main((run) => runs.push(run));
  } catch (err) {
    for (const run of runs) await run.abandon();
    if (err instanceof UserError) {
      console.error(err.line());
      Deno.exit(err.exitCode);
    }
    throw err;
  }
}

/** What every stage reports back to the script that ran it. */
export interface StageReport {
  /** Parameters after defaults, for `run.json`. */
  parameters: Record<string, unknown>;
  /** Counts, scores and timings, for `run.json`. */
  extra: Record<string, unknown>;
  /** One line for the terminal. */
  summary: string;
}
