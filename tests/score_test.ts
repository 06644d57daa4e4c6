import {
  adjustedRandIndex,
  angleDifference,
  angleVariantAgreement,
  estimateCell,
  matchPoints,
  scoreAtoms,
  scorePolarization,
  type TruthSites,
} from "../lib/score.ts";
import { Random } from "../lib/random.ts";
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "./assert.ts";

/** A 10 x 10 lattice of A sites at (10i, 10j) with B sites at the centres, all polar (variant 0). */
function gridTruth(): TruthSites & { x: number[]; y: number[] } {
  const t = {
    x: [] as number[],
    y: [] as number[],
    sublattice: [] as string[],
    dx: [] as number[],
    dy: [] as number[],
    variant: [] as number[],
  };
  for (let j = 0; j < 10; j++) {
    for (let i = 0; i < 10; i++) {
      t.x.push(10 * i, 10 * i + 5);
      t.y.push(10 * j, 10 * j + 5);
      t.sublattice.push("A", "B");
      t.dx.push(0, 1);
      t.dy.push(0, 1);
      t.variant.push(0, 0);
    }
  }
  return t;
}

Deno.test("score: ARI of a contingency table worked by hand", () => {
  // Table [[2,1,0],[0,1,2]]: sum C(nij,2) = 2, rows 6, cols 3, C(6,2) = 15,
  // expected 6*3/15 = 1.2, max 4.5: ARI = 0.8 / 3.3.
  assertAlmostEquals(adjustedRandIndex([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]), 0.8 / 3.3, 1e-12);
  // scikit-learn's documented example: 0.5714...
  assertAlmostEquals(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2]), 4 / 7, 1e-12);
});

Deno.test("score: ARI is 1 for relabelled partitions, about 0 for independent ones", () => {
  assertEquals(adjustedRandIndex([0, 0, 1, 1, 2, 2], ["b", "b", "c", "c", "a", "a"]), 1);
  assertEquals(adjustedRandIndex([7, 7, 7], [1, 1, 1]), 1);
  const r = new Random(5);
  const a = Array.from({ length: 20000 }, () => r.int(4));
  const b = Array.from({ length: 20000 }, () => r.int(4));
  assert(Math.abs(adjustedRandIndex(a, b)) < 0.01, "independent labellings");
  assert(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1]) < 0, "anti-correlated pairs score below 0");
  assertThrows(() => adjustedRandIndex([0], [0, 1]), RangeError);
});

Deno.test("score: matchPoints is one-to-one, closest pairs first", () => {
  const a = { x: [0, 1], y: [0, 0] };
  const b = { x: [0.9, 10], y: [0, 0] };
  // b[0] is nearer a[1] (0.1) than a[0] (0.9): a[1] gets it, a[0] goes unmatched.
  assertEquals(Array.from(matchPoints(a, b, 2)), [-1, 0]);
  assertEquals(Array.from(matchPoints(a, { x: [], y: [] }, 2)), [-1, -1]);
});

Deno.test("score: scoreAtoms on a hand-made case", () => {
  const truth = gridTruth();
  assertAlmostEquals(estimateCell(truth), 10, 1e-12);
  // Found: every site shifted by (1, 0), the A site at (50, 50) missed, the B site
  // at (55, 55) labelled A, and one spurious point far from every site.
  const found = { x: [] as number[], y: [] as number[], sublattice: [] as string[] };
  for (let i = 0; i < truth.x.length; i++) {
    if (truth.x[i] === 50 && truth.y[i] === 50) continue;
    found.x.push(truth.x[i] + 1);
    found.y.push(truth.y[i]);
    const mislabel = truth.x[i] === 55 && truth.y[i] === 55;
    found.sublattice.push(mislabel ? "A" : truth.sublattice[i] as string);
  }
  found.x.push(42.5);
  found.y.push(47.5);
  found.sublattice.push("B");
  const s = scoreAtoms(found, truth, { cell: 10, width: 100, height: 100 });
  // Scored area: 9.5 <= x, y <= 89.5. Truth: A at 10..80 (8 x 8), B at 15..85 (8 x 8).
  assertEquals(s.truthCount, 128);
  assertEquals(s.matched, 127);
  assertAlmostEquals(s.recall, 127 / 128, 1e-12);
  assertAlmostEquals(s.recallA, 63 / 64, 1e-12);
  assertAlmostEquals(s.recallB, 1, 1e-12);
  assertAlmostEquals(s.rmse, 1, 1e-12);
  assertAlmostEquals(s.sublatticeAccuracy, 126 / 127, 1e-12);
  // Found inside: A at x 11..81 (8 x 8 - 1 missed), B at 16..86 (8 x 8), + the spurious one.
  assertEquals(s.foundCount, 128);
  assertAlmostEquals(s.precision, 127 / 128, 1e-12);
  // Labelled A inside: 63 A + the mislabelled B, all matched; labelled B: 63 + spurious.
  assertAlmostEquals(s.precisionA, 1, 1e-12);
  assertAlmostEquals(s.precisionB, 63 / 64, 1e-12);
  // Without a size the border is measured from the truth's extent (0..95): same A, B at 15..85.
  assertEquals(scoreAtoms(found, truth, { cell: 10 }).truthCount, 128);
});

