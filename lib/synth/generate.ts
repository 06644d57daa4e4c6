/**
 * `generateHaadf`: a synthetic HAADF-STEM image of a ferroelectric perovskite
 * film with its ground truth — every A and B column as it appears in the
 * (scan-distorted) image, its sublattice, its polar displacement and its
 * domain variant. Pure: options in, arrays out.
 *
 * @module
 */

import type { Image } from "../image.ts";
import { Random } from "../random.ts";
import { wrapAngle } from "../math.ts";
import { VERSION } from "../version.ts";
import { stripeLayout, variantAngle } from "./_domains.ts";
import { ATOMIC_NUMBER, type ResolvedSynthOptions, resolveSynthOptions } from "./options.ts";
import type { SynthOptions } from "./options.ts";
import {
  addBackground,
  type ColumnList,
  detect,
  drawColumns,
  optionsProbeComponents,
} from "./render.ts";
import { drawScan, sampleToImage, type Scan } from "./_scan.ts";
import {
  buildCrystal,
  type Crystal,
  firstFilmRow,
  SUBLATTICE_A,
  SUBLATTICE_B,
} from "./structure.ts";
import { PHASE_ANTIPOLAR, PHASE_NONPOLAR, PHASE_R, superlatticeLayout } from "./superlattice.ts";

/**
 * Ground truth, one entry per column inside the image, columnar. Positions
 * are where the column appears in the distorted image (contract frame: x =
 * column, y = row, origin at the centre of the top-left pixel, y down),
 * including drift and wobble but not the zero-mean row jitter.
 */
export interface SynthTruth {
  /** x of each column, px. */
  x: Float64Array;
  /** y of each column, px. */
  y: Float64Array;
  /** 0 = A (SUBLATTICE_A), 1 = B(-O) (SUBLATTICE_B). */
  sublattice: Uint8Array;
  /** Polar displacement of the column in the image, px (0 for A columns and the substrate). */
  dx: Float64Array;
  /** y component of the displacement, px. */
  dy: Float64Array;
  /**
   * Domain variant 0..3 of the film site (A and B alike; the B displacement
   * points along `meta.variantAngles[variant]` away from walls), -1 in the
   * non-polar substrate. In a superlattice's antipolar patches: the
   * variant whose direction each B displacement takes (it alternates between
   * two opposite variants in alternate diagonal rows).
   */
  variant: Int8Array;
  /** Superlattice only: layer id from the substrate up (0 = first layer), -1 in the substrate. */
  layer?: Int16Array;
  /** Superlattice only: `PHASE_NONPOLAR`, `PHASE_R` or `PHASE_ANTIPOLAR` (superlattice.ts). */
  phase?: Uint8Array;
  /**
   * Superlattice only: fraction of the non-polar layers' species on the
   * site (0 in a polar layer and the substrate, 1 in a non-polar layer,
   * graded across an intermixed interface).
   */
  mix?: Float64Array;
}

/** One layer of a superlattice as `meta.json` describes it. */
export interface SuperlatticeLayerMeta {
  /** Layer id, as in the truth's `layer`. */
  id: number;
  /** "polar" (film species, domains and antipolar patches) or "nonpolar". */
  kind: "polar" | "nonpolar";
  /** Thickness, cells. */
  cells: number;
  /** Image y of the layer's lower and upper boundaries at the image centre (the lower one is larger: y down). */
  yBottom: number;
  /** Image y of the upper boundary at the image centre. */
  yTop: number;
  /** Whether the lower boundary is intermixed (graded), false for sharp ones. */
  intermixedBelow: boolean;
}

/** What a generated image was made from, for `meta.json` and for tests. */
export interface SynthMeta {
  /** Generator name and version. */
  generator: string;
  /** Every option after defaults. */
  options: ResolvedSynthOptions;
  /** Lattice spacing in px. */
  spacingPx: number;
  /** Lattice parameter in nm (spacing × pixel size). */
  cellNm: number;
  /** Calibration. */
  pixelSize: { value: number; unit: string };
  /** Image-frame direction (radians in [0, 2π), contract convention) of each variant. */
  variantAngles: number[];
  /** Column weights relative to a film A column (∑Z^n). */
  columnWeights: { filmA: number; filmB: number; substrateA: number; substrateB: number };
  /** Gaussian sigmas in px of the blurred columns: core, then tail. */
  sigmaPx: number[];
  /** Image y of the film/substrate interface at the image centre, or null without substrate. */
  interfaceY: number | null;
  /** Image position of the dislocation core, or null. */
  dislocation: { x: number; y: number } | null;
  /** Counts of truth columns. */
  counts: { A: number; B: number; polarB: number; perVariant: number[] };
  /** What the pixel values mean. */
  units: string;
  /** Superlattice only: its layers that hold a site of the image, and B sites per phase. */
  superlattice?: {
    layers: SuperlatticeLayerMeta[];
    columnWeights: { layerA: number; layerB: number };
    phaseCounts: { nonpolar: number; R: number; antipolar: number };
  };
}

