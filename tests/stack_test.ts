import { assert, assertAlmostEquals, assertEquals, assertThrows } from "./assert.ts";
import type { Image } from "../lib/image.ts";
import { extractStack } from "../lib/stack.ts";

/** A 40 x 30 image with f(x, y) = 3x + 5y + 1: bilinear sampling reproduces it exactly. */
function rampImage(): Image {
  const width = 40, height = 30;
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data[y * width + x] = 3 * x + 5 * y + 1;
  }
  return { data, width, height };
}

const ramp = (x: number, y: number) => 3 * x + 5 * y + 1;

Deno.test("stack: bilinear windows sample around the exact centre", () => {
  const s = extractStack(rampImage(), { x: [20.3], y: [15.7] }, {
    window: 4,
    normalization: "none",
  });
  assertEquals(s.count, 1);
  for (let v = 0; v < 4; v++) {
    for (let u = 0; u < 4; u++) {
      // Pixel (u, v) of the window sits at (x − 1.5 + u, y − 1.5 + v).
      assertAlmostEquals(s.data[v * 4 + u], ramp(20.3 - 1.5 + u, 15.7 - 1.5 + v), 1e-4);
    }
  }
});

Deno.test("stack: integer centring crops whole pixels around the rounded centre (AtomAI)", () => {
  const s = extractStack(rampImage(), { x: [20.4], y: [15.6] }, {
    window: 4,
    centring: "integer",
    normalization: "none",
  });
  // round → (20, 16); rows and columns from round − 2 to round + 1.
  for (let v = 0; v < 4; v++) {
    for (let u = 0; u < 4; u++) assertEquals(s.data[v * 4 + u], ramp(18 + u, 14 + v));
  }
  assertEquals([s.x[0], s.y[0]], [20, 16]);
  // On whole-pixel centres with an odd window both centrings agree.
  const a = extractStack(rampImage(), { x: [9], y: [11] }, { window: 5, normalization: "none" });
  const b = extractStack(rampImage(), { x: [9], y: [11] }, {
    window: 5,
    normalization: "none",
    centring: "integer",
  });
  assertEquals(Array.from(a.data), Array.from(b.data));
});

Deno.test("stack: windows across the border or over NaN are dropped and counted", () => {
  const image = rampImage();
  image.data[5 * 40 + 30] = NaN; // pixel (30, 5)
  const x = [20, 1.2, 38.9, 20, 30, 3.5, NaN, 35.5];
  const y = [15, 15, 15, 1.9, 5.2, 3.5, 10, 25.5];
  const s = extractStack(image, { x, y }, { window: 8, normalization: "none" });
  // Kept: the centre, (3.5, 3.5) and (35.5, 25.5), flush with the borders (samples 0..7, 32..39).
  assertEquals(Array.from(s.kept), [0, 5, 7]);
  assertEquals([s.count, s.dropped, s.droppedBorder, s.droppedNonFinite], [3, 5, 4, 1]);
  assertEquals(s.data.length, 3 * 64);
  assertEquals(s.data[64], ramp(0, 0));
  assertEquals(s.data[3 * 64 - 1], ramp(39, 29));
  assertEquals(Array.from(s.x), [20, 3.5, 35.5]);
});

Deno.test("stack: normalisations over the stack and per window", () => {
  const image = rampImage();
  const centres = { x: [10, 20, 30], y: [10, 12, 14] };
  const minmax = extractStack(image, centres, { window: 6 });
  assertEquals(Math.min(...minmax.data), 0);
  assertAlmostEquals(Math.max(...minmax.data), 1, 1e-6);
  // value = (raw − offset) / scale reproduces the raw pixel.
  assertAlmostEquals(minmax.data[0] * minmax.scale + minmax.offset, ramp(10 - 2.5, 10 - 2.5), 1e-3);
  const max = extractStack(image, centres, { window: 6, normalization: "max" });
  assertAlmostEquals(Math.max(...max.data), 1, 1e-6);
  assert(Math.min(...max.data) > 0);
  const z = extractStack(image, centres, { window: 6, normalization: "zscore" });
  const mean = z.data.reduce((a, b) => a + b) / z.data.length;
  const sd = Math.sqrt(z.data.reduce((a, b) => a + (b - mean) ** 2, 0) / z.data.length);
  assertAlmostEquals(mean, 0, 1e-5);
  assertAlmostEquals(sd, 1, 1e-5);
  const each = extractStack(image, centres, { window: 6, perWindow: true });
  for (let k = 0; k < 3; k++) {
    const tile = each.data.subarray(k * 36, (k + 1) * 36);
    assertEquals([Math.min(...tile), Math.max(...tile)], [0, 1]);
  }
  assertThrows(() => extractStack(image, centres, { window: 1 }), RangeError);
});

Deno.test("stack: a Gaussian column at a sub-pixel position lands on the window centre", () => {
  const width = 64, height = 64, cx = 31.37, cy = 30.81;
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data[y * width + x] = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 18);
    }
  }
  for (const w of [36, 48, 54]) {
    const s = extractStack({ data, width, height }, { x: [cx], y: [cy] }, {
      window: w,
      normalization: "none",
    });
    let sum = 0, mx = 0, my = 0;
    for (let v = 0; v < w; v++) {
      for (let u = 0; u < w; u++) {
        sum += s.data[v * w + u];
        mx += u * s.data[v * w + u];
        my += v * s.data[v * w + u];
      }
    }
    assertAlmostEquals(mx / sum, (w - 1) / 2, 0.02, `window ${w}`);
    assertAlmostEquals(my / sum, (w - 1) / 2, 0.02, `window ${w}`);
  }
});
