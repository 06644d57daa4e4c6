import { FormatError } from "../lib/errors.ts";
import { decodeImage, listImages } from "../lib/formats/decode.ts";
import { decodeHdf5, listHdf5Images } from "../lib/formats/hdf5.ts";
import { decodeNpy } from "../lib/formats/npy.ts";
import { assertAlmostEquals, assertEquals, assertRejects } from "./assert.ts";
import { buildHdf5 as makeHdf5, claimedHdf5 } from "./format_builders.ts";
import { expectedFormats, sharedBytes, testWithSharedData } from "./shared_data.ts";

/**
 * Most tests read in this thread: the layouts are the same, and each worker
 * costs about 0.4 s to start. Reads through decodeImage/listImages, the
 * unsupported-type, corrupt-file and endless-loop tests go through the worker.
 */
const HERE = { worker: false } as const;

async function assertFormatError(promise: () => Promise<unknown>, name: string, includes: string) {
  const err = await assertRejects(promise, FormatError, includes) as FormatError;
  assertEquals(err.subject, name);
}

testWithSharedData("hdf5: EMD v0.2 example_image.emd reads signals/__unnamed__/data", async () => {
  const name = "emd/example_image.emd";
  const [dataset] = expectedFormats()[name].datasets!;
  const bytes = sharedBytes(`formats/${name}`);
  const list = await listImages(bytes, name);
  assertEquals(list.map((i) => [i.name, i.shape, i.dtype]), [[
    dataset.path,
    dataset.shape,
    dataset.dtype,
  ]]);
  const image = await decodeImage(bytes, name);
  assertEquals([image.height, image.width], dataset.shape);
  assertEquals(Array.from(image.data), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assertEquals(image.pixelSize, undefined);
});

testWithSharedData(
  "hdf5: Velox stack is stored (y, x, frames); frames read one by one",
  async () => {
    const name = "emd/fei_example_tem_stack.emd";
    const [data] = expectedFormats()[name].datasets!;
    assertEquals(data.shape, [3, 3, 2]);
    const bytes = sharedBytes(`formats/${name}`);
    const [entry] = await listHdf5Images(bytes, name, HERE);
    assertEquals([entry.name, entry.dtype], [data.path, data.dtype]);
    assertEquals(entry.shape, [2, 3, 3]); // reported frames first
    const first = await decodeHdf5(bytes, name, HERE);
    assertEquals([first.width, first.height], [3, 3]);
    assertEquals(Array.from(first.data), [0, 2, 4, 6, 8, 10, 12, 14, 16]);
    const second = await decodeHdf5(bytes, name, { ...HERE, frame: 1 });
    assertEquals(Array.from(second.data), [1, 3, 5, 7, 9, 11, 13, 15, 17]);
    // BinaryResult.PixelSize.width = 8.1728831922978511e-12 m.
    assertEquals(first.pixelSize?.unit, "nm");
    assertAlmostEquals(first.pixelSize!.value, 8.1728831922978511e-3, 1e-15);
    await assertFormatError(() => decodeHdf5(bytes, name, { ...HERE, frame: 2 }), name, "frame 2");
  },
);

testWithSharedData("hdf5: real HyperSpy files load with SOURCES.md shapes and scales", async () => {
  const hspy = "real/pto_sro_haadf.hspy";
  const image = await decodeImage(sharedBytes(hspy), hspy);
  assertEquals([image.height, image.width], [224, 1312]);
  assertEquals(image.pixelSize?.unit, "nm");
  assertAlmostEquals(image.pixelSize!.value, 0.0150, 5e-5);
  // The .npy beside it is the same image converted to float32 with h5py.
  const npy = decodeNpy(sharedBytes("real/pto_sro_haadf.npy"));
  assertEquals(npy.shape, [224, 1312]);
  let worst = 0;
  for (let i = 0; i < npy.data.length; i++) {
    worst = Math.max(worst, Math.abs(npy.data[i] - image.data[i]));
  }
  assertEquals(worst, 0);
  const sto = "real/sto_adf.hdf5";
  const adf = await decodeImage(sharedBytes(sto), sto);
  assertEquals([adf.height, adf.width], [999, 1012]);
  // This file's axes carry a scale (0.009326) but no units attribute.
  assertAlmostEquals(adf.pixelSize!.value, 0.009326, 5e-7);
  assertEquals(adf.pixelSize!.unit, "");
});

Deno.test("hdf5: HyperSpy stack with calibrated axes, frames first", async () => {
  const bytes = await makeHdf5((f) => {
    f.create_group("Experiments");
    f.create_group("Experiments/stack");
    const values = Float32Array.from({ length: 24 }, (_, i) => i - 3.5);
    f.create_dataset({ name: "Experiments/stack/data", data: values, shape: [2, 3, 4] });
    for (const [axis, scale] of [[1, 0.02], [2, 0.03]]) {
      const group = f.create_group(`Experiments/stack/axis-${axis}`);
      group.create_attribute("scale", scale);
      group.create_attribute("units", "nm");
    }
  });
  const [entry] = await listHdf5Images(bytes, "s.hspy", HERE);
  assertEquals([entry.shape, entry.dtype], [[2, 3, 4], "float32"]);
  assertEquals(entry.calibration.map((c) => c.scale), [1, 0.02, 0.03]);
  const image = await decodeHdf5(bytes, "s.hspy", { ...HERE, frame: 1 });
  assertEquals([image.width, image.height], [4, 3]);
  assertEquals(Array.from(image.data), Array.from({ length: 12 }, (_, i) => i + 12 - 3.5));
  assertEquals(image.pixelSize, { value: 0.03, unit: "nm" });
});

Deno.test("hdf5: any other file: the largest numeric 2-D dataset, int64 included", async () => {
  const bytes = await makeHdf5((f) => {
    f.create_group("entry");
    f.create_dataset({ name: "entry/profile", data: new Float64Array(50), shape: [50] });
    f.create_dataset({ name: "entry/small", data: new Uint16Array(4), shape: [2, 2] });
    const big = BigInt64Array.from([-5n, 0n, 7n, 2n ** 40n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
    f.create_dataset({ name: "entry/counts", data: big, shape: [3, 4] });
  });
  const list = await listHdf5Images(bytes, "g.h5", HERE);
  assertEquals(list.map((e) => [e.name, e.dtype, e.isDefault]), [
    ["entry/counts", "int64", true],
    ["entry/small", "uint16", false],
  ]);
  const image = await decodeHdf5(bytes, "g.h5", HERE);
  assertEquals(Array.from(image.data.subarray(0, 4)), [-5, 0, 7, 2 ** 40]);
  assertEquals((await decodeHdf5(bytes, "g.h5", { ...HERE, index: 1 })).width, 2);
});

Deno.test("hdf5: unsupported types, no image, huge shapes are refused by name", async () => {
  const strings = await makeHdf5((f) => {
    f.create_group("Experiments");
    f.create_group("Experiments/text");
    f.create_dataset({ name: "Experiments/text/data", data: ["a", "b", "c", "d"], shape: [2, 2] });
  });
  await assertFormatError(() => decodeHdf5(strings, "s.h5"), "s.h5", "does not read");
  const profile = await makeHdf5((f) => {
    f.create_dataset({ name: "profile", data: new Float32Array(10), shape: [10] });
  });
  await assertFormatError(() => decodeHdf5(profile, "p.h5", HERE), "p.h5", "no numeric dataset");
  const huge = await claimedHdf5([100_000, 10_000]);
  // Refused for its size; that nothing is read or allocated first is tests/huge_header_test.ts's.
  await assertFormatError(() => decodeHdf5(huge, "big.h5", HERE), "big.h5", "larger");
});

Deno.test("hdf5: truncated, corrupt and non-HDF5 files give one FormatError", async () => {
  const name = "made.hspy";
  const bytes = await makeHdf5((f) => {
    f.create_group("Experiments");
    f.create_group("Experiments/image");
    const data = Float32Array.from({ length: 64 * 64 }, (_, i) => i);
    f.create_dataset({ name: "Experiments/image/data", data, shape: [64, 64] });
  });
  // Every cut is caught before HDF5 starts: the superblock states the file's length.
  for (let cut = 0; cut < bytes.length; cut += 997) {
    await assertFormatError(() => decodeHdf5(bytes.slice(0, cut), name), name, "");
  }
  await assertFormatError(() => decodeHdf5(bytes.slice(0, 5000), name), name, "truncated HDF5");
  // Scrambled object headers: HDF5 itself refuses them, in the worker.
  const corrupt = bytes.slice();
  for (let i = 100; i < 2000; i += 7) corrupt[i] ^= 0x5a;
  await assertFormatError(() => decodeHdf5(corrupt, name), name, "HDF5");
  const text = new TextEncoder().encode("not HDF5 at all, just words");
  await assertFormatError(() => decodeImage(text, "x.emd"), "x.emd", "bad magic number");
});

testWithSharedData(
  "hdf5: a file on which HDF5 loops forever gives a FormatError in time",
  async () => {
    // One byte of example_image.emd's object headers, found by fuzzing: HDF5
    // 2.0 spins on it. The reader's worker is stopped after the time limit.
    const name = "emd/example_image.emd";
    const bytes = sharedBytes(`formats/${name}`);
    bytes[2361] = 8;
    await assertFormatError(() => decodeHdf5(bytes, name, { timeoutMs: 1500 }), name, "no answer");
  },
);
