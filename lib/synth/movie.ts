/**
 * A generated in-situ movie with ground truth: one polar film (no
 * substrate) holding two variants separated by one straight domain wall
 * that sweeps across the field of view, frame by frame, as under a
 * switching field; the sample drifts a little between frames (a seeded
 * random walk) and every frame has its own scan distortion and shot noise.
 * Each frame is made on its own ({@linkcode wallMovieFrame}), so a movie of
 * any length is generated one frame at a time, in any order, in parallel.
 *
 * The crystal (lattice origin, static disorder, column intensities) is the
 * same in every frame; the physics options are `generateHaadf`'s
 * (`SynthOptions`), the wall's and the movie's are {@linkcode WallMovieOptions}.
 *
 * @module
 */

import type { Image } from "../image.ts";
import { wrapAngle } from "../math.ts";
import { Random } from "../random.ts";
import { type StripeLayout, variantAngle } from "./_domains.ts";
import { type SynthTruth, truthInImage } from "./generate.ts";
import { ATOMIC_NUMBER, resolveSynthOptions, type SynthOptions } from "./options.ts";
import { addBackground, detect, drawColumns, optionsProbeComponents } from "./render.ts";
import { drawScan } from "./_scan.ts";
import { buildCrystal, SUBLATTICE_A, SUBLATTICE_B } from "./structure.ts";

/** The movie's options: `generateHaadf`'s physics plus the wall's sweep and the drift. */
export interface WallMovieOptions extends
  Omit<
    SynthOptions,
    "variants" | "domainWidth" | "domainJitter" | "substrate" | "dislocation" | "structure"
  > {
  /** Number of frames. Default 20. */
  frames?: number;
  /** The two variants (0-3, 90° apart in turn) on either side of the wall. Default [0, 1]. */
  pair?: [number, number];
  /**
   * Where the wall is in the first and the last frame, as a fraction of the
   * field's extent along the wall normal (0 = one edge, 1 = the other); it
   * moves by equal steps in between. Default [0.1, 0.9].
   */
  sweep?: [number, number];
  /** Standard deviation of the sample's drift between consecutive frames, px per axis. Default 0.5. */
  driftStep?: number;
  /** Direction of the wall in degrees from the lattice rows. Default 90 (across the rows). */
  wallAngle?: number;
}

/** One frame of a movie, with its truth. */
export interface WallMovieFrame {
  /** The frame, in detector counts, calibrated. */
  image: Image;
  /** Every column inside the frame (positions where they appear in it). */
  truth: SynthTruth;
  /** The sample's drift in this frame against frame 0, px (what it shows at (x, y), frame 0 showed at (x − x, y − y)). */
  drift: { x: number; y: number };
  /** Fraction of the polar B sites in the frame of each of the 4 variants (the pair's two hold all). */
  fractions: number[];
  /** Where the wall is, as a fraction of the field along its normal. */
  wall: number;
}

/** What the whole movie is made of (the same for every frame). */
export interface WallMovieMeta {
  /** Number of frames. */
  frames: number;
  /** The two variants. */
  pair: [number, number];
  /** Image-frame direction of each variant (radians in [0, 2π), contract convention). */
  variantAngles: number[];
  /** Lattice period, px. */
  spacingPx: number;
  /** The wall's position in each frame (fraction of the field along its normal). */
  wall: number[];
}

function movieSettings(options: WallMovieOptions) {
  const {
    frames = 20,
    pair = [0, 1],
    sweep = [0.1, 0.9],
    driftStep = 0.5,
    wallAngle = 90,
    ...physics
  } = options;
  if (!(Number.isInteger(frames) && frames >= 1)) {
    throw new RangeError(`frames must be a whole number ≥ 1, got ${frames}`);
  }
  for (const v of pair) {
    if (!(Number.isInteger(v) && v >= 0 && v <= 3)) {
      throw new RangeError(`pair holds variants 0-3, got ${pair}`);
    }
  }
  const o = resolveSynthOptions({ ...physics, wallAngle, substrate: 0, variants: 4 });
  const wall = Array.from(
    { length: frames },
    (_, t) => sweep[0] + (frames > 1 ? (t / (frames - 1)) * (sweep[1] - sweep[0]) : 0),
  );
  return { frames, pair, driftStep, wall, o };
}

/**
 * The movie's facts shared by every frame: frame count, variants, their
 * directions in the image, the period and the wall's sweep.
 *
 * @example
 * ```ts
 * const meta = wallMovieMeta({ frames: 6, width: 128, height: 128 });
 * meta.wall; // [0.1, 0.26, 0.42, 0.58, 0.74, 0.9]
 * ```
 */
export function wallMovieMeta(options: WallMovieOptions = {}): WallMovieMeta {
  const { frames, pair, wall, o } = movieSettings(options);
  const rotation = (o.rotation * Math.PI) / 180;
  return {
    frames,
    pair,
    variantAngles: [0, 1, 2, 3].map((k) => wrapAngle(variantAngle(k) + rotation)),
    spacingPx: o.spacing,
    wall,
  };
}

/**
 * Frame `t` (0-based) of the movie `options` describes: the same crystal in
 * every frame, the wall at its place in the sweep, the sample drifted by a
 * seeded random walk, and this frame's own scan distortion and noise.
 *
 * @example
 * ```ts
 * const first = wallMovieFrame({ frames: 6, width: 128, height: 128, seed: 2 }, 0);
 * const last = wallMovieFrame({ frames: 6, width: 128, height: 128, seed: 2 }, 5);
 * first.fractions[0] < last.fractions[0]; // the wall swept variant 0 over more of the field
 * ```
 */
