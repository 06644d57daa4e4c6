/**
 * A run of a script: it writes outputs crash-safely, remembers what it wrote,
 * removes them again if the run fails, and ends with `run.json` (the
 * contract's manifest) beside the outputs.
 *
 * @module
 */

import { VERSION } from "../version.ts";
import { UserError } from "../errors.ts";
import { ensureDir, fileSystemError, readFileChecked, writeFileAtomic } from "./atomic_write.ts";
import { join } from "node:path";

/** SHA-256 of `bytes` as lowercase hex. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Throw a UserError unless `dir` can become the output folder: writing there
 * is permitted (asking, as Deno does, when a terminal can answer) and it is
 * not an existing file.
 */
function checkOutputFolder(dir: string): void {
  const permission = { name: "write", path: dir } as const;
  let { state } = Deno.permissions.querySync(permission);
  if (state === "prompt") state = Deno.permissions.requestSync(permission).state;
  if (state !== "granted") {
    throw fileSystemError(dir, new Deno.errors.NotCapable(`write access to ${dir}`), "write");
  }
  let isFile = false;
  try {
    isFile = !Deno.statSync(dir).isDirectory;
  } catch { /* absent (it will be made) or not readable: the first write tells */ }
  if (isFile) throw new UserError(dir, "is a file; the output must be a folder");
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
}

/** Options for {@linkcode Run}. */
export interface RunOptions {
  /** Script name. */
  script: string;
  /** Output folder. */
  outDir: string;
  /** Command line (defaults to `Deno.args`). */
  command?: string[];
}

/** A script run that writes into one output folder. */
export class Run {
  /** The output folder. */
  readonly outDir: string;
  readonly #manifest: RunManifest;
  readonly #written: string[] = [];
  #createdDir = false;

  /**
   * Start a run; nothing is written until the first {@linkcode Run.write}.
   * An output folder the run may not write (no permission, or a file of that
   * name) is refused here, before any work, with a one-line UserError.
   */
  constructor(options: RunOptions) {
    this.outDir = options.outDir;
    checkOutputFolder(options.outDir);
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
    };
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

  /** Write `name` (relative to the output folder) crash-safely. */
  async write(name: string, data: Uint8Array | string): Promise<string> {
    if (!this.#createdDir) {
      const existed = await Deno.stat(this.outDir).then(() => true, () => false);
      await ensureDir(this.outDir);
      this.#createdDir = !existed;
    }
    const path = join(this.outDir, name);
    const parent = join(path, "..");
    if (parent !== this.outDir) await ensureDir(parent);
    await writeFileAtomic(path, data);
    if (!this.#written.includes(name)) this.#written.push(name);
    return path;
  }

  /** Files written so far, relative to the output folder. */
  get written(): readonly string[] {
    return this.#written;
  }

  /** The manifest as it stands. */
  get manifest(): Readonly<RunManifest> {
    return this.#manifest;
  }

  /** Write `run.json` last; returns the manifest. */
  async finish(): Promise<RunManifest> {
    this.#manifest.finished = new Date().toISOString();
    this.#manifest.files = [...this.#written, "run.json"];
    await this.write("run.json", JSON.stringify(this.#manifest, null, 2) + "\n");
    return this.#manifest;
  }

  /** Remove everything this run wrote (after a failure), and the folder if it made it. */
  async abandon(): Promise<void> {
    for (const name of this.#written) {
      await Deno.remove(join(this.outDir, name)).catch(() => {});
    }
    if (this.#createdDir) await Deno.remove(this.outDir, { recursive: true }).catch(() => {});
  }
}
