/**
 * A reference frame for the polarisation vectors. Specimen mistilt, probe
 * tails and scan distortion add a nearly uniform, or slowly varying,
 * offset to every B-site vector; a microscopist measures against a region
 * known to be non-polar (a substrate) or removes a smooth field fitted to
 * all vectors (TEMUL's off-tilt correction, used for the PbTiO3/SrRuO3
 * supercrystals of Hadjimichael et al., Nature Materials 20, 495 (2021),
 * doi:10.1038/s41563-020-00864-6).
 *
 * - `none`: the vectors as measured;
 * - `mean`: minus the mean vector of the image;
 * - `box:x0,y0,x1,y1`: minus the mean vector of the B sites in that box (px);
 * - `auto`: minus the mean vector of a chemically distinct band at an image
 *   edge (a substrate), found from the A-column intensities: the band is
 *   where a step in A intensity, not a gradient, separates the sites at one
 *   edge from the rest; sites within a cell of the interface are left out.
 *   When there is none, nothing is subtracted and the result says so.
 *
 * The tilt correction fits a low-order polynomial field (order 1: a plane,
 * as TEMUL's default; or 2) to each component of all vectors by least
 * squares and subtracts it. With a reference as well, the field's slope is
 * subtracted and the reference region sets the constant.
 *
 * @module
 */

import { UserError } from "../errors.ts";
import { median } from "../math.ts";

/** Which reference the vectors are measured against. */
export type ReferenceSpec =
  | { kind: "none" }
  | { kind: "mean" }
  | { kind: "auto" }
  | { kind: "box"; x0: number; y0: number; x1: number; y1: number };

/**
 * Parse `none|mean|auto|box:x0,y0,x1,y1` (a flag's value); a bad value
 * throws a {@linkcode UserError} about `flag`.
 *
 * @example
 * ```ts
 * import { parseReference } from "./reference.ts";
 * const spec = parseReference("box:0,400,640,640");
 * if (spec.kind !== "box" || spec.y0 !== 400) throw new Error("a box from (0, 400) to (640, 640)");
 * ```
 */
export function parseReference(text: string, flag = "--reference"): ReferenceSpec {
  const t = text.trim().toLowerCase();
  if (t === "none" || t === "mean" || t === "auto") return { kind: t };
  const m = /^box:([^,]+),([^,]+),([^,]+),([^,]+)$/.exec(t);
  if (m) {
    const [x0, y0, x1, y1] = m.slice(1).map(Number);
    if ([x0, y0, x1, y1].every(Number.isFinite) && x1 > x0 && y1 > y0) {
      return { kind: "box", x0, y0, x1, y1 };
    }
  }
  throw new UserError(
    flag,
    `takes none, mean, auto or box:x0,y0,x1,y1 (px, x1 > x0, y1 > y0), not "${text}"`,
    { exitCode: 2 },
  );
}

/** Polarisation vectors and where their sites are. */
export interface VectorField {
  /** B-site x, px. */
  x: ArrayLike<number>;
  /** B-site y, px. */
  y: ArrayLike<number>;
  /** Vector x, px (NaN: no vector). */
  px: ArrayLike<number>;
  /** Vector y, px. */
  py: ArrayLike<number>;
}

/** A substrate band found at an image edge. */
export interface SubstrateBand {
  /** The edge it lies along. */
  edge: "top" | "bottom" | "left" | "right";
  /** Its depth from that edge, px (the interface). */
  depth: number;
  /** Mean A-column intensity in the band and in the rest. */
  intensity: { band: number; rest: number };
  /** Their difference over the within-region spread (robust), a contrast in standard deviations. */
  contrast: number;
  /** Residual of a step over the residual of a straight line in distance from the edge (below 0.5: a step). */
  stepOverLine: number;
  /** A columns in the band. */
  aColumns: number;
}

/** Options for {@linkcode findSubstrateBand}. */
export interface SubstrateBandOptions {
  /** Image size, px. */
  width: number;
  /** Image height, px. */
  height: number;
  /** Lattice period, px (the reference keeps a period away from the interface). */
  period: number;
  /** Least contrast, in within-region standard deviations (default 3). */
  minContrast?: number;
  /** Largest fraction of the A columns the band may hold (default 0.5). */
  maxFraction?: number;
}

