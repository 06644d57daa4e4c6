/**
 * Children stopped at an exact point: the test hook of scripts/_cli.ts
 * (`FERROVAE_TEST_PAUSE_AT=<stage>`) makes a script say `reached <stage>` on
 * standard error and wait for a signal, so that a test interrupts or kills it
 * there, whatever the load: no sleeps, no time limits.
 *
 * @module
 */

import { taskArgs } from "./child.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const PAUSE = "FERROVAE_TEST_PAUSE_AT";

/** Task `script`'s command line (without `deno`) with the test hook's variable readable. */
export async function hookedTask(script: string): Promise<string[]> {
  const [run, ...rest] = await taskArgs(script);
  return [run, `--allow-env=${PAUSE}`, ...rest];
}

/** A child paused at a stage. */
export interface Paused {
  /** The child (signal it with `kill`). */
  child: Deno.ChildProcess;
  /** Wait for the child's end: its status and all it wrote on standard error. */
  end(): Promise<{ status: Deno.CommandStatus; stderr: string }>;
}

/** Start `deno args` with the hook set to `stage`; resolves once it says `reached <stage>`. */
export async function startPaused(args: string[], stage: string): Promise<Paused> {
  const child = new Deno.Command("deno", {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1", [PAUSE]: stage },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.split("\n").includes(`reached ${stage}`)) {
    const { value, done } = await reader.read();
    if (done) {
      const status = await child.status;
      throw new Error(`never reached ${stage} (status ${status.code}):\n${text}`);
    }
    text += value;
  }
  return {
    child,
    async end() {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
      return { status: await child.status, stderr: text };
    },
  };
}
