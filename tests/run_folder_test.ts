/**
 * No run ever destroys another: a results folder D is replaced whole or not
 * at all. For `atoms`, `analyze` and `train`: a first complete run into D,
 * then a second run with other flags into D, stopped by SIGINT or SIGKILL at
 * exact points (the child says it has reached the point, through the test
 * hook of scripts/_cli.ts, and only then is signalled: no sleeps). Each time
 * D holds exactly the first run's files or exactly the second run's, and
 * beside it at most a staging or trash folder of ours, which the next run
 * into D removes. Also: a folder we did not make is refused (and `--force`
 * never deletes its files), and stale staging folders are cleaned up only
 * when they are ours and their owner is gone.
 */

import { assert, assertEquals } from "./assert.ts";
import { runDeno, taskArgs } from "./child.ts";
import { hookedTask, startPaused } from "./paused_child.ts";
import { type ScriptInputs, writeScriptInputs } from "./script_inputs.ts";
import { decodeCheckpoint } from "../lib/rvae/serialize.ts";
import { sha256Hex } from "../lib/io/run.ts";

/** File → SHA-256 of everything under `dir` (null when `dir` does not exist). */
async function snapshot(dir: string): Promise<Map<string, string> | null> {
  if (!(await Deno.stat(dir).then(() => true, () => false))) return null;
  const out = new Map<string, string>();
  const walk = async (relative: string) => {
    for await (const e of Deno.readDir(relative ? `${dir}/${relative}` : dir)) {
      const name = relative ? `${relative}/${e.name}` : e.name;
      if (e.isDirectory) await walk(name);
      else out.set(name, await sha256Hex(await Deno.readFile(`${dir}/${name}`)));
    }
  };
  await walk("");
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Copy folder `from` to `to` (which must not exist). */
async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to);
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await copyTree(`${from}/${e.name}`, `${to}/${e.name}`);
    else await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

/** Names beside `dir` that belong to it (`.<name>.ferrovae-…`), sorted, pids as `<pid>`. */
async function beside(dir: string): Promise<string[]> {
  const parent = dir.slice(0, dir.lastIndexOf("/"));
  const prefix = `.${dir.slice(dir.lastIndexOf("/") + 1)}.ferrovae-`;
  const names: string[] = [];
  for await (const e of Deno.readDir(parent)) {
    if (e.name.startsWith(prefix)) {
      names.push(e.name.slice(prefix.length).replace(/-\d+$/, "-<pid>"));
    }
  }
  return names.sort();
}

/** Files whose bytes hold a clock (run.json's times, report.html's copy of them, checkpoint timings). */
// results.hspy too: HDF5 stamps each chunked dataset with its modification time (h5wasm
// cannot turn the library's track_times off).
const CLOCKED = new Set(["run.json", "report.html", "checkpoint.bin", "results.hspy"]);

/** `got` is exactly `expected` (every file, every byte). */
function assertExactly(
  got: Map<string, string> | null,
  expected: Map<string, string>,
  what: string,
) {
  assert(got !== null, `${what}: the folder is missing`);
  assertEquals([...got.keys()], [...expected.keys()], `${what}: file list`);
  for (const [name, hash] of expected) assertEquals(got.get(name), hash, `${what}: ${name}`);
}

/**
 * `got` is the second run's folder: the reference run's file list, the same
 * bytes in every file that holds no clock, and a run.json that lists them.
 */
async function assertNewRun(
  dir: string,
  got: Map<string, string> | null,
  reference: Map<string, string>,
  what: string,
) {
  assert(got !== null, `${what}: the folder is missing`);
  assertEquals([...got.keys()], [...reference.keys()], `${what}: file list`);
  for (const [name, hash] of reference) {
    if (!CLOCKED.has(name)) assertEquals(got.get(name), hash, `${what}: ${name}`);
  }
  const manifest = JSON.parse(await Deno.readTextFile(`${dir}/run.json`));
  assertEquals([...manifest.files].sort(), [...reference.keys()], `${what}: run.json's files`);
}