/** A generated image with its truth and metadata. */
export interface SynthResult {
  /** The image, in detector counts, calibrated. */
  image: Image;
  /** Ground truth per column. */
  truth: SynthTruth;
  /** Parameters and derived facts. */
  meta: SynthMeta;
  /**
   * The random x offset of each image row, px (the zero-mean row jitter the
   * truth leaves out): pixel x of row y shows what a jitter-free scan shows
   * at x + rowJitter[y].
   */
  rowJitter: Float64Array;
}

/**
 * The columns as drawn: as they are, or, with a mistilt, each as three
 * equal parts along the tilt, 0, 1 and 2 × s(w) from its position (see
 * `SynthOptions.mistilt`).
 */
function tiltedColumns(
  crystal: { x: Float64Array; y: Float64Array },
  weight: Float64Array,
  o: ResolvedSynthOptions,
): ColumnList {
  if (!o.mistilt) return { x: crystal.x, y: crystal.y, weight };
  const n = weight.length;
  const angle = ((o.mistiltAngle ?? 0) * Math.PI) / 180;
  const w0 = o.mistiltSaturation ?? 0.1;
  const full = 1 - Math.exp(-1 / w0);
  const x = new Float64Array(3 * n);
  const y = new Float64Array(3 * n);
  const parts = new Float64Array(3 * n);
  for (let k = 0; k < n; k++) {
    const s = (o.mistilt * (1 - Math.exp(-weight[k] / w0))) / full;
    for (let m = 0; m < 3; m++) {
      x[3 * k + m] = crystal.x[k] + m * s * Math.cos(angle);
      y[3 * k + m] = crystal.y[k] + m * s * Math.sin(angle);
      parts[3 * k + m] = weight[k] / 3;
    }
  }
  return { x, y, weight: parts };
}

function zPower(species: string, n: number): number {
  return Math.exp(n * Math.log(ATOMIC_NUMBER[species]));
}

