/**
 * Interruption: Ctrl-C (SIGINT) during `train` lets the checkpoint write
 * finish, exits with status 130 and `--resume` completes the run; a hard
 * kill (SIGKILL) in the middle of writes never leaves a truncated file under
 * a final name, whether the writer is a loop of large atomic writes or
 * `train` writing its checkpoints.
 */

import { decodeCheckpoint } from "../lib/rvae/serialize.ts";
import { numericColumn, parseCsv } from "../lib/io/csv.ts";
import { assert, assertEquals } from "./assert.ts";
import { runDeno, taskArgs } from "./child.ts";
import { FILE_BYTES, FILE_COUNT, readGeneration } from "./children/atomic_writer.ts";
import { writeScriptInputs } from "./script_inputs.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** Start `deno <args>` in the project root without waiting for it. */
function spawnDeno(args: string[]): Deno.ChildProcess {
  return new Deno.Command("deno", {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

/** Wait until `path` exists; fail if `child` ends first (no time limit: a busy machine is slow). */
async function waitFor(path: string, child: Deno.ChildProcess): Promise<void> {
  let ended = false;
  child.status.then(() => ended = true);
  while (!(await Deno.stat(path).then(() => true, () => false))) {
    assert(!ended, `the child ended before ${path} appeared`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The first line a child prints on `stream` ("" when it closes without one). */
async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    text += decoder.decode(chunk, { stream: true });
    if (text.includes("\n")) break;
  }
  return text.split("\n")[0];
}

/** Files under their final names (not the temporary `*.tmp-<pid>-<n>` of a write in flight). */
async function finalNames(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) if (!/\.tmp-\d+-\d+$/.test(e.name)) names.push(e.name);
  return names.sort();
}

Deno.test("interrupt: SIGINT during train keeps the checkpoint and exits 130; --resume finishes", async () => {
  const inputs = await writeScriptInputs("ferrovae_sigint_");
  const out = `${inputs.dir}/out`;
  const train = await taskArgs("train");
  try {
    const child = spawnDeno([...train, inputs.stack, "--out", out, "--epochs", "100000"]);
    await waitFor(`${out}/checkpoint.bin`, child);
    child.kill("SIGINT");
    const { code, stderr } = await child.output();
    const message = new TextDecoder().decode(stderr);
    assertEquals(code, 130, message);
    assert(/interrupted after epoch \d+.*--resume/.test(message), message);

    const bytes = await Deno.readFile(`${out}/checkpoint.bin`);
    const { checkpoint } = decodeCheckpoint(bytes, "checkpoint.bin");
    const done = checkpoint.epoch;
    assert(done >= 1, `checkpoint after epoch ${done}`);
    assertEquals(checkpoint.history.length, done);
    const manifest = JSON.parse(await Deno.readTextFile(`${out}/run.json`));
    assertEquals(manifest.extra.interrupted, true);
    assert(manifest.files.includes("checkpoint.bin"), manifest.files.join(", "));
    assertEquals(await finalNames(out), [...manifest.files].sort());

    const epochs = done + 2;
    const resumed = await runDeno([
      ...train,
      inputs.stack,
      "--out",
      out,
      "--epochs",
      String(epochs),
      "--resume",
    ]);
    assertEquals(resumed.code, 0, resumed.stderr);
    const history = parseCsv(await Deno.readTextFile(`${out}/history.csv`), "history.csv");
    assertEquals(
      Array.from(numericColumn(history, "epoch")),
      [...Array(epochs).keys()].map((e) => e + 1),
    );
    const latents = parseCsv(await Deno.readTextFile(`${out}/latents.csv`), "latents.csv");
    assertEquals(numericColumn(latents, "angle").length, 12);
    const final = JSON.parse(await Deno.readTextFile(`${out}/run.json`));
    assertEquals(final.parameters.resume, true);
  } finally {
    await Deno.remove(inputs.dir, { recursive: true });
  }
});

Deno.test("interrupt: SIGKILL in the middle of atomic writes leaves only complete files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferrovae_kill_" });
  const writer = new URL("./children/atomic_writer.ts", import.meta.url).pathname;
  try {
    // The writer pauses halfway through generation `pause` and says so; the
    // kill comes only then, so every kill lands mid-write whatever the load.
    for (let pause = 0; pause <= 2 * FILE_COUNT; pause++) {
      const child = new Deno.Command("deno", {
        args: ["run", `--allow-read=${dir}`, `--allow-write=${dir}`, writer, dir, String(pause)],
        cwd: ROOT,
        env: { NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const line = await firstLine(child.stdout);
      const match = /^mid-write (\S+)$/.exec(line);
      if (!match) {
        child.kill("SIGKILL");
        const { stderr } = await child.output();
        throw new Error(`writer said "${line}": ${new TextDecoder().decode(stderr)}`);
      }
      const temporary = match[1];
      assertEquals((await Deno.stat(`${dir}/${temporary}`)).size, FILE_BYTES / 2);
      child.kill("SIGKILL");
      assertEquals((await child.status).signal, "SIGKILL");
      await child.stderr.cancel();

      // Under final names: exactly the files of the generations before `pause`, each complete,
      // each holding the last generation written to it; the torn one only under its temporary name.
      const expected = Array.from({ length: Math.min(pause, FILE_COUNT) }, (_, i) => i);
      assertEquals(await finalNames(dir), expected.map((i) => `file${i}.bin`));
      for (const i of expected) {
        const last = i + FILE_COUNT * Math.floor((pause - 1 - i) / FILE_COUNT);
        const got = readGeneration(await Deno.readFile(`${dir}/file${i}.bin`));
        assertEquals(got, last, `file${i}.bin after a kill during generation ${pause}`);
      }
      assertEquals((await Deno.stat(`${dir}/${temporary}`)).size, FILE_BYTES / 2);
      await Deno.remove(`${dir}/${temporary}`);
      for (const i of expected) await Deno.remove(`${dir}/file${i}.bin`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("interrupt: SIGKILL during train never leaves a torn checkpoint", async () => {
  const inputs = await writeScriptInputs("ferrovae_killtrain_");
  const train = await taskArgs("train");
  try {
    for (const delay of [0, 150]) {
      const out = `${inputs.dir}/out${delay}`;
      const child = spawnDeno([...train, inputs.stack, "--out", out, "--epochs", "100000"]);
      await waitFor(`${out}/checkpoint.bin`, child);
      await sleep(delay);
      child.kill("SIGKILL");
      await child.status;
      const bytes = await Deno.readFile(`${out}/checkpoint.bin`);
      const { checkpoint } = decodeCheckpoint(bytes, "checkpoint.bin");
      assert(checkpoint.epoch >= 1);
    }
  } finally {
    await Deno.remove(inputs.dir, { recursive: true });
  }
});
