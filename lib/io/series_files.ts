/**
 * The files of a series as the user names them: image files, and folders
 * whose image files (by extension, in natural order: `frame_2` before
 * `frame_10`) are taken in turn.
 *
 * @module
 */

import { join } from "node:path";
import { UserError } from "../errors.ts";
import { IMAGE_EXTENSIONS } from "../formats/decode.ts";
import { naturalCompare } from "../series/read_series.ts";
import { fileSystemError } from "./atomic_write.ts";

/**
 * Expand `inputs` (files and folders) into the series' files, in order. A
 * folder contributes its image files (not its subfolders'); a folder with
 * none, or a missing input, is a UserError naming it.
 *
 * @example
 * ```ts
 * import { seriesFiles } from "./series_files.ts";
 * const movie = await Deno.makeTempDir();
 * for (const name of ["frame_10.tif", "frame_2.tif", "notes.txt"]) {
 *   await Deno.writeFile(`${movie}/${name}`, new Uint8Array(0));
 * }
 * const files = await seriesFiles([movie]);
 * await Deno.remove(movie, { recursive: true });
 * const names = files.map((f) => f.slice(movie.length + 1)).join();
 * if (names !== "frame_2.tif,frame_10.tif") throw new Error(`images, natural order: ${names}`);
 * ```
 */
export async function seriesFiles(inputs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(input);
    } catch (err) {
      throw fileSystemError(input, err, "read");
    }
    if (!info.isDirectory) {
      out.push(input);
      continue;
    }
    const names: string[] = [];
    try {
      for await (const entry of Deno.readDir(input)) {
        const extension = /\.[^./\\]+$/.exec(entry.name.toLowerCase())?.[0] ?? "";
        if (entry.isFile && IMAGE_EXTENSIONS[extension]) names.push(entry.name);
      }
    } catch (err) {
      throw fileSystemError(input, err, "read");
    }
    if (names.length === 0) {
      throw new UserError(
        input,
        `folder holds no image file (${Object.keys(IMAGE_EXTENSIONS).join(" ")})`,
      );
    }
    out.push(...names.sort(naturalCompare).map((n) => join(input, n)));
  }
  return out;
}
