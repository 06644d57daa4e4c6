import { generateHaadf, SUBLATTICE_A, SUBLATTICE_B } from "../lib/synth/generate.ts";
import { resolveSynthOptions } from "../lib/synth/options.ts";
import { angleDifference } from "../lib/score.ts";
import { UserError } from "../lib/errors.ts";
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "./assert.ts";

const small = { seed: 11, width: 256, height: 256 };

Deno.test("synth: truth counts per sublattice match the lattice", () => {
  const { truth, meta } = generateHaadf(small);
  const n = truth.x.length;
  let a = 0;
  for (let i = 0; i < n; i++) if (truth.sublattice[i] === SUBLATTICE_A) a++;
  // One A and one B per cell: (256 / spacing)² of each, within a boundary row.
  const cells = (256 / meta.spacingPx) ** 2;
  const edge = 4 * (256 / meta.spacingPx);
  assert(Math.abs(a - cells) < edge, `A count ${a} vs ${cells}`);
  assert(Math.abs(n - a - cells) < edge, `B count ${n - a} vs ${cells}`);
  assertEquals(meta.counts.A, a);
  for (let i = 0; i < n; i++) {
    assert(truth.x[i] >= -0.5 && truth.x[i] < 255.5 && truth.y[i] >= -0.5 && truth.y[i] < 255.5);
  }
});

Deno.test("synth: displacements point along the variant, 45° to the rows; substrate has none", () => {
  const { truth, meta } = generateHaadf({ ...small, seed: 4, width: 512, height: 512 });
  const rotation = (meta.options.rotation * Math.PI) / 180;
  const expected = meta.spacingPx * meta.options.displacement;
  const seen = new Set<number>();
  let substrate = 0;
  let far = 0;
  for (let i = 0; i < truth.x.length; i++) {
    const v = truth.variant[i];
    const magnitude = Math.hypot(truth.dx[i], truth.dy[i]);
    if (v < 0) {
      substrate++;
      assertEquals(magnitude, 0, "substrate columns are not displaced");
      continue;
    }
    if (truth.sublattice[i] === SUBLATTICE_A) {
      assertEquals(magnitude, 0, "A columns are not displaced");
      continue;
    }
    seen.add(v);
    assertAlmostEquals(magnitude, expected, 0.03 * expected, "displacement magnitude");
    const error = angleDifference(Math.atan2(truth.dy[i], truth.dx[i]), meta.variantAngles[v]);
    // Within a wall the direction rotates towards the neighbour (at most 45° on the own side).
    assert(error <= Math.PI / 4 + 0.02, `direction error ${error}`);
    if (error < 0.02) far++;
  }
  assertEquals([...seen].sort(), [0, 1, 2, 3]);
  assert(substrate > 0 && meta.interfaceY !== null, "a substrate band");
  assert(far > 0.6 * meta.counts.polarB, "most sites lie away from walls");
  // Variant directions: 45° to the rows and 90° apart.
  for (let k = 0; k < 4; k++) {
    const along = rotation + Math.PI / 4 + (k * Math.PI) / 2;
    assert(angleDifference(meta.variantAngles[k], along) < 1e-9, `variant ${k} direction`);
  }
});

Deno.test("synth: same seed gives the same bytes, another seed another image", () => {
  const a = generateHaadf(small);
  const b = generateHaadf(small);
  const c = generateHaadf({ ...small, seed: 12 });
  assertEquals(a.image.data, b.image.data);
  assertEquals(a.truth, b.truth);
  let differ = 0;
  for (let i = 0; i < a.image.data.length; i++) if (a.image.data[i] !== c.image.data[i]) differ++;
  assert(differ > 0.5 * a.image.data.length, "a different seed changes most pixels");
});

