/**
 * Frame registration (lib/series/registration.ts): known sub-pixel shifts of a
 * generated film, each frame with its own shot noise, are found to within a
 * tenth of a pixel; cumulative drift adds consecutive shifts.
 */

import { fftInPlace } from "../lib/atoms/fft.ts";
import type { Image } from "../lib/image.ts";
import { Random } from "../lib/random.ts";
import { cumulativeDrift, frameShift } from "../lib/series/registration.ts";
import { generateHaadf } from "../lib/synth/generate.ts";
import { assert, assertAlmostEquals, assertEquals } from "./assert.ts";

const BIG = 512;
const CROP = 256;

/** A nearly noise-free generated film, BIG x BIG, scaled to 1000 counts on a Bi column. */
function film(seed: number): Float64Array {
  const { image } = generateHaadf({ seed, width: BIG, height: BIG, dose: 1e6, readNoise: 0 });
  return Float64Array.from(image.data, (v) => v / 1000);
}

/** `source` moved by (dx, dy) (Fourier shift theorem, exact for a band-limited image). */
function shifted(source: Float64Array, dx: number, dy: number): Float64Array {
  const re = Float64Array.from(source);
  const im = new Float64Array(BIG * BIG);
  const pass = (inverse: boolean) => {
    if (inverse) { for (let i = 0; i < im.length; i++) im[i] = -im[i]; }
    const r = new Float64Array(BIG);
    const c = new Float64Array(BIG);
    for (let y = 0; y < BIG; y++) {
      r.set(re.subarray(y * BIG, (y + 1) * BIG));
      c.set(im.subarray(y * BIG, (y + 1) * BIG));
      fftInPlace(r, c);
      re.set(r, y * BIG);
      im.set(c, y * BIG);
    }
    for (let x = 0; x < BIG; x++) {
      for (let y = 0; y < BIG; y++) {
        r[y] = re[y * BIG + x];
        c[y] = im[y * BIG + x];
      }
      fftInPlace(r, c);
      for (let y = 0; y < BIG; y++) {
        re[y * BIG + x] = r[y];
        im[y * BIG + x] = c[y];
      }
    }
    if (inverse) { for (let i = 0; i < im.length; i++) im[i] = -im[i] / (BIG * BIG); }
    if (inverse) { for (let i = 0; i < re.length; i++) re[i] /= BIG * BIG; }
  };
  pass(false);
  const f = (k: number) => (k >= BIG / 2 ? k - BIG : k) / BIG;
  for (let ky = 0; ky < BIG; ky++) {
    for (let kx = 0; kx < BIG; kx++) {
      const phase = -2 * Math.PI * (f(kx) * dx + f(ky) * dy);
      const i = ky * BIG + kx;
      const a = re[i];
      const b = im[i];
      re[i] = a * Math.cos(phase) - b * Math.sin(phase);
      im[i] = a * Math.sin(phase) + b * Math.cos(phase);
    }
  }
  pass(true);
  return re;
}

/** The centre CROP x CROP of `source`, with Poisson noise of its own. */
function frame(source: Float64Array, random: Random): Image {
  const data = new Float32Array(CROP * CROP);
  const o = (BIG - CROP) / 2;
  for (let y = 0; y < CROP; y++) {
    for (let x = 0; x < CROP; x++) {
      data[y * CROP + x] = random.poisson(Math.max(0, source[(y + o) * BIG + x + o]));
    }
  }
  return { data, width: CROP, height: CROP };
}

Deno.test("frameShift finds known sub-pixel shifts of a noisy generated film (RMS < 0.1 px)", () => {
  const base = film(3);
  const random = new Random(17);
  const reference = frame(base, random);
  // Spacing is 14.7 px: the largest shift is more than half a lattice period.
  const cases: [number, number][] = [[0, 0], [0.3, -0.45], [3.35, -1.7], [-5.8, 2.45], [9.6, 0.2]];
  let squared = 0;
  for (const [dx, dy] of cases) {
    const moving = frame(shifted(base, dx, dy), random);
    const found = frameShift(reference, moving);
    const error = Math.hypot(found.dx - dx, found.dy - dy);
    assert(error < 0.15, `(${dx}, ${dy}) found as (${found.dx}, ${found.dy})`);
    squared += error * error;
    assert(found.peak > 0.5 && found.peak <= 1, `peak ${found.peak}`);
    assert(found.ambiguity < 0.6, `ambiguity ${found.ambiguity}`);
  }
  const rms = Math.sqrt(squared / cases.length);
  assert(rms < 0.1, `RMS error ${rms} px`);
});

Deno.test("frameShift: the same frame gives zero shift, peak 1; unrelated frames a low peak", () => {
  const random = new Random(5);
  const noise = () => ({
    data: Float32Array.from({ length: 128 * 96 }, () => random.normal()),
    width: 128,
    height: 96,
  });
  const a = noise();
  const same = frameShift(a, a);
  assertEquals([same.dx, same.dy], [0, 0]);
  assertAlmostEquals(same.peak, 1, 1e-9);
  const other = frameShift(a, noise());
  assert(other.peak < 0.15, `peak of unrelated frames ${other.peak}`);
});

Deno.test("cumulativeDrift adds consecutive shifts", () => {
  const drift = cumulativeDrift([{ dx: 9, dy: 9 }, { dx: 1, dy: -0.5 }, { dx: 0.25, dy: 2 }]);
  assertEquals(Array.from(drift.x), [0, 1, 1.25]);
  assertEquals(Array.from(drift.y), [0, -0.5, 1.5]);
});
