/** Shards and restart bookkeeping of a series (lib/series/shards.ts). */

import { UsageError } from "../lib/errors.ts";
import { frameStatus, parseShard, shardFrames } from "../lib/series/shards.ts";
import { assertEquals, assertThrows } from "./assert.ts";

Deno.test("parseShard reads I/N and refuses the rest with a usage error", () => {
  assertEquals(parseShard("2/8"), { index: 2, count: 8 });
  assertEquals(parseShard(" 0 / 1 "), { index: 0, count: 1 });
  for (const bad of ["8/8", "1/0", "-1/4", "1.5/4", "1", "a/b", ""]) {
    const err = assertThrows(() => parseShard(bad), UsageError) as UsageError;
    assertEquals(err.subject, "--shard");
  }
});

Deno.test("shards partition the frames: every frame in exactly one shard", () => {
  for (const [frames, count] of [[10, 4], [3, 8], [1, 1], [0, 3], [2600, 7]]) {
    const seen = new Array<number>(frames).fill(0);
    for (let index = 0; index < count; index++) {
      const mine = shardFrames(frames, { index, count });
      for (const f of mine) {
        assertEquals(f % count, index);
        seen[f]++;
      }
      assertEquals(mine, [...mine].sort((a, b) => a - b));
    }
    assertEquals(seen.every((n) => n === 1), true);
  }
  assertEquals(shardFrames(10, { index: 1, count: 4 }), [1, 5, 9]);
});

Deno.test("frameStatus: complete only for a finished run of the same inputs and parameters", () => {
  const manifest = {
    script: "series-frame",
    finished: "2026-12-08T00:00:00.000Z",
    inputs: { "movie.npy": "aa11" },
    parameters: { window: 48, frame: 3, nested: { b: 1, a: [1, 2] } },
    files: ["atoms.csv", "polarization.csv", "run.json"],
  };
  const expected = {
    inputs: { "movie.npy": "aa11" },
    parameters: { frame: 3, nested: { a: [1, 2], b: 1 }, window: 48 },
  };
  const present = ["atoms.csv", "polarization.csv", "run.json", "extra.txt"];
  assertEquals(frameStatus(manifest, expected, present), { complete: true, reason: "" });
  const reason = (m: unknown, e = expected, p: string[] | undefined = present) =>
    frameStatus(m, e, p).reason;
  assertEquals(reason(undefined), "no run.json");
  assertEquals(reason({ ...manifest, finished: "" }), "run not finished");
  assertEquals(reason({ ...manifest, status: "interrupted" }), "run interrupted");
  assertEquals(reason({ ...manifest, complete: false }), "run incomplete");
  assertEquals(reason({ ...manifest, inputs: { "movie.npy": "bb22" } }), "input movie.npy changed");
  assertEquals(reason({ ...manifest, inputs: {} }), "input movie.npy not recorded");
  assertEquals(
    reason({ ...manifest, inputs: { "movie.npy": "aa11", "other.tif": "cc" } }),
    "made from another input (other.tif)",
  );
  assertEquals(reason({ ...manifest, parameters: { window: 32, frame: 3 } }), "parameters changed");
  assertEquals(reason(manifest, expected, ["atoms.csv", "run.json"]), "polarization.csv missing");
  // Without expected parameters or a listing, those are not checked.
  assertEquals(
    frameStatus({ ...manifest, parameters: {} }, { inputs: expected.inputs }).complete,
    true,
  );
});
