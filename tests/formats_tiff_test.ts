import { FormatError } from "../lib/errors.ts";
import { decodeImage, listImages } from "../lib/formats/decode.ts";
import { decodeTiff, listTiffImages } from "../lib/formats/tiff.ts";
import { decodeNpy } from "../lib/formats/npy.ts";
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "./assert.ts";
import { buildTiff, leBytes, type TiffPageSpec } from "./format_builders.ts";
import { expectedFormats, sharedBytes, testWithSharedData } from "./shared_data.ts";

function assertFormatError(fn: () => unknown, name: string, includes: string): void {
  const err = assertThrows(fn, FormatError, includes) as FormatError;
  assertEquals(err.subject, name);
}

testWithSharedData("tiff: DM and ImageJ fixtures equal the reference arrays, 0.1687 µm/px", () => {
  const expected = expectedFormats();
  const names = Object.keys(expected).filter((k) => k.startsWith("tiff/"));
  assertEquals(names.length, 3);
  for (const name of names) {
    const e = expected[name];
    const bytes = sharedBytes(`formats/${name}`);
    const reference = decodeNpy(sharedBytes(`formats/${name}.expected.npy`));
    assertEquals(reference.shape, e.shape, name);
    const pages = listTiffImages(bytes, name);
    const pageCount = e.shape!.length === 3 ? e.shape![0] : 1;
    assertEquals(pages.length, pageCount, name);
    assertEquals(pages[0].dtype, e.dtype, name);
    let min = Infinity, max = -Infinity, sum = 0;
    for (let page = 0; page < pageCount; page++) {
      const image = decodeTiff(bytes, name, { page });
      assertEquals([image.height, image.width], e.shape!.slice(-2), name);
      const n = image.width * image.height;
      const want = reference.data.subarray(page * n, (page + 1) * n);
      assertEquals(Array.from(image.data), Array.from(want), `${name} page ${page}`);
      for (const v of image.data) {
        min = Math.min(min, v);
        max = Math.max(max, v);
        sum += v;
      }
      assertEquals(image.pixelSize?.unit, "µm", name);
      assertAlmostEquals(image.pixelSize!.value, 0.168675, 1e-6, name);
    }
    assertEquals([min, max], [e.min, e.max], name);
    assertAlmostEquals(sum / reference.data.length, e.mean!, 1e-4, name);
  }
});

function page(
  values: number[],
  spec: Partial<TiffPageSpec> & { type: Parameters<typeof leBytes>[1] },
) {
  const bits = { i8: 8, u8: 8, i16: 16, u16: 16, i32: 32, u32: 32, f32: 32, f64: 64 }[spec.type];
  const format = spec.type.startsWith("f") ? 3 : spec.type.startsWith("i") ? 2 : 1;
  return { width: 3, height: 2, bits, format, bytes: leBytes(values, spec.type), ...spec };
}

Deno.test("tiff: every integer and float sample type decodes exactly", () => {
  const cases: [Parameters<typeof leBytes>[1], number[]][] = [
    ["u8", [0, 1, 2, 128, 254, 255]],
    ["i8", [-128, -1, 0, 1, 2, 127]],
    ["u16", [0, 1, 300, 40000, 65534, 65535]],
    ["i16", [-32768, -300, -1, 0, 1, 32767]],
    ["u32", [0, 1, 70000, 16777216, 2 ** 31, 4294967040]],
    ["i32", [-(2 ** 31), -70000, -1, 0, 1, 2 ** 30]],
    ["f32", [-1.5, 0, 0.25, 3.5, 1e6, -2e-3]],
    ["f64", [-1.5, 0, 0.25, 3.5, 1e6, -0.5]],
  ];
  for (const [type, values] of cases) {
    const image = decodeTiff(buildTiff([page(values, { type })]), `${type}.tif`);
    assertEquals([image.width, image.height], [3, 2], type);
    assertEquals(Array.from(image.data), Array.from(Float32Array.from(values)), type);
    assertEquals(image.pixelSize, undefined, type);
  }
});

