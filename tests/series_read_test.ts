/**
 * A series of several files and folders (lib/series/read_series.ts,
 * lib/io/series_files.ts): frames in file then frame order, only the wanted
 * ones read, one file open at a time, warnings for doubtful series.
 */

import { join } from "node:path";
import { UserError } from "../lib/errors.ts";
import { bytesSource } from "../lib/formats/byte_source.ts";
import { encodeNpy } from "../lib/formats/npy.ts";
import { openByteSource } from "../lib/io/byte_ranges.ts";
import { seriesFiles } from "../lib/io/series_files.ts";
import { naturalCompare, planSeries, readSeries } from "../lib/series/read_series.ts";
import { assertEquals, assertRejects } from "./assert.ts";
import { buildDm, dmTree, leBytes } from "./format_builders.ts";

/** A (T, 4, 5) movie whose every pixel of frame t holds `first + t`. */
function movie(frames: number, first: number): Uint8Array {
  const data = new Float32Array(frames * 20);
  for (let t = 0; t < frames; t++) data.fill(first + t, t * 20, (t + 1) * 20);
  return encodeNpy(data, frames === 1 ? [4, 5] : [frames, 4, 5]);
}

Deno.test("naturalCompare puts frame_2 before frame_10", () => {
  const names = ["f10.tif", "f2.tif", "f1.tif", "a.tif", "f02.tif"];
  assertEquals(names.sort(naturalCompare), ["a.tif", "f1.tif", "f2.tif", "f02.tif", "f10.tif"]);
});

Deno.test("readSeries: frames of several files in order; `only` reads just those, one file open at a time", async () => {
  const files: Record<string, Uint8Array> = {
    "a.npy": movie(3, 0),
    "b.npy": movie(1, 3),
    "c.npy": movie(4, 4),
  };
  let open = 0;
  let most = 0;
  const opener = (path: string) => {
    open++;
    most = Math.max(most, open);
    return Promise.resolve({ ...bytesSource(files[path], path), close: () => void open-- });
  };
  const plan = await planSeries(["a.npy", "b.npy", "c.npy"], opener);
  assertEquals(plan.frames.length, 8);
  assertEquals(plan.frames[4], { index: 4, file: "c.npy", frameInFile: 0 });
  assertEquals(plan.size, { width: 5, height: 4 });
  assertEquals(plan.warnings, []);
  const seen: number[] = [];
  for await (const frame of readSeries(plan, opener, { only: [6, 1, 3] })) {
    assertEquals(frame.image.data[0], frame.index); // pixel value = series index
    seen.push(frame.index);
  }
  assertEquals(seen, [1, 3, 6]);
  assertEquals([most, open], [1, 0]);
});

Deno.test("planSeries warns about stacks read whole and frames of different sizes", async () => {
  const dm = buildDm(
    4,
    dmTree([{
      name: "m",
      dataType: 2,
      elementType: 6,
      dims: [5, 4, 2],
      bytes: leBytes(new Float32Array(40), "f32"),
    }], []),
  );
  const files: Record<string, Uint8Array> = {
    "m.dm4": dm,
    "big.npy": encodeNpy(new Float32Array(64), [8, 8]),
  };
  const opener = (path: string) => Promise.resolve(bytesSource(files[path], path));
  const plan = await planSeries(["m.dm4", "big.npy"], opener);
  assertEquals(plan.warnings.map((w) => w.code), ["series-read-whole", "series-sizes-differ"]);
  assertEquals(plan.size, undefined);
  await assertRejects(() => planSeries([], opener), UserError, "no frame");
});

Deno.test("seriesFiles: a folder's image files in natural order, files as given", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferrovae-series-" });
  try {
    for (const name of ["frame_10.npy", "frame_2.npy", "frame_1.npy", "notes.txt"]) {
      await Deno.writeFile(join(dir, name), movie(1, 0));
    }
    await Deno.mkdir(join(dir, "sub"));
    const extra = join(dir, "sub", "x.npy");
    await Deno.writeFile(extra, movie(2, 0));
    const files = await seriesFiles([dir, extra]);
    assertEquals(files, [
      join(dir, "frame_1.npy"),
      join(dir, "frame_2.npy"),
      join(dir, "frame_10.npy"),
      extra,
    ]);
    const plan = await planSeries(files, openByteSource);
    assertEquals(plan.frames.length, 5);
    let count = 0;
    for await (const _ of readSeries(plan, openByteSource)) count++;
    assertEquals(count, 5);
    await assertRejects(() => seriesFiles([join(dir, "sub", "none")]), UserError, "no such file");
    await Deno.remove(extra);
    await assertRejects(() => seriesFiles([join(dir, "sub")]), UserError, "no image file");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