/** Where a second run is stopped, how, and what D must then hold. */
interface Point {
  stage: string;
  signal: "SIGINT" | "SIGKILL";
}

/** Which run D holds after `point` (before and after the next run's cleanup). */
function expectation(point: Point): { now: "old" | "new" | "absent"; after: "old" | "new" } {
  const committing = point.stage === "commit:aside" || point.stage === "commit:swapped";
  if (!committing) return { now: "old", after: "old" };
  // Once the old folder is moved aside the commit is never stopped by Ctrl-C; a kill between
  // the two renames leaves D absent beside the complete staging folder the next run renames in.
  if (point.signal === "SIGKILL" && point.stage === "commit:aside") {
    return { now: "absent", after: "new" };
  }
  return { now: "new", after: "new" };
}

interface Scenario {
  script: string;
  /** The first run's arguments (without --out). */
  first: string[];
  /** The second run's arguments (without --out). */
  second: string[];
  /** A run into D that fails on a missing input (after the run has started: it cleans up). */
  failing: string[];
  points: Point[];
  /** Names beside D that may outlive a run (train's checkpoint folder). */
  kept?: string[];
}

async function runScenario(inputs: ScriptInputs, s: Scenario): Promise<void> {
  const task = await taskArgs(s.script);
  const hooked = await hookedTask(s.script);
  const dir = await Deno.makeTempDir({ dir: inputs.dir, prefix: `${s.script}_` });
  const D = `${dir}/D`;
  const first = await runDeno([...task, ...s.first, "--out", D]);
  assertEquals(first.code, 0, first.stderr);
  const old = (await snapshot(D))!;
  await copyTree(D, `${dir}/old`);
  const ref = await runDeno([...task, ...s.second, "--out", `${dir}/reference`]);
  assertEquals(ref.code, 0, ref.stderr);
  const reference = (await snapshot(`${dir}/reference`))!;
  // Otherwise "the first run's or the second's" could not tell them apart.
  assert(
    [...reference].some(([name, hash]) => !CLOCKED.has(name) && old.get(name) !== hash),
    "the two runs write different files",
  );
  const kept = s.kept ?? [];
  const check = async (which: "old" | "new" | "absent", what: string) => {
    const got = await snapshot(D);
    if (which === "old") assertExactly(got, old, what);
    else if (which === "new") await assertNewRun(D, got, reference, what);
    else assertEquals(got, null, what);
  };

  for (const point of s.points) {
    const what = `${s.script} ${point.signal} at ${point.stage}`;
    await Deno.remove(D, { recursive: true }).catch(() => {});
    await copyTree(`${dir}/old`, D);
    const paused = await startPaused([...hooked, ...s.second, "--out", D], point.stage);
    paused.child.kill(point.signal);
    const { status, stderr } = await paused.end();
    const expected = expectation(point);
    if (point.signal === "SIGKILL") {
      assertEquals(status.signal, "SIGKILL", `${what}: ${stderr}`);
    } else if (expected.now === "old") {
      assertEquals(status.code, 130, `${what}: ${stderr}`);
      const last = stderr.trim().split("\n").at(-1)!;
      assert(last.startsWith(`error: ${D}: interrupted`), `${what}: ${last}`);
      assert(last.includes("the folder was left as it was"), `${what}: ${last}`);
    } else {
      assertEquals(status.code, 0, `${what}: ${stderr}`);
    }
    await check(expected.now, `${what}, right after`);
    const left = (await beside(D)).filter((n) => !kept.includes(n));
    if (point.signal === "SIGINT") {
      assertEquals(left, [], `${what}: left beside D`);
    } else {
      // A kill leaves the lock file and a staging or a trash folder; between the two renames
      // of the commit, both (the old run aside, the complete new one not yet in place).
      const folders = left.filter((n) => n !== "lock");
      const allowed = expected.now === "absent"
        ? [["staging-<pid>", "trash-<pid>"]]
        : [[], ["staging-<pid>"], ["trash-<pid>"]];
      assert(
        allowed.some((a) => a.join() === folders.join()),
        `${what}: left ${left.join(", ")}`,
      );
    }
    // The next run into D (one that fails on a missing input) finishes or removes what is left.
    const next = await runDeno([...task, ...s.failing, "--out", D]);
    assertEquals(next.code, 1, `${what}, next run: ${next.stderr}`);
    assert(next.stderr.includes("missing"), next.stderr);
    await check(expected.after, `${what}, after the next run`);
    assertEquals(
      (await beside(D)).filter((n) => !kept.includes(n)),
      [],
      `${what}: left beside D after the next run`,
    );
  }
  await Deno.remove(dir, { recursive: true });
}

