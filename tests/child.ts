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
