/**
 * Stripe domains of polar variants: where the walls are, which variant each
 * stripe holds, and how the polarisation rotates across a wall.
 *
 * @module
 */

import type { Random } from "../random.ts";

/** A stripe layout along the wall normal, in lattice-frame px. */
export interface StripeLayout {
  /** Unit normal of the walls in the lattice frame (x along the rows). */
  normal: [number, number];
  /** Wall positions along the normal, ascending; stripe k lies between walls k-1 and k. */
  walls: Float64Array;
  /** Variant of each stripe (`walls.length + 1` of them). */
  stripeVariant: Int8Array;
  /** Wall width in px (0: sharp walls). */
  wallWidth: number;
}

/** Options for {@linkcode stripeLayout}. */
export interface StripeLayoutOptions {
  /** Wall direction, radians from the lattice rows. */
  wallAngle: number;
  /** Mean stripe width in px, across the stripes. */
  width: number;
  /** Relative random spread of the stripe widths. */
  jitter: number;
  /** Number of variants, 1 to 4, used in cyclic order so that neighbours differ by 90°. */
  variants: number;
  /** Wall width in px. */
  wallWidth: number;
  /** Half the extent to cover along the normal, around 0. */
  halfExtent: number;
}

/** Draw a stripe layout covering [-halfExtent, halfExtent] along the wall normal. */
export function stripeLayout(random: Random, options: StripeLayoutOptions): StripeLayout {
  const { wallAngle, width, jitter, variants, wallWidth, halfExtent } = options;
  const normal: [number, number] = [-Math.sin(wallAngle), Math.cos(wallAngle)];
  const walls: number[] = [];
  let s = -halfExtent - random.uniform() * width;
  while (s < halfExtent) {
    walls.push(s);
    s += width * (1 + jitter * (2 * random.uniform() - 1));
  }
  // Cycle through the variants from a random start in a random sense: with four
  // variants every wall is a 90° wall and every variant occurs.
  const start = random.int(variants);
  const step = random.uniform() < 0.5 ? 1 : variants - 1;
  const stripeVariant = new Int8Array(walls.length + 1);
  for (let k = 0; k < stripeVariant.length; k++) {
    stripeVariant[k] = (start + k * step) % variants;
  }
  return { normal, walls: Float64Array.from(walls), stripeVariant, wallWidth };
}

/** Polarisation of a site: its variant and its direction (lattice frame, radians). */
export interface LocalPolarization {
  /** Variant of the nearer side of the nearest wall. */
  variant: number;
  /** Direction, rotating smoothly (tanh profile) from one variant's to the next across a wall. */
  angle: number;
}

/** Lattice-frame direction of variant `k`: 45° + k·90° from the rows (projected rhombohedral). */
export function variantAngle(k: number): number {
  return Math.PI / 4 + (k * Math.PI) / 2;
}

/** Variant and direction of the polarisation at lattice-frame position (u, v). */
export function polarizationAt(layout: StripeLayout, u: number, v: number): LocalPolarization {
  const s = u * layout.normal[0] + v * layout.normal[1];
  const walls = layout.walls;
  // Stripe index: number of walls at or below s (binary search).
  let lo = 0;
  let hi = walls.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (walls[mid] <= s) lo = mid + 1;
    else hi = mid;
  }
  const stripe = lo;
  const variant = layout.stripeVariant[stripe];
  if (!(layout.wallWidth > 0)) return { variant, angle: variantAngle(variant) };
  // Nearest wall: the one below (index stripe-1) or above (index stripe).
  const below = stripe > 0 ? s - walls[stripe - 1] : Infinity;
  const above = stripe < walls.length ? walls[stripe] - s : Infinity;
  const wallIndex = below <= above ? stripe - 1 : stripe;
  if (wallIndex < 0 || wallIndex >= walls.length) return { variant, angle: variantAngle(variant) };
  const before = variantAngle(layout.stripeVariant[wallIndex]);
  const after = variantAngle(layout.stripeVariant[wallIndex + 1]);
  let delta = after - before;
  delta -= 2 * Math.PI * Math.round(delta / (2 * Math.PI));
  const t = (s - walls[wallIndex]) / layout.wallWidth;
  const f = 0.5 * (1 + Math.tanh(2 * t));
  return { variant, angle: before + f * delta };
}
