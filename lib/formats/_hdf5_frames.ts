/**
 * HDF5 movies (Velox EMD, HyperSpy, EMD v0.2, generic stacks) read one frame
 * at a time without loading the file: the file is put into h5wasm's
 * in-memory file system as a node whose reads go to a
 * {@linkcode ByteSource} (the way Emscripten's own lazy files work), so the
 * HDF5 library reads only its metadata and the chunks of the hyperslab it is
 * asked for.
 *
 * Unlike `hdf5.ts`, this runs HDF5 in the calling thread: the byte source's
 * synchronous reads cannot cross to a worker. A corrupt file on which HDF5
 * loops would hang the caller; series inputs are instrument files the user
 * chose, and `hdf5.ts` (with its worker) remains the reader of single images.
 *
 * @module
 */

import { h5wasm } from "../deps.ts";
import { FormatError } from "../errors.ts";
import type { ByteSource } from "./byte_source.ts";
import { checkHdf5Length, type Hdf5Images, hdf5Images } from "./hdf5_reader.ts";

/** Minimal view of Emscripten's FS that the lazy node needs. */
interface EmscriptenFs {
  createFile(parent: string, name: string, props: object, read: boolean, write: boolean): {
    stream_ops: Record<string, unknown>;
  };
  unlink(path: string): void;
}

/** An HDF5 file opened over a byte source; {@linkcode OpenHdf5.close} it when done. */
export interface OpenHdf5 extends Hdf5Images {
  /** Close the file and remove its node from h5wasm's file system. */
  close(): void;
}

/**
 * Open the HDF5 file behind `source` for reading frames on demand.
 *
 * @example
 * ```ts
 * import { openHdf5Frames } from "./_hdf5_frames.ts";
 * import { bytesSource } from "./byte_source.ts";
 * import { encodeHspy, imageSignal } from "./hspy_write.ts";
 * // An HDF5 file (here a HyperSpy one; an EMD file works alike) with one 3 x 2 image.
 * const image = { data: Float32Array.of(1, 2, 3, 4, 5, 6), width: 3, height: 2 };
 * const bytes = await encodeHspy([imageSignal(image)]);
 * const file = await openHdf5Frames(bytesSource(bytes, "results.hspy"));
 * const first = file.read(0, 0);
 * file.close();
 * if (first.width !== 3 || first.data[5] !== 6) throw new Error("the image, read back");
 * ```
 */
export async function openHdf5Frames(source: ByteSource): Promise<OpenHdf5> {
  const name = source.name;
  // The superblock and its end-of-file address: a cut file is refused before HDF5 sees it.
  const head = source.readSync(0, Math.min(source.size, 4096));
  checkHdf5Length(head, name, source.size);
  const module = await h5wasm.ready;
  module.activate_throwing_error_handler();
  const fs = module.FS as unknown as EmscriptenFs;
  const leaf = `ferrovae-lazy-${crypto.randomUUID()}.h5`;
  const node = fs.createFile("/", leaf, {}, true, false);
  // MEMFS reports a file's size from usedBytes; reads go to the source.
  Object.defineProperty(node, "usedBytes", { get: () => source.size });
  node.stream_ops = {
    ...node.stream_ops,
    read: (
      _stream: unknown,
      buffer: Uint8Array,
      offset: number,
      length: number,
      position: number,
    ): number => {
      if (position >= source.size) return 0;
      const bytes = source.readSync(position, Math.min(length, source.size - position));
      buffer.set(bytes, offset);
      return bytes.length;
    },
  };
  let file: InstanceType<typeof h5wasm.File>;
  try {
    file = new h5wasm.File(`/${leaf}`, "r");
  } catch (err) {
    fs.unlink(`/${leaf}`);
    const text = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new FormatError(name, `corrupt HDF5 file: ${text}`);
  }
  const images = hdf5Images(file, name, source.size);
  return {
    ...images,
    close() {
      try {
        file.close();
      } catch { /* closed */ }
      try {
        fs.unlink(`/${leaf}`);
      } catch { /* removed */ }
    },
  };
}
