import { assert, assertAlmostEquals, assertEquals } from "./assert.ts";
import { Random } from "../lib/random.ts";

Deno.test("random: same seed gives the same stream, another seed another", () => {
  const a = new Random(7), b = new Random(7), c = new Random(8);
  const sa = Array.from({ length: 5 }, () => a.nextUint32());
  assertEquals(sa, Array.from({ length: 5 }, () => b.nextUint32()));
  assert(sa.join() !== Array.from({ length: 5 }, () => c.nextUint32()).join());
});

Deno.test("random: uniform, normal and poisson have the right moments", () => {
  const r = new Random(1);
  const n = 200_000;
  let su = 0, sn = 0, sn2 = 0, sp = 0;
  for (let i = 0; i < n; i++) {
    su += r.uniform();
    const z = r.normal();
    sn += z;
    sn2 += z * z;
    sp += r.poisson(3.5);
  }
  assertAlmostEquals(su / n, 0.5, 0.005);
  assertAlmostEquals(sn / n, 0, 0.01);
  assertAlmostEquals(sn2 / n, 1, 0.01);
  assertAlmostEquals(sp / n, 3.5, 0.02);
});

Deno.test("random: permutation holds every index once", () => {
  const p = new Random(3).permutation(1000);
  assertEquals(Array.from(p).sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
});

Deno.test("random: poisson above 10 (transformed rejection) has the right distribution", () => {
  for (const lambda of [10, 37.5, 400]) {
    const r = new Random(4);
    const n = 100_000;
    const counts = new Map<number, number>();
    let s = 0, s2 = 0;
    for (let i = 0; i < n; i++) {
      const k = r.poisson(lambda);
      assert(Number.isInteger(k) && k >= 0, `count ${k}`);
      s += k;
      s2 += k * k;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const mean = s / n;
    const variance = s2 / n - mean * mean;
    assertAlmostEquals(mean, lambda, 4 * Math.sqrt(lambda / n), `mean at ${lambda}`);
    assertAlmostEquals(variance / lambda, 1, 0.03, `variance at ${lambda}`);
    // The mode's frequency against the Poisson probability (log-space pmf).
    const mode = Math.floor(lambda);
    let logPmf = -lambda + mode * Math.log(lambda);
    for (let j = 2; j <= mode; j++) logPmf -= Math.log(j);
    const expected = Math.exp(logPmf) * n;
    const seen = counts.get(mode) ?? 0;
    assert(Math.abs(seen - expected) < 5 * Math.sqrt(expected), `P(${mode}) at ${lambda}`);
  }
});
