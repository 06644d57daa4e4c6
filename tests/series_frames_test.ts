/**
 * Frame-by-frame reading of movies (lib/formats/frames.ts): every frame equals
 * what the whole-file decoder gives, and the range formats (.npy, TIFF, HDF5)
 * read only a frame's worth of bytes per frame.
 */

import { bytesSource, countingSource } from "../lib/formats/byte_source.ts";
import { decodeImage } from "../lib/formats/decode.ts";
import { openFrameReader } from "../lib/formats/frames.ts";
import { decodeNpy, encodeNpy } from "../lib/formats/npy.ts";
import { FormatError } from "../lib/errors.ts";
import { openByteSource } from "../lib/io/byte_ranges.ts";
import { Random } from "../lib/random.ts";
import { assert, assertEquals, assertRejects } from "./assert.ts";
import { buildDm, buildHdf5, buildTiff, dmTree, leBytes } from "./format_builders.ts";
import { expectedFormats, SHARED_DATA, testWithSharedData } from "./shared_data.ts";

function movie(frames: number, height: number, width: number, seed: number): Float32Array {
  const random = new Random(seed);
  return Float32Array.from({ length: frames * height * width }, () => random.uniform() * 1000);
}

function frameOf(data: ArrayLike<number>, frame: number, pixels: number): number[] {
  return Array.from({ length: pixels }, (_, i) => data[frame * pixels + i]);
}

Deno.test("npy (T, H, W): each frame reads only its own bytes", async () => {
  const [T, H, W] = [7, 24, 40];
  const values = movie(T, H, W, 1);
  const bytes = encodeNpy(values, [T, H, W]);
  const counted = countingSource(bytesSource(bytes, "movie.npy"));
  const reader = await openFrameReader(counted.source);
  assertEquals([reader.frames, reader.height, reader.width, reader.access], [T, H, W, "ranges"]);
  const afterOpen = counted.bytesRead();
  assert(afterOpen <= 4096, `opening read ${afterOpen} bytes`);
  for (let t = T - 1; t >= 0; t--) {
    const before = counted.bytesRead();
    const frame = await reader.read(t);
    assertEquals(counted.bytesRead() - before, H * W * 4);
    assertEquals(Array.from(frame.data), frameOf(values, t, H * W));
  }
  await assertRejects(() => reader.read(T), FormatError, `frame ${T} does not exist`);
});

Deno.test("npy: big-endian uint16 and 4-D stacks; Fortran order is read whole", async () => {
  // Big-endian uint16 (T, H, W), written by hand.
  const [T, H, W] = [3, 5, 6];
  const header = `{'descr': '>u2', 'fortran_order': False, 'shape': (${T}, ${H}, ${W}), }`;
  const padded = header + " ".repeat(64 - ((10 + header.length + 1) % 64)) + "\n";
  const big = new Uint8Array(10 + padded.length + T * H * W * 2);
  big.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, padded.length & 0xff, padded.length >> 8]);
  big.set(new TextEncoder().encode(padded), 10);
  const view = new DataView(big.buffer);
  for (let i = 0; i < T * H * W; i++) view.setUint16(10 + padded.length + 2 * i, i * 7, false);
  const reader = await openFrameReader(bytesSource(big, "be.npy"));
  assertEquals(Array.from((await reader.read(2)).data), frameOf(decodeNpy(big).data, 2, H * W));

  // (2, 3, H, W): six frames, C order over the leading axes.
  const values = movie(6, H, W, 2);
  const four = await openFrameReader(bytesSource(encodeNpy(values, [2, 3, H, W]), "4d.npy"));
  assertEquals(four.frames, 6);
  assertEquals(Array.from((await four.read(4)).data), frameOf(values, 4, H * W));

  // Fortran order: frame t's samples are spread over the file.
  const fortranHeader = `{'descr': '<f4', 'fortran_order': True, 'shape': (${T}, ${H}, ${W}), }`;
  const fPadded = fortranHeader + " ".repeat(64 - ((10 + fortranHeader.length + 1) % 64)) + "\n";
  const fortran = new Uint8Array(10 + fPadded.length + T * H * W * 4);
  fortran.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, fPadded.length & 0xff, 0]);
  fortran.set(new TextEncoder().encode(fPadded), 10);
  const fv = new DataView(fortran.buffer);
  // Element (t, y, x) at Fortran index t + T * (y + H * x); value 100 t + 10 y + x.
  for (let t = 0; t < T; t++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        fv.setFloat32(10 + fPadded.length + 4 * (t + T * (y + H * x)), 100 * t + 10 * y + x, true);
      }
    }
  }
  const fr = await openFrameReader(bytesSource(fortran, "f.npy"));
  assertEquals(fr.access, "whole");
  const frame1 = await fr.read(1);
  assertEquals(frame1.data[2 * W + 3], 100 + 20 + 3);
  await assertRejects(
    () => openFrameReader(bytesSource(fortran, "f.npy"), { maxWholeBytes: 100 }),
    FormatError,
    "read whole",
  );
});

Deno.test("npy: a truncated movie is refused when opened", async () => {
  const bytes = encodeNpy(movie(4, 8, 8, 3), [4, 8, 8]);
  await assertRejects(
    () => openFrameReader(bytesSource(bytes.subarray(0, bytes.length - 10), "cut.npy")),
    FormatError,
    "truncated NPY data",
  );
});