/**
 * Look for a chemically distinct band at one image edge: for each edge and
 * depth, the A columns nearer the edge than the depth against the rest. A
 * band is accepted when its mean A intensity differs from the rest's by
 * `minContrast` within-region standard deviations, a step explains the
 * intensities much better than a straight line in the distance from the
 * edge (a thickness gradient is a line), the far half of the rest is as
 * different from the band as the near half (one interface, not a
 * superlattice), and it holds 8 columns or more but at most `maxFraction`.
 *
 * @example
 * ```ts
 * import { findSubstrateBand } from "./reference.ts";
 * import { findAtoms } from "./find_atoms.ts";
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image } = generateHaadf({ seed: 1, width: 128, height: 128, substrate: 0.3 });
 * const r = findAtoms(image);
 * const { x, y, amplitude, sublattice } = r.columns;
 * const band = findSubstrateBand(
 *   { x, y, intensity: amplitude, sublattice },
 *   { width: 128, height: 128, period: r.lattice.period },
 * );
 * if (band?.edge !== "bottom") throw new Error("the generator puts the substrate at the bottom");
 * ```
 */
export function findSubstrateBand(
  columns: {
    x: ArrayLike<number>;
    y: ArrayLike<number>;
    intensity: ArrayLike<number>;
    sublattice: ArrayLike<number>;
  },
  options: SubstrateBandOptions,
): SubstrateBand | undefined {
  const { width, height } = options;
  const minContrast = options.minContrast ?? 3;
  const maxFraction = options.maxFraction ?? 0.5;
  const a: number[] = [];
  for (let k = 0; k < columns.x.length; k++) {
    if (columns.sublattice[k] === 0 && Number.isFinite(columns.intensity[k])) a.push(k);
  }
  if (a.length < 24) return undefined;
  const edges = ["top", "bottom", "left", "right"] as const;
  let best: SubstrateBand | undefined;
  for (const edge of edges) {
    const dist = (k: number) =>
      edge === "top"
        ? columns.y[k]
        : edge === "bottom"
        ? height - 1 - columns.y[k]
        : edge === "left"
        ? columns.x[k]
        : width - 1 - columns.x[k];
    const order = a.slice().sort((p, q) => dist(p) - dist(q));
    const s = order.map(dist);
    const v = order.map((k) => columns.intensity[k]);
    const n = v.length;
    const prefix = new Float64Array(n + 1);
    const prefix2 = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) {
      prefix[i + 1] = prefix[i] + v[i];
      prefix2[i + 1] = prefix2[i] + v[i] * v[i];
    }
    const sse = (i: number, j: number) => {
      const m = j - i;
      if (m <= 0) return 0;
      const sum = prefix[j] - prefix[i];
      return prefix2[j] - prefix2[i] - (sum * sum) / m;
    };
    const lineSse = straightLineSse(s, v);
    let bestCut = -1;
    let bestSse = Infinity;
    for (let cut = 8; cut <= Math.floor(maxFraction * n); cut++) {
      const total = sse(0, cut) + sse(cut, n);
      if (total < bestSse) [bestSse, bestCut] = [total, cut];
    }
    if (bestCut < 0 || !(lineSse > 0)) continue;
    const band = v.slice(0, bestCut);
    const rest = v.slice(bestCut);
    const spread = Math.max(robustSd(band), robustSd(rest), 1e-12);
    const mBand = mean(band);
    const mRest = mean(rest);
    const contrast = Math.abs(mBand - mRest) / spread;
    const farRest = mean(rest.slice(Math.floor(rest.length / 2)));
    const oneInterface = Math.abs(farRest - mBand) >= 0.7 * Math.abs(mRest - mBand);
    const stepOverLine = bestSse / lineSse;
    if (contrast < minContrast || stepOverLine > 0.5 || !oneInterface) continue;
    const candidate: SubstrateBand = {
      edge,
      depth: 0.5 * (s[bestCut - 1] + s[bestCut]),
      intensity: { band: mBand, rest: mRest },
      contrast,
      stepOverLine,
      aColumns: bestCut,
    };
    if (!best || candidate.stepOverLine < best.stepOverLine) best = candidate;
  }
  return best;
}

