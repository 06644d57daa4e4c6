import { FormatError, UserError } from "../lib/errors.ts";
import { decodeImage, detectFormat, listImages } from "../lib/formats/decode.ts";
import { encodeNpy } from "../lib/formats/npy.ts";
import { encodePng } from "../lib/formats/png.ts";
import { readImage } from "../lib/io/read_image.ts";
import { assertAlmostEquals, assertEquals, assertRejects } from "./assert.ts";
import { SHARED_DATA, testWithSharedData } from "./shared_data.ts";

/** An .npy file with any header: version 1-3, any descr, either order. */
function npyFile(
  descr: string,
  shape: number[],
  data: Uint8Array,
  options: { version?: 1 | 2 | 3; fortran?: boolean } = {},
): Uint8Array {
  const version = options.version ?? 1;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  const fortran = options.fortran ? "True" : "False";
  const header = new TextEncoder().encode(
    `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shapeText}, }\n`,
  );
  const prefix = version === 1 ? 10 : 12;
  const out = new Uint8Array(prefix + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(header, prefix);
  out.set(data, prefix + header.length);
  return out;
}

function bytesOf(
  values: number[],
  size: number,
  write: (v: DataView, o: number, x: number) => void,
) {
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  values.forEach((x, i) => write(view, i * size, x));
  return out;
}

const SIX = [-3, -1, 0, 1, 2, 100];

Deno.test("npy: every numeric dtype, both byte orders, versions 1-3 decode to the same image", async () => {
  const cases: [string, number[], Uint8Array][] = [
    ["|u1", [0, 1, 2, 3, 4, 255], Uint8Array.from([0, 1, 2, 3, 4, 255])],
    ["|i1", SIX, new Uint8Array(Int8Array.from(SIX).buffer)],
    ["|b1", [0, 1, 1, 0, 1, 0], Uint8Array.from([0, 1, 1, 0, 1, 0])],
    ["<i2", SIX, bytesOf(SIX, 2, (v, o, x) => v.setInt16(o, x, true))],
    [">i2", SIX, bytesOf(SIX, 2, (v, o, x) => v.setInt16(o, x, false))],
    [
      "<u2",
      [0, 1, 2, 3, 4, 65535],
      new Uint8Array(Uint16Array.from([0, 1, 2, 3, 4, 65535]).buffer),
    ],
    ["<i4", SIX, bytesOf(SIX, 4, (v, o, x) => v.setInt32(o, x, true))],
    [
      ">u4",
      [0, 1, 2, 3, 4, 2 ** 31],
      bytesOf([0, 1, 2, 3, 4, 2 ** 31], 4, (v, o, x) => v.setUint32(o, x)),
    ],
    ["<i8", SIX, bytesOf(SIX, 8, (v, o, x) => v.setBigInt64(o, BigInt(x), true))],
    [
      "<u8",
      [0, 1, 2, 3, 4, 5],
      bytesOf([0, 1, 2, 3, 4, 5], 8, (v, o, x) => v.setBigUint64(o, BigInt(x), true)),
    ],
    [
      "<f2",
      [-2, -1, 0, 0.5, 1, 65504],
      Uint8Array.from([0, 192, 0, 188, 0, 0, 0, 56, 0, 60, 255, 123]),
    ],
    ["<f4", SIX, new Uint8Array(Float32Array.from(SIX).buffer)],
    [">f8", SIX, bytesOf(SIX, 8, (v, o, x) => v.setFloat64(o, x, false))],
  ];
  for (const [descr, values, data] of cases) {
    for (const version of [1, 2, 3] as const) {
      const image = await decodeImage(npyFile(descr, [2, 3], data, { version }), "a.npy");
      assertEquals([image.width, image.height], [3, 2], descr);
      assertEquals(Array.from(image.data), values, `${descr} v${version}`);
    }
  }
});

Deno.test("npy: Fortran order, stacks and colour arrays", async () => {
  // Fortran order stores columns first: [[1, 2, 3], [4, 5, 6]] as 1 4 2 5 3 6.
  const fortran = npyFile(
    "<f4",
    [2, 3],
    new Uint8Array(Float32Array.from([1, 4, 2, 5, 3, 6]).buffer),
    {
      fortran: true,
    },
  );
  assertEquals(Array.from((await decodeImage(fortran, "f.npy")).data), [1, 2, 3, 4, 5, 6]);
  const stack = encodeNpy(Float32Array.from({ length: 12 }, (_, i) => i), [3, 2, 2]);
  assertEquals(Array.from((await decodeImage(stack, "s.npy", { frame: 2 })).data), [8, 9, 10, 11]);
  assertEquals((await listImages(stack, "s.npy"))[0].shape, [3, 2, 2]);
  const rgb = new Uint8Array(5 * 5 * 3);
  rgb[0] = 255; // pixel (0, 0) pure red
  const colour = await decodeImage(encodeNpy(rgb, [5, 5, 3]), "c.npy");
  assertAlmostEquals(colour.data[0], 0.2126 * 255, 1e-3);
  assertEquals([colour.width, colour.height, colour.data[1]], [5, 5, 0]);
});

Deno.test("npy: truncated, wrong magic, unsupported dtype, 1-D and huge headers are refused", async () => {
  const good = encodeNpy(new Float32Array(6), [2, 3]);
  for (const cut of [0, 5, 9, 20, good.length - 1]) {
    const err = await assertRejects(() => decodeImage(good.subarray(0, cut), "t.npy"), FormatError);
    assertEquals((err as FormatError).subject, "t.npy");
  }
  await assertRejects(() => decodeImage(new Uint8Array(32), "m.npy"), FormatError, "bad magic");
  const complex = npyFile("<c8", [2, 2], new Uint8Array(32));
  await assertRejects(() => decodeImage(complex, "c.npy"), FormatError, "unsupported NPY dtype");
  await assertRejects(
    () => decodeImage(encodeNpy(new Float32Array(4), [4]), "v.npy"),
    FormatError,
    "not an image",
  );
  const huge = npyFile("<f4", [100_000, 10_000], new Uint8Array(16));
  await assertRejects(() => decodeImage(huge, "h.npy"), FormatError, "truncated");
});

Deno.test("png: 8/16-bit gray, gray+alpha, RGB and RGBA decode (colour to luminance)", async () => {
  const gray8 = encodePng({
    data: Uint8Array.from([0, 1, 128, 255]),
    width: 2,
    height: 2,
    channels: 1,
  });
  assertEquals(Array.from((await decodeImage(gray8, "g.png")).data), [0, 1, 128, 255]);
  const values16 = [0, 1000, 40000, 65535];
  const gray16 = encodePng({ data: Uint16Array.from(values16), width: 2, height: 2, channels: 1 });
  assertEquals(Array.from((await decodeImage(gray16, "g16.png")).data), values16);
  assertEquals((await listImages(gray16, "g16.png"))[0].dtype, "uint16");
  const grayAlpha = encodePng({
    data: Uint8Array.from([9, 255, 7, 0]),
    width: 2,
    height: 1,
    channels: 2,
  });
  assertEquals(Array.from((await decodeImage(grayAlpha, "ga.png")).data), [9, 7]);
  const rgb = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 50, 50, 50]);
  const want = [0.2126 * 255, 0.7152 * 255, 0.0722 * 255, 50];
  const fromRgb =
    (await decodeImage(encodePng({ data: rgb, width: 4, height: 1, channels: 3 }), "c.png")).data;
  want.forEach((w, i) => assertAlmostEquals(fromRgb[i], w, 1e-3));
  const rgba = Uint8Array.from([255, 0, 0, 10, 0, 255, 0, 20, 0, 0, 255, 30, 50, 50, 50, 40]);
  const fromRgba =
    (await decodeImage(encodePng({ data: rgba, width: 4, height: 1, channels: 4 }), "a.png")).data;
  want.forEach((w, i) => assertAlmostEquals(fromRgba[i], w, 1e-3));
  const rgb16 = Uint16Array.from([65535, 0, 0]);
  const deep =
    (await decodeImage(encodePng({ data: rgb16, width: 1, height: 1, channels: 3 }), "d.png")).data;
  assertAlmostEquals(deep[0], 0.2126 * 65535, 1e-2);
});