/** Generate a synthetic HAADF image of a ferroelectric film; see {@linkcode SynthOptions}. */
export function generateHaadf(options: SynthOptions = {}): SynthResult {
  const o = resolveSynthOptions(options);
  const { width, height } = o;
  const seeds = new Random(o.seed);
  const layoutRandom = new Random(seeds.nextUint32());
  const scanRandom = new Random(seeds.nextUint32());
  const backgroundRandom = new Random(seeds.nextUint32());
  const noiseRandom = new Random(seeds.nextUint32());
  const disorderRandom = new Random(seeds.nextUint32());

  const a = o.spacing;
  const rotation = (o.rotation * Math.PI) / 180;
  const components = optionsProbeComponents(o);
  const widest = Math.max(...components.map((c) => c.sigma));
  const centre: [number, number] = [(width - 1) / 2, (height - 1) / 2];
  const margin = 4.5 * widest + a;
  const halfExtent: [number, number] = [
    width / 2 + margin + Math.abs(o.shear) * height / 2 + o.wobble + 6 * o.rowJitter,
    (height / 2) * (1 + Math.abs(o.stretch)) + margin,
  ];
  const origin: [number, number] = [layoutRandom.uniform() * a, layoutRandom.uniform() * a];
  const interfaceV = o.substrate > 0 ? height * (1 - o.substrate) - 0.5 - centre[1] : Infinity;
  const layout = stripeLayout(layoutRandom, {
    wallAngle: (o.wallAngle * Math.PI) / 180,
    width: o.domainWidth * a,
    jitter: o.domainJitter,
    variants: o.variants,
    wallWidth: o.wallWidth * a,
    halfExtent: Math.hypot(halfExtent[0], halfExtent[1]) + a,
  });
  const superlattice = o.structure === "superlattice"
    ? superlatticeLayout(new Random(seeds.nextUint32()), {
      polarCells: o.polarCells!,
      nonpolarCells: o.nonpolarCells!,
      intermixCells: o.intermixCells!,
      antipolarFraction: o.antipolarFraction!,
      antipolarWidth: o.antipolarWidth! * a,
      heightCells: (2 * halfExtent[1] + 4 * a) / a + Math.hypot(...halfExtent) / a,
      halfExtent: Math.hypot(halfExtent[0], halfExtent[1]) + a,
      stripes: {
        wallAngle: (o.wallAngle * Math.PI) / 180,
        width: o.domainWidth * a,
        jitter: o.domainJitter,
        variants: o.variants,
        wallWidth: o.wallWidth * a,
      },
    })
    : undefined;
  let core: [number, number] | undefined;
  if (o.dislocation) {
    // Between the film's last A row and the substrate's first B row, a quarter
    // cell away from every column so that none sits on the core or the cut.
    const dxs = o.dislocationX - centre[0];
    const u = dxs * Math.cos(rotation) + (Number.isFinite(interfaceV) ? interfaceV : 0) *
        Math.sin(rotation);
    const lastFilmRow = Number.isFinite(interfaceV) ? Math.floor((interfaceV - origin[1]) / a) : 0;
    core = [
      (Math.round((u - origin[0]) / a) + 0.25) * a + origin[0],
      (lastFilmRow + 0.25) * a + origin[1],
    ];
  }
  const crystalOptions = {
    centre,
    spacing: a,
    rotation,
    origin,
    interfaceV,
    displacement: o.displacement * a,
    layout,
    dislocation: core,
    halfExtent,
    superlattice,
  };
  const crystal = buildCrystal(crystalOptions);

  // Column weights: HAADF intensity ~ sum of Z^n over the column's species.
  const ref = zPower(o.filmA, o.zExponent);
  const oxygen = zPower("O", o.zExponent);
  const columnWeights = {
    filmA: 1,
    filmB: (zPower(o.filmB, o.zExponent) + oxygen) / ref,
    substrateA: zPower(o.substrateA, o.zExponent) / ref,
    substrateB: (zPower(o.substrateB, o.zExponent) + oxygen) / ref,
  };
  const gAngle = (o.gradientAngle * Math.PI) / 180;
  const gx = Math.cos(gAngle);
  const gy = Math.sin(gAngle);
  const gExtent = Math.abs(width * gx) + Math.abs(height * gy);
  const layerWeights = superlattice
    ? {
      layerA: zPower(o.layerA!, o.zExponent) / ref,
      layerB: (zPower(o.layerB!, o.zExponent) + oxygen) / ref,
    }
    : { layerA: 1, layerB: columnWeights.filmB };
  const n = crystal.x.length;
  const weight = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const isA = crystal.sublattice[k] === SUBLATTICE_A;
    // A superlattice's sites hold a mix of the film's and the layers' species.
    const m = crystal.mix ? crystal.mix[k] : 0;
    if (crystal.film[k]) {
      if (isA) {
        const along = ((crystal.x[k] - centre[0]) * gx + (crystal.y[k] - centre[1]) * gy) /
          gExtent;
        const species = m ? (1 - m) * columnWeights.filmA + m * layerWeights.layerA : 1;
        weight[k] = species * (1 + o.gradient * along);
      } else {weight[k] = m
          ? (1 - m) * columnWeights.filmB + m * layerWeights.layerB
          : columnWeights.filmB;}
    } else weight[k] = isA ? columnWeights.substrateA : columnWeights.substrateB;
  }

  // Static disorder: every column shifts a little (its polar displacement stays
  // as it is) and its intensity varies (thickness, vacancies).
  for (let k = 0; k < n; k++) {
    const sx = o.positionJitter * disorderRandom.normal();
    const sy = o.positionJitter * disorderRandom.normal();
    crystal.x[k] += sx;
    crystal.y[k] += sy;
    crystal.x0[k] += sx;
    crystal.y0[k] += sy;
    weight[k] *= Math.max(0, 1 + o.intensityJitter * disorderRandom.normal());
  }

  const scan = drawScan(scanRandom, { ...o, width, height });
  const expected = new Float64Array(width * height);
  drawColumns(expected, scan, tiltedColumns(crystal, weight, o), components);
  addBackground(expected, { width, height }, backgroundRandom, {
    level: o.background,
    variation: o.backgroundVariation,
  });
  const data = detect(expected, noiseRandom, { dose: o.dose, readNoise: o.readNoise });

  // Truth: columns that appear inside the image.
  const truth = truthInImage(crystal, scan);
  const kept = truth.x.length;

  const perVariant = [0, 0, 0, 0];
  let countA = 0;
  let polarB = 0;
  for (let i = 0; i < kept; i++) {
    if (truth.sublattice[i] === SUBLATTICE_A) countA++;
    else if (truth.variant[i] >= 0) {
      polarB++;
      perVariant[truth.variant[i]]++;
    }
  }
  // Image y at the image centre of lattice-frame v (sample frame, before the scan).
  const imageYOfV = (v: number) =>
    sampleToImage(scan, centre[0], centre[1] + v / Math.cos(rotation))[1];
  let superlatticeMeta: SynthMeta["superlattice"];
  if (superlattice && truth.layer && truth.phase) {
    // A boundary at cell h lies a quarter cell below the A row of height h.
    const first = firstFilmRow(crystalOptions);
    const boundaryY = (h: number) => imageYOfV((first - h) * a + origin[1] + a / 4);
    const layers: SuperlatticeLayerMeta[] = [];
    for (let k = 0; k + 1 < superlattice.starts.length; k++) {
      const yBottom = boundaryY(superlattice.starts[k]);
      const yTop = boundaryY(superlattice.starts[k + 1]);
      if (!truth.layer.includes(k)) continue;
      layers.push({
        id: k,
        kind: superlattice.polar[k] ? "polar" : "nonpolar",
        cells: superlattice.starts[k + 1] - superlattice.starts[k],
        yBottom,
        yTop,
        intermixedBelow: superlattice.intermixCells > 0 && k > 0 && !superlattice.polar[k],
      });
    }
    const phaseCounts = { nonpolar: 0, R: 0, antipolar: 0 };
    for (let i = 0; i < kept; i++) {
      if (truth.sublattice[i] !== SUBLATTICE_B) continue;
      const p = truth.phase[i];
      if (p === PHASE_R) phaseCounts.R++;
      else if (p === PHASE_ANTIPOLAR) phaseCounts.antipolar++;
      else if (p === PHASE_NONPOLAR) phaseCounts.nonpolar++;
    }
    superlatticeMeta = { layers, columnWeights: layerWeights, phaseCounts };
  }
  const meta: SynthMeta = {
    generator: `ferrovae synth ${VERSION}`,
    options: o,
    spacingPx: a,
    cellNm: a * o.pixelSize,
    pixelSize: { value: o.pixelSize, unit: "nm" },
    variantAngles: [0, 1, 2, 3].map((k) => wrapAngle(variantAngle(k) + rotation)),
    columnWeights,
    sigmaPx: components.map((c) => c.sigma),
    interfaceY: Number.isFinite(interfaceV) ? imageYOfV(interfaceV) : null,
    dislocation: core
      ? (() => {
        const sx = centre[0] + core[0] * Math.cos(rotation) - core[1] * Math.sin(rotation);
        const sy = centre[1] + core[0] * Math.sin(rotation) + core[1] * Math.cos(rotation);
        const [x, y] = sampleToImage(scan, sx, sy);
        return { x, y };
      })()
      : null,
    counts: { A: countA, B: kept - countA, polarB, perVariant },
    units: o.dose === Infinity
      ? "noiseless intensity, 1 = peak of an isolated film A column, plus background"
      : `detector counts; an isolated film A column peaks at ${o.dose} counts above background`,
    ...(superlatticeMeta ? { superlattice: superlatticeMeta } : {}),
  };
  return {
    image: { data, width, height, pixelSize: { value: o.pixelSize, unit: "nm" } },
    truth,
    meta,
    rowJitter: scan.jitter,
  };
}