/** Interruption points every scenario covers: before, at, and inside the commit. */
const COMMIT_POINTS: Point[] = [
  { stage: "commit:staged", signal: "SIGINT" },
  { stage: "commit:swapped", signal: "SIGINT" },
  { stage: "commit:staged", signal: "SIGKILL" },
  { stage: "commit:aside", signal: "SIGKILL" },
  { stage: "commit:swapped", signal: "SIGKILL" },
];

Deno.test("run folder: atoms interrupted anywhere leaves the first run's folder or the second's", async () => {
  const inputs = await writeScriptInputs("ferrovae_runfolder_atoms_");
  try {
    await runScenario(inputs, {
      script: "atoms",
      first: [inputs.image, "--no-figures"],
      second: [inputs.image, "--window", "0.4"],
      failing: [`${inputs.dir}/missing.npy`],
      points: [
        { stage: "write:atoms.csv", signal: "SIGINT" },
        { stage: "write:polarization_map.png", signal: "SIGINT" },
        { stage: "write:atoms.csv", signal: "SIGKILL" },
        { stage: "write:polarization_map.png", signal: "SIGKILL" },
        ...COMMIT_POINTS,
      ],
    });
  } finally {
    await Deno.remove(inputs.dir, { recursive: true });
  }
});

Deno.test("run folder: analyze interrupted anywhere, training included, leaves one whole run", async () => {
  const inputs = await writeScriptInputs("ferrovae_runfolder_analyze_");
  try {
    await runScenario(inputs, {
      script: "analyze",
      first: [inputs.image, "--epochs", "1", "--skip-baselines", "--window", "24"],
      second: [
        inputs.image,
        // --keep-checkpoint: the checkpoint is written (and a stop point) each epoch.
        ...["--epochs", "2", "--window", "16", "--seed", "1", "--keep-checkpoint"],
        ...["--embeddings", "pca", "--classes", "2", "--bic-max", "3"],
      ],
      failing: [`${inputs.dir}/missing.npy`],
      points: [
        { stage: "write:atoms.csv", signal: "SIGINT" },
        // During training, as in the issue: after the first epoch's checkpoint.
        { stage: "write:checkpoint.bin", signal: "SIGINT" },
        { stage: "write:checkpoint.bin", signal: "SIGKILL" },
        ...COMMIT_POINTS,
      ],
    });
  } finally {
    await Deno.remove(inputs.dir, { recursive: true });
  }
});

