/**
 * What every script shares: flag parsing with commander, the contract's
 * one-line errors and exit codes, and removal of partial outputs when a run
 * fails.
 *
 * @module
 */

import { Command, InvalidArgumentError } from "../lib/deps.ts";
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

interface CommanderLike {
  code?: string;
  exitCode?: number;
  message?: string;
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
    const message = (e.message ?? String(err)).replace(/^error:\s*/, "").split("\n")[0];
    throw new UsageError(cmd.name(), message);
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