Deno.test("score: scorePolarization measures direction errors on polar B sites", () => {
  const truth = gridTruth();
  const found = { x: [] as number[], y: [] as number[], px: [] as number[], py: [] as number[] };
  for (let i = 0; i < truth.x.length; i++) {
    if (truth.sublattice[i] !== "B") continue;
    // Truth direction is 45°; the error is +10° on even columns, -30° on odd ones;
    // the found magnitude is twice the truth's.
    const column = Math.round((truth.x[i] - 5) / 10);
    const angle = Math.PI / 4 + ((column % 2 === 0 ? 10 : -30) * Math.PI) / 180;
    found.x.push(truth.x[i]);
    found.y.push(truth.y[i]);
    found.px.push(2 * Math.SQRT2 * Math.cos(angle));
    found.py.push(2 * Math.SQRT2 * Math.sin(angle));
  }
  const s = scorePolarization(found, truth, { cell: 10, width: 100, height: 100 });
  assertEquals(s.polarCount, 64);
  assertEquals(s.matched, 64);
  // 32 errors of 10° and 32 of 30°: median 20°, half within 20° (exactly 10° ones).
  assertAlmostEquals(s.medianAngleErrorDeg, 20, 1e-9);
  assertAlmostEquals(s.fractionWithin, 0.5, 1e-12);
  assertAlmostEquals(s.magnitudeRatio, 2, 1e-9);
  assertAlmostEquals(
    scorePolarization(found, truth, { cell: 10, toleranceDeg: 31 }).fractionWithin,
    1,
  );
  // A flagged vector (NaN) counts as not found, not as an error.
  found.px[found.x.findIndex((x, j) => x === 45 && found.y[j] === 45)] = NaN;
  const flagged = scorePolarization(found, truth, { cell: 10, width: 100, height: 100 });
  assertEquals(flagged.matched, 63);
  assert(Number.isFinite(flagged.medianAngleErrorDeg), "median of the finite errors");
});

Deno.test("score: scorePolarization's cage reference is B minus the mean of its four A", () => {
  const truth = gridTruth();
  // Every B column sits 1 px right of its cage centre (static disorder, say) while its
  // designed displacement points at 45°; a vector (1, 0) is exact for the cage, 45° off
  // the design.
  for (let i = 0; i < truth.x.length; i++) if (truth.sublattice[i] === "B") truth.x[i] += 1;
  const found = { x: [] as number[], y: [] as number[], px: [] as number[], py: [] as number[] };
  for (let i = 0; i < truth.x.length; i++) {
    if (truth.sublattice[i] !== "B") continue;
    found.x.push(truth.x[i]);
    found.y.push(truth.y[i]);
    found.px.push(1);
    found.py.push(0);
  }
  const frame = { cell: 10, width: 100, height: 100 };
  const cage = scorePolarization(found, truth, { ...frame, reference: "cage" });
  assertEquals(cage.matched, 64);
  assertAlmostEquals(cage.medianAngleErrorDeg, 0, 1e-9);
  assertAlmostEquals(cage.magnitudeRatio, 1, 1e-9);
  assertAlmostEquals(scorePolarization(found, truth, frame).medianAngleErrorDeg, 45, 1e-9);
});

Deno.test("score: angleDifference wraps", () => {
  assertAlmostEquals(angleDifference(0.1, 2 * Math.PI - 0.1), 0.2, 1e-12);
  assertAlmostEquals(angleDifference(Math.PI, -Math.PI), 0, 1e-12);
});

Deno.test("score: angleVariantAgreement finds the offset and the sign", () => {
  const r = new Random(2);
  const variants = Int8Array.from({ length: 400 }, () => r.int(5) - 1); // -1..3
  const truthAngle = (v: number) => Math.PI / 4 + (v * Math.PI) / 2;
  // Encoded angle = -(true) + 1.0 with ±10° noise; 10% of the polar sites scrambled.
  const angles = Array.from(variants, (v, i) => {
    if (i % 10 === 0) return -(truthAngle(v) - 1.0) + Math.PI; // wrong by 180°
    return -(truthAngle(v) - 1.0) + ((r.uniform() - 0.5) * 20 * Math.PI) / 180;
  });
  const polar = Array.from(variants).filter((v) => v >= 0).length;
  const s = angleVariantAgreement(angles, variants);
  assertEquals(s.count, polar);
  assertEquals(s.sign, -1);
  const wrong = Array.from(variants).filter((v, i) => v >= 0 && i % 10 === 0).length;
  assertAlmostEquals(s.agreement, (polar - wrong) / polar, 1e-12);
  assert(angleDifference(s.offset, 1.0) < (20 * Math.PI) / 180, `offset ${s.offset}`);
  // The same with true angles instead of variants (NaN = non-polar).
  const asAngles = Float64Array.from(variants, (v) => (v >= 0 ? truthAngle(v) : NaN));
  assertEquals(angleVariantAgreement(angles, asAngles).agreement, s.agreement);
  // A hand-made case: 3 of 4 within 30° after offset +90°, sign +1.
  const hand = angleVariantAgreement([0, Math.PI / 2, Math.PI, 0], Int8Array.from([1, 2, 3, 3]));
  assertEquals(hand.sign, 1);
  assertAlmostEquals(hand.agreement, 0.75, 1e-12);
});
