import { findAtoms } from "../lib/atoms/find_atoms.ts";
import { meanRowShift } from "../lib/atoms/row_jitter.ts";
import { matchPoints } from "../lib/score.ts";
import { generateHaadf } from "../lib/synth/generate.ts";
import { assert } from "./assert.ts";

const SIZE = { width: 384, height: 384, seed: 5, dose: 1000 };

/** RMS x error of film A columns against the truth, away from the border. */
function filmAxError(
  truth: ReturnType<typeof generateHaadf>["truth"],
  cols: { x: Float64Array; y: Float64Array },
): number {
  const partner = matchPoints(truth, cols, 4);
  let sum = 0, n = 0;
  for (let i = 0; i < truth.x.length; i++) {
    const j = partner[i];
    if (j < 0 || truth.sublattice[i] !== 0 || truth.variant[i] < 0) continue;
    if (Math.min(truth.x[i], truth.y[i], 383 - truth.x[i], 383 - truth.y[i]) < 15) continue;
    sum += (cols.x[j] - truth.x[i]) ** 2;
    n++;
  }
  return Math.sqrt(sum / n);
}

Deno.test("row jitter: estimated row offsets follow the generator's jitter and cut the x error", () => {
  const { image, truth, rowJitter } = generateHaadf({ ...SIZE, rowJitter: 0.3 });
  const fixed = findAtoms(image);
  const plain = findAtoms(image, { rowJitter: false });
  const period = fixed.lattice.period;
  // What a column sees: the mean jitter of its rows, minus its running mean (the gauge).
  const seen = (shift: Float64Array) => {
    const c = Float64Array.from(shift, (_, y) => meanRowShift(shift, y, period));
    const half = Math.round(1.25 * period);
    return c.map((v, y) => {
      let s = 0, m = 0;
      for (let q = Math.max(0, y - half); q <= Math.min(c.length - 1, y + half); q++, m++) {
        s += c[q];
      }
      return v - s / m;
    });
  };
  const truthSeen = seen(rowJitter);
  const estSeen = seen(fixed.rowShift);
  let sxy = 0, sxx = 0, syy = 0;
  for (let y = 20; y < image.height - 20; y++) {
    sxy += truthSeen[y] * estSeen[y];
    sxx += truthSeen[y] ** 2;
    syy += estSeen[y] ** 2;
  }
  const corr = sxy / Math.sqrt(sxx * syy);
  const before = filmAxError(truth, plain.columns);
  const after = filmAxError(truth, fixed.columns);
  assert(corr > 0.6, `correlation of estimated and true row offsets ${corr.toFixed(3)}`);
  assert(after < 0.8 * before, `film A x error ${before.toFixed(3)} -> ${after.toFixed(3)} px`);
  assert(plain.rowShift.every((v) => v === 0), "rowJitter: false reports no shifts");
});

Deno.test("row jitter: an image without jitter is left (nearly) alone", () => {
  const { image, truth } = generateHaadf({ ...SIZE, rowJitter: 0 });
  const fixed = findAtoms(image);
  const plain = findAtoms(image, { rowJitter: false });
  const rms = Math.sqrt(fixed.rowShift.reduce((s, v) => s + v * v, 0) / image.height);
  // Measured: 0.0135 px and 0.020 -> 0.021 px.
  assert(rms < 0.016, `row offsets on a jitter-free image: rms ${rms.toFixed(4)} px`);
  const before = filmAxError(truth, plain.columns);
  const after = filmAxError(truth, fixed.columns);
  assert(after < before + 0.003, `film A x error ${before.toFixed(3)} -> ${after.toFixed(3)} px`);
});

Deno.test("row jitter: atom rows along image rows (no rotation) do not let the estimate drift", () => {
  // Every column of an atom row then sees the same image rows, and a slow drift of one
  // sublattice's rows is invisible to the lattice comparisons: it must stay out.
  const { image, truth } = generateHaadf({ ...SIZE, rowJitter: 0.3, rotation: 0 });
  const before = filmAxError(truth, findAtoms(image, { rowJitter: false }).columns);
  const after = filmAxError(truth, findAtoms(image).columns);
  // Measured: 0.114 -> 0.073 px.
  assert(after < 0.75 * before, `film A x error ${before.toFixed(3)} -> ${after.toFixed(3)} px`);
});
