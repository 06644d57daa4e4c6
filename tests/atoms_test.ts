/**
 * The atom stage's parts on images with known answers: the FFT against a
 * plain DFT, the lattice of a rendered crystal, Gaussian fits, failure
 * flags, sublattices where brightness misleads, polarisation vectors of a
 * hand-built lattice, and the CSV tables.
 */

import { assert, assertAlmostEquals, assertEquals, assertThrows } from "./assert.ts";
import { fftInPlace } from "../lib/atoms/fft.ts";
import { estimateLattice, reduceBasis } from "../lib/atoms/spacing.ts";
import { fitGaussian, FitScratch } from "../lib/atoms/gaussian_fit.ts";
import { fitColumns } from "../lib/atoms/refine.ts";
import { assignSublattices } from "../lib/atoms/sublattice.ts";
import { computePolarization } from "../lib/atoms/polarization.ts";
import { findAtoms } from "../lib/atoms/find_atoms.ts";
import { atomsCsv, polarizationCsv } from "../lib/atoms/tables.ts";
import { parseCsv } from "../lib/io/csv.ts";
import { UserError } from "../lib/errors.ts";
import { Random } from "../lib/random.ts";

interface Column {
  x: number;
  y: number;
  amplitude: number;
  sigma: number;
}

/** Gaussian columns on a zero background plus optional white noise. */
function render(width: number, height: number, columns: Column[], noise = 0, seed = 1) {
  const data = new Float32Array(width * height);
  for (const c of columns) {
    const r = Math.ceil(5 * c.sigma);
    for (let y = Math.max(0, Math.floor(c.y - r)); y <= Math.min(height - 1, c.y + r); y++) {
      for (let x = Math.max(0, Math.floor(c.x - r)); x <= Math.min(width - 1, c.x + r); x++) {
        data[y * width + x] += c.amplitude *
          Math.exp(-((x - c.x) ** 2 + (y - c.y) ** 2) / (2 * c.sigma * c.sigma));
      }
    }
  }
  if (noise > 0) {
    const random = new Random(seed);
    for (let i = 0; i < data.length; i++) data[i] += noise * random.normal();
  }
  return { data, width, height };
}

/**
 * A perovskite seen along [001]: A columns on a square lattice of side
 * `a` turned by `angle`, B columns (`bRatio` as bright) at the cell centres
 * displaced by `shift(x, y)`.
 */
function perovskite(
  size: number,
  a: number,
  angle: number,
  bRatio: number,
  shift: (x: number, y: number) => number[] = () => [0, 0],
) {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const columns: Column[] = [];
  const truth: { x: number; y: number; b: boolean; dx: number; dy: number }[] = [];
  const n = Math.ceil(size / a) + 2;
  for (let i = -n; i <= n; i++) {
    for (let j = -n; j <= n; j++) {
      for (const b of [false, true]) {
        const u = (i + (b ? 0.5 : 0)) * a;
        const v = (j + (b ? 0.5 : 0)) * a;
        let x = size / 2 + u * cos - v * sin;
        let y = size / 2 + u * sin + v * cos;
        const [dx, dy] = b ? shift(x, y) : [0, 0];
        x += dx;
        y += dy;
        if (x < -3 || y < -3 || x > size + 2 || y > size + 2) continue;
        columns.push({ x, y, amplitude: b ? bRatio : 1, sigma: 0.13 * a });
        if (x >= 0 && y >= 0 && x <= size - 1 && y <= size - 1) truth.push({ x, y, b, dx, dy });
      }
    }
  }
  return { columns, truth };
}

