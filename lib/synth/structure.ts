/**
 * The crystal: a pseudo-cubic ABO3 perovskite seen along [001]. A columns on
 * a square lattice, B(-O) columns at the cell centres, a non-polar substrate
 * below the film, polar B-site displacements from the stripe domains, an
 * optional edge dislocation at the interface; or, for a superlattice
 * (superlattice.ts), layers, phases and compositions per site from its
 * layout. Positions here are in the
 * sample frame (px, before scan distortion).
 *
 * @module
 */

import { polarizationAt, type StripeLayout } from "./_domains.ts";
import {
  type SuperlatticeLayout,
  type SuperlatticeSite,
  superlatticeSite,
} from "./superlattice.ts";

/** Sublattice code in {@linkcode Site} and the truth: 0 = A, 1 = B. */
export const SUBLATTICE_A = 0;
/** Sublattice code of B(-O) columns. */
export const SUBLATTICE_B = 1;

/** Columns of the crystal in the sample frame, columnar. */
export interface Crystal {
  /** Sample-frame x of each column, with every displacement. */
  x: Float64Array;
  /** Sample-frame y of each column. */
  y: Float64Array;
  /** Sample-frame x the column would have without its polar displacement. */
  x0: Float64Array;
  /** Sample-frame y without the polar displacement. */
  y0: Float64Array;
  /** 0 = A, 1 = B. */
  sublattice: Uint8Array;
  /** Domain variant, -1 in the substrate. */
  variant: Int8Array;
  /** 1 for film, 0 for substrate. */
  film: Uint8Array;
  /** Superlattice only: layer id from the substrate up, -1 in the substrate. */
  layer?: Int16Array;
  /** Superlattice only: phase code (`PHASE_*` of superlattice.ts). */
  phase?: Uint8Array;
  /** Superlattice only: fraction of the non-polar layers' species on the site. */
  mix?: Float64Array;
}

/** Options for {@linkcode buildCrystal}. */
export interface CrystalOptions {
  /** Sample-frame centre (rotation centre), px. */
  centre: [number, number];
  /** Lattice spacing, px. */
  spacing: number;
  /** Angle of the lattice rows, radians (contract convention: atan2 in a y-down frame). */
  rotation: number;
  /** Lattice origin offset in the lattice frame, px (registration). */
  origin: [number, number];
  /** Lattice-frame v (down) from which rows belong to the substrate; Infinity for none. */
  interfaceV: number;
  /** B-site displacement, px. */
  displacement: number;
  /** Stripe domains of the film. */
  layout: StripeLayout;
  /** Dislocation core in the lattice frame, or undefined for none. */
  dislocation?: [number, number];
  /** Half-size in px of the sample-frame box to fill, around the centre. */
  halfExtent: [number, number];
  /**
   * Layers instead of one film, heights counted from the first film row
   * ({@linkcode firstFilmRow}; without a substrate it lies below the box,
   * so the first layers may fall outside the image).
   */
  superlattice?: SuperlatticeLayout;
}

const POISSON_RATIO = 0.3;

/**
 * Displacement field of an edge dislocation with Burgers vector (b, 0) along
 * the rows and line along the beam (isotropic elasticity, Hirth & Lothe), at
 * lattice-frame offset (u, v) from the core; the far-field log term is taken
 * relative to `reference` so distant columns barely move.
 */
export function edgeDislocationField(
  u: number,
  v: number,
  b: number,
  reference: number,
): [number, number] {
  const nu = POISSON_RATIO;
  const r2 = u * u + v * v;
  const theta = Math.atan2(v, u);
  const ux = (b / (2 * Math.PI)) * (theta + (u * v) / (2 * (1 - nu) * r2));
  const uy = (-b / (2 * Math.PI)) *
    (((1 - 2 * nu) / (4 * (1 - nu))) * Math.log(r2 / (reference * reference)) +
      (u * u - v * v) / (4 * (1 - nu) * r2));
  return [ux, uy];
}

/**
 * Index j of the film's first A row (at lattice-frame v = j·spacing +
 * origin): the last one at or above `interfaceV`, or, without a substrate,
 * one below the box; a superlattice counts heights from it.
 */
export function firstFilmRow(
  options: Pick<CrystalOptions, "spacing" | "rotation" | "origin" | "interfaceV" | "halfExtent">,
): number {
  const { spacing: a, rotation, origin, interfaceV } = options;
  const [hx, hy] = options.halfExtent;
  const reachV = Math.abs(hx * Math.sin(rotation)) + Math.abs(hy * Math.cos(rotation)) + 2 * a;
  const base = Number.isFinite(interfaceV) ? interfaceV : reachV + 2 * a;
  return Math.floor((base - origin[1]) / a);
}