Deno.test("TIFF: pages read one at a time, strips of each page only, calibration kept", async () => {
  const [T, H, W] = [5, 20, 30];
  const values = movie(T, H, W, 4).map(Math.round);
  const pages = Array.from({ length: T }, (_, t) => ({
    width: W,
    height: H,
    bits: 16,
    format: 1,
    bytes: leBytes(frameOf(values, t, H * W), "u16"),
    description: "ImageJ=1.54f\nimages=5\nunit=nm\n",
    xResolution: 40,
  }));
  const file = buildTiff(pages);
  const counted = countingSource(bytesSource(file, "movie.tif"));
  const reader = await openFrameReader(counted.source);
  assertEquals([reader.frames, reader.height, reader.width, reader.access], [T, H, W, "ranges"]);
  assertEquals(reader.pixelSize, { value: 1 / 40, unit: "nm" });
  for (let t = 0; t < T; t++) {
    const before = counted.bytesRead();
    const frame = await reader.read(t);
    const read = counted.bytesRead() - before;
    // The page's pixels plus its directory and values: never another page's strips.
    assert(read >= H * W * 2 && read < H * W * 2 + 400, `page ${t} read ${read} bytes`);
    assertEquals(Array.from(frame.data), frameOf(values, t, H * W));
    assertEquals(frame.pixelSize, { value: 1 / 40, unit: "nm" });
  }
});

Deno.test("TIFF: pages of different sizes are not frames of one movie", async () => {
  const page = (w: number) => ({
    width: w,
    height: 4,
    bits: 8,
    format: 1,
    bytes: new Uint8Array(4 * w),
  });
  const reader = await openFrameReader(bytesSource(buildTiff([page(4), page(6)]), "mixed.tif"));
  await assertRejects(() => reader.read(1), FormatError, "not frames of one movie");
});

testWithSharedData("TIFF: ImageJ stack of ../shared/data, frame by frame from disk", async () => {
  const path = SHARED_DATA + "formats/tiff/test_loading_image_saved_with_imageJ_stack.tif";
  const expected = decodeNpy(Deno.readFileSync(path + ".expected.npy"));
  const facts = expectedFormats()["tiff/test_loading_image_saved_with_imageJ_stack.tif"];
  const source = await openByteSource(path);
  try {
    const counted = countingSource(source);
    const reader = await openFrameReader(counted.source);
    assertEquals([reader.frames, reader.height, reader.width], facts.shape);
    const pixels = reader.height * reader.width;
    let sum = 0;
    for (let t = 0; t < reader.frames; t++) {
      const frame = await reader.read(t);
      assertEquals(Array.from(frame.data), frameOf(expected.data, t, pixels));
      sum += frame.data.reduce((a, b) => a + b, 0);
    }
    assert(Math.abs(sum / (pixels * reader.frames) - facts.mean!) < 1e-3);
    reader.close();
  } finally {
    source.close();
  }
});

Deno.test("HDF5 (HyperSpy layout): frames by hyperslab, a fraction of the file per frame", async () => {
  const [T, H, W] = [40, 64, 64];
  const values = movie(T, H, W, 5);
  const file = await buildHdf5((f) => {
    f.create_group("Experiments");
    f.create_group("Experiments/movie");
    f.create_dataset({ name: "Experiments/movie/data", data: values, shape: [T, H, W] });
  });
  const counted = countingSource(bytesSource(file, "movie.hspy"));
  const reader = await openFrameReader(counted.source);
  assertEquals([reader.frames, reader.height, reader.width, reader.access], [T, H, W, "ranges"]);
  for (const t of [27, 0, 39]) {
    const before = counted.bytesRead();
    const frame = await reader.read(t);
    const read = counted.bytesRead() - before;
    // HDF5 reads a contiguous dataset through its 64 KiB sieve buffer: the frame and a
    // little around it, a fixed amount whatever the movie's length.
    assert(read <= H * W * 4 + 65536, `frame ${t} read ${read} bytes of ${file.length}`);
    assertEquals(Array.from(frame.data), frameOf(values, t, H * W));
  }
  reader.close();
});

testWithSharedData("HDF5: Velox EMD stack of ../shared/data (frames last) from disk", async () => {
  const path = SHARED_DATA + "formats/emd/fei_example_tem_stack.emd";
  const facts = expectedFormats()["emd/fei_example_tem_stack.emd"].datasets![0];
  const whole = Deno.readFileSync(path);
  const source = await openByteSource(path);
  try {
    const reader = await openFrameReader(source);
    // Stored (y, x, frames) = (3, 3, 2).
    assertEquals([reader.height, reader.width, reader.frames], facts.shape);
    for (let t = 0; t < reader.frames; t++) {
      const frame = await reader.read(t);
      const reference = await decodeImage(whole, path, { frame: t });
      assertEquals(Array.from(frame.data), Array.from(reference.data));
      assertEquals(frame.pixelSize, reference.pixelSize);
    }
    reader.close();
  } finally {
    source.close();
  }
});

Deno.test("DM4 3-D stack: read whole (documented), every frame right", async () => {
  const [T, H, W] = [4, 6, 8];
  const values = movie(T, H, W, 6).map(Math.round);
  const dm = buildDm(
    4,
    dmTree([{
      name: "movie",
      dataType: 10,
      elementType: 4,
      dims: [W, H, T],
      bytes: leBytes(values, "u16"),
      scale: 0.02,
      unit: "nm",
    }], []),
  );
  const reader = await openFrameReader(bytesSource(dm, "movie.dm4"));
  assertEquals([reader.frames, reader.height, reader.width, reader.access], [T, H, W, "whole"]);
  for (let t = 0; t < T; t++) {
    assertEquals(Array.from((await reader.read(t)).data), frameOf(values, t, H * W));
  }
  assertEquals(reader.pixelSize, { value: 0.019999999552965164, unit: "nm" });
});

Deno.test("a single 2-D image is a movie of one frame", async () => {
  const reader = await openFrameReader(
    bytesSource(encodeNpy(movie(1, 9, 11, 7), [9, 11]), "one.npy"),
  );
  assertEquals([reader.frames, reader.height, reader.width], [1, 9, 11]);
});