Deno.test("fftInPlace matches a plain DFT", () => {
  const random = new Random(3);
  const n = 32;
  const re = Float64Array.from({ length: n }, () => random.normal());
  const im = Float64Array.from({ length: n }, () => random.normal());
  const [xr, xi] = [re.slice(), im.slice()];
  fftInPlace(re, im);
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let t = 0; t < n; t++) {
      const w = (-2 * Math.PI * k * t) / n;
      sr += xr[t] * Math.cos(w) - xi[t] * Math.sin(w);
      si += xr[t] * Math.sin(w) + xi[t] * Math.cos(w);
    }
    assertAlmostEquals(re[k], sr, 1e-9);
    assertAlmostEquals(im[k], si, 1e-9);
  }
  assertThrows(() => fftInPlace(new Float64Array(12), new Float64Array(12)), RangeError);
});

Deno.test("estimateLattice reads the period and orientation of a turned perovskite", () => {
  const angle = (10 * Math.PI) / 180;
  const { columns } = perovskite(256, 16, angle, 0.3);
  const lattice = estimateLattice(render(256, 256, columns, 0.02));
  assert(lattice, "no lattice");
  assertAlmostEquals(lattice.period, 16, 0.16);
  for (const v of lattice.vectors) {
    assertAlmostEquals(Math.hypot(...v), 16, 0.16);
    // Each vector is along one of the lattice's axes (mod 90°).
    const turn = (((Math.atan2(v[1], v[0]) - angle) % (Math.PI / 2)) + Math.PI / 2) % (Math.PI / 2);
    assert(Math.min(turn, Math.PI / 2 - turn) < 0.02, `vector off axis by ${turn} rad`);
  }
  // A featureless image has no lattice.
  assertEquals(estimateLattice(render(64, 64, [], 1)), undefined);
});

Deno.test("reduceBasis returns the shortest basis of the same lattice", () => {
  // (3, 0) and (7, 1) span the lattice of (1, 1) and (1, -2): same cell area, shortest vectors.
  const [a, b] = reduceBasis([3, 0], [7, 1]);
  assertEquals(a, [1, 1]);
  assertEquals(b, [1, -2]);
  const [c, d] = reduceBasis([13.44, 12.72], [-0.01, 12.82]);
  assertAlmostEquals(Math.hypot(...c), 12.82, 1e-5);
  assertAlmostEquals(Math.hypot(...d), Math.hypot(13.45, -0.1), 1e-5);
});

Deno.test("fitGaussian recovers an elliptical Gaussian with background", () => {
  const truth = { amplitude: 50, x: 10.3, y: 9.6, a: 1 / 4, b: 0.05, c: 1 / 2.25, background: 7 };
  const xs: number[] = [];
  const ys: number[] = [];
  const values: number[] = [];
  for (let y = 3; y <= 17; y++) {
    for (let x = 3; x <= 17; x++) {
      const dx = x - truth.x;
      const dy = y - truth.y;
      xs.push(x);
      ys.push(y);
      values.push(
        truth.background +
          truth.amplitude *
            Math.exp(-0.5 * (truth.a * dx * dx + 2 * truth.b * dx * dy + truth.c * dy * dy)),
      );
    }
  }
  const window = {
    xs: Float64Array.from(xs),
    ys: Float64Array.from(ys),
    values: Float64Array.from(values),
    n: xs.length,
  };
  const start = { amplitude: 30, x: 10, y: 10, a: 0.3, b: 0, c: 0.3, background: 0 };
  const result = fitGaussian(window, start, new FitScratch());
  assert(result.converged, "did not converge");
  for (const key of ["amplitude", "x", "y", "a", "b", "c", "background"] as const) {
    assertAlmostEquals(result.params[key], truth[key], 1e-4 * Math.max(1, Math.abs(truth[key])));
  }
});