Deno.test("run folder: train interrupted anywhere leaves one whole run; its checkpoint resumes exactly", async () => {
  const inputs = await writeScriptInputs("ferrovae_runfolder_train_");
  try {
    const second = [inputs.stack, "--epochs", "3", "--latent", "1", "--seed", "2"];
    await runScenario(inputs, {
      script: "train",
      first: [inputs.stack, "--epochs", "1"],
      second,
      failing: [`${inputs.dir}/missing.npy`],
      points: [
        { stage: "write:checkpoint.bin", signal: "SIGINT" },
        { stage: "write:checkpoint.bin", signal: "SIGKILL" },
        ...COMMIT_POINTS,
      ],
      kept: ["checkpoint"],
    });

    // Interrupted (SIGINT, then SIGKILL) after its first epoch, a run resumes from the
    // checkpoint kept beside D to exactly the uninterrupted run's results.
    const dir = await Deno.makeTempDir({ dir: inputs.dir, prefix: "resume_" });
    const task = await taskArgs("train");
    const reference = await runDeno([...task, ...second, "--out", `${dir}/reference`]);
    assertEquals(reference.code, 0, reference.stderr);
    for (const signal of ["SIGINT", "SIGKILL"] as const) {
      const D = `${dir}/${signal}`;
      const paused = await startPaused(
        [...await hookedTask("train"), ...second, "--out", D],
        "write:checkpoint.bin",
      );
      paused.child.kill(signal);
      const { stderr } = await paused.end();
      if (signal === "SIGINT") {
        const last = stderr.trim().split("\n").at(-1)!;
        assertEquals(
          last,
          `error: ${D}: interrupted after epoch 1; nothing was written there; the checkpoint ` +
            `is kept in ${dir}/.${signal}.ferrovae-checkpoint; continue with the same command ` +
            "plus --resume",
        );
      }
      assertEquals(await snapshot(D), null, `${signal}: nothing under D`);
      const kept = await Deno.readFile(`${dir}/.${signal}.ferrovae-checkpoint/checkpoint.bin`);
      assertEquals(decodeCheckpoint(kept, "checkpoint.bin").checkpoint.epoch, 1);
      const resumed = await runDeno([...task, ...second, "--out", D, "--resume"]);
      assertEquals(resumed.code, 0, resumed.stderr);
      await assertNewRun(
        D,
        await snapshot(D),
        (await snapshot(`${dir}/reference`))!,
        `resumed after ${signal}`,
      );
      assertEquals(await beside(D), [], `${signal}: the checkpoint folder is removed at the end`);
    }
  } finally {
    await Deno.remove(inputs.dir, { recursive: true });
  }
});

Deno.test("run folder: a folder we did not make is refused; --force never deletes its files", async () => {
  const inputs = await writeScriptInputs("ferrovae_runfolder_refuse_");
  try {
    const atoms = await taskArgs("atoms");
    const D = `${inputs.dir}/mine`;
    await Deno.mkdir(D);
    await Deno.writeTextFile(`${D}/notes.txt`, "my notes");
    await Deno.writeTextFile(`${D}/atoms.csv`, "my own atoms");
    const mine = (await snapshot(D))!;
    const refused = await runDeno([...atoms, inputs.image, "--no-figures", "--out", D]);
    assertEquals(refused.code, 1, refused.stderr);
    assertEquals(
      refused.stderr.trim(),
      `error: ${D}: exists and is not a ferrovae output folder; choose another --out or pass --force`,
    );
    assertExactly(await snapshot(D), mine, "refused");
    assertEquals(await beside(D), [], "nothing beside the refused folder");

    // --force never overwrites a file no ferrovae run wrote: atoms.csv is the user's.
    const collide = await runDeno([...atoms, inputs.image, "--no-figures", "--force", "--out", D]);
    assertEquals(collide.code, 1, collide.stderr);
    assert(
      collide.stderr.includes(`error: ${D}/atoms.csv: exists and no ferrovae run`),
      collide.stderr,
    );
    assertExactly(await snapshot(D), mine, "--force with a name taken");
    assertEquals(await beside(D), []);

    // Without the collision, --force adds the run's files beside the user's.
    await Deno.remove(`${D}/atoms.csv`);
    const forced = await runDeno([...atoms, inputs.image, "--no-figures", "--force", "--out", D]);
    assertEquals(forced.code, 0, forced.stderr);
    const after = (await snapshot(D))!;
    assertEquals([...after.keys()], [
      "atoms.csv",
      "domains.csv",
      "lattice.csv",
      "notes.txt",
      "polarization.csv",
      "run.json",
    ]);
    assertEquals(after.get("notes.txt"), mine.get("notes.txt"));
    // Our folder now, but with the user's file in it: refused without --force (naming it) ...
    const again = await runDeno([...atoms, inputs.image, "--out", D]);
    assertEquals(again.code, 1, again.stderr);
    assert(again.stderr.includes("holds files no ferrovae run wrote (notes.txt)"), again.stderr);
    // ... and with it, the previous run's files are replaced and the user's kept.
    const replaced = await runDeno([...atoms, inputs.image, "--force", "--out", D]);
    assertEquals(replaced.code, 0, replaced.stderr);
    const last = (await snapshot(D))!;
    assert(last.has("atoms.svg") && last.get("notes.txt") === mine.get("notes.txt"));
    const manifest = JSON.parse(await Deno.readTextFile(`${D}/run.json`));
    assertEquals([...manifest.files, "notes.txt"].sort(), [...last.keys()]);
    assertEquals(await beside(D), []);

    // Another script's complete folder: refused without --force, replaced whole with it.
    const train = await taskArgs("train");
    const O = `${inputs.dir}/atoms_out`;
    assertEquals((await runDeno([...atoms, inputs.image, "--no-figures", "--out", O])).code, 0);
    const other = await runDeno([...train, inputs.stack, "--epochs", "1", "--out", O]);
    assertEquals(other.code, 1, other.stderr);
    assert(other.stderr.includes("is not a ferrovae output folder"), other.stderr);
    const over = await runDeno([...train, inputs.stack, "--epochs", "1", "--force", "--out", O]);
    assertEquals(over.code, 0, over.stderr);
    assert(!(await snapshot(O))!.has("atoms.csv"), "atoms' files replaced whole");
  } finally {
    await Deno.remove(inputs.dir, { recursive: true });
  }
});

