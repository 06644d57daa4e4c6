/**
 * Sharding and restart bookkeeping of a series, as pure functions over
 * manifest data: `--shard I/N` takes every N-th frame from frame I (one
 * Slurm array task per shard), and a frame whose output folder holds a
 * complete `run.json` made from the same inputs (by SHA-256) and the same
 * parameters is skipped on a rerun.
 *
 * @module
 */

import { UsageError } from "../errors.ts";

/** One shard of N: frames I, I + N, I + 2N, ... */
export interface Shard {
  /** I, from 0 to count − 1 (Slurm's `SLURM_ARRAY_TASK_ID` with `--array=0-(N-1)`). */
  index: number;
  /** N, the number of shards. */
  count: number;
}

/**
 * Parse `I/N` (e.g. `--shard 2/8`). Anything else is a UsageError naming `flag`.
 *
 * @example
 * ```ts
 * import { parseShard } from "./shards.ts";
 * const shard = parseShard("2/8");
 * if (shard.index !== 2 || shard.count !== 8) throw new Error("shard 2 of 8");
 * ```
 */
export function parseShard(text: string, flag = "--shard"): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || !Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1) {
    throw new UsageError(flag, `expected I/N with N ≥ 1 (e.g. 0/4), got "${text}"`);
  }
  if (index >= count) {
    throw new UsageError(
      flag,
      `shard ${index} of ${count} does not exist (I runs from 0 to N − 1)`,
    );
  }
  return { index, count };
}

/**
 * The frames (0-based indices) of `shard` in a series of `frameCount` frames.
 *
 * @example
 * ```ts
 * import { shardFrames } from "./shards.ts";
 * if (shardFrames(10, { index: 1, count: 4 }).join() !== "1,5,9") throw new Error("every 4th");
 * ```
 */
export function shardFrames(frameCount: number, shard: Shard): number[] {
  const out: number[] = [];
  for (let f = shard.index; f < frameCount; f += shard.count) out.push(f);
  return out;
}

/** What a frame's outputs must have been made from to count as done. */
export interface FrameExpectation {
  /** SHA-256 (hex) of each input, by the path `run.json` records. */
  inputs: Record<string, string>;
  /** The parameters the run must have used (compared as canonical JSON); default: not compared. */
  parameters?: Record<string, unknown>;
}

/** Whether a frame is done, and if not, why (for the log of a rerun). */
export interface FrameStatus {
  /** True when the frame's outputs can be kept as they are. */
  complete: boolean;
  /** Why not, in a few words; "" when complete. */
  reason: string;
}

/** JSON with object keys sorted at every level, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : v,
  );
}

/**
 * Is a frame complete? `manifest` is its parsed `run.json` (undefined when
 * the file is absent or unreadable: a run killed before its end), `present`
 * the files now in its folder (relative names; default: not checked).
 * Complete means: the manifest says the run finished (and, when it has a
 * `status` or `complete` field, that it is complete), lists every expected
 * input with the same hash and no other, used the expected parameters, and
 * every file it lists is present.
 *
 * @example
 * ```ts
 * import { frameStatus } from "./shards.ts";
 * const manifest = {
 *   finished: "2026-01-01T00:00:00Z",
 *   inputs: { "a.tif": "ab12" },
 *   files: ["atoms.csv", "run.json"],
 * };
 * if (!frameStatus(manifest, { inputs: { "a.tif": "ab12" } }).complete) throw new Error("done");
 * const changed = frameStatus(manifest, { inputs: { "a.tif": "ffff" } });
 * if (changed.complete || !changed.reason?.includes("a.tif")) throw new Error("input changed");
 * ```
 */
export function frameStatus(
  manifest: unknown,
  expected: FrameExpectation,
  present?: readonly string[],
): FrameStatus {
  const no = (reason: string): FrameStatus => ({ complete: false, reason });
  if (!manifest || typeof manifest !== "object") return no("no run.json");
  const m = manifest as Record<string, unknown>;
  if (typeof m.status === "string" && m.status !== "complete") return no(`run ${m.status}`);
  if (m.complete === false) return no("run incomplete");
  if (typeof m.finished !== "string" || m.finished === "") return no("run not finished");
  const inputs = m.inputs && typeof m.inputs === "object"
    ? m.inputs as Record<string, unknown>
    : {};
  for (const [path, hash] of Object.entries(expected.inputs)) {
    if (!(path in inputs)) return no(`input ${path} not recorded`);
    if (inputs[path] !== hash) return no(`input ${path} changed`);
  }
  for (const path of Object.keys(inputs)) {
    if (!(path in expected.inputs)) return no(`made from another input (${path})`);
  }
  if (
    expected.parameters !== undefined &&
    canonicalJson(m.parameters ?? {}) !== canonicalJson(expected.parameters)
  ) {
    return no("parameters changed");
  }
  if (present !== undefined) {
    const have = new Set(present);
    const files = Array.isArray(m.files) ? m.files.filter((f) => typeof f === "string") : [];
    const missing = files.find((f) => !have.has(f));
    if (missing !== undefined) return no(`${missing} missing`);
  }
  return { complete: true, reason: "" };
}
