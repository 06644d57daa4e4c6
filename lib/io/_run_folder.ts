/**
 * Output folders that are replaced whole or not at all.
 *
 * A run never writes into its output folder `D` directly. It writes into a
 * staging folder beside it, `.<D>.ferrovae-staging-<pid>`, and only when it
 * has finished does it replace `D` in one step: the old folder is renamed to
 * `.<D>.ferrovae-trash-<pid>`, the staging folder is renamed to `D`, and the
 * trash is deleted. A failed or interrupted run removes its staging folder
 * and leaves `D` as it was. While a run lasts it holds an exclusive lock on
 * `.<D>.ferrovae-lock` (released by the kernel when the process dies, even
 * by SIGKILL), so that a second run into `D` is refused and the next run can
 * tell that staging and trash folders left by a killed run are stale and
 * remove them. A run killed between the two renames leaves `D` absent beside
 * a complete staging folder (it holds `run.json`, written last); the next
 * run into `D` renames that folder in, completing the swap.
 *
 * `train` keeps its checkpoint in `.<D>.ferrovae-checkpoint/`, which outlives
 * an interrupted or killed run (for `--resume`) and is removed when a run into
 * `D` that wrote checkpoints completes.
 *
 * A folder that is not a ferrovae output folder of the same script is not
 * used without `force`; with it, nothing a ferrovae run did not write is ever
 * deleted or overwritten (see {@linkcode OutputMode}).
 *
 * @module
 */

import { basename, dirname, join, normalize } from "node:path";
import { UserError } from "../errors.ts";
import { fileSystemError } from "./atomic_write.ts";

/** Our temporary-file names (`writeFileAtomic`'s `<name>.tmp-<pid>-<n>`). */
const TEMPORARY = /\.tmp-\d+-\d+$/;

/** The names of the folders and files a run of output folder `outDir` uses beside it. */
export interface RunFolderNames {
  /** The folder holding `outDir`. */
  parent: string;
  /** `outDir`'s own name. */
  base: string;
  /** The exclusive lock held while a run lasts. */
  lock: string;
  /** The staging folder of process `pid`. */
  staging(pid: number): string;
  /** The trash folder of process `pid`. */
  trash(pid: number): string;
  /** `train`'s resumable checkpoint folder. */
  checkpoint: string;
  /** Which of the names in `parent` are staging or trash folders of `outDir` (with their pid). */
  leftover(name: string): { kind: "staging" | "trash"; pid: number } | null;
}

/**
 * The names a run of output folder `outDir` uses beside it. Throws a
 * UserError for a folder that has no name of its own (`.`, `..`, `/`).
 *
 * @example
 * ```ts
 * const names = runFolderNames("out/demo");
 * names.staging(42); // "out/.demo.ferrovae-staging-42"
 * ```
 */
export function runFolderNames(outDir: string): RunFolderNames {
  const path = normalize(outDir).replace(/\/+$/, "");
  const base = basename(path);
  if (base === "" || base === "." || base === "..") {
    throw new UserError(
      outDir,
      "cannot be replaced whole (it has no name of its own); choose a named folder for --out",
    );
  }
  const parent = dirname(path);
  const prefix = `.${base}.ferrovae-`;
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`^${escaped}(staging|trash)-(\\d+)$`);
  return {
    parent,
    base,
    lock: join(parent, `${prefix}lock`),
    staging: (pid) => join(parent, `${prefix}staging-${pid}`),
    trash: (pid) => join(parent, `${prefix}trash-${pid}`),
    checkpoint: join(parent, `${prefix}checkpoint`),
    leftover(name) {
      const m = pattern.exec(name);
      return m ? { kind: m[1] as "staging" | "trash", pid: Number(m[2]) } : null;
    },
  };
}

/** Every file under `dir`, relative to it, sorted; directories are walked, not listed. */
export function filesUnderSync(dir: string): string[] {
  const out: string[] = [];
  const walk = (relative: string) => {
    for (const entry of Deno.readDirSync(relative ? join(dir, relative) : dir)) {
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory) walk(name);
      else out.push(name);
    }
  };
  walk("");
  return out.sort();
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw fileSystemError(path, err, "read");
  }
}

/** The manifest of a ferrovae run in `dir`, or null when there is none (or it is not ours). */
export function readOurManifest(dir: string): { script: string; files: string[] } | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(join(dir, "run.json"));
  } catch {
    return null;
  }
  try {
    const m = JSON.parse(text);
    const ours = m && typeof m.script === "string" && Array.isArray(m.files) &&
      m.files.every((f: unknown) => typeof f === "string") &&
      typeof m.versions?.ferrovae === "string";
    return ours ? { script: m.script, files: m.files } : null;
  } catch {
    return null;
  }
}