/** What the reference did. */
export interface ReferenceInfo {
  /** What was asked for. */
  requested: ReferenceSpec["kind"];
  /** What was used ("none" when auto found no band, or a box held no vector). */
  used: ReferenceSpec["kind"];
  /** The vector subtracted, px. */
  offset: [number, number];
  /** Standard error of each component of `offset`, px (scatter over √sites). */
  offsetErr: number;
  /** Indices (into the vectors) of the sites averaged. */
  sites: Int32Array;
  /** The box used, px: [x0, y0, x1, y1] (for box and auto). */
  box?: [number, number, number, number];
  /** The band auto found. */
  band?: SubstrateBand;
  /** One line on what was done. */
  message: string;
}

/** What the tilt correction did. */
export interface TiltInfo {
  /** Polynomial order of the field. */
  order: number;
  /** Coefficients of the field's x and y components over the monomials of normalised (u, v) = ((x − cx)/s, (y − cy)/s). */
  coefficients: { px: number[]; py: number[] };
  /** The normalisation: centre and scale, px. */
  frame: { cx: number; cy: number; scale: number };
  /** Root-mean-square magnitude of the field subtracted over the sites, px. */
  rms: number;
}

/** Options for {@linkcode correctPolarization}. */
export interface CorrectionOptions {
  /** Reference (default none). */
  reference?: ReferenceSpec;
  /** Subtract a smooth field: false (default), true (order 1) or the order (1 or 2). */
  tilt?: boolean | number;
  /** The A columns, for `auto`. */
  columns?: {
    x: ArrayLike<number>;
    y: ArrayLike<number>;
    intensity: ArrayLike<number>;
    sublattice: ArrayLike<number>;
  };
  /** Image size, px (for `auto`). */
  size?: { width: number; height: number };
  /** Lattice period, px (for `auto`). */
  period?: number;
}

/** Corrected vectors with the raw ones kept. */
export interface CorrectedVectors {
  /** Corrected x component, px. */
  px: Float64Array;
  /** Corrected y component, px. */
  py: Float64Array;
  /** As measured (`px_raw`). */
  pxRaw: Float64Array;
  /** As measured (`py_raw`). */
  pyRaw: Float64Array;
  /** The reference. */
  reference: ReferenceInfo;
  /** The tilt correction, when asked for. */
  tilt?: TiltInfo;
}

/**
 * Apply a reference and, optionally, a tilt correction to the vectors.
 *
 * @example
 * ```ts
 * import { correctPolarization } from "./reference.ts";
 * const field = { x: [0, 10, 20], y: [0, 0, 0], px: [0.3, 0.3, 0.3], py: [0, 0, 0] };
 * const out = correctPolarization(field, { reference: { kind: "mean" } });
 * if (out.px.some((v) => Math.abs(v) > 1e-12)) throw new Error("the mean vector is removed");
 * ```
 */
export function correctPolarization(
  field: VectorField,
  options: CorrectionOptions = {},
): CorrectedVectors {
  const n = field.x.length;
  const pxRaw = Float64Array.from(field.px);
  const pyRaw = Float64Array.from(field.py);
  const px = Float64Array.from(pxRaw);
  const py = Float64Array.from(pyRaw);
  const spec = options.reference ?? { kind: "none" };
  const ok: number[] = [];
  for (let j = 0; j < n; j++) if (Number.isFinite(px[j]) && Number.isFinite(py[j])) ok.push(j);
  let tilt: TiltInfo | undefined;
  if (options.tilt) {
    const order = options.tilt === true ? 1 : Math.round(options.tilt);
    if (order !== 1 && order !== 2) {
      throw new UserError("--tilt-correction", `order must be 1 or 2, not ${options.tilt}`, {
        exitCode: 2,
      });
    }
    // With a reference, only the slope goes; the reference sets the constant.
    tilt = fitField(field, ok, order);
    const keepConstant = spec.kind !== "none";
    for (const j of ok) {
      const [fx, fy] = evaluateField(tilt, field.x[j], field.y[j], keepConstant);
      px[j] -= fx;
      py[j] -= fy;
    }
  }
  const reference = chooseReference(spec, field, ok, options, px, py);
  for (const j of ok) {
    px[j] -= reference.offset[0];
    py[j] -= reference.offset[1];
  }
  return { px, py, pxRaw, pyRaw, reference, tilt };
}