Deno.test("synth: image statistics follow the physics", () => {
  const { image, truth, meta } = generateHaadf({ ...small, width: 384, height: 384 });
  const at = (i: number) =>
    image.data[Math.round(truth.y[i]) * image.width + Math.round(truth.x[i])];
  const sums = { filmA: [0, 0], filmB: [0, 0], subA: [0, 0] };
  for (let i = 0; i < truth.x.length; i++) {
    const key = truth.variant[i] >= 0
      ? (truth.sublattice[i] === SUBLATTICE_A ? "filmA" : "filmB")
      : truth.sublattice[i] === SUBLATTICE_A
      ? "subA"
      : undefined;
    if (!key) continue;
    sums[key][0] += at(i);
    sums[key][1]++;
  }
  const mean = (k: keyof typeof sums) => sums[k][0] / sums[k][1];
  let total = 0;
  for (const v of image.data) total += v;
  const background = meta.options.background * meta.options.dose;
  // Bi ≫ Fe-O and Bi > Sr: film A brightest; every column above the background.
  assert(mean("filmA") > 2 * mean("filmB"), `A ${mean("filmA")} vs B ${mean("filmB")}`);
  assert(mean("filmA") > mean("subA"), "Bi brighter than Sr");
  assert(mean("filmB") > 1.3 * background, `B ${mean("filmB")} vs background ${background}`);
  assert(total / image.data.length > background, "mean above the background");
  assertEquals(image.pixelSize, { value: 0.027, unit: "nm" });
  assert(SUBLATTICE_B === 1);
});

Deno.test("synth: noise is Poisson at the dose plus read noise", () => {
  // Against the noiseless image of the same layout: variance = mean + readNoise².
  const base = { seed: 2, width: 256, height: 256, dose: 100, readNoise: 3 };
  const noisy = generateHaadf(base).image.data;
  const clean = generateHaadf({ ...base, dose: Infinity }).image.data;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < noisy.length; i++) {
    const expected = clean[i] * base.dose;
    sum += noisy[i] - expected;
    sq += (noisy[i] - expected) ** 2 / (expected + base.readNoise ** 2);
  }
  assert(Math.abs(sum / noisy.length) < 0.1, `mean residual ${sum / noisy.length}`);
  assertAlmostEquals(sq / noisy.length, 1, 0.03, "normalised residual variance");
});

Deno.test("synth: bad options are one-line user errors", () => {
  for (
    const [options, name] of [[{ variants: 5 }, "variants"], [{ filmA: "Xx" }, "filmA"], [{
      width: 8,
    }, "width"]] as const
  ) {
    const err = assertThrows(() => resolveSynthOptions(options), UserError) as UserError;
    assert(err.line().startsWith(`error: ${name}: must be`), err.line());
  }
});

Deno.test("synth: truth positions are where the columns appear, through the scan distortion", () => {
  // Noiseless, no jitter or disorder, strong drift and wobble: the intensity
  // centroid of each A column must sit on its truth position.
  const { image, truth } = generateHaadf({
    seed: 6,
    width: 256,
    height: 256,
    dose: Infinity,
    rowJitter: 0,
    positionJitter: 0,
    displacement: 0,
    shear: 0.05,
    stretch: 0.03,
    wobble: 1.5,
    rotation: 7,
    substrate: 0,
    background: 0,
    probeTail: 0,
  });
  let worst = 0;
  let sites = 0;
  for (let i = 0; i < truth.x.length; i++) {
    if (truth.sublattice[i] !== SUBLATTICE_A) continue;
    const cx = Math.round(truth.x[i]);
    const cy = Math.round(truth.y[i]);
    if (cx < 8 || cy < 8 || cx > 247 || cy > 247) continue;
    let sx = 0, sy = 0, s = 0;
    for (let y = cy - 4; y <= cy + 4; y++) {
      for (let x = cx - 4; x <= cx + 4; x++) {
        const v = image.data[y * image.width + x];
        sx += v * x;
        sy += v * y;
        s += v;
      }
    }
    worst = Math.max(worst, Math.hypot(sx / s - truth.x[i], sy / s - truth.y[i]));
    sites++;
  }
  assert(sites > 150, `${sites} sites`);
  // The window truncates the Gaussian asymmetrically by up to half a pixel: 0.15 px bound.
  assert(worst < 0.15, `worst centroid offset ${worst} px`);
});
