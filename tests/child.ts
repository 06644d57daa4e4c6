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
