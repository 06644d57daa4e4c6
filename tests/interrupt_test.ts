/**
 * Interruption: Ctrl-C (SIGINT) during `train` lets the checkpoint write
 * finish, exits with status 130, leaves `--out` as it was and keeps the
 * checkpoint beside it, from which `--resume` completes the run; a hard kill
 * (SIGKILL) in the middle of writes never leaves a truncated file under a
 * final name, whether the writer is a loop of large atomic writes or `train`
 * writing its checkpoints. Children are signalled only once they say they
 * have reached the point (the test hook of scripts/_cli.ts): no sleeps.
 */

import { decodeCheckpoint } from "../lib/rvae/serialize.ts";
import { numericColumn, parseCsv } from "../lib/io/csv.ts";
import { assert, assertEquals } from "./assert.ts";
import { runDeno, taskArgs } from "./child.ts";
import { hookedTask, startPaused } from "./paused_child.ts";
import { FILE_BYTES, FILE_COUNT, readGeneration } from "./children/atomic_writer.ts";
import { writeScriptInputs } from "./script_inputs.ts";

const ROOT = new URL("..", import.meta.url).pathname;

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

/**
 * Names in `dir` under their final names (not the temporary `*.tmp-<pid>-<n>` of a write in
 * flight), those starting with `prefix` when given.
 */
async function finalNames(dir: string, prefix = ""): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (!/\.tmp-\d+-\d+$/.test(e.name) && e.name.startsWith(prefix)) names.push(e.name);
  }
  return names.sort();
}

Deno.test("interrupt: SIGINT during train keeps the checkpoint beside --out and exits 130; --resume finishes", async () => {
  const inputs = await writeScriptInputs("ferrovae_sigint_");
  const out = `${inputs.dir}/out`;
  const kept = `${inputs.dir}/.out.ferrovae-checkpoint`;
  const train = await taskArgs("train");
  try {
    const paused = await startPaused(
      [...await hookedTask("train"), inputs.stack, "--out", out, "--epochs", "100000"],
      "write:checkpoint.bin",
    );
    paused.child.kill("SIGINT");
    const { status, stderr: message } = await paused.end();
    assertEquals(status.code, 130, message);
    assert(/interrupted after epoch \d+.*--resume/.test(message), message);
    assert(message.includes(`the checkpoint is kept in ${kept}`), message);
    // Nothing under --out: the run did not complete.
    assertEquals(await Deno.stat(out).then(() => true, () => false), false);
    assertEquals(await finalNames(inputs.dir, ".out."), [".out.ferrovae-checkpoint"]);

    const bytes = await Deno.readFile(`${kept}/checkpoint.bin`);
    const { checkpoint } = decodeCheckpoint(bytes, "checkpoint.bin");
    const done = checkpoint.epoch;
    assertEquals(done, 1, "paused after the first epoch's checkpoint");
    assertEquals(checkpoint.history.length, done);

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
    assert(final.files.includes("checkpoint.bin"), final.files.join(", "));
    assertEquals(
      await finalNames(out),
      [...final.files.filter((f: string) => !f.includes("/")), "model"].sort(),
    );
    // The kept checkpoint is gone once a run completes.
    assertEquals(await finalNames(inputs.dir, ".out."), []);
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
  try {
    // Killed right after the checkpoint of epoch 1, then of epoch 2: each time the kept
    // checkpoint is complete and is that epoch's, and --out was never made.
    for (const epoch of [1, 2]) {
      const out = `${inputs.dir}/out${epoch}`;
      const paused = await startPaused(
        [...await hookedTask("train"), inputs.stack, "--out", out, "--epochs", "100000"],
        `write:checkpoint.bin#${epoch}`,
      );
      paused.child.kill("SIGKILL");
      assertEquals((await paused.end()).status.signal, "SIGKILL");
      const kept = `${inputs.dir}/.out${epoch}.ferrovae-checkpoint`;
      assertEquals(await finalNames(kept), ["checkpoint.bin"]);
      const bytes = await Deno.readFile(`${kept}/checkpoint.bin`);
      const { checkpoint } = decodeCheckpoint(bytes, "checkpoint.bin");
      assertEquals(checkpoint.epoch, epoch);
      assertEquals(await Deno.stat(out).then(() => true, () => false), false);
    }
  } finally {
    await Deno.remove(inputs.dir, { recursive: true });
  }
});
