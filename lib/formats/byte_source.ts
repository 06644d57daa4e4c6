/**
 * Random access to a file's bytes, as an interface the frame readers take
 * (so that `lib/formats` and `lib/series` read a movie one frame at a time
 * without touching the file system themselves): `lib/io/byte_ranges.ts`
 * implements it over an open file, {@linkcode bytesSource} over bytes already
 * in memory (tests, small files).
 *
 * @module
 */

import { FormatError } from "../errors.ts";

/** A file's bytes, read by range. */
export interface ByteSource {
  /** The file's path or name, for messages. */
  readonly name: string;
  /** Size of the file in bytes. */
  readonly size: number;
  /** `length` bytes from `offset` (fewer only where the file ends). */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * The same, synchronously: the HDF5 library (WebAssembly) asks for bytes
   * synchronously from inside its own calls.
   */
  readSync(offset: number, length: number): Uint8Array;
}

/**
 * A {@linkcode ByteSource} over `bytes` in memory.
 *
 * @example
 * ```ts
 * import { bytesSource } from "./byte_source.ts";
 * const source = bytesSource(new Uint8Array([1, 2, 3]), "x.bin");
 * const tail = await source.read(1, 5);
 * if (tail.join() !== "2,3") throw new Error("a read past the end stops at the end");
 * ```
 */
export function bytesSource(bytes: Uint8Array, name: string): ByteSource {
  const slice = (offset: number, length: number) =>
    bytes.subarray(Math.min(offset, bytes.length), Math.min(offset + length, bytes.length));
  return {
    name,
    size: bytes.length,
    read: (offset, length) => Promise.resolve(slice(offset, length)),
    readSync: slice,
  };
}

/**
 * Exactly `length` bytes at `offset`, or a FormatError saying the file is
 * truncated (`what` names the part that is missing).
 */
export async function readExactly(
  source: ByteSource,
  offset: number,
  length: number,
  what: string,
): Promise<Uint8Array> {
  if (!(offset >= 0) || !(length >= 0) || offset + length > source.size) {
    throw new FormatError(source.name, `truncated file (${what} lies past the end)`);
  }
  const bytes = await source.read(offset, length);
  if (bytes.length !== length) {
    throw new FormatError(source.name, `truncated file (${what} lies past the end)`);
  }
  return bytes;
}

/**
 * A {@linkcode ByteSource} that counts the bytes read through it, for tests
 * and benches that check a reader reads only what it needs.
 *
 * @example
 * ```ts
 * import { bytesSource, countingSource } from "./byte_source.ts";
 * const counted = countingSource(bytesSource(new Uint8Array(10), "x"));
 * await counted.source.read(0, 4);
 * if (counted.bytesRead() !== 4) throw new Error("4 bytes read");
 * ```
 */
export function countingSource(source: ByteSource): { source: ByteSource; bytesRead(): number } {
  let total = 0;
  return {
    source: {
      name: source.name,
      size: source.size,
      read: async (offset, length) => {
        const bytes = await source.read(offset, length);
        total += bytes.length;
        return bytes;
      },
      readSync: (offset, length) => {
        const bytes = source.readSync(offset, length);
        total += bytes.length;
        return bytes;
      },
    },
    bytesRead: () => total,
  };
}
