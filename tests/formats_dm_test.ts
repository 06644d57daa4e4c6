import { FormatError } from "../lib/errors.ts";
import { decodeImage, listImages } from "../lib/formats/decode.ts";
import { decodeDm, listDmImages } from "../lib/formats/dm.ts";
import { decodeNpy } from "../lib/formats/npy.ts";
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "./assert.ts";
import { buildDm, type DmImageSpec, dmTree, leBytes } from "./format_builders.ts";
import { expectedFormats, sharedBytes, testWithSharedData } from "./shared_data.ts";

function stats(data: Float32Array): { min: number; max: number; mean: number } {
  let min = Infinity, max = -Infinity, sum = 0;
  for (const v of data) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  return { min, max, mean: sum / data.length };
}

/** A FormatError about `name` whose message includes `includes`. */
function assertFormatError(fn: () => unknown, name: string, includes: string): void {
  const err = assertThrows(fn, FormatError, includes) as FormatError;
  assertEquals(err.subject, name);
  assert(err.line().startsWith(`error: ${name}: `), err.line());
}

testWithSharedData("dm: every 2x2 fixture of every Gatan type decodes to [[1, 2], [3, 4]]", () => {
  const expected = expectedFormats();
  const names = Object.keys(expected).filter((k) => /^dm\/test-\d+\.dm[34]$/.test(k));
  assertEquals(names.length, 16);
  for (const name of names) {
    const e = expected[name];
    const bytes = sharedBytes(`formats/${name}`);
    const image = decodeDm(bytes, name);
    assertEquals([image.height, image.width], e.shape, name);
    assertEquals(Array.from(image.data), [1, 2, 3, 4], name);
    assertEquals(stats(image.data), { min: e.min!, max: e.max!, mean: e.mean! }, name);
    assertEquals(image.pixelSize, undefined, name);
    const entry = listDmImages(bytes, name).find((i) => i.isDefault)!;
    assertEquals(entry.dtype, e.dtype, name);
    assertEquals(entry.shape, e.shape, name);
    assertEquals(entry.calibration.map((c) => [c.scale, c.unit]), e.calibration, name);
  }
});

testWithSharedData("dm: test_STEM_image.dm3 matches the reference pixels and 0.2485 nm/px", () => {
  const name = "dm/test_STEM_image.dm3";
  const e = expectedFormats()[name];
  const image = decodeDm(sharedBytes(`formats/${name}`), name);
  const reference = decodeNpy(sharedBytes("formats/dm/test_STEM_image_dm3.expected.npy"));
  assertEquals(reference.shape, e.shape);
  assertEquals([image.height, image.width], e.shape);
  assertEquals(Array.from(image.data), Array.from(reference.data));
  const s = stats(image.data);
  assertEquals([s.min, s.max], [e.min, e.max]);
  assertAlmostEquals(s.mean, e.mean!, 1e-9);
  assertEquals(image.pixelSize, { value: e.calibration![1][0], unit: "nm" });
});

testWithSharedData("dm: multi_signal.dm3 lists three images and reads the HAADF one", async () => {
  const name = "dm/multi_signal.dm3";
  const e = expectedFormats()[name].images!;
  const bytes = sharedBytes(`formats/${name}`);
  const list = await listImages(bytes, name);
  assertEquals(
    list.map((i) => [i.index, i.name, i.shape]),
    e.map((i) => [i.index, i.name, i.shape]),
  );
  assertEquals(
    list.map((i) => i.calibration.map((c) => [c.scale, c.unit])),
    e.map((i) => i.calibration!),
  );
  // The thumbnail is RGBA 8-bit (DataType 23), which the reference reports packed as int32.
  assertEquals(list.map((i) => i.dtype), ["rgba8", e[1].dtype, e[2].dtype]);
  assertEquals(list.map((i) => [i.thumbnail, i.isDefault]), [[true, false], [false, true], [
    false,
    false,
  ]]);
  const image = await decodeImage(bytes, name);
  const reference = decodeNpy(sharedBytes("formats/dm/multi_signal_dm3.expected.npy"));
  assertEquals(reference.shape, [512, 512]);
  assertEquals([image.height, image.width], [512, 512]);
  assertEquals(Array.from(image.data), Array.from(reference.data));
  assertEquals([stats(image.data).min, stats(image.data).max], [e[1].min, e[1].max]);
  assertEquals(image.pixelSize, { value: e[1].calibration![0][0], unit: "nm" });
  assertEquals(Array.from(decodeDm(bytes, name, { index: 1 }).data), Array.from(image.data));
  assertFormatError(() => decodeDm(bytes, name, { index: 2 }), name, "1-D");
  assertFormatError(() => decodeDm(bytes, name, { index: 0 }), name, "rgba8");
  assertFormatError(() => decodeDm(bytes, name, { index: 7 }), name, "no image 7");
});

testWithSharedData("dm: real bto_haadf.dm4 gives the 413 x 469 data, not the thumbnail", () => {
  const name = "real/bto_haadf.dm4";
  const bytes = sharedBytes(name);
  const list = listDmImages(bytes, name);
  assertEquals(list[0].thumbnail, true);
  assertEquals(list[1].dtype, "float32");
  const image = decodeDm(bytes, name);
  assertEquals([image.height, image.width], [413, 469]);
  assertEquals(image.pixelSize?.unit, "nm");
  assertAlmostEquals(image.pixelSize!.value, 0.02966, 5e-6);
  assert(stats(image.data).min > 0, "HAADF counts are positive");
});

