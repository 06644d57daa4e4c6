/**
 * Averaging of the polarisation over neighbouring cells, as microscopists
 * do to beat per-cell noise: `none`, `cell` (each B site and its nearest B
 * neighbours, within one lattice period) or `radius:R` (every B site within
 * R periods). The raw per-site vectors stay as they are; the averages carry
 * their own standard errors (the columns shared by neighbouring vectors
 * counted once, see {@linkcode combinationVariance}).
 *
 * @module
 */

import { KDBush } from "../deps.ts";
import { UserError } from "../errors.ts";
import type { Polarization } from "./polarization.ts";
import { combinationVariance, type PositionUncertainty } from "./uncertainty.ts";

/** An averaging choice: the radius in lattice periods (0: none). */
export interface AveragingSpec {
  /** What was asked for. */
  kind: "none" | "cell" | "radius";
  /** Radius in lattice periods (0 for none, 1 for cell). */
  radius: number;
}

/**
 * Parse `none|cell|radius:R`; a bad value throws a {@linkcode UserError} about `flag`.
 *
 * @example
 * ```ts
 * import { parseAveraging } from "./averaging.ts";
 * const spec = parseAveraging("radius:2");
 * if (spec.kind !== "radius" || spec.radius !== 2) throw new Error("radius of 2 periods");
 * ```
 */
export function parseAveraging(text: string, flag = "--average"): AveragingSpec {
  const t = text.trim().toLowerCase();
  if (t === "none") return { kind: "none", radius: 0 };
  if (t === "cell") return { kind: "cell", radius: 1 };
  const m = /^radius:(.+)$/.exec(t);
  if (m && Number.isFinite(Number(m[1])) && Number(m[1]) > 0 && Number(m[1]) <= 50) {
    return { kind: "radius", radius: Number(m[1]) };
  }
  throw new UserError(
    flag,
    `takes none, cell or radius:R (R in cells, 0 < R ≤ 50), not "${text}"`,
    {
      exitCode: 2,
    },
  );
}

/** Averaged vectors. */
export interface AveragedVectors {
  /** Mean x component over the site and its neighbours, px (NaN without a vector). */
  px: Float64Array;
  /** Mean y component, px. */
  py: Float64Array;
  /** Standard error of each component of the mean, px (√ of the mean of both variances). */
  pErr: Float64Array;
  /** Vectors averaged at each site. */
  count: Int32Array;
  /** The averaging used. */
  spec: AveragingSpec;
}

/**
 * Average the (corrected) vectors `px, py` of `polarization`'s sites over
 * `spec.radius` lattice periods (`period`, px).
 *
 * @example
 * ```ts
 * import { averagePolarization } from "./averaging.ts";
 * import { findAtoms } from "./find_atoms.ts";
 * import { positionUncertainty } from "./uncertainty.ts";
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image } = generateHaadf({ seed: 1, width: 96, height: 96 });
 * const r = findAtoms(image);
 * const errors = positionUncertainty(image, r.columns, { radius: r.windowRadius });
 * const p = r.polarization;
 * const avg = averagePolarization(p, { px: p.px, py: p.py }, errors, {
 *   spec: { kind: "cell", radius: 1 },
 *   period: r.lattice.period,
 * });
 * if (avg.px.length !== p.px.length) throw new Error("one averaged vector per B column");
 * if (!avg.count.some((c) => c > 1)) throw new Error("interior sites average their neighbours");
 * ```
 */
export function averagePolarization(
  polarization: Polarization,
  vectors: { px: ArrayLike<number>; py: ArrayLike<number> },
  errors: PositionUncertainty,
  options: { spec: AveragingSpec; period: number },
): AveragedVectors {
  const n = polarization.x.length;
  const px = new Float64Array(n).fill(NaN);
  const py = new Float64Array(n).fill(NaN);
  const pErr = new Float64Array(n).fill(NaN);
  const count = new Int32Array(n);
  const ok: number[] = [];
  for (let j = 0; j < n; j++) if (Number.isFinite(vectors.px[j])) ok.push(j);
  if (ok.length === 0) return { px, py, pErr, count, spec: options.spec };
  const index = new KDBush(ok.length);
  for (const j of ok) index.add(polarization.x[j], polarization.y[j]);
  index.finish();
  // A little beyond R periods, so that a lattice neighbour at exactly R counts.
  const reach = options.spec.radius > 0 ? (options.spec.radius + 0.15) * options.period : 0;
  const want = polarization.rule === "four" ? 4 : 2;
  for (const j of ok) {
    const group = reach > 0
      ? index.within(polarization.x[j], polarization.y[j], reach).map((q) => ok[q])
      : [j];
    let sx = 0;
    let sy = 0;
    const weights = new Map<number, number>();
    const w = 1 / group.length;
    for (const q of group) {
      sx += vectors.px[q];
      sy += vectors.py[q];
      const b = polarization.column[q];
      weights.set(b, (weights.get(b) ?? 0) + w);
      for (let m = 0; m < want; m++) {
        const a = polarization.neighbours[4 * q + m];
        weights.set(a, (weights.get(a) ?? 0) - w / want);
      }
    }
    px[j] = sx / group.length;
    py[j] = sy / group.length;
    count[j] = group.length;
    const [vx, vy] = combinationVariance([...weights.keys()], [...weights.values()], errors);
    pErr[j] = Math.sqrt(0.5 * (vx + vy));
  }
  return { px, py, pErr, count, spec: options.spec };
}
