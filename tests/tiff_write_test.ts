import { decodeTiffBytes } from "../lib/deps.ts";
import { decodeTiff } from "../lib/formats/tiff.ts";
import { encodeTiff, toRational } from "../lib/formats/tiff_write.ts";
import { Random } from "../lib/random.ts";
import { assert, assertAlmostEquals, assertEquals } from "./assert.ts";

function randomImage(width: number, height: number) {
  const r = new Random(9);
  const data = Float32Array.from({ length: width * height }, () => 1e3 * r.normal());
  data[0] = -0;
  data[1] = 3.4e38;
  data[2] = 1e-40; // subnormal
  return { data, width, height, pixelSize: { value: 0.027, unit: "nm" } };
}

Deno.test("tiff_write: the tiff npm decoder reads the float32 pixels back exactly", () => {
  const image = randomImage(37, 23);
  const bytes = encodeTiff(image);
  const [ifd] = decodeTiffBytes(bytes);
  assertEquals(ifd.width, 37);
  assertEquals(ifd.height, 23);
  assertEquals(ifd.bitsPerSample, 32);
  assertEquals(ifd.sampleFormat, 3);
  assert(ifd.data instanceof Float32Array, "float32 samples");
  assertEquals(new Uint8Array(ifd.data.buffer), new Uint8Array(image.data.buffer));
  // ImageJ calibration: 1 / 0.027 = 1000 / 27 pixels per nm.
  assertEquals(ifd.fields.get(282), 1000 / 27);
  assert(String(ifd.fields.get(270)).includes("unit=nm"), "unit in the description");
});

Deno.test("tiff_write: ferrovae's TIFF reader recovers pixels and pixel size", () => {
  const image = randomImage(64, 48);
  const back = decodeTiff(encodeTiff(image, { description: "seed=9" }), "round.tif");
  assertEquals(back.width, 64);
  assertEquals(back.height, 48);
  assertEquals(back.data, image.data);
  assertEquals(back.pixelSize?.unit, "nm");
  assertAlmostEquals(back.pixelSize!.value, 0.027, 1e-15);
  // Without a calibration: no resolution tags at all.
  const [ifd] = decodeTiffBytes(encodeTiff({ data: image.data, width: 64, height: 48 }));
  assertEquals(ifd.fields.has(282), false);
});

Deno.test("tiff_write: toRational finds exact small fractions", () => {
  assertEquals(toRational(1 / 0.027), [1000, 27]);
  assertEquals(toRational(0.5), [1, 2]);
  assertEquals(toRational(7), [7, 1]);
  const [n, d] = toRational(Math.PI);
  assertAlmostEquals(n / d, Math.PI, 1e-15);
});
