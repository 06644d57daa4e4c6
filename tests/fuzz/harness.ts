/**
 * Run the fuzzer on one format: a worker decodes the mutated inputs while
 * this thread watches its heartbeat; an input that runs longer than the time
 * limit is a hang (the worker is terminated and a new one continues after
 * it), a worker that dies is a crash. Used by `deno task fuzz` (long run)
 * and by the test suite (short run).
 *
 * @module
 */

import { FormatError } from "../../lib/errors.ts";
import { decodeHdf5, listHdf5Images } from "../../lib/formats/hdf5.ts";
import { type FuzzFormat, seedFiles } from "./corpus.ts";
import { mutate } from "./mutate.ts";
import { inputRandom } from "./seeding.ts";
import {
  ACCEPTED,
  BUSY,
  CLOCK_AT,
  type FuzzFailure,
  type FuzzJob,
  type FuzzMessage,
  HEARTBEAT_BYTES,
  HEARTBEAT_SLOTS,
  INDEX,
  REFUSED,
  SLOWEST,
} from "./worker.ts";

/** Options for {@linkcode fuzzFormat}. */
export interface FuzzOptions {
  /** Number of inputs. */
  count: number;
  /** Seed of the run (inputs are a pure function of seed, format and index). */
  seed?: number;
  /** First input index (default 0), e.g. to rerun one input. */
  start?: number;
  /** An input running longer than this is a hang (default 2000 ms). */
  timeoutMs?: number;
  /** Largest single allocation allowed (default 64 MiB). */
  capBytes?: number;
  /** Called with the number of inputs done, now and then. */
  onProgress?: (done: number) => void;
}

/** What a run found. */
export interface FuzzReport {
  format: FuzzFormat;
  /** Inputs tried. */
  inputs: number;
  /** Names of the seed files mutated. */
  seeds: string[];
  /** Inputs every reader entry point decoded. */
  accepted: number;
  /** Inputs refused with a FormatError. */
  refused: number;
  /** Inputs that broke a rule. */
  failures: FuzzFailure[];
  /** Slowest single input, in ms, and its index. */
  slowestMs: number;
  slowestIndex: number;
  /** HDF5 library crashes (WebAssembly traps) the reader turned into a FormatError. */
  crashes: number;
  /**
   * HDF5 inputs over the time limit in this thread that the public reader
   * (a worker per call, stopped after its time limit) answered: with a
   * FormatError at its time limit (`caught`), or with an image, slowly.
   */
  hdf5Timeouts: { index: number; outcome: "caught" | "slow"; ms: number }[];
  /** FormatError messages (digits as N) and how often each came. */
  errorKinds: Record<string, number>;
  /** Wall time of the run. */
  seconds: number;
}

/** Default memory cap: no seed file needs a tenth of it; a trusted header asks for more. */
export const DEFAULT_CAP_BYTES = 64 << 20;

