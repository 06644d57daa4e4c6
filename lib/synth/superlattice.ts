/**
 * The superlattice layout of the generator (`structure: "superlattice"`):
 * alternating non-polar and polar layers stacked on the substrate, one
 * interface of each pair sharp and the other intermixed, stripe domains of
 * rhombohedral variants in each polar layer and patches of an antipolar
 * lamellar phase in them, after the BiFeO3–La0.7Sr0.3MnO3 superlattice of
 * Valleti et al., AIP Advances 12, 105122 (2022), doi:10.1063/5.0105406
 * (Figs. 3–7).
 *
 * Heights are counted in cells from the substrate up: the film's first A row
 * is at height 0, the B row above it at 0.5, the next A row at 1, and so on;
 * cell n holds the A row at n and the B row at n + 0.5.
 *
 * @module
 */

import type { Random } from "../random.ts";
import { polarizationAt, type StripeLayout, stripeLayout, variantAngle } from "./_domains.ts";

/** Phase code in the truth: a non-polar site (the non-polar layers, the substrate). */
export const PHASE_NONPOLAR = 0;
/** Phase code: a rhombohedral polar site (a variant of the stripe domains). */
export const PHASE_R = 1;
/** Phase code: a site of the antipolar lamellar phase. */
export const PHASE_ANTIPOLAR = 2;
/** The names `truth.csv` writes, by phase code. */
export const PHASE_NAMES: readonly string[] = ["nonpolar", "R", "antipolar"];

/** One antipolar patch of a polar layer, along p = u + v (lattice frame, px). */
export interface AntipolarPatch {
  /** Start of the patch along p, px. */
  start: number;
  /** End (exclusive) along p, px. */
  end: number;
  /** Diagonal of the displacements: 0 along variants 0/2, 1 along variants 1/3. */
  diagonal: number;
}

/** Layers, domains and patches of a superlattice. */
export interface SuperlatticeLayout {
  /** First cell (height) of each layer, ascending; the last entry ends the last layer. */
  starts: Int32Array;
  /** 1 for a polar layer, 0 for a non-polar one. */
  polar: Uint8Array;
  /** Stripe domains of each layer (polar layers only, null for non-polar ones). */
  stripes: (StripeLayout | null)[];
  /** Antipolar patches of each layer, ascending along p (empty for non-polar layers). */
  patches: AntipolarPatch[][];
  /** Cells over which each intermixed interface (non-polar on polar) is graded; 0: sharp. */
  intermixCells: number;
}

/** Options of {@linkcode superlatticeLayout}. */
export interface SuperlatticeLayoutOptions {
  /** Thickness of each polar layer, cells. */
  polarCells: number;
  /** Thickness of each non-polar layer (the first layer), cells. */
  nonpolarCells: number;
  /** Graded cells at each non-polar-on-polar interface. */
  intermixCells: number;
  /** Fraction of each polar layer's length in antipolar patches, [0, 1). */
  antipolarFraction: number;
  /** Mean patch width along the layer, px. */
  antipolarWidth: number;
  /** Layers are laid out up to this height, cells. */
  heightCells: number;
  /** Half the extent to cover along the layers (and the stripes' normal), px. */
  halfExtent: number;
  /** Stripe domains of the polar layers (`halfExtent` is taken from above). */
  stripes: Omit<Parameters<typeof stripeLayout>[1], "halfExtent">;
}

/**
 * Draw the layers from the substrate up (non-polar first), each polar
 * layer's stripe domains and its antipolar patches (widths uniform in
 * 0.5–1.5 × their mean; the polar stretches between them have the mean
 * width that makes `antipolarFraction` of the length antipolar).
 *
 * @example
 * ```ts
 * import { Random } from "../random.ts";
 * const layout = superlatticeLayout(new Random(1), {
 *   polarCells: 8, nonpolarCells: 5, intermixCells: 3, antipolarFraction: 0.3,
 *   antipolarWidth: 90, heightCells: 40, halfExtent: 400,
 *   stripes: { wallAngle: Math.PI / 4, width: 130, jitter: 0.25, variants: 4, wallWidth: 15 },
 * });
 * if (layout.polar[0] !== 0 || layout.polar[1] !== 1) throw new Error("non-polar layer first");
 * ```
 */
