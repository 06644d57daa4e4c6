/**
 * The fuzz worker: builds the seed files of one format, then decodes
 * mutated inputs `start..end` with every reader entry point (listImages,
 * decodeImage by default and by index), under a memory cap, and reports each
 * input that ends in anything but success or a FormatError. A shared
 * heartbeat (input index and start time) lets the main thread spot a hang
 * and terminate the worker.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { type DecodeOptions, MAX_DEFLATE_RATIO } from "../../lib/formats/samples.ts";
import { installAllocationGuard } from "./allocation_guard.ts";

/** Int32 slots of the shared heartbeat: current input, busy flag, counts, slowest input. */
export const INDEX = 0, BUSY = 1, ACCEPTED = 2, REFUSED = 3, SLOWEST = 4, HEARTBEAT_SLOTS = 5;
/** Float64 slots from this index (in 8-byte units): input start time (ms), slowest time (ms). */
export const CLOCK_AT = 3;
/** Bytes of the shared heartbeat. */
export const HEARTBEAT_BYTES = 8 * CLOCK_AT + 16;

/** What the main thread asks for. */
export interface FuzzJob {
  format: string;
  seed: number;
  start: number;
  end: number;
  /** Largest allocation (see capFor). */
  capBytes: number;
  /** Int32 [index, busy, accepted, refused, slowest index] + Float64 [start ms, slowest ms]. */
  heartbeat: SharedArrayBuffer;
}

/** One input that broke a rule. */
export interface FuzzFailure {
  index: number;
  seedName: string;
  how: string;
  kind: "exception" | "allocation" | "hang" | "crash" | "bad image";
  message: string;
  stack?: string;
  /** The input, for saving and reproducing (absent for hangs; the harness rebuilds it). */
  bytes?: Uint8Array;
}

/** What the worker posts back. */
export type FuzzMessage =
  | { type: "ready"; seeds: string[] }
  | { type: "failure"; failure: FuzzFailure }
  | {
    type: "done";
    errorKinds: Record<string, number>;
    /** The next input to try: `end`, or earlier after an HDF5 crash (a fresh worker goes on). */
    next: number;
    /** HDF5 library crashes the reader turned into a FormatError. */
    crashes: number;
  };

