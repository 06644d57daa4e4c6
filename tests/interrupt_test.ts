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
import { FILE_COUNT, tornReason } from "./children/atomic_writer.ts";
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

/** Wait until `path` exists (or fail after `limitMs`). */
async function waitFor(path: string, limitMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!(await Deno.stat(path).then(() => true, () => false))) {
    assert(Date.now() - started < limitMs, `${path} did not appear within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
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
    await waitFor(`${out}/checkpoint.bin`);
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
    let temporaries = 0;
    // Kill at spread-out moments until three kills have landed mid-write (a busy
    // machine can make a few land between writes), checking every file each time.
    const delays = [0, 3, 11, 17, 29, 43, 61, 89, 131, 197];
    let kills = 0;
    for (; kills < 40 && (kills < delays.length || temporaries < 3); kills++) {
      const delay = delays[kills % delays.length];
      const child = spawnDeno(["run", `--allow-read=${dir}`, `--allow-write=${dir}`, writer, dir]);
      await waitFor(`${dir}/file${FILE_COUNT - 1}.bin`);
      await sleep(delay);
      child.kill("SIGKILL");
      const { signal } = await child.status;
      assertEquals(signal, "SIGKILL");
      const names = await finalNames(dir);
      assertEquals(names, Array.from({ length: FILE_COUNT }, (_, i) => `file${i}.bin`));
      for (const name of names) {
        const torn = tornReason(await Deno.readFile(`${dir}/${name}`));
        assertEquals(torn, "", `${name} after a kill ${delay} ms in`);
      }
      for await (const e of Deno.readDir(dir)) {
        if (e.name.includes(".tmp-")) {
          temporaries++;
          await Deno.remove(`${dir}/${e.name}`);
        }
      }
    }
    // The writer spends nearly all its time writing, so most kills land mid-write.
    assert(temporaries >= 3, `${temporaries} of ${kills} kills landed mid-write`);
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
      await waitFor(`${out}/checkpoint.bin`);
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