/** Lay out every column whose sample position falls in the requested box. */
export function buildCrystal(options: CrystalOptions): Crystal {
  const { centre, spacing: a, rotation, origin, interfaceV, displacement, layout } = options;
  const cos = Math.cos(rotation);
  const sin = Math.sin(rotation);
  const [hx, hy] = options.halfExtent;
  // Lattice-frame box covering the rotated sample box (plus a cell and the dislocation's slip).
  const reach = Math.abs(hx * cos) + Math.abs(hy * sin) + 2 * a;
  const reachV = Math.abs(hx * sin) + Math.abs(hy * cos) + 2 * a;
  const iMin = Math.floor((-reach - origin[0]) / a);
  const iMax = Math.ceil((reach - origin[0]) / a);
  const jMin = Math.floor((-reachV - origin[1]) / a);
  const jMax = Math.ceil((reachV - origin[1]) / a);
  const reference = Math.hypot(hx, hy);
  const out = {
    x: [] as number[],
    y: [] as number[],
    x0: [] as number[],
    y0: [] as number[],
    sublattice: [] as number[],
    variant: [] as number[],
    film: [] as number[],
    layer: [] as number[],
    phase: [] as number[],
    mix: [] as number[],
  };
  const layers = options.superlattice;
  const firstRow = firstFilmRow(options);
  const place = (u: number, v: number, sub: number, row: number, i: number, j: number) => {
    const inFilm = row <= interfaceV;
    let pu = u;
    let pv = v;
    if (options.dislocation) {
      const [du, dv] = edgeDislocationField(
        u - options.dislocation[0],
        v - options.dislocation[1],
        a,
        reference,
      );
      pu += du;
      pv += dv;
    }
    let variant = -1;
    let qu = pu;
    let qv = pv;
    let site: SuperlatticeSite | undefined;
    if (layers) {
      // A row j at height firstRow - j, the B row of cell j half a cell above the next A row.
      const h = firstRow - j - (sub === SUBLATTICE_B ? 0.5 : 0);
      site = superlatticeSite(layers, inFilm ? h : -1, [i, j], [u, v]);
      variant = site.variant;
      if (sub === SUBLATTICE_B && site.scale > 0) {
        qu += displacement * site.scale * Math.cos(site.angle);
        qv += displacement * site.scale * Math.sin(site.angle);
      }
    } else if (inFilm) {
      const pol = polarizationAt(layout, u, v);
      variant = pol.variant;
      if (sub === SUBLATTICE_B) {
        qu += displacement * Math.cos(pol.angle);
        qv += displacement * Math.sin(pol.angle);
      }
    }
    const x0 = centre[0] + pu * cos - pv * sin;
    const y0 = centre[1] + pu * sin + pv * cos;
    if (Math.abs(x0 - centre[0]) > hx || Math.abs(y0 - centre[1]) > hy) return;
    if (site) {
      out.layer.push(site.layer);
      out.phase.push(site.phase);
      out.mix.push(site.mix);
    }
    out.x0.push(x0);
    out.y0.push(y0);
    out.x.push(centre[0] + qu * cos - qv * sin);
    out.y.push(centre[1] + qu * sin + qv * cos);
    out.sublattice.push(sub);
    out.variant.push(variant);
    out.film.push(inFilm ? 1 : 0);
  };
  for (let j = jMin; j <= jMax; j++) {
    for (let i = iMin; i <= iMax; i++) {
      const u = i * a + origin[0];
      const v = j * a + origin[1];
      // A row j sits on v; the B row of cell j sits half a cell below it. The
      // film ends with an A row and the substrate starts with a B row, as for
      // a film grown on a B-terminated substrate.
      place(u, v, SUBLATTICE_A, v, i, j);
      place(u + a / 2, v + a / 2, SUBLATTICE_B, v + a, i, j);
    }
  }
  return {
    x: Float64Array.from(out.x),
    y: Float64Array.from(out.y),
    x0: Float64Array.from(out.x0),
    y0: Float64Array.from(out.y0),
    sublattice: Uint8Array.from(out.sublattice),
    variant: Int8Array.from(out.variant),
    film: Uint8Array.from(out.film),
    ...(layers
      ? {
        layer: Int16Array.from(out.layer),
        phase: Uint8Array.from(out.phase),
        mix: Float64Array.from(out.mix),
      }
      : {}),
  };
}
