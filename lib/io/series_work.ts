/**
 * The series' work folder: the frames' results, kept between runs.
 *
 * A series writes its `--out DIR` as every script does (staging folder,
 * swapped in whole at the end; see `run.ts`), but each frame's results go
 * first into `.<DIR>.ferrovae-series/frames/NNNN/` beside it, a folder that
 * outlives interrupted, killed and complete runs (like `train`'s checkpoint
 * folder, but kept after success: it is what lets a rerun skip the frames
 * already done). A frame folder is complete when its `run.json` (written
 * last) says it was made from the same frame pixels (SHA-256) and the same
 * parameters and every file it lists is there (`frameStatus`); anything
 * else is rebuilt from scratch. Shards of a Slurm job array write disjoint
 * frame folders of the same work folder; the pooling run reads them all.
 * `plan.json` records the series (files, frames, window) for the pooling.
 *
 * @module
 */

import { basename, dirname, join, normalize } from "node:path";
import { type FrameExpectation, type FrameStatus, frameStatus } from "../series/shards.ts";
import { ensureDir, fileSystemError, readFileChecked, writeFileAtomic } from "./atomic_write.ts";
import { filesUnderSync, removeTreeAsync } from "./_run_folder.ts";

/**
 * The work folder of output folder `outDir`: `.<name>.ferrovae-series` beside it.
 *
 * @example
 * ```ts
 * seriesWorkDir("out/movie"); // "out/.movie.ferrovae-series"
 * ```
 */
export function seriesWorkDir(outDir: string): string {
  const path = normalize(outDir).replace(/\/+$/, "");
  return join(dirname(path), `.${basename(path)}.ferrovae-series`);
}

/** The manifest of one frame's folder (`run.json`, written last). */
export interface FrameManifest {
  /** Always "series-frame". */
  script: "series-frame";
  /** SHA-256 of the frame's pixels (and the previous frame's, registered against), by name. */
  inputs: Record<string, string>;
  /** The frame stage's parameters. */
  parameters: Record<string, unknown>;
  /** Files in the folder, `run.json` last. */
  files: string[];
  /** ISO time the frame was finished. */
  finished: string;
  /** Warnings of the frame's stages. */
  warnings: { code: string; message: string }[];
}

/**
 * Write a frame's `files` into `dir` from scratch: what was there is
 * removed first, `run.json` (`manifest`) is written last, so that a folder
 * cut short by a kill is never taken for complete.
 *
 * @example
 * ```ts
 * const dir = await Deno.makeTempDir();
 * await writeFrameFolder(`${dir}/frames/0003`, { "atoms.csv": "x,y\n" }, {
 *   script: "series-frame",
 *   inputs: { "movie.npy#3": "ab12" },
 *   parameters: { window: 28 },
 *   warnings: [],
 * });
 * (await frameFolderStatus(`${dir}/frames/0003`, { inputs: { "movie.npy#3": "ab12" } })).complete; // true
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFrameFolder(
  dir: string,
  files: Record<string, Uint8Array | string>,
  manifest: Omit<FrameManifest, "files" | "finished">,
): Promise<void> {
  await removeTreeAsync(dir);
  await ensureDir(dir);
  const names = Object.keys(files).filter((n) => n !== "run.json");
  for (const name of names) {
    if (name.includes("/")) await ensureDir(join(dir, dirname(name)));
    await writeFileAtomic(join(dir, name), files[name]);
  }
  const full: FrameManifest = {
    ...manifest,
    files: [...names, "run.json"],
    finished: new Date().toISOString(),
  };
  await writeFileAtomic(join(dir, "run.json"), JSON.stringify(full, null, 2) + "\n");
}

/** Is the frame folder `dir` complete for `expected`? (See `frameStatus`.) */
export async function frameFolderStatus(
  dir: string,
  expected: FrameExpectation,
): Promise<FrameStatus> {
  let manifest: unknown;
  try {
    manifest = JSON.parse(await Deno.readTextFile(join(dir, "run.json")));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof SyntaxError) {
      return { complete: false, reason: "not done" };
    }
    throw fileSystemError(join(dir, "run.json"), err, "read");
  }
  let present: string[];
  try {
    present = filesUnderSync(dir);
  } catch (err) {
    throw fileSystemError(dir, err, "read");
  }
  return frameStatus(manifest, expected, present);
}

/** Read a text file of a frame folder. */
export async function readFrameText(dir: string, name: string): Promise<string> {
  return new TextDecoder().decode(await readFileChecked(join(dir, name)));
}

/** Whether `path` exists (as anything). */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw fileSystemError(path, err, "read");
  }
}
