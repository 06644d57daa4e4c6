// Peaks on the circle: the histogram wraps, a small but clear peak beside a
// big one is found, one peak at 0° stays one peak, noise alone gives none,
// and positions, widths and populations match the samples drawn.

import { angleDelta } from "../lib/math.ts";
import { describePeaks, findAnglePeaks, peakCountText } from "../lib/rvae/angles.ts";
import { Random } from "../lib/random.ts";
import { assert, assertAlmostEquals, assertEquals } from "./assert.ts";

const DEG = Math.PI / 180;

/** `count` angles around `centreDeg` with standard deviation `sdDeg`, wrapped. */
function cluster(random: Random, count: number, centreDeg: number, sdDeg: number): number[] {
  return Array.from({ length: count }, () => (centreDeg + sdDeg * random.normal()) * DEG);
}

function uniform(random: Random, count: number): number[] {
  return Array.from({ length: count }, () => random.uniform() * 2 * Math.PI);
}

Deno.test("the issue's case: a 170-window peak near 180° beside a big one near 359°", () => {
  for (const seed of [1, 2, 3]) {
    const random = new Random(seed);
    const angles = [
      ...cluster(random, 2400, 359, 7),
      ...cluster(random, 170, 180, 12),
      ...uniform(random, 150),
    ];
    const result = findAnglePeaks(angles);
    assertEquals(result.peaks.length, 2, describePeaks(result));
    const [small, big] = result.peaks; // sorted by angle: 180° first
    assert(Math.abs(angleDelta(small.angle, 180 * DEG)) < 4 * DEG, describePeaks(result));
    assert(Math.abs(angleDelta(big.angle, 359 * DEG)) < 1.5 * DEG, describePeaks(result));
    // Each basin holds its cluster and about half the background.
    assertAlmostEquals(small.count, 170 + 75, 40);
    assertEquals(small.count + big.count, angles.length);
    assertAlmostEquals(small.fraction + big.fraction, 1, 1e-12);
    assert(small.significance > 4 && small.prominence > 0);
    assertEquals(result.separationsDeg.length, 2);
    assertAlmostEquals(result.separationsDeg[0] + result.separationsDeg[1], 360, 1e-9);
    assert(describePeaks(result).startsWith("2 peaks: 180°"), describePeaks(result));
  }
});

Deno.test("one peak at 0° is one peak, whole, with its width and position error", () => {
  const errors: number[] = [];
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const random = new Random(seed);
    const angles = cluster(random, 1000, 0, 10);
    const result = findAnglePeaks(angles);
    assertEquals(result.peaks.length, 1, describePeaks(result));
    const [peak] = result.peaks;
    assertEquals(peak.count, 1000);
    assertEquals(result.separationsDeg, []);
    // FWHM of a 10° Gaussian: 23.5°; the smoothing is removed in quadrature.
    assertAlmostEquals(peak.widthDeg, 23.5, 4);
    assertAlmostEquals(peak.angleErr / DEG, 10 / Math.sqrt(1000), 0.1);
    errors.push(angleDelta(peak.angle, 0) / peak.angleErr);
    // The drawing cut is far from the peak, so it is not split between 0° and 360°.
    assert(Math.abs(angleDelta(result.cutAngle, 0)) > 120 * DEG, `${result.cutAngle / DEG}`);
    assert(describePeaks(result).startsWith("1 peak: "), describePeaks(result));
  }
  // The position is as precise as its error says (normalised errors of unit size, loosely).
  const rms = Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / errors.length);
  assert(rms < 2.5, `normalised position errors ${errors.map((e) => e.toFixed(2))}`);
});

Deno.test("uniform angles give no peak; four unequal variants give four", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const random = new Random(seed);
    const noise = findAnglePeaks(uniform(random, 2000));
    assertEquals(noise.peaks.length, 0, describePeaks(noise));
    // Polarisation-like: four directions 90° apart holding 50, 30, 15 and 5 % of 1200 sites.
    const angles = [600, 360, 180, 60].flatMap((n, k) => cluster(random, n, 45 + 90 * k, 9));
    const four = findAnglePeaks(angles);
    assertEquals(four.peaks.length, 4, describePeaks(four));
    for (const s of four.separationsDeg) assertAlmostEquals(s, 90, 4);
    assertAlmostEquals(four.peaks[3].count, 60, 8);
  }
  assertEquals(findAnglePeaks([]).peaks, []);
  assertEquals(findAnglePeaks([NaN, NaN]).total, 0);
});

Deno.test("peak counts read as English", () => {
  assertEquals(peakCountText(0), "no peak");
  assertEquals(peakCountText(1), "1 peak");
  assertEquals(peakCountText(2), "2 peaks");
});
