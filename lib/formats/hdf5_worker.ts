/**
 * Worker entry for `hdf5.ts`: decode or list the HDF5 bytes it is sent and
 * post the result back (pixels transferred, not copied). A FormatError goes
 * back as its message; anything else as a bug report.
 *
 * The HDF5 library's memory is capped here: a corrupt size field can make it
 * allocate gigabytes before it checks where the data lie. It may grow by a
 * metadata allowance, plus twice the frame once the reader has checked the
 * frame's size against the file; beyond that an allocation fails, and HDF5
 * reports the failure as an error (a FormatError).
 *
 * @module
 */

import { parentPort } from "node:worker_threads";
import { h5wasm } from "../deps.ts";
import { FormatError } from "../errors.ts";
import { decodeHdf5Here, listHdf5ImagesHere } from "./hdf5_reader.ts";
import type { DecodeOptions } from "./samples.ts";

/** What `hdf5.ts` asks of this worker. */
export interface Hdf5Request {
  /** "decode" one image or "list" them all. */
  op: "decode" | "list";
  /** The file's bytes. */
  bytes: Uint8Array;
  /** The file's name, for messages. */
  name: string;
  /** Which image and frame, for "decode". */
  options: DecodeOptions;
}

/** What this worker answers: a result, a FormatError's message, or a bug. */
export type Hdf5Reply =
  | { ok: true; result: unknown }
  | { ok: false; formatError: string }
  | { ok: false; bug: string };

/** Growth of the library's memory allowed for a file's metadata: a fixed part plus its size. */
export function metadataAllowance(fileBytes: number): number {
  return (128 << 20) + 2 * fileBytes;
}

/**
 * Make every WebAssembly memory of this thread refuse to grow past
 * `limit()` bytes (emscripten then fails the allocation that asked).
 * Changes a global: call it only in a thread that does nothing else.
 */
export function capMemoryGrowth(limit: () => number): void {
  const grow = WebAssembly.Memory.prototype.grow;
  WebAssembly.Memory.prototype.grow = function (this: WebAssembly.Memory, pages: number) {
    if (this.buffer.byteLength + pages * 65536 > limit()) {
      throw new RangeError(`HDF5 memory cap of ${limit()} bytes`);
    }
    return grow.call(this, pages);
  };
}

parentPort?.on("message", async (request: Hdf5Request) => {
  const { op, bytes, name, options } = request;
  const start = (await h5wasm.ready).HEAPU8.byteLength;
  let limit = start + metadataAllowance(bytes.length);
  capMemoryGrowth(() => limit);
  const onFrameBytes = (frame: number) => void (limit += 2 * frame);
  try {
    if (op === "list") {
      parentPort!.postMessage({ ok: true, result: await listHdf5ImagesHere(bytes, name) });
    } else {
      const image = await decodeHdf5Here(bytes, name, { ...options, onFrameBytes });
      parentPort!.postMessage({ ok: true, result: image } satisfies Hdf5Reply, [
        image.data.buffer as ArrayBuffer,
      ]);
    }
  } catch (err) {
    const reply: Hdf5Reply = err instanceof FormatError
      ? { ok: false, formatError: err.message }
      : { ok: false, bug: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    parentPort!.postMessage(reply);
  }
});