Deno.test("a failed fit keeps the centre of mass and is flagged", () => {
  // One real column, and a start on a plain slope where no Gaussian fits.
  const image = render(40, 40, [{ x: 10, y: 10, amplitude: 100, sigma: 1.5 }]);
  for (let y = 0; y < 40; y++) for (let x = 20; x < 40; x++) image.data[y * 40 + x] = x;
  const fits = fitColumns(image, { x: [10.4, 30], y: [9.8, 20] }, { radius: 4, sigma: 1.5 });
  assertEquals(Array.from(fits.fitOk), [1, 0]);
  assertAlmostEquals(fits.x[0], 10, 1e-3);
  assertAlmostEquals(fits.y[0], 10, 1e-3);
  assertAlmostEquals(fits.sigmaX[0], 1.5, 1e-3);
  assertEquals(fits.x[1], fits.comX[1]);
  assertEquals(fits.y[1], fits.comY[1]);
  assert(Number.isNaN(fits.sigmaX[1]));
});

Deno.test("sublattices by geometry hold where the B columns outshine the A columns", () => {
  // A checkerboard of columns; A brighter everywhere except in a band (an SrRuO3 layer).
  const x: number[] = [];
  const y: number[] = [];
  const intensity: number[] = [];
  const truth: number[] = [];
  for (let i = 0; i < 30; i++) {
    for (let j = 0; j < 30; j++) {
      const isA = (i + j) % 2 === 0;
      x.push(10 * i);
      y.push(10 * j);
      const band = j >= 12 && j < 18;
      intensity.push(isA ? (band ? 0.45 : 1) : band ? 0.55 : 0.2);
      truth.push(isA ? 0 : 1);
    }
  }
  const geometry = assignSublattices({ x, y, intensity }, { nnDistance: 10 });
  assertEquals(Array.from(geometry), truth);
  const flipped = assignSublattices({ x, y, intensity }, { nnDistance: 10, aBrighter: false });
  assertEquals(Array.from(flipped), truth.map((t) => 1 - t));
  // A threshold on brightness alone gets the band wrong.
  const byIntensity = assignSublattices({ x, y, intensity }, { nnDistance: 10, rule: "intensity" });
  const wrong = truth.filter((t, k) => byIntensity[k] !== t).length;
  assert(wrong >= 90, `intensity threshold got only ${wrong} wrong`);
});

Deno.test("polarisation: B minus the mean of its four A neighbours, border sites flagged", () => {
  const x: number[] = [];
  const y: number[] = [];
  const sublattice: number[] = [];
  for (let i = 0; i < 8; i++) {
    for (let j = 0; j < 8; j++) {
      x.push(20 * i);
      y.push(20 * j);
      sublattice.push(0);
      // B displaced by (0.5 i, -0.3) px: a field that varies across the image.
      x.push(20 * i + 10 + 0.5 * (i % 3));
      y.push(20 * j + 10 - 0.3);
      sublattice.push(1);
    }
  }
  const p = computePolarization({ x, y, sublattice });
  assertEquals(p.rule, "four");
  for (let k = 0; k < p.x.length; k++) {
    const i = Math.round((p.x[k] - 10) / 20);
    const j = Math.round((p.y[k] - 10) / 20);
    if (i === 7 || j === 7) {
      assert(p.status[k] !== "ok", `border B at ${i},${j} not flagged`);
      assert(Number.isNaN(p.px[k]));
      continue;
    }
    assertEquals(p.status[k], "ok");
    assertAlmostEquals(p.px[k], 0.5 * (i % 3), 1e-9);
    assertAlmostEquals(p.py[k], -0.3, 1e-9);
    assertAlmostEquals(
      p.angle[k],
      (Math.atan2(p.py[k], p.px[k]) + 2 * Math.PI) % (2 * Math.PI),
      1e-12,
    );
    assert(p.angle[k] >= 0 && p.angle[k] < 2 * Math.PI);
    assertAlmostEquals(p.latticeA[k], 20, 1e-9);
    assertAlmostEquals(p.latticeB[k], 20, 1e-9);
  }
});