function chooseReference(
  spec: ReferenceSpec,
  field: VectorField,
  ok: number[],
  options: CorrectionOptions,
  px: Float64Array,
  py: Float64Array,
): ReferenceInfo {
  const none = (message: string): ReferenceInfo => ({
    requested: spec.kind,
    used: "none",
    offset: [0, 0],
    offsetErr: 0,
    sites: new Int32Array(0),
    message,
  });
  const averaged = (sites: number[], used: ReferenceSpec["kind"], message: string) => {
    const mx = mean(sites.map((j) => px[j]));
    const my = mean(sites.map((j) => py[j]));
    const scatter = Math.sqrt(
      sites.reduce((s, j) => s + (px[j] - mx) ** 2 + (py[j] - my) ** 2, 0) /
        Math.max(1, 2 * (sites.length - 1)),
    );
    return {
      requested: spec.kind,
      used,
      offset: [mx, my] as [number, number],
      offsetErr: scatter / Math.sqrt(sites.length),
      sites: Int32Array.from(sites),
      message: `${message}: ${sites.length} B sites, offset (${mx.toFixed(3)}, ${
        my.toFixed(3)
      }) px subtracted`,
    };
  };
  if (spec.kind === "none") return none("no reference: vectors as measured");
  if (ok.length === 0) return none("no vectors to reference");
  if (spec.kind === "mean") return averaged(ok, "mean", "reference: the image mean");
  if (spec.kind === "box") {
    const inside = ok.filter((j) =>
      field.x[j] >= spec.x0 && field.x[j] <= spec.x1 && field.y[j] >= spec.y0 &&
      field.y[j] <= spec.y1
    );
    if (inside.length === 0) {
      return none(
        `reference box ${spec.x0},${spec.y0},${spec.x1},${spec.y1} holds no B site with a vector: none used`,
      );
    }
    return {
      ...averaged(inside, "box", `reference: box ${spec.x0},${spec.y0},${spec.x1},${spec.y1}`),
      box: [spec.x0, spec.y0, spec.x1, spec.y1],
    };
  }
  const { columns, size, period } = options;
  if (!columns || !size || !period) return none("auto reference needs the columns: none used");
  const band = findSubstrateBand(columns, { ...size, period });
  if (!band) {
    return none(
      "auto reference: no chemically distinct band at an image edge (A-column intensity step); none used",
    );
  }
  const { width: w, height: h } = size;
  const inner = band.depth - period;
  const box: [number, number, number, number] = band.edge === "top"
    ? [0, 0, w - 1, inner]
    : band.edge === "bottom"
    ? [0, h - 1 - inner, w - 1, h - 1]
    : band.edge === "left"
    ? [0, 0, inner, h - 1]
    : [w - 1 - inner, 0, w - 1, h - 1];
  let sites = ok.filter((j) =>
    field.x[j] >= box[0] && field.x[j] <= box[2] && field.y[j] >= box[1] && field.y[j] <= box[3]
  );
  if (sites.length < 5) {
    // A thin band: keep the interface row rather than nothing.
    const edgeBox: [number, number, number, number] = band.edge === "top"
      ? [0, 0, w - 1, band.depth]
      : band.edge === "bottom"
      ? [0, h - 1 - band.depth, w - 1, h - 1]
      : band.edge === "left"
      ? [0, 0, band.depth, h - 1]
      : [w - 1 - band.depth, 0, w - 1, h - 1];
    sites = ok.filter((j) =>
      field.x[j] >= edgeBox[0] && field.x[j] <= edgeBox[2] && field.y[j] >= edgeBox[1] &&
      field.y[j] <= edgeBox[3]
    );
    box.splice(0, 4, ...edgeBox);
  }
  if (sites.length < 3) {
    return {
      ...none(`auto reference: a band at the ${band.edge} edge holds too few vectors; none used`),
      band,
    };
  }
  return {
    ...averaged(
      sites,
      "auto",
      `reference: the ${band.edge} band (${band.depth.toFixed(0)} px deep, A intensity ${
        band.intensity.band.toPrecision(3)
      } vs ${band.intensity.rest.toPrecision(3)}, ${band.contrast.toFixed(1)} SD)`,
    ),
    box,
    band,
  };
}