self.onmessage = async (event: MessageEvent<FuzzJob>) => {
  const job = event.data;
  const guard = installAllocationGuard(job.capBytes);
  // Imported after the guard, so that every module binds the capped constructors.
  const { FormatError } = await import("../../lib/errors.ts");
  const { decodeImage, listImages } = await import("../../lib/formats/decode.ts");
  const { decodeHdf5Here, listHdf5ImagesHere } = await import("../../lib/formats/hdf5_reader.ts");
  const { capMemoryGrowth, metadataAllowance } = await import("../../lib/formats/hdf5_worker.ts");
  const { seedFiles } = await import("./corpus.ts");
  const { mutate } = await import("./mutate.ts");
  const { inputRandom } = await import("./seeding.ts");
  const { h5wasm } = await import("../../lib/deps.ts");
  const seeds = await seedFiles(job.format as never, job.seed);
  const post = (message: FuzzMessage) => self.postMessage(message);
  post({ type: "ready", seeds: seeds.map((s) => s.name) });

  // HDF5 is read in this thread: the public reader would start a worker per
  // input (its own guard against hangs), and this harness watches for hangs itself.
  const hdf5 = job.format === "hdf5";
  // The library's memory cap of the reader's worker, applied here in the same way.
  let limit = Infinity;
  const onFrameBytes = (frame: number) => void (limit += 2 * frame);
  const decode = hdf5
    ? (b: Uint8Array, n: string, o: DecodeOptions = {}) =>
      decodeHdf5Here(b, n, { ...o, onFrameBytes })
    : decodeImage;
  const list = hdf5 ? listHdf5ImagesHere : listImages;
  const wasm = hdf5 ? await h5wasm.ready : undefined;
  // Every input meets the library as it was after the seed files: its memory is
  // restored first. A corrupt file can damage that memory without failing, and the
  // damage then shows on a later input (the reader's worker per call gives the same
  // isolation to users).
  const pristine = wasm?.HEAPU8.slice();
  if (wasm) capMemoryGrowth(() => limit);
  // Counts live in the shared buffer too, so that they survive a worker terminated for a hang.
  const slots = new Int32Array(job.heartbeat, 0, HEARTBEAT_SLOTS);
  const clock = new Float64Array(job.heartbeat, 8 * CLOCK_AT, 2);
  const errorKinds: Record<string, number> = {};
  let crashes = 0;
  let next = job.end;

  for (let index = job.start; index < job.end; index++) {
    if (wasm && pristine) wasm.HEAPU8.set(pristine);
    const random = inputRandom(job.seed, job.format, index);
    const seed = seeds[random.int(seeds.length)];
    const { bytes, how } = mutate(seed, random);
    const fail = (kind: FuzzFailure["kind"], message: string, stack?: string) =>
      post({
        type: "failure",
        failure: { index, seedName: seed.name, how, kind, message, stack, bytes },
      });
    guard.violations.length = 0;
    guard.capBytes = capFor(job, bytes.length);
    const heapBefore = wasm?.HEAPU8.byteLength ?? 0;
    limit = heapBefore + metadataAllowance(bytes.length);
    Atomics.store(slots, INDEX, index);
    clock[0] = Date.now();
    Atomics.store(slots, BUSY, 1);
    const started = performance.now();
    try {
      const image = await decode(bytes, seed.name);
      const problem = badImage(image);
      if (problem) fail("bad image", problem);
      // Every other image and frame the file lists goes through the same checks.
      const entries = await list(bytes, seed.name);
      for (const entry of entries.slice(0, 4)) {
        const other = await decode(bytes, seed.name, { index: entry.index }).catch((e) => {
          if (e instanceof FormatError) return undefined;
          throw e;
        });
        const otherProblem = other && badImage(other);
        if (otherProblem) fail("bad image", `index ${entry.index}: ${otherProblem}`);
      }
      Atomics.add(slots, ACCEPTED, 1);
    } catch (err) {
      if (err instanceof FormatError) {
        Atomics.add(slots, REFUSED, 1);
        const key = err.message.replace(/[\d.]+/g, "N").slice(0, 60);
        errorKinds[key] = (errorKinds[key] ?? 0) + 1;
        // A crash leaves the library's stack pointer where it was: go on in a fresh worker.
        if (hdf5 && err.message.includes("HDF5 library crashed")) {
          crashes++;
          next = index + 1;
        }
      } else {
        const e = err as Error;
        fail("exception", `${e?.name}: ${e?.message}`.split("\n")[0], e?.stack);
      }
    }
    Atomics.store(slots, BUSY, 0);
    const ms = performance.now() - started;
    if (ms > clock[1]) {
      clock[1] = ms;
      Atomics.store(slots, SLOWEST, index);
    }
    if (guard.violations.length > 0) fail("allocation", guard.violations.join("; "));
    if (wasm && wasm.HEAPU8.byteLength > limit) {
      fail(
        "allocation",
        `the HDF5 library's memory grew from ${heapBefore} to ${wasm.HEAPU8.byteLength} bytes`,
      );
    }
    if (next < job.end) break;
  }
  post({ type: "done", errorKinds, next, crashes });
};

/**
 * The memory cap for one input: `job.capBytes`, except that compressed HDF5
 * datasets may expand as far as deflate does (the reader's own bound, see
 * checkStoredSize), and the library's memory grows by doubling.
 */
function capFor(job: FuzzJob, inputBytes: number): number {
  return job.format === "hdf5"
    ? Math.max(job.capBytes, 2 * MAX_DEFLATE_RATIO * inputBytes)
    : job.capBytes;
}

/** Why a decoded image breaks the Image contract, or "" when it does not. */
function badImage(image: { data: unknown; width: number; height: number }): string {
  const { data, width, height } = image;
  if (!(data instanceof Float32Array)) return "data is not a Float32Array";
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1) {
    return `bad size ${width} x ${height}`;
  }
  if (data.length !== width * height) return `${data.length} values for ${width} x ${height}`;
  return "";
}