Deno.test("tiff: RGB becomes Rec. 709 luminance; pages are chosen by option", () => {
  const rgb = page([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 10, 10, 0, 0, 0, 255, 255, 255], {
    type: "u8",
    samplesPerPixel: 3,
  });
  const gray = page([5, 6, 7, 8, 9, 10], { type: "u16" });
  const bytes = buildTiff([gray, rgb]);
  assertEquals(listTiffImages(bytes, "p.tif").map((p) => p.shape), [[2, 3], [2, 3, 3]]);
  assertEquals(Array.from(decodeTiff(bytes, "p.tif").data), [5, 6, 7, 8, 9, 10]);
  const colour = decodeTiff(bytes, "p.tif", { page: 1 }).data;
  const want = [0.2126 * 255, 0.7152 * 255, 0.0722 * 255, 10, 0, 255];
  want.forEach((w, i) => assertAlmostEquals(colour[i], w, 1e-3));
  assertFormatError(() => decodeTiff(bytes, "p.tif", { page: 2 }), "p.tif", "page 2");
});

Deno.test("tiff: calibration from ImageJ, centimetre resolution; inch is ignored", () => {
  const values = [1, 2, 3, 4, 5, 6];
  const imagej = page(values, {
    type: "f32",
    description: "ImageJ=1.54f\nunit=nm\n",
    xResolution: 20,
    resolutionUnit: 1,
  });
  assertEquals(decodeTiff(buildTiff([imagej]), "j.tif").pixelSize, { value: 0.05, unit: "nm" });
  const micron = { ...imagej, description: "ImageJ=1.54f\nunit=micron\n" };
  assertEquals(decodeTiff(buildTiff([micron]), "m.tif").pixelSize, { value: 0.05, unit: "µm" });
  const cm = page(values, { type: "u8", xResolution: 2e6, resolutionUnit: 3 });
  assertEquals(decodeTiff(buildTiff([cm]), "c.tif").pixelSize, { value: 5, unit: "nm" });
  const inch = page(values, { type: "u8", xResolution: 72, resolutionUnit: 2 });
  assertEquals(decodeTiff(buildTiff([inch]), "i.tif").pixelSize, undefined);
});

Deno.test("tiff: truncated anywhere, the file gives a FormatError naming it", () => {
  const bytes = buildTiff([
    page([1, 2, 3, 4, 5, 6], { type: "i32", description: "made for a test" }),
    page([1, 2, 3, 4, 5, 6], { type: "u16" }),
  ]);
  for (let cut = 0; cut < bytes.length - 2; cut += 3) {
    const err = assertThrows(() => {
      // Either page may be the one that lost its bytes.
      decodeTiff(bytes.subarray(0, cut), "cut.tif", { page: 0 });
      decodeTiff(bytes.subarray(0, cut), "cut.tif", { page: 1 });
    }, FormatError) as FormatError;
    assertEquals(err.subject, "cut.tif");
  }
});

Deno.test("tiff: wrong magic, BigTIFF, unsupported samples, loops and huge sizes are refused", async () => {
  assertFormatError(() => decodeTiff(new Uint8Array(16), "z.tif"), "z.tif", "bad magic number");
  const big = new Uint8Array([0x49, 0x49, 43, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assertFormatError(() => decodeTiff(big, "b.tif"), "b.tif", "BigTIFF");
  const err = await decodeImage(new TextEncoder().encode("plain text"), "t.tiff").catch((e) => e);
  assert(err instanceof FormatError && err.subject === "t.tiff" && /magic/.test(err.message));
  const half = { ...page([1, 2, 3, 4, 5, 6], { type: "u16" }), format: 3 };
  assertFormatError(() => decodeTiff(buildTiff([half]), "h.tif"), "h.tif", "16-bit float");
  const palette = { ...page([1, 2, 3, 4, 5, 6], { type: "u8" }), photometric: 3 };
  assertFormatError(() => decodeTiff(buildTiff([palette]), "pal.tif"), "pal.tif", "palette");
  // A directory whose "next" offset points back at itself.
  const loop = buildTiff([page([1, 2, 3, 4, 5, 6], { type: "u8" })]);
  const view = new DataView(loop.buffer);
  const ifd = view.getUint32(4, true);
  view.setUint32(ifd + 2 + view.getUint16(ifd, true) * 12, ifd, true);
  assertFormatError(() => listTiffImages(loop, "loop.tif"), "loop.tif", "loop");
  // That it allocates nothing first is tests/huge_header_test.ts's (under an allocation cap).
  const huge = { ...page([1, 2, 3, 4, 5, 6], { type: "u8" }), width: 100_000, height: 10_000 };
  assertFormatError(() => decodeTiff(buildTiff([huge]), "huge.tif"), "huge.tif", "larger");
  assertEquals((await listImages(buildTiff([huge]), "huge.tif"))[0].shape, [10_000, 100_000]);
});
