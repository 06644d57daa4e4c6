/**
 * A run of a script: it writes its outputs into a staging folder beside its
 * output folder, remembers what it wrote, and on {@linkcode Run.finish}
 * writes `run.json` (the manifest) and replaces the output folder with the
 * staging folder in one step; a failed or interrupted run removes its
 * staging folder and leaves the output folder as it was (see
 * `_run_folder.ts` for the protocol and what a kill at any moment leaves).
 *
 * @module
 */

import { VERSION } from "../version.ts";
import { UserError } from "../errors.ts";
import type { Warning } from "../warnings.ts";
import { ensureDir, fileSystemError, readFileChecked, writeFileAtomic } from "./atomic_write.ts";
import {
  commitOutput,
  lockOutput,
  type OutputMode,
  outputMode,
  recoverOutput,
  removeTree,
  removeTreeAsync,
  type RunFolderNames,
  runFolderNames,
  unlockOutput,
} from "./_run_folder.ts";
import { dirname, join } from "node:path";

/** SHA-256 of `bytes` as lowercase hex. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Throw a UserError unless writing `path` is permitted (asking, as Deno does, when a terminal can answer). */
function checkWritable(path: string, refusal: () => UserError): void {
  const permission = { name: "write", path } as const;
  let { state } = Deno.permissions.querySync(permission);
  if (state === "prompt") state = Deno.permissions.requestSync(permission).state;
  if (state !== "granted") throw refusal();
}

/** An interrupted run (Ctrl-C): exit status 130, the output folder as it was. */
export class RunInterrupted extends UserError {
  /** Make the error about output folder `outDir`. */
  constructor(outDir: string, message: string) {
    super(outDir, message, { exitCode: 130 });
    this.name = "RunInterrupted";
  }
}

/** What a run records in `run.json`. */
export interface RunManifest {
  /** Script name, e.g. "atoms". */
  script: string;
  /** The command line as given. */
  command: string[];
  /** Every parameter after defaults were applied. */
  parameters: Record<string, unknown>;
  /** SHA-256 of each input file, by path. */
  inputs: Record<string, string>;
  /** ferrovae, Deno, V8, TypeScript and (when used) tfjs versions. */
  versions: Record<string, string>;
  /** Compute backend ("cpu", "wasm", ...) or "none". */
  backend: string;
  /** Seed of every random choice, or null when the run makes none. */
  seed: number | null;
  /** ISO timestamps. */
  started: string;
  /** ISO timestamp of the end of the run. */
  finished: string;
  /** Files written, relative to the output folder, `run.json` last. */
  files: string[];
  /** Anything else worth repeating the run (timings, counts). */
  extra: Record<string, unknown>;
  /** What the run found doubtful about its input or result, each code once, in order. */
  warnings: Warning[];
}

/** Options for {@linkcode Run}. */
export interface RunOptions {
  /** Script name. */
  script: string;
  /** Output folder. */
  outDir: string;
  /** Command line (defaults to `Deno.args`). */
  command?: string[];
  /**
   * Use an output folder that is not a ferrovae output folder of this script
   * (default false: refused). Never deletes or overwrites a file no ferrovae
   * run wrote; see `OutputMode` in `_run_folder.ts`.
   */
  force?: boolean;
  /**
   * Awaited at named points of the run: `write:<name>` after each file is
   * written, `commit:staged` (complete, `--out` untouched), `commit:aside`
   * (the old folder renamed aside) and `commit:swapped` (the new folder in
   * place). Default: nothing.
   */
  onStep?: (step: string) => Promise<void>;
  /**
   * Polled before each write and before the commit: when it says true, the
   * run stops with a {@linkcode RunInterrupted}. Default: never.
   */
  cancelled?: () => boolean;
}

/** A script run that writes into one output folder, replacing it whole or not at all. */
export class Run {
  /** The output folder. */
  readonly outDir: string;
  /** Where the outputs are while the run lasts (the staging folder beside `outDir`). */
  readonly dir: string;
  /** True when `outDir` existed when the run started (a complete run there is kept until ours is). */
  readonly replaces: boolean;
  readonly #manifest: RunManifest;
  readonly #written: string[] = [];
  readonly #names: RunFolderNames;
  readonly #force: boolean;
  readonly #onStep: (step: string) => Promise<void>;
  readonly #cancelled: () => boolean;
  readonly #createdParents: string[] = [];
  #lock: Deno.FsFile | null;
  #mode: OutputMode;
  #wroteCheckpoint = false;