const DATA_2x3: DmImageSpec = {
  name: "data",
  dataType: 1,
  elementType: 2,
  dims: [3, 2],
  bytes: leBytes([-3, -2, -1, 0, 1, 32767], "i16"),
  scale: 0.5,
  unit: "Å",
};
const THUMBNAIL_8x6: DmImageSpec = {
  name: "preview",
  dataType: 6,
  elementType: 10,
  dims: [8, 6],
  bytes: leBytes(Array(48).fill(7), "u8"),
};

for (const version of [3, 4] as const) {
  Deno.test(`dm: hand-made DM${version}, thumbnail larger than the data, is skipped`, () => {
    const name = `made.dm${version}`;
    const bytes = buildDm(version, dmTree([THUMBNAIL_8x6, DATA_2x3], [0]));
    const image = decodeDm(bytes, name);
    assertEquals([image.width, image.height], [3, 2]);
    assertEquals(Array.from(image.data), [-3, -2, -1, 0, 1, 32767]);
    assertEquals(image.pixelSize, { value: 0.5, unit: "Å" });
    // Asked for by index, the thumbnail is read.
    const thumbnail = decodeDm(bytes, name, { index: 0 });
    assertEquals([thumbnail.width, thumbnail.height, thumbnail.data[0]], [8, 6, 7]);
    // Without the Thumbnails tag the larger image would win: the tag is what decides.
    assertEquals(decodeDm(buildDm(version, dmTree([THUMBNAIL_8x6, DATA_2x3], [])), name).width, 8);
  });
}

Deno.test("dm: a 3-D stack reads its first frame by default, others on request", () => {
  const stack: DmImageSpec = {
    name: "stack",
    dataType: 2,
    elementType: 6,
    dims: [2, 2, 3],
    bytes: leBytes([0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23], "f32"),
  };
  const bytes = buildDm(4, dmTree([stack], []));
  assertEquals(listDmImages(bytes, "s.dm4")[0].shape, [3, 2, 2]);
  assertEquals(Array.from(decodeDm(bytes, "s.dm4").data), [0, 1, 2, 3]);
  assertEquals(Array.from(decodeDm(bytes, "s.dm4", { frame: 2 }).data), [20, 21, 22, 23]);
  assertFormatError(() => decodeDm(bytes, "s.dm4", { frame: 3 }), "s.dm4", "frame 3");
});

Deno.test("dm: truncated anywhere, the file gives a FormatError naming it", () => {
  const bytes = buildDm(4, dmTree([THUMBNAIL_8x6, DATA_2x3], [0]));
  // The last 8 bytes are DM's end padding; any cut before them loses a tag.
  for (let cut = 0; cut < bytes.length - 8; cut += 7) {
    assertFormatError(() => decodeDm(bytes.subarray(0, cut), "cut.dm4"), "cut.dm4", "");
  }
  assertFormatError(() => decodeDm(bytes.subarray(0, 200), "cut.dm4"), "cut.dm4", "truncated");
});

Deno.test("dm: wrong magic number and unsupported data types are refused by name", async () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assertFormatError(() => decodeDm(png, "x.dm3"), "x.dm3", "bad magic number");
  const text = new TextEncoder().encode("this is not a DM file at all");
  const err = await decodeImage(text, "y.dm4").catch((e) => e);
  assert(err instanceof FormatError && err.subject === "y.dm4", String(err));
  assert(err.message.includes("bad magic number"), err.message);
  const complex: DmImageSpec = {
    name: "fft",
    dataType: 3,
    elementType: 6,
    dims: [2, 2],
    bytes: leBytes(Array(8).fill(1), "f32"),
  };
  assertFormatError(
    () => decodeDm(buildDm(3, dmTree([complex], [])), "c.dm3"),
    "c.dm3",
    "complex64",
  );
  const rgb = { ...THUMBNAIL_8x6, dataType: 23, elementType: 5, bytes: new Uint8Array(192) };
  assertFormatError(() => decodeDm(buildDm(3, dmTree([rgb], [])), "r.dm3"), "r.dm3", "rgba8");
});

Deno.test("dm: a header declaring 10^9 pixels or 2^32 tags is refused at once", () => {
  const huge = { ...DATA_2x3, dims: [100_000, 10_000] };
  assertFormatError(() => decodeDm(buildDm(4, dmTree([huge], [])), "h.dm4"), "h.dm4", "larger");
  // An array tag claiming 2^32 - 1 elements the file does not hold.
  const lying = { ...DATA_2x3, count: 2 ** 32 - 1 };
  assertFormatError(() => decodeDm(buildDm(3, dmTree([lying], [])), "l.dm3"), "l.dm3", "truncated");
  // A root group claiming 2^32 - 1 tags.
  const header = [0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 255, 255, 255, 255];
  assertFormatError(() => decodeDm(new Uint8Array(header), "t.dm3"), "t.dm3", "truncated");
});

Deno.test("dm: the data tag must hold what the dimensions declare", () => {
  const short = { ...DATA_2x3, dims: [3, 3] };
  assertFormatError(() => decodeDm(buildDm(4, dmTree([short], [])), "s.dm4"), "s.dm4", "need 18");
});