Deno.test("run folder: stale staging and trash folders of ours are removed, nothing else, never a live run's", async () => {
  const inputs = await writeScriptInputs("ferrovae_runfolder_stale_");
  try {
    const atoms = await taskArgs("atoms");
    const D = `${inputs.dir}/D`;
    // What killed runs leave (their pids are long gone), and look-alikes that are not ours.
    for (const name of [".D.ferrovae-staging-999999", ".D.ferrovae-trash-999998"]) {
      await Deno.mkdir(`${inputs.dir}/${name}/model`, { recursive: true });
      await Deno.writeTextFile(`${inputs.dir}/${name}/model/weights.bin`, "partial");
    }
    await Deno.writeTextFile(`${inputs.dir}/.D.ferrovae-lock`, "");
    const others = [".D.ferrovae-staging-x", ".DD.ferrovae-staging-1", "D.ferrovae-staging-1"];
    for (const name of others) await Deno.mkdir(`${inputs.dir}/${name}`);

    // A live run into D holds the lock: a second run is refused and removes nothing.
    const ours = async () => (await beside(D)).filter((n) => n !== "staging-x");
    const live = await startPaused(
      [...await hookedTask("atoms"), inputs.image, "--no-figures", "--out", D],
      "write:atoms.csv",
    );
    assertEquals(await ours(), ["lock", "staging-<pid>"], "the live run removed the stale ones");
    const busy = await runDeno([...atoms, inputs.image, "--out", D]);
    assertEquals(busy.code, 1, busy.stderr);
    assert(busy.stderr.includes("another ferrovae run is writing this folder"), busy.stderr);
    assertEquals(await ours(), ["lock", "staging-<pid>"], "the live run's staging folder kept");
    live.child.kill("SIGKILL");
    await live.end();

    const r = await runDeno([...atoms, inputs.image, "--no-figures", "--out", D]);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(await ours(), []);
    const left = [...Deno.readDirSync(inputs.dir)].map((e) => e.name).filter((n) =>
      n.includes("ferrovae-")
    );
    assertEquals(left.sort(), [...others].sort(), "look-alikes are not ours and stay");
  } finally {
    await Deno.remove(inputs.dir, { recursive: true });
  }
});
