/**
 * A {@linkcode ByteSource} over a file on disk: the frame readers of
 * `lib/formats/frames.ts` read only the byte ranges of the frames they are
 * asked for, so a movie larger than memory can be analysed frame by frame.
 *
 * @module
 */

import { UserError } from "../errors.ts";
import type { ByteSource } from "../formats/byte_source.ts";
import { fileSystemError } from "./atomic_write.ts";

/** A {@linkcode ByteSource} on an open file; `close()` it when done. */
export interface FileByteSource extends ByteSource {
  /** Close the file. Reads after this fail. */
  close(): void;
}

/**
 * Open `path` for reading by range. A missing file, a folder or a refused
 * permission is a one-line UserError naming `path`.
 *
 * @example
 * ```ts
 * import { openByteSource } from "./byte_ranges.ts";
 * const path = await Deno.makeTempFile({ suffix: ".bin" });
 * await Deno.writeFile(path, new Uint8Array([1, 2, 3, 4, 5]));
 * const source = await openByteSource(path);
 * try {
 *   const middle = await source.read(1, 3);
 *   if (middle.join() !== "2,3,4" || source.size !== 5) throw new Error("bytes 1-3 of 5");
 * } finally {
 *   source.close();
 *   await Deno.remove(path);
 * }
 * ```
 */
export async function openByteSource(path: string): Promise<FileByteSource> {
  let file: Deno.FsFile;
  let size: number;
  try {
    const info = await Deno.stat(path);
    if (info.isDirectory) throw new UserError(path, "is a folder, not a file");
    file = await Deno.open(path, { read: true });
    size = (await file.stat()).size;
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw fileSystemError(path, err, "read");
  }
  // Reads of one file are sequenced: an async read is a seek then reads, and
  // two interleaved ones would move each other's position.
  let queue: Promise<unknown> = Promise.resolve();
  const readAt = async (offset: number, length: number): Promise<Uint8Array> => {
    const want = Math.max(0, Math.min(length, size - offset));
    const out = new Uint8Array(want);
    await file.seek(offset, Deno.SeekMode.Start);
    let got = 0;
    while (got < want) {
      const n = await file.read(out.subarray(got));
      if (n === null) break;
      got += n;
    }
    return out.subarray(0, got);
  };
  return {
    name: path,
    size,
    read(offset, length) {
      const next = queue.then(() => readAt(offset, length));
      queue = next.catch(() => {});
      return next.catch((err) => {
        throw fileSystemError(path, err, "read");
      });
    },
    readSync(offset, length) {
      const want = Math.max(0, Math.min(length, size - offset));
      const out = new Uint8Array(want);
      try {
        file.seekSync(offset, Deno.SeekMode.Start);
        let got = 0;
        while (got < want) {
          const n = file.readSync(out.subarray(got));
          if (n === null) break;
          got += n;
        }
        return out.subarray(0, got);
      } catch (err) {
        throw fileSystemError(path, err, "read");
      }
    },
    close() {
      try {
        file.close();
      } catch { /* already closed */ }
    },
  };
}