Deno.test("png: truncated or wrong magic gives a FormatError naming the file", async () => {
  const png = encodePng({ data: new Uint8Array(64 * 64), width: 64, height: 64, channels: 1 });
  for (const cut of [0, 7, 20, 40, png.length - 20]) {
    const err = await assertRejects(() => decodeImage(png.subarray(0, cut), "t.png"), FormatError);
    assertEquals((err as FormatError).subject, "t.png");
  }
  await assertRejects(
    () => decodeImage(new Uint8Array(40).fill(1), "w.png"),
    FormatError,
    "bad magic",
  );
});

Deno.test("dispatch: the magic number wins over the extension; unknown files are named", async () => {
  const png = encodePng({ data: Uint8Array.from([1, 2, 3, 4]), width: 2, height: 2, channels: 1 });
  assertEquals(detectFormat(png, "mislabelled.tif"), "png");
  assertEquals(Array.from((await decodeImage(png, "mislabelled.tif")).data), [1, 2, 3, 4]);
  assertEquals(detectFormat(encodeNpy(new Float32Array(4), [2, 2]), "x.dm4"), "npy");
  assertEquals(detectFormat(new Uint8Array(4), "X.DM3"), "dm");
  assertEquals(detectFormat(new Uint8Array(4), "dir.v2/file.HSPY"), "hdf5");
  const err = await assertRejects(() => decodeImage(new Uint8Array(10), "notes.txt"), FormatError);
  assertEquals(
    (err as FormatError).line().startsWith("error: notes.txt: unknown image format"),
    true,
  );
});

testWithSharedData("readImage: the real .npy loads at 224 x 1312", async () => {
  const image = await readImage(`${SHARED_DATA}real/pto_sro_haadf.npy`);
  assertEquals([image.height, image.width], [224, 1312]);
  assertEquals(image.pixelSize, undefined);
});

Deno.test("readImage: a missing file is one line naming it", async () => {
  const path = `/tmp/ferrovae-no-such-file-${crypto.randomUUID()}.dm4`;
  const err = await assertRejects(() => readImage(path), UserError);
  assertEquals((err as UserError).line(), `error: ${path}: no such file or folder`);
});

Deno.test("png: a header declaring 10^9 pixels is refused before decoding", async () => {
  const png = encodePng({ data: new Uint8Array(4), width: 2, height: 2, channels: 1 });
  const view = new DataView(png.buffer, png.byteOffset);
  view.setUint32(16, 100_000);
  view.setUint32(20, 10_000);
  await assertRejects(() => decodeImage(png, "huge.png"), FormatError, "larger");
});