/**
 * How a run uses its output folder:
 * - `create`: the folder does not exist; the staging folder is renamed to it.
 * - `replace`: it is empty or holds exactly a previous ferrovae run (every file
 *   listed in its `run.json`): it is replaced whole, in one step.
 * - `merge` (only with `force`): it holds files no ferrovae run wrote. They
 *   stay where they are, never deleted or overwritten; the files of a previous
 *   ferrovae run there (listed in its `run.json`) are removed, run.json first,
 *   and the new files moved in one by one, run.json last; a new file whose
 *   name is taken by a file no ferrovae run wrote stops the run before
 *   anything is moved. The folder is not replaced in one step: a kill during
 *   the moves leaves it without a `run.json`, marked incomplete.
 */
export type OutputMode =
  | { kind: "create" }
  | { kind: "replace" }
  | { kind: "merge"; previous: string[] };

/** The refusal the contract prescribes for a folder that is not ours. */
export function notOursError(outDir: string): UserError {
  return new UserError(
    outDir,
    "exists and is not a ferrovae output folder; choose another --out or pass --force",
  );
}

/**
 * Decide how a run of `script` may use `outDir` (see {@linkcode OutputMode}),
 * or throw the one-line refusal.
 */
export function outputMode(outDir: string, script: string, force: boolean): OutputMode {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(outDir);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return { kind: "create" };
    throw fileSystemError(outDir, err, "read");
  }
  if (!info.isDirectory) throw new UserError(outDir, "is a file; the output must be a folder");
  let files: string[];
  try {
    files = filesUnderSync(outDir);
  } catch (err) {
    throw fileSystemError(outDir, err, "read");
  }
  if (files.length === 0) return { kind: "replace" };
  const manifest = readOurManifest(outDir);
  const listed = new Set(manifest?.files ?? []);
  const foreign = files.filter((f) => !listed.has(f) && !TEMPORARY.test(f));
  if (manifest && foreign.length === 0 && (manifest.script === script || force)) {
    return { kind: "replace" };
  }
  if (!force) {
    if (manifest?.script === script) {
      const shown = foreign.slice(0, 3).join(", ") + (foreign.length > 3 ? ", …" : "");
      throw new UserError(
        outDir,
        `holds files no ferrovae run wrote (${shown}); choose another --out or pass --force`,
      );
    }
    throw notOursError(outDir);
  }
  return {
    kind: "merge",
    previous: manifest ? manifest.files.filter((f) => exists(join(outDir, f))) : [],
  };
}

/**
 * The exclusive lock of output folder `outDir`, held while a run lasts. Throws
 * a UserError when another live process holds it.
 */
export function lockOutput(outDir: string, names: RunFolderNames): Deno.FsFile {
  for (;;) {
    let file: Deno.FsFile;
    try {
      file = Deno.openSync(names.lock, { read: true, write: true, create: true });
    } catch (err) {
      throw fileSystemError(names.lock, err, "write");
    }
    if (!file.tryLockSync(true)) {
      file.close();
      throw new UserError(
        outDir,
        `another ferrovae run is writing this folder (it holds ${names.lock}); ` +
          "wait for it or choose another --out",
      );
    }
    // The lock file may have been removed (by its previous holder, at its end)
    // between our open and our lock: then we hold a lock on a file no one else
    // will open, and must try again on the one under the name.
    let same = false;
    try {
      same = Deno.statSync(names.lock).ino === file.statSync().ino;
    } catch { /* removed: try again */ }
    if (same) return file;
    file.close();
  }
}

/** Release a lock taken by {@linkcode lockOutput}, removing its file first. */
export function unlockOutput(file: Deno.FsFile, names: RunFolderNames): void {
  try {
    Deno.removeSync(names.lock);
  } catch { /* already gone */ }
  file.close();
}

/**
 * With the lock held: finish what a killed run left. A complete staging
 * folder (it holds `run.json`) when `outDir` is absent is a swap cut between
 * its two renames: it is renamed in (the newest, when there are several).
 * Every other staging and trash folder of `outDir` is removed. Only folders
 * named as ours, and only while we hold the lock (their owners are gone).
 */