  /**
   * Start a run: take the output folder's lock, finish or remove what a
   * killed run left beside it, check that the folder may be used and make
   * the staging folder. Refused here, before any work, with a one-line
   * UserError: a folder the run may not write (no permission, a file of that
   * name), one that is not a ferrovae output folder of this script (unless
   * `force`), one another run is writing.
   */
  constructor(options: RunOptions) {
    const { outDir } = options;
    this.outDir = outDir;
    this.#force = options.force ?? false;
    this.#onStep = options.onStep ?? (() => Promise.resolve());
    this.#cancelled = options.cancelled ?? (() => false);
    checkWritable(
      outDir,
      () =>
        fileSystemError(outDir, new Deno.errors.NotCapable(`write access to ${outDir}`), "write"),
    );
    const names = runFolderNames(outDir);
    this.#names = names;
    checkWritable(names.parent, () =>
      new UserError(
        outDir,
        `permission to write beside this folder was not granted: a run is written into a ` +
          `staging folder in ${names.parent} and then put in place whole (run the script with ` +
          `--allow-write covering ${names.parent})`,
      ));
    this.#makeParents(names.parent);
    this.#lock = lockOutput(outDir, names);
    try {
      recoverOutput(outDir, names);
      this.#mode = outputMode(outDir, options.script, this.#force);
      this.dir = names.staging(Deno.pid);
      removeTree(this.dir);
      Deno.mkdirSync(this.dir);
    } catch (err) {
      this.#release();
      this.#removeParents();
      if (err instanceof UserError) throw err;
      throw fileSystemError(outDir, err, "write");
    }
    this.replaces = this.#mode.kind !== "create";
    this.#manifest = {
      script: options.script,
      command: ["deno", "run", `scripts/${options.script}.ts`, ...(options.command ?? Deno.args)],
      parameters: {},
      inputs: {},
      versions: {
        ferrovae: VERSION,
        deno: Deno.version.deno,
        v8: Deno.version.v8,
        typescript: Deno.version.typescript,
      },
      backend: "none",
      seed: null,
      started: new Date().toISOString(),
      finished: "",
      files: [],
      extra: {},
      warnings: [],
    };
  }

  /** Make `dir` and its missing parents, remembering which were made (removed again on failure). */
  #makeParents(dir: string): void {
    const missing: string[] = [];
    for (let d = dir; d !== dirname(d); d = dirname(d)) {
      try {
        Deno.statSync(d);
        break;
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) break;
        missing.push(d);
      }
    }
    if (missing.length === 0) return;
    try {
      Deno.mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw fileSystemError(dir, err, "write");
    }
    this.#createdParents.push(...missing);
  }

  #removeParents(): void {
    for (const d of this.#createdParents) {
      try {
        Deno.removeSync(d);
      } catch { /* not empty (or gone): keep it */ }
    }
  }

  #release(): void {
    if (this.#lock) unlockOutput(this.#lock, this.#names);
    this.#lock = null;
  }

  /**
   * The error for a run stopped by the user: `interrupted[ <when>]; <what
   * became of the output folder>[; <then>]`.
   */
  interrupted(when = "", then = ""): RunInterrupted {
    const folder = this.replaces ? "the folder was left as it was" : "nothing was written there";
    return new RunInterrupted(
      this.outDir,
      `interrupted${when ? ` ${when}` : ""}; ${folder}${then ? `; ${then}` : ""}`,
    );
  }

  #checkCancelled(): void {
    if (this.#lock && this.#cancelled()) throw this.interrupted();
  }

  /** Record parameters (merged into what is there). */
  setParameters(parameters: Record<string, unknown>): void {
    Object.assign(this.#manifest.parameters, parameters);
  }

  /** Record the compute backend and, when tfjs is used, its version. */
  setBackend(backend: string, tfjsVersion?: string): void {
    this.#manifest.backend = backend;
    if (tfjsVersion) this.#manifest.versions.tfjs = tfjsVersion;
  }

  /** Record the seed of the run's random choices. */
  setSeed(seed: number): void {
    this.#manifest.seed = seed;
  }

  /** Record extra facts (timings, counts). */
  setExtra(extra: Record<string, unknown>): void {
    Object.assign(this.#manifest.extra, extra);
  }

  /** Record warnings (a code already recorded keeps its first message). */
  addWarnings(warnings: readonly Warning[]): void {
    const list = this.#manifest.warnings;
    for (const w of warnings) {
      if (!list.some((known) => known.code === w.code)) {
        list.push({ code: w.code, message: w.message });
      }
    }
  }

  /** Read an input file, recording its SHA-256. */
  async readInput(path: string): Promise<Uint8Array> {
    const bytes = await readFileChecked(path);
    this.#manifest.inputs[path] = await sha256Hex(bytes);
    return bytes;
  }

  /** Record an input that was read elsewhere. */
  async recordInput(path: string, bytes: Uint8Array): Promise<void> {
    this.#manifest.inputs[path] = await sha256Hex(bytes);
  }

  /** Where output `name` is while the run lasts (in the staging folder). */
  path(name: string): string {
    return join(this.dir, name);
  }

  async #put(name: string, data: Uint8Array | string): Promise<string> {
    if (!this.#lock) throw new Error(`run into ${this.outDir} has ended; cannot write ${name}`);
    const path = this.path(name);
    if (dirname(path) !== this.dir) await ensureDir(dirname(path));
    await writeFileAtomic(path, data);
    if (!this.#written.includes(name)) this.#written.push(name);
    return path;
  }

  /**
   * Write output `name` (relative to the output folder) crash-safely into
   * the staging folder; returns where it is while the run lasts.
   */
  async write(name: string, data: Uint8Array | string): Promise<string> {
    this.#checkCancelled();
    const path = await this.#put(name, data);
    await this.#onStep(`write:${name}`);
    return path;
  }

  /**
   * Write output `name` and keep a copy in the checkpoint folder beside the
   * output folder (`.<out>.ferrovae-checkpoint/`), which outlives a failed,
   * interrupted or killed run and is removed once a run that wrote
   * checkpoints completes. Not stopped by `cancelled`: a checkpoint being
   * written is always finished.
   */
  async writeCheckpoint(name: string, data: Uint8Array): Promise<string> {
    const path = await this.#put(name, data);
    await ensureDir(this.#names.checkpoint);
    await writeFileAtomic(join(this.#names.checkpoint, name), data);
    this.#wroteCheckpoint = true;
    await this.#onStep(`write:${name}`);
    return path;
  }

  /** Where {@linkcode Run.writeCheckpoint} keeps checkpoints. */
  get checkpointDir(): string {
    return this.#names.checkpoint;
  }

  /**
   * The newest checkpoint `name`: the one an interrupted or killed run kept
   * in the checkpoint folder, else the complete run's in the output folder.
   * Throws a one-line UserError when there is neither.
   */
  async readCheckpoint(name: string): Promise<{ path: string; bytes: Uint8Array }> {
    for (const path of [join(this.#names.checkpoint, name), join(this.outDir, name)]) {
      const found = await Deno.stat(path).then((s) => s.isFile, () => false);
      if (found) return { path, bytes: await readFileChecked(path) };
    }
    throw new UserError(
      this.outDir,
      `no ${name} to resume from (neither ${join(this.#names.checkpoint, name)}, kept by an ` +
        `interrupted run, nor ${join(this.outDir, name)}, a complete run's)`,
    );
  }

  /** Files written so far, relative to the output folder. */
  get written(): readonly string[] {
    return this.#written;
  }

  /** The manifest as it stands. */
  get manifest(): Readonly<RunManifest> {
    return this.#manifest;
  }

  /**
   * Write `run.json` last and put the staging folder in place as the output
   * folder (replacing a previous run whole); returns the manifest.
   */
  async finish(): Promise<RunManifest> {
    this.#checkCancelled();
    this.#manifest.finished = new Date().toISOString();
    this.#manifest.files = [...this.#written.filter((f) => f !== "run.json"), "run.json"];
    await this.#put("run.json", JSON.stringify(this.#manifest, null, 2) + "\n");
    // Checked again: the user may have put files into the folder while the run lasted.
    this.#mode = outputMode(this.outDir, this.#manifest.script, this.#force);
    await commitOutput(this.outDir, this.dir, this.#mode, this.#manifest.files, this.#names, {
      onStep: async (step) => {
        await this.#onStep(`commit:${step}`);
        // The last moment the run can still stop with the output folder untouched.
        if (step === "staged") this.#checkCancelled();
      },
    });
    if (this.#wroteCheckpoint) await removeTreeAsync(this.#names.checkpoint);
    this.#release();
    return this.#manifest;
  }

  /**
   * After a failure or an interruption: remove the staging folder (the
   * output folder is as it was; the checkpoint folder is kept) and release
   * the folder's lock. Does nothing once the run has finished.
   */
  async abandon(): Promise<void> {
    if (!this.#lock) return;
    await removeTreeAsync(this.dir).catch(() => {});
    this.#release();
    this.#removeParents();
  }

  /** {@linkcode Run.abandon}, synchronously (for a second Ctrl-C, which exits at once). */
  abandonSync(): void {
    if (!this.#lock) return;
    try {
      removeTree(this.dir);
    } catch { /* leave it to the next run */ }
    this.#release();
    this.#removeParents();
  }
}