Deno.test("polarisation along [110]: the two A columns on either side are the reference", () => {
  // SrO at (u, w) = (29.6 i, 42 j), Ti midway along w, displaced by (0.4, 0.2).
  const x: number[] = [];
  const y: number[] = [];
  const sublattice: number[] = [];
  for (let i = 0; i < 10; i++) {
    for (let j = 0; j < 8; j++) {
      x.push(29.6 * i);
      y.push(42 * j);
      sublattice.push(0);
      x.push(29.6 * i + 0.4);
      y.push(42 * j + 21 + 0.2);
      sublattice.push(1);
    }
  }
  const p = computePolarization({ x, y, sublattice });
  assertEquals(p.rule, "pair");
  const ok = p.status.map((s, k) => s === "ok" ? k : -1).filter((k) => k >= 0);
  assertEquals(ok.length, 10 * 7);
  for (const k of ok) {
    assertAlmostEquals(p.px[k], 0.4, 1e-9);
    assertAlmostEquals(p.py[k], 0.2, 1e-9);
  }
  // The seed's four-neighbour rule on the same sites: not four proper neighbours, so flagged.
  const four = computePolarization({ x, y, sublattice }, { neighbours: "four" });
  assert(four.status.every((s) => s !== "ok"));
});

Deno.test("findAtoms on a rendered perovskite: every column, its sublattice and displacement", () => {
  const shift = (x: number) => (x < 128 ? [0.8, 0] : [0, -0.8]);
  const { columns, truth } = perovskite(256, 16, 0.2, 0.3, shift);
  const image = { ...render(256, 256, columns, 0.01), pixelSize: { value: 0.025, unit: "nm" } };
  const result = findAtoms(image);
  const c = result.columns;
  const interior = truth.filter((t) => t.x > 6 && t.y > 6 && t.x < 249 && t.y < 249);
  let matched = 0;
  for (const t of interior) {
    let best = -1;
    let bd = 3;
    for (let k = 0; k < c.x.length; k++) {
      const d = Math.hypot(c.x[k] - t.x, c.y[k] - t.y);
      if (d < bd) [bd, best] = [d, k];
    }
    assert(best >= 0, `missed ${t.b ? "B" : "A"} column at ${t.x}, ${t.y}`);
    assert(bd < 0.1, `column at ${t.x}, ${t.y} found ${bd} px away`);
    assertEquals(c.sublattice[best], t.b ? 1 : 0);
    matched++;
  }
  assert(matched > 400);
  assertAlmostEquals(result.columnsPerCell, 2, 0.1);
  const p = result.polarization;
  let checked = 0;
  for (let k = 0; k < p.x.length; k++) {
    if (p.status[k] !== "ok" || Math.abs(p.x[k] - 128) < 20) continue;
    const [dx, dy] = shift(p.x[k]);
    assertAlmostEquals(p.px[k], dx, 0.1);
    assertAlmostEquals(p.py[k], dy, 0.1);
    checked++;
  }
  assert(checked > 150, `only ${checked} polarisation vectors checked`);
  // Tables: the contract's columns first, pm columns for a calibrated image.
  const atoms = parseCsv(atomsCsv(c));
  assertEquals(atoms.header.slice(0, 4), ["x", "y", "sublattice", "intensity"]);
  assert(atoms.header.includes("fit_ok") && atoms.header.includes("sigma_x"));
  assertEquals(atoms.rows.length, c.x.length);
  const pol = parseCsv(polarizationCsv(p, 25));
  assertEquals(pol.header.slice(0, 6), ["x", "y", "px", "py", "magnitude", "angle"]);
  assert(pol.header.includes("px_pm") && pol.header.includes("status"));
  const row = pol.rows.findIndex((r) => r[pol.header.indexOf("status")] === "ok");
  const px = Number(pol.rows[row][pol.header.indexOf("px")]);
  assertAlmostEquals(Number(pol.rows[row][pol.header.indexOf("px_pm")]), 25 * px, 1e-3);
});

Deno.test("findAtoms refuses an image without a lattice in one line", () => {
  const noise = render(64, 64, [], 1);
  assertThrows(() => findAtoms(noise), UserError, "no crystal lattice");
  assertThrows(() => findAtoms(render(8, 8, [])), UserError, "at least 16 x 16");
});
