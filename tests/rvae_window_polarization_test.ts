// The window from the lattice (1.9 periods, even, warnings outside 1.5-3
// cells) and the rVAE-against-polarisation check (best offset and sign,
// agreement, Fisher-Lee correlation against its O(n²) definition, domains,
// the rvae-disagrees warning).

import { angleDelta, wrapAngle } from "../lib/math.ts";
import { circularCorrelation, compareWithPolarization } from "../lib/rvae/polarization_check.ts";
import { chooseWindow } from "../lib/rvae/window.ts";
import { Random } from "../lib/random.ts";
import { assert, assertAlmostEquals, assertEquals } from "./assert.ts";

Deno.test("window: 1.9 periods rounded to even pixels, flags override, warnings outside 1.5-3 cells", () => {
  for (const period of [10, 13.4, 14.7, 22, 25.3, 30]) {
    const choice = chooseWindow(period);
    assertEquals(choice.window % 2, 0);
    assert(Math.abs(choice.window - 1.9 * period) <= 1, `${period}: ${choice.window}`);
    assertEquals(choice.source, "lattice");
    assertEquals(choice.warnings, []);
    assert(choice.text.includes(`${period.toFixed(1)} px`), choice.text);
  }
  assertEquals(chooseWindow(25.3).window, 48); // the paper's window on its BiFeO3 image
  const cells = chooseWindow(20, { windowCells: 2.5 });
  assertEquals([cells.window, cells.source], [50, "cells"]);
  // The cases: 48 px over 4.5 cells and 0.95 cells both warn; 2.3 cells does not.
  for (const [period, warns] of [[10.7, true], [50.5, true], [20.9, false]] as const) {
    const flagged = chooseWindow(period, { window: 48 });
    assertEquals(flagged.window, 48);
    assertEquals(flagged.warnings.map((w) => w.code), warns ? ["window-cells"] : []);
  }
  const capped = chooseWindow(200, { maxWindow: 101 });
  assertEquals(capped.window, 100);
  assertEquals(capped.warnings.map((w) => w.code), ["window-cells"]);
  assertEquals(chooseWindow(2).window, 8);
  const unknown = chooseWindow(NaN);
  assertEquals([unknown.window, unknown.source], [48, "fallback"]);
  assertEquals(unknown.warnings.map((w) => w.code), ["window-cells"]);
});

/** Fisher and Lee's ρ_T from its definition over pairs. */
function rhoByPairs(a: number[], b: number[]): number {
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const sa = Math.sin(a[i] - a[j]);
      const sb = Math.sin(b[i] - b[j]);
      num += sa * sb;
      da += sa * sa;
      db += sb * sb;
    }
  }
  return num / Math.sqrt(da * db);
}

Deno.test("circular correlation: the closed form equals the pairwise definition; ±1 for rotations and reflections", () => {
  const random = new Random(4);
  const a = Array.from({ length: 60 }, () => random.uniform() * 2 * Math.PI);
  const b = a.map((x) => x + 0.8 * random.normal());
  assertAlmostEquals(circularCorrelation(a, b).correlation, rhoByPairs(a, b), 1e-12);
  assertAlmostEquals(circularCorrelation(a, a.map((x) => wrapAngle(x + 2))).correlation, 1, 1e-12);
  assertAlmostEquals(circularCorrelation(a, a.map((x) => wrapAngle(1 - x))).correlation, -1, 1e-12);
  // Independent angles: about 0, within a few jackknife errors, across seeds.
  const z: number[] = [];
  for (let seed = 1; seed <= 8; seed++) {
    const r = new Random(seed);
    const x = Array.from({ length: 300 }, () => r.uniform() * 2 * Math.PI);
    const y = Array.from({ length: 300 }, () => r.uniform() * 2 * Math.PI);
    const c = circularCorrelation(x, y);
    z.push(c.correlation / c.correlationErr);
  }
  const rms = Math.sqrt(z.reduce((s, v) => s + v * v, 0) / z.length);
  assert(rms > 0.3 && rms < 2, `normalised correlations ${z.map((v) => v.toFixed(2))}`);
});

/** Four variants, encoded as −angle + 100° with `noiseDeg` scatter; `broken` sites encode at random. */
function sites(seed: number, noiseDeg: number, broken: (i: number) => boolean) {
  const random = new Random(seed);
  const n = 800;
  const polar = new Float64Array(n);
  const encoded = new Float64Array(n);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 4;
    polar[i] = wrapAngle(Math.PI / 4 + (labels[i] * Math.PI) / 2 + 0.1 * random.normal());
    encoded[i] = broken(i) ? random.uniform() * 2 * Math.PI : wrapAngle(
      -(polar[i] - (100 * Math.PI) / 180) + (noiseDeg * Math.PI / 180) * random.normal(),
    );
  }
  return { polar, encoded, labels };
}

Deno.test("rVAE against polarisation: offset, sign, agreement, correlation, per domain", () => {
  const good = sites(1, 8, () => false);
  good.polar[3] = NaN; // flagged polarisation: left out
  const check = compareWithPolarization(good.encoded, good.polar, { labels: good.labels });
  assertEquals(check.count, 799);
  assertEquals(check.sign, -1);
  assert(Math.abs(angleDelta(check.offset, (100 * Math.PI) / 180)) < 0.05, `${check.offset}`);
  assert(check.agreement > 0.99, check.text);
  assert(check.correlation < -0.9 && check.correlationErr < 0.02, check.text);
  assertEquals(check.warnings, []);
  assertEquals(check.byDomain.map((d) => d.label), [0, 1, 2, 3]);
  for (const d of check.byDomain) assert(d.agreement > 0.97 && Math.abs(d.meanResidualDeg) < 3);
  assert(/within 30°.*−angle \+ 100°/.test(check.text), check.text);

  // One domain encoded at random: the whole image still agrees, that domain is named.
  const oneBad = sites(2, 8, (i) => i % 4 === 2);
  const partial = compareWithPolarization(oneBad.encoded, oneBad.polar, { labels: oneBad.labels });
  assertEquals(partial.warnings.map((w) => w.code), ["rvae-disagrees"]);
  assert(/domain 2 \(/.test(partial.warnings[0].message), partial.warnings[0].message);
  const poor = partial.byDomain.find((d) => d.label === 2)!;
  assert(poor.agreement < 0.4, `${poor.agreement}`);

  // Everything at random: a low agreement and a warning.
  const bad = sites(3, 8, () => true);
  const none = compareWithPolarization(bad.encoded, bad.polar);
  assert(none.agreement < 0.5, none.text);
  assertEquals(none.warnings.map((w) => w.code), ["rvae-disagrees"]);
  assertAlmostEquals(
    none.agreementErr,
    Math.sqrt(none.agreement * (1 - none.agreement) / 800),
    1e-12,
  );
});