/** Monomials of (u, v) up to `order`: 1, u, v (, u², uv, v²). */
function monomials(u: number, v: number, order: number): number[] {
  return order === 1 ? [1, u, v] : [1, u, v, u * u, u * v, v * v];
}

/** Least-squares polynomial field through the vectors at `ok`. */
function fitField(field: VectorField, ok: number[], order: number): TiltInfo {
  const xs = ok.map((j) => field.x[j]);
  const ys = ok.map((j) => field.y[j]);
  const cx = mean(xs);
  const cy = mean(ys);
  const scale = Math.max(
    Math.max(...xs) - Math.min(...xs),
    Math.max(...ys) - Math.min(...ys),
    1,
  ) / 2;
  const m = order === 1 ? 3 : 6;
  const normal = new Float64Array(m * m);
  const bx = new Float64Array(m);
  const by = new Float64Array(m);
  for (const j of ok) {
    const f = monomials((field.x[j] - cx) / scale, (field.y[j] - cy) / scale, order);
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < m; c++) normal[r * m + c] += f[r] * f[c];
      bx[r] += f[r] * field.px[j];
      by[r] += f[r] * field.py[j];
    }
  }
  // Tiny ridge: a field is defined even from few or collinear sites.
  for (let r = 0; r < m; r++) normal[r * m + r] += 1e-9 * (normal[0] + 1);
  const cxs = solve(normal, bx, m);
  const cys = solve(normal, by, m);
  const info: TiltInfo = {
    order,
    coefficients: { px: cxs, py: cys },
    frame: { cx, cy, scale },
    rms: 0,
  };
  let sq = 0;
  for (const j of ok) {
    const [fx, fy] = evaluateField(info, field.x[j], field.y[j], false);
    sq += fx * fx + fy * fy;
  }
  info.rms = ok.length ? Math.sqrt(sq / ok.length) : 0;
  return info;
}

/** The field at (x, y); without its constant term when `slopeOnly`. */
export function evaluateField(
  tilt: TiltInfo,
  x: number,
  y: number,
  slopeOnly = false,
): [number, number] {
  const { cx, cy, scale } = tilt.frame;
  const f = monomials((x - cx) / scale, (y - cy) / scale, tilt.order);
  let fx = 0;
  let fy = 0;
  for (let r = slopeOnly ? 1 : 0; r < f.length; r++) {
    fx += tilt.coefficients.px[r] * f[r];
    fy += tilt.coefficients.py[r] * f[r];
  }
  return [fx, fy];
}

/** Solve the small dense system a·x = b by Gaussian elimination with partial pivoting. */
function solve(a: Float64Array, b: Float64Array, m: number): number[] {
  const A = Float64Array.from(a);
  const x = Array.from(b);
  for (let c = 0; c < m; c++) {
    let p = c;
    for (let r = c + 1; r < m; r++) if (Math.abs(A[r * m + c]) > Math.abs(A[p * m + c])) p = r;
    if (p !== c) {
      for (let k = 0; k < m; k++) [A[c * m + k], A[p * m + k]] = [A[p * m + k], A[c * m + k]];
      [x[c], x[p]] = [x[p], x[c]];
    }
    const d = A[c * m + c];
    if (d === 0) continue;
    for (let r = c + 1; r < m; r++) {
      const f = A[r * m + c] / d;
      for (let k = c; k < m; k++) A[r * m + k] -= f * A[c * m + k];
      x[r] -= f * x[c];
    }
  }
  for (let r = m - 1; r >= 0; r--) {
    let s = x[r];
    for (let k = r + 1; k < m; k++) s -= A[r * m + k] * x[k];
    x[r] = A[r * m + r] === 0 ? 0 : s / A[r * m + r];
  }
  return x;
}

function straightLineSse(s: number[], v: number[]): number {
  const n = s.length;
  const ms = mean(s);
  const mv = mean(v);
  let sxx = 0, sxy = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (s[i] - ms) ** 2;
    sxy += (s[i] - ms) * (v[i] - mv);
    syy += (v[i] - mv) ** 2;
  }
  return sxx > 0 ? syy - (sxy * sxy) / sxx : syy;
}

function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return values.length ? s / values.length : NaN;
}

function robustSd(values: number[]): number {
  const m = median(values);
  return 1.4826 * median(values.map((v) => Math.abs(v - m)));
}
