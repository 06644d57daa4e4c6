/**
 * Worker entry for `hdf5.ts`: decode or list the HDF5 bytes it is sent and
 * post the result back (pixels transferred, not copied). A FormatError goes
 * back as its message; anything else as a bug report.
 *
 * @module
 */

import { parentPort } from "node:worker_threads";
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

parentPort?.on("message", async (request: Hdf5Request) => {
  const { op, bytes, name, options } = request;
  try {
    if (op === "list") {
      parentPort!.postMessage({ ok: true, result: await listHdf5ImagesHere(bytes, name) });
    } else {
      const image = await decodeHdf5Here(bytes, name, options);
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