export function wallMovieFrame(options: WallMovieOptions, t: number): WallMovieFrame {
  const { frames, pair, driftStep, wall, o } = movieSettings(options);
  if (!(Number.isInteger(t) && t >= 0 && t < frames)) {
    throw new RangeError(`frame ${t} is not in 0-${frames - 1}`);
  }
  const { width, height } = o;
  const seeds = new Random(o.seed);
  const layoutRandom = new Random(seeds.nextUint32());
  const disorderSeed = seeds.nextUint32();
  const backgroundSeed = seeds.nextUint32();
  const driftRandom = new Random(seeds.nextUint32());
  // Every frame's own scan and noise, from the frame's number.
  const frameSeeds = new Random(seeds.nextUint32() ^ Math.imul(t + 1, 0x9e3779b1));
  const scanRandom = new Random(frameSeeds.nextUint32());
  const noiseRandom = new Random(frameSeeds.nextUint32());
  let driftX = 0;
  let driftY = 0;
  for (let k = 1; k <= t; k++) {
    driftX += driftStep * driftRandom.normal();
    driftY += driftStep * driftRandom.normal();
  }

  const a = o.spacing;
  const rotation = (o.rotation * Math.PI) / 180;
  const components = optionsProbeComponents(o);
  const widest = Math.max(...components.map((c) => c.sigma));
  const margin = 4.5 * widest + a + 6 * driftStep * Math.sqrt(frames);
  const halfExtent: [number, number] = [
    width / 2 + margin + Math.abs(o.shear) * height / 2 + o.wobble + 6 * o.rowJitter,
    (height / 2) * (1 + Math.abs(o.stretch)) + margin,
  ];
  // The crystal drifts in the field of view: its centre moves by the drift.
  const centre: [number, number] = [(width - 1) / 2 + driftX, (height - 1) / 2 + driftY];
  const origin: [number, number] = [layoutRandom.uniform() * a, layoutRandom.uniform() * a];
  const wallRad = (o.wallAngle * Math.PI) / 180;
  const normal: [number, number] = [-Math.sin(wallRad), Math.cos(wallRad)];
  // The field's extent along the normal (lattice frame, around the field's centre).
  const cos = Math.cos(rotation);
  const sin = Math.sin(rotation);
  const nx = normal[0] * cos - normal[1] * sin;
  const ny = normal[0] * sin + normal[1] * cos;
  const reach = (Math.abs(nx) * width + Math.abs(ny) * height) / 2;
  const layout: StripeLayout = {
    normal,
    walls: Float64Array.of((2 * wall[t] - 1) * reach - (driftX * nx + driftY * ny)),
    stripeVariant: Int8Array.from(pair),
    wallWidth: o.wallWidth * a,
  };
  const crystal = buildCrystal({
    centre,
    spacing: a,
    rotation,
    origin,
    interfaceV: Infinity,
    displacement: o.displacement * a,
    layout,
    halfExtent: [halfExtent[0] + Math.abs(driftX), halfExtent[1] + Math.abs(driftY)],
  });
  const n = crystal.x.length;
  // Weights and static disorder by lattice site, so that every frame has the same crystal:
  // each site's random numbers come from its lattice indices.
  const z = (species: string) => Math.exp(o.zExponent * Math.log(ATOMIC_NUMBER[species]));
  const filmB = (z(o.filmB) + z("O")) / z(o.filmA);
  const weight = new Float64Array(n);
  const gAngle = (o.gradientAngle * Math.PI) / 180;
  const gExtent = Math.abs(width * Math.cos(gAngle)) + Math.abs(height * Math.sin(gAngle));
  for (let k = 0; k < n; k++) {
    const isA = crystal.sublattice[k] === SUBLATTICE_A;
    // Position of the site (undisplaced) relative to the crystal's centre: the same in every frame.
    const sx = crystal.x0[k] - centre[0];
    const sy = crystal.y0[k] - centre[1];
    const u = Math.round(((sx * cos + sy * sin - origin[0]) * 2) / a);
    const v = Math.round(((-sx * sin + sy * cos - origin[1]) * 2) / a);
    const site = new Random(
      disorderSeed ^ Math.imul(u + 4096, 0x85ebca6b) ^ Math.imul(v, 0x27d4eb2f),
    );
    const jx = o.positionJitter * site.normal();
    const jy = o.positionJitter * site.normal();
    crystal.x[k] += jx;
    crystal.y[k] += jy;
    crystal.x0[k] += jx;
    crystal.y0[k] += jy;
    const along = (sx * Math.cos(gAngle) + sy * Math.sin(gAngle)) / gExtent;
    weight[k] = (isA ? 1 + o.gradient * along : filmB) *
      Math.max(0, 1 + o.intensityJitter * site.normal());
  }
  const scan = drawScan(scanRandom, { ...o, width, height });
  const expected = new Float64Array(width * height);
  drawColumns(expected, scan, { x: crystal.x, y: crystal.y, weight }, components);
  addBackground(expected, { width, height }, new Random(backgroundSeed), {
    level: o.background,
    variation: o.backgroundVariation,
  });
  const data = detect(expected, noiseRandom, { dose: o.dose, readNoise: o.readNoise });

  // Every B site of the movie is polar (no substrate), so its displacement is in the truth.
  const truth = truthInImage(crystal, scan);
  const counts = [0, 0, 0, 0];
  let polar = 0;
  for (let i = 0; i < truth.x.length; i++) {
    if (truth.sublattice[i] !== SUBLATTICE_B || truth.variant[i] < 0) continue;
    counts[truth.variant[i]]++;
    polar++;
  }
  return {
    image: { data, width, height, pixelSize: { value: o.pixelSize, unit: "nm" } },
    truth,
    drift: { x: driftX, y: driftY },
    fractions: counts.map((c) => (polar ? c / polar : 0)),
    wall: wall[t],
  };
}