export { SUBLATTICE_A, SUBLATTICE_B };
export type { SynthOptions };

/**
 * The ground truth of the columns of `crystal` that appear inside the image
 * drawn through `scan`: image positions, sublattice, variant, and for polar B
 * columns the displacement seen in the image (0 elsewhere); the superlattice
 * ids when the crystal has them.
 */
export function truthInImage(crystal: Crystal, scan: Scan): SynthTruth {
  const { width, height } = scan;
  const n = crystal.x.length;
  const keep: number[] = [];
  const ix = new Float64Array(n);
  const iy = new Float64Array(n);
  const ddx = new Float64Array(n);
  const ddy = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const [x, y] = sampleToImage(scan, crystal.x[k], crystal.y[k]);
    if (x < -0.5 || x >= width - 0.5 || y < -0.5 || y >= height - 0.5) continue;
    ix[k] = x;
    iy[k] = y;
    if (crystal.variant[k] >= 0 && crystal.sublattice[k] === SUBLATTICE_B) {
      const [x0, y0] = sampleToImage(scan, crystal.x0[k], crystal.y0[k]);
      ddx[k] = x - x0;
      ddy[k] = y - y0;
    }
    keep.push(k);
  }
  const pick = <T extends Float64Array | Uint8Array | Int8Array | Int16Array>(
    src: T,
    make: new (n: number) => T,
  ) => {
    const out = new make(keep.length);
    for (let i = 0; i < keep.length; i++) out[i] = src[keep[i]];
    return out;
  };
  const truth: SynthTruth = {
    x: pick(ix, Float64Array),
    y: pick(iy, Float64Array),
    sublattice: pick(crystal.sublattice, Uint8Array),
    dx: pick(ddx, Float64Array),
    dy: pick(ddy, Float64Array),
    variant: pick(crystal.variant, Int8Array),
  };
  if (crystal.layer && crystal.phase && crystal.mix) {
    truth.layer = pick(crystal.layer, Int16Array);
    truth.phase = pick(crystal.phase, Uint8Array);
    truth.mix = pick(crystal.mix, Float64Array);
  }
  return truth;
}
