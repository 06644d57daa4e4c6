/**
 * Images in HDF5 files (Velox EMD, HyperSpy `.hspy`/`.hdf5`, EMD v0.2, any
 * other HDF5 with a numeric 2-D dataset), pure: bytes in, {@linkcode Image}
 * out. The layouts are described in `hdf5_reader.ts`.
 *
 * The HDF5 library can loop forever on a corrupt file, and WebAssembly that
 * runs synchronously cannot be stopped from its own thread; so each call runs
 * the reader in a short-lived worker and ends it with a FormatError when it
 * takes longer than any real file of that size would. Starting the worker
 * needs permission to load `hdf5_worker.ts` (read permission for a local copy
 * of ferrovae, import permission for a remote one); without it the reader
 * runs in this thread, unprotected.
 *
 * @module
 */

import { Worker } from "node:worker_threads";
import { FormatError } from "../errors.ts";
import type { Image } from "../image.ts";
import { checkHdf5Length, decodeHdf5Here, isHdf5, listHdf5ImagesHere } from "./hdf5_reader.ts";
import type { Hdf5Reply, Hdf5Request } from "./hdf5_worker.ts";
import type { DecodeOptions, ImageEntry } from "./samples.ts";

export { isHdf5 };

/** Options of the HDF5 decoder: the image to read, where and how long to let HDF5 try. */
export interface Hdf5Options extends DecodeOptions {
  /** Give up after this many milliseconds (default: 20 s plus 1 s per 10 MB). */
  timeoutMs?: number;
  /**
   * Run HDF5 in a worker that is stopped after `timeoutMs` (default true).
   * `false` saves the worker's start (about 0.4 s a call) for trusted files,
   * at the price of hanging on a file on which HDF5 loops, and of a corrupt
   * file damaging the library's memory for every later file of this thread
   * (the fuzzer saw a run of corrupt files make a valid one fail).
   */
  worker?: boolean;
}

function defaultTimeout(bytes: Uint8Array): number {
  return 20_000 + bytes.length / 10_000;
}

/** List the images of an HDF5 file: dataset path, shape (frames first), dtype, calibration. */
export function listHdf5Images(
  bytes: Uint8Array,
  name = "image.h5",
  options: Pick<Hdf5Options, "timeoutMs" | "worker"> = {},
): Promise<ImageEntry[]> {
  const { timeoutMs, worker } = options;
  return run({ op: "list", bytes, name, options: {} }, timeoutMs, worker) as Promise<
    ImageEntry[]
  >;
}

/**
 * Decode one image of an HDF5 file: `options.index` (from
 * {@linkcode listHdf5Images}) or by default the largest 2-D image, and
 * `options.frame` of a stack (default 0).
 */
export function decodeHdf5(
  bytes: Uint8Array,
  name = "image.h5",
  options: Hdf5Options = {},
): Promise<Image> {
  const { timeoutMs, worker, ...choice } = options;
  return run({ op: "decode", bytes, name, options: choice }, timeoutMs, worker) as Promise<Image>;
}

function run(request: Hdf5Request, timeoutMs?: number, useWorker = true): Promise<unknown> {
  const { bytes, name } = request;
  // Refuse what is plainly not HDF5, or cut short, here without starting a worker.
  try {
    checkHdf5Length(bytes, name);
  } catch (err) {
    return Promise.reject(err);
  }
  const url = new URL("./hdf5_worker.ts", import.meta.url);
  if (!useWorker || !mayLoad(url)) {
    return request.op === "list"
      ? listHdf5ImagesHere(bytes, name)
      : decodeHdf5Here(bytes, name, request.options);
  }
  const limit = timeoutMs ?? defaultTimeout(bytes);
  // node:worker_threads rather than a web Worker: Deno stops both when told,
  // but only lets the process exit normally after stopping a node one.
  // A node worker starts from a file: or data: URL only; from a remote copy of
  // ferrovae, a data: module imports the worker by its http(s) URL.
  const worker = new Worker(
    url.protocol === "file:"
      ? url
      : new URL(`data:text/javascript,${encodeURIComponent(`import "${url.href}";`)}`),
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new Promise<unknown>((resolve, reject) => {
    timer = setTimeout(() => {
      reject(
        new FormatError(
          name,
          `HDF5 gave no answer within ${Math.round(limit / 1000)} s: the file is probably corrupt`,
        ),
      );
    }, limit);
    worker.on("message", (reply: Hdf5Reply) => {
      if (reply.ok) resolve(reply.result);
      else if ("formatError" in reply) reject(new FormatError(name, reply.formatError));
      else reject(new Error(`HDF5 reader failed on ${name}: ${reply.bug}`));
    });
    worker.on("error", (err: Error) => {
      reject(new FormatError(name, `HDF5 reader crashed: ${err.message.split("\n")[0]}`));
    });
    worker.postMessage(request);
  }).finally(() => {
    clearTimeout(timer);
    worker.terminate();
  });
}

/** Whether this process may load the worker module at `url` (Deno checks it like a read or import). */
function mayLoad(url: URL): boolean {
  try {
    if (url.protocol === "file:") {
      return Deno.permissions.querySync({ name: "read", path: url }).state === "granted";
    }
    if (url.protocol === "http:" || url.protocol === "https:") {
      return Deno.permissions.querySync({ name: "import", host: url.host }).state === "granted";
    }
  } catch {
    // An older Deno without the "import" permission name: try the worker.
  }
  return true;
}
