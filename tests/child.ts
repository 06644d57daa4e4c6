/**
 * Run a child `deno` for tests that need a separate process (a script under
 * its own permissions, a browser driver, a URL import). The child is found as
 * `deno` on PATH, which is what the test task's `--allow-run=deno` grants
 * (`npx deno@…` puts it there).
 *
 * @module
 */

/** What a child process returned. */
export interface ChildResult {
  /** Exit status. */
  code: number;
  /** Standard output as text. */
  stdout: string;
  /** Standard error as text. */
  stderr: string;
}

/** Run `deno <args>` from the project root and collect its output. */
export async function runDeno(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<ChildResult> {
  const out = await new Deno.Command("deno", {
    args,
    cwd: options.cwd ?? new URL("..", import.meta.url).pathname,
    env: { NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/** The project's `deno.json` tasks, by name. */
export async function denoTasks(): Promise<Record<string, string>> {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  return config.tasks;
}

/**
 * Task `name`'s command line without the leading `deno` (e.g. `run
 * --allow-read=... scripts/stack.ts`), so that a test runs a script with
 * exactly the permissions its task grants: `runDeno([...await taskArgs("stack"), ...])`.
 */
export async function taskArgs(name: string): Promise<string[]> {
  const task = (await denoTasks())[name];
  if (task === undefined) throw new Error(`deno.json has no task "${name}"`);
  const words = task.trim().split(/\s+/);
  if (words[0] !== "deno") throw new Error(`task "${name}" does not start with deno: ${task}`);
  return words.slice(1);
}

/** `work` on every item, at most `limit` at a time (children share two cores with the suite). */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/** Progress lines a script may print to stderr before it fails (`analyze: atoms…`, epochs). */
const PROGRESS_LINE = /^((?!error:)[a-z]+: |epoch \d+[/:])/;
/** Signs of a stack trace. */
const STACK_TRACE = /^\s+at |Uncaught|Stack backtrace/m;

/**
 * What is wrong with `result` as the contract's failure: status `status`,
 * stderr ending in one line `error: <subject>: <problem>` (after progress
 * lines at most), no stack trace. Empty when nothing is.
 */
export function contractErrorProblems(
  result: ChildResult,
  expected: { status: number; subject?: string; includes?: string },
): string[] {
  const lines = result.stderr.split("\n").map((l) => l.trimEnd()).filter((l) => l.length > 0);
  const last = lines.at(-1) ?? "";
  const problems: string[] = [];
  if (result.code !== expected.status) {
    problems.push(`status ${result.code}, not ${expected.status}`);
  }
  if (!/^error: .+: .+$/.test(last)) problems.push(`last stderr line is not "error: <x>: <y>"`);
  const subject = expected.subject;
  if (subject !== undefined && !last.startsWith(`error: ${subject}: `)) {
    problems.push(`the error is not about ${subject}`);
  }
  if (expected.includes && !last.includes(expected.includes)) {
    problems.push(`the error does not say "${expected.includes}"`);
  }
  if (hasStackTrace(result.stderr)) problems.push("a stack trace");
  const others = lines.slice(0, -1).filter((l) => !PROGRESS_LINE.test(l));
  if (others.length > 0) problems.push(`stderr has ${others.length} more line(s) than the error`);
  return problems;
}

/** True when `stderr` shows a stack trace (a bug, never a user's mistake). */
export function hasStackTrace(stderr: string): boolean {
  return STACK_TRACE.test(stderr);
}