export function superlatticeLayout(
  random: Random,
  options: SuperlatticeLayoutOptions,
): SuperlatticeLayout {
  const starts = [0];
  const polar: number[] = [];
  const stripes: (StripeLayout | null)[] = [];
  const patches: AntipolarPatch[][] = [];
  const f = options.antipolarFraction;
  const apWidth = options.antipolarWidth;
  const rWidth = f > 0 ? (apWidth * (1 - f)) / f : Infinity;
  const h = options.halfExtent;
  while (starts[starts.length - 1] <= options.heightCells) {
    const isPolar = polar.length % 2 === 1;
    polar.push(isPolar ? 1 : 0);
    starts.push(starts[starts.length - 1] + (isPolar ? options.polarCells : options.nonpolarCells));
    if (!isPolar) {
      stripes.push(null);
      patches.push([]);
      continue;
    }
    stripes.push(stripeLayout(random, { ...options.stripes, halfExtent: h }));
    const own: AntipolarPatch[] = [];
    if (f > 0) {
      // p = u + v runs over [-2h, 2h]; start inside a polar stretch at a random phase.
      let p = -2 * h - random.uniform() * (rWidth + apWidth);
      while (p < 2 * h) {
        p += rWidth * (0.5 + random.uniform());
        const width = apWidth * (0.5 + random.uniform());
        own.push({ start: p, end: p + width, diagonal: random.uniform() < 0.5 ? 0 : 1 });
        p += width;
      }
    }
    patches.push(own);
  }
  return {
    starts: Int32Array.from(starts),
    polar: Uint8Array.from(polar),
    stripes,
    patches,
    intermixCells: options.intermixCells,
  };
}

/** Layer holding height `h` (cells), or -1 below the first layer. */
export function layerAt(layout: SuperlatticeLayout, h: number): number {
  const { starts } = layout;
  if (h < starts[0]) return -1;
  let k = 0;
  while (k + 2 < starts.length && h >= starts[k + 1]) k++;
  return k;
}

/**
 * Composition at height `h` (cells): the fraction of the non-polar layers'
 * species on that row's sites, 1 in a non-polar layer and 0 in a polar one,
 * graded linearly over `intermixCells` rows of A sites around each interface
 * where a non-polar layer grows on a polar one (the substrate: 0).
 */
export function compositionAt(layout: SuperlatticeLayout, h: number): number {
  const k = layerAt(layout, h);
  if (k < 0) return 0;
  const base = layout.polar[k] ? 0 : 1;
  const w = layout.intermixCells;
  if (!(w > 0)) return base;
  // The nearest boundary with a polar layer below and a non-polar one above.
  const reach = (w + 1) / 2;
  for (const j of [k, k + 1]) {
    if (j < 1 || j >= layout.polar.length || layout.polar[j] || !layout.polar[j - 1]) continue;
    const t = h - layout.starts[j] + reach;
    if (t > 0 && t < w + 1) return t / (w + 1);
  }
  return base;
}

/** What a site of the superlattice is. */
export interface SuperlatticeSite {
  /** Layer id from the substrate up (-1 in the substrate). */
  layer: number;
  /** {@linkcode PHASE_NONPOLAR}, {@linkcode PHASE_R} or {@linkcode PHASE_ANTIPOLAR}. */
  phase: number;
  /** Fraction of the non-polar layers' species on the site (see {@linkcode compositionAt}). */
  mix: number;
  /** Variant whose direction the displacement takes (R and antipolar sites), else -1. */
  variant: number;
  /** Direction of the B displacement, lattice frame, radians. */
  angle: number;
  /** Fraction of the full displacement (1 − mix in the polar layers, else 0). */
  scale: number;
}

const NONPOLAR_SITE = { phase: PHASE_NONPOLAR, variant: -1, angle: 0, scale: 0 };

/**
 * The site at height `h` (cells: A rows integer, B rows half-integer) of
 * lattice cell (i, j) at lattice-frame (u, v) px.
 */
export function superlatticeSite(
  layout: SuperlatticeLayout,
  h: number,
  cell: [number, number],
  position: [number, number],
): SuperlatticeSite {
  const layer = layerAt(layout, h);
  if (layer < 0) return { layer, mix: 0, ...NONPOLAR_SITE };
  const mix = compositionAt(layout, h);
  if (!layout.polar[layer]) return { layer, mix, ...NONPOLAR_SITE };
  const [u, v] = position;
  const p = u + v;
  const patch = layout.patches[layer].find((q) => p >= q.start && p < q.end);
  if (patch) {
    // Antiparallel in alternate diagonal rows: the sign follows the parity of i + j.
    const parity = (((cell[0] + cell[1]) % 2) + 2) % 2;
    const variant = patch.diagonal + 2 * parity;
    return {
      layer,
      phase: PHASE_ANTIPOLAR,
      mix,
      variant,
      angle: variantAngle(variant),
      scale: 1 - mix,
    };
  }
  const pol = polarizationAt(layout.stripes[layer]!, u, v);
  return { layer, phase: PHASE_R, mix, variant: pol.variant, angle: pol.angle, scale: 1 - mix };
}