/** Fuzz the reader of `format`. */
export async function fuzzFormat(format: FuzzFormat, options: FuzzOptions): Promise<FuzzReport> {
  const seed = options.seed ?? 1;
  const timeoutMs = options.timeoutMs ?? 2000;
  const capBytes = options.capBytes ?? DEFAULT_CAP_BYTES;
  const end = (options.start ?? 0) + options.count;
  const report: FuzzReport = {
    format,
    inputs: 0,
    seeds: [],
    accepted: 0,
    refused: 0,
    failures: [],
    slowestMs: 0,
    slowestIndex: -1,
    errorKinds: {},
    crashes: 0,
    hdf5Timeouts: [],
    seconds: 0,
  };
  const started = performance.now();
  let next = options.start ?? 0;
  while (next < end) {
    const outcome = await runWorker(
      { format, seed, start: next, end, capBytes },
      timeoutMs,
      report,
    );
    if (outcome.stoppedAt === undefined) {
      next = outcome.next ?? end;
    } else if (
      outcome.failure!.kind === "hang" && format !== "hdf5" &&
      await finishesAlone(format, seed, outcome.stoppedAt, capBytes, timeoutMs, report)
    ) {
      // Slow (a busy machine), not hung: it was counted when it finished alone.
      next = outcome.stoppedAt + 1;
    } else {
      // A hang or crash at `stoppedAt`: rebuild that input for the report and go on after it.
      const failure = outcome.failure!;
      Object.assign(failure, await rebuildInput(format, seed, failure.index));
      const answer = format === "hdf5" && failure.kind === "hang"
        ? await throughPublicReader(failure.bytes!, failure.seedName)
        : undefined;
      if (answer) report.hdf5Timeouts.push({ index: failure.index, ...answer });
      else report.failures.push(failure);
      next = outcome.stoppedAt + 1;
    }
    options.onProgress?.(next - (options.start ?? 0));
  }
  report.inputs = options.count;
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

/** How many times the time limit an input that overran it gets on its own before it is a hang. */
const HANG_CONFIRM_FACTOR = 15;

/**
 * Rerun input `index` alone in a fresh worker with HANG_CONFIRM_FACTOR times
 * the limit: true when it finishes (and is counted), so that a busy machine
 * never turns a slow input into a reported hang, while a real one still is.
 */
async function finishesAlone(
  format: FuzzFormat,
  seed: number,
  index: number,
  capBytes: number,
  timeoutMs: number,
  report: FuzzReport,
): Promise<boolean> {
  const job = { format, seed, start: index, end: index + 1, capBytes };
  const outcome = await runWorker(job, HANG_CONFIRM_FACTOR * timeoutMs, report);
  return outcome.stoppedAt === undefined;
}

/** Input `index` of the run seeded with `seed`, as the worker made it. */
export async function rebuildInput(
  format: FuzzFormat,
  seed: number,
  index: number,
): Promise<{ seedName: string; how: string; bytes: Uint8Array }> {
  const seeds = await seedFiles(format, seed);
  const random = inputRandom(seed, format, index);
  const file = seeds[random.int(seeds.length)];
  const { bytes, how } = mutate(file, random);
  return { seedName: file.name, how, bytes };
}

/** Time limit of the public HDF5 reader in {@linkcode throughPublicReader}. */
const HDF5_TIMEOUT_MS = 10_000;

/**
 * Read an HDF5 input that hung in this thread as users do: listHdf5Images
 * and decodeHdf5, each in its own worker stopped after HDF5_TIMEOUT_MS.
 * Undefined unless both ended in an image or a FormatError.
 */
async function throughPublicReader(
  bytes: Uint8Array,
  name: string,
): Promise<{ outcome: "caught" | "slow"; ms: number } | undefined> {
  const started = performance.now();
  let caught = false;
  for (const read of [listHdf5Images, decodeHdf5]) {
    try {
      await read(bytes, name, { timeoutMs: HDF5_TIMEOUT_MS });
    } catch (err) {
      if (!(err instanceof FormatError)) return undefined;
      caught ||= err.message.includes("no answer");
    }
  }
  // Each read is bounded by the reader's own time limit, so no wall-clock check here.
  return { outcome: caught ? "caught" : "slow", ms: performance.now() - started };
}

interface WorkerOutcome {
  /** Where a hang or crash stopped the worker. */
  stoppedAt?: number;
  failure?: FuzzFailure;
  /** Where a worker that finished its loop asked to go on. */
  next?: number;
}

function runWorker(
  job: Omit<FuzzJob, "heartbeat">,
  timeoutMs: number,
  report: FuzzReport,
): Promise<WorkerOutcome> {
  const heartbeat = new SharedArrayBuffer(HEARTBEAT_BYTES);
  const slots = new Int32Array(heartbeat, 0, HEARTBEAT_SLOTS);
  const clock = new Float64Array(heartbeat, 8 * CLOCK_AT, 2);
  Atomics.store(slots, INDEX, job.start);
  const worker = new Worker(new URL("./worker.ts", import.meta.url).href, { type: "module" });
  return new Promise((resolve) => {
    const stop = (outcome: WorkerOutcome) => {
      clearInterval(watch);
      worker.terminate();
      report.accepted += Atomics.load(slots, ACCEPTED);
      report.refused += Atomics.load(slots, REFUSED);
      if (clock[1] > report.slowestMs) {
        report.slowestMs = clock[1];
        report.slowestIndex = Atomics.load(slots, SLOWEST);
      }
      resolve(outcome);
    };
    const stoppedAt = (kind: "hang" | "crash", message: string): WorkerOutcome => {
      const index = Atomics.load(slots, INDEX);
      return {
        stoppedAt: index,
        failure: { index, seedName: "", how: "", kind, message },
      };
    };
    const watch = setInterval(() => {
      if (Atomics.load(slots, BUSY) === 1 && Date.now() - clock[0] > timeoutMs) {
        stop(stoppedAt("hang", `no result after ${timeoutMs} ms`));
      }
    }, 100);
    worker.onerror = (event) => {
      event.preventDefault();
      const outcome = stoppedAt("crash", `worker died: ${event.message}`);
      // Dead between inputs (while loading or building seeds): no input to blame, stop the run.
      if (Atomics.load(slots, BUSY) === 0) outcome.stoppedAt = job.end;
      stop(outcome);
    };
    worker.onmessage = (event: MessageEvent<FuzzMessage>) => {
      const message = event.data;
      if (message.type === "ready") {
        report.seeds = message.seeds;
      } else if (message.type === "failure") {
        report.failures.push(message.failure);
      } else {
        for (const [k, n] of Object.entries(message.errorKinds)) {
          report.errorKinds[k] = (report.errorKinds[k] ?? 0) + n;
        }
        report.crashes += message.crashes;
        stop({ next: message.next });
      }
    };
    worker.postMessage({ ...job, heartbeat } satisfies FuzzJob);
  });
}

/** One line per failure kind and the first few failures, for a test message or the CLI. */
export function describeFailures(report: FuzzReport, limit = 5): string {
  return report.failures.slice(0, limit).map((f) =>
    `  ${report.format} #${f.index} [${f.kind}] ${f.seedName}: ${f.how}\n    ${f.message}` +
    (f.stack ? `\n    ${f.stack.split("\n").slice(1, 4).join("\n    ")}` : "")
  ).join("\n");
}