export function recoverOutput(outDir: string, names: RunFolderNames): string[] {
  let entries: string[];
  try {
    entries = [...Deno.readDirSync(names.parent)].map((e) => e.name);
  } catch (err) {
    throw fileSystemError(names.parent, err, "read");
  }
  const leftovers = entries.flatMap((name) => {
    const kind = names.leftover(name);
    return kind ? [{ ...kind, path: join(names.parent, name) }] : [];
  });
  if (!exists(outDir)) {
    const complete = leftovers
      .filter((l) => l.kind === "staging" && exists(join(l.path, "run.json")))
      .map((l) => ({ ...l, finished: finishedAt(l.path) }))
      .sort((a, b) => b.finished.localeCompare(a.finished));
    if (complete.length > 0) {
      try {
        Deno.renameSync(complete[0].path, outDir);
      } catch (err) {
        throw fileSystemError(outDir, err, "write");
      }
      leftovers.splice(leftovers.findIndex((l) => l.path === complete[0].path), 1);
    }
  }
  for (const l of leftovers) removeTree(l.path);
  return leftovers.map((l) => l.path);
}

function finishedAt(dir: string): string {
  try {
    return String(JSON.parse(Deno.readTextFileSync(join(dir, "run.json"))).finished ?? "");
  } catch {
    return "";
  }
}

/** Remove a folder of ours: `run.json` first (so a half-removed folder never looks complete). */
export function removeTree(path: string): void {
  try {
    Deno.removeSync(join(path, "run.json"));
  } catch { /* none */ }
  try {
    Deno.removeSync(path, { recursive: true });
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw fileSystemError(path, err, "write");
  }
}

/** Async {@linkcode removeTree}. */
export async function removeTreeAsync(path: string): Promise<void> {
  await Deno.remove(join(path, "run.json")).catch(() => {});
  try {
    await Deno.remove(path, { recursive: true });
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw fileSystemError(path, err, "write");
  }
}

/** Steps of a commit, in order (reported to {@linkcode CommitOptions.onStep}). */
export type CommitStep = "staged" | "aside" | "swapped";

/** Options of {@linkcode commitOutput}. */
export interface CommitOptions {
  /** Called after each step; `aside` only when an old folder was moved aside. */
  onStep?: (step: CommitStep) => Promise<void>;
}

/** Rename with a one-line error about `about`. */
async function move(from: string, to: string, about: string): Promise<void> {
  try {
    await Deno.rename(from, to);
  } catch (err) {
    throw fileSystemError(about, err, "write");
  }
}

/**
 * Put the complete staging folder `staging` (with `run.json`) in place as
 * `outDir`, as `mode` says; `files` are the staged files, `run.json` last.
 */
export async function commitOutput(
  outDir: string,
  staging: string,
  mode: OutputMode,
  files: readonly string[],
  names: RunFolderNames,
  options: CommitOptions = {},
): Promise<void> {
  const step = options.onStep ?? (() => Promise.resolve());
  await step("staged");
  const trash = names.trash(Deno.pid);
  if (mode.kind === "create") {
    await move(staging, outDir, outDir);
    await step("swapped");
    return;
  }
  if (mode.kind === "replace") {
    await move(outDir, trash, outDir);
    await step("aside");
    try {
      await Deno.rename(staging, outDir);
    } catch (err) {
      // Put the old folder back: the run fails, the folder is as it was.
      await Deno.rename(trash, outDir).catch(() => {});
      throw fileSystemError(outDir, err, "write");
    }
    await step("swapped");
    await removeTreeAsync(trash);
    return;
  }
  // Merge: nothing that a ferrovae run did not write is touched.
  const previous = new Set(mode.previous);
  for (const file of files) {
    const parts = file.split("/");
    for (let i = 1; i <= parts.length; i++) {
      const path = join(outDir, ...parts.slice(0, i));
      const relative = parts.slice(0, i).join("/");
      let info: Deno.FileInfo | null = null;
      try {
        info = await Deno.lstat(path);
      } catch { /* free */ }
      if (!info) break;
      const isLast = i === parts.length;
      if (isLast ? !previous.has(relative) : !info.isDirectory) {
        throw new UserError(
          path,
          "exists and no ferrovae run wrote it; even with --force it is never overwritten " +
            "(move it, or choose another --out)",
        );
      }
    }
  }
  // The old run.json goes first: from then on the folder says it holds no complete run.
  const ordered = mode.previous.includes("run.json")
    ? ["run.json", ...mode.previous.filter((f) => f !== "run.json")]
    : mode.previous;
  await Deno.mkdir(trash, { recursive: true });
  for (const file of ordered) {
    await Deno.mkdir(dirname(join(trash, file)), { recursive: true });
    await move(join(outDir, file), join(trash, file), join(outDir, file));
  }
  await step("aside");
  for (const file of files) {
    await Deno.mkdir(dirname(join(outDir, file)), { recursive: true });
    await move(join(staging, file), join(outDir, file), join(outDir, file));
  }
  await step("swapped");
  await removeTreeAsync(trash);
  await removeTreeAsync(staging);
}
