/**
 * The atom stage's tables: `atoms.csv` (one row
 * per column) and `polarization.csv` (one row per B column), with physical
 * units in extra `_pm` columns when the image is calibrated. Pure: columns
 * in, CSV text out.
 *
 * @module
 */

import { formatCsv } from "../io/csv.ts";
import type { AtomColumns } from "./find_atoms.ts";
import type { Polarization } from "./polarization.ts";
import type { TrustReport } from "./trust.ts";
import { A } from "./sublattice.ts";

/**
 * `atoms.csv`: x, y, sublattice, intensity, then the fit's details; with a
 * trust report, `x_err, y_err` (standard errors of the position, px) last.
 *
 * @example
 * ```ts
 * import { atomsCsv } from "./tables.ts";
 * import { findAtoms } from "./find_atoms.ts";
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image } = generateHaadf({ seed: 1, width: 96, height: 96 });
 * const atoms = findAtoms(image);
 * const lines = atomsCsv(atoms.columns).trim().split("\n");
 * if (!lines[0].startsWith("x,y,sublattice,intensity")) throw new Error(lines[0]);
 * if (lines.length !== atoms.columns.x.length + 1) throw new Error("a row per column");
 * ```
 */
export function atomsCsv(columns: AtomColumns, trust?: TrustReport): string {
  const n = columns.x.length;
  const extra: Record<string, Float64Array> = trust
    ? { x_err: trust.positions.xErr, y_err: trust.positions.yErr }
    : {};
  return formatCsv({
    x: columns.x,
    y: columns.y,
    sublattice: Array.from(columns.sublattice, (s) => (s === A ? "A" : "B")),
    intensity: columns.amplitude,
    background: columns.background,
    sigma_x: columns.sigmaX,
    sigma_y: columns.sigmaY,
    ellipse_angle: columns.ellipseAngle,
    fit_ok: Array.from({ length: n }, (_, k) => columns.fitOk[k]),
    com_x: columns.comX,
    com_y: columns.comY,
    ...extra,
  });
}

/**
 * `polarization.csv`: x, y, px, py, magnitude, angle for every B column
 * (NaN where flagged), the local lattice parameters, the row of the column
 * in atoms.csv (`atom`, from 0) and its status; `_pm` columns when
 * `pixelPm` (picometres per pixel) is given; with a trust report the
 * corrected vectors and `px_raw, py_raw, p_err, [p_err_pm], significant`
 * (and the averages); `angle_deg` (the angle in degrees) last.
 *
 * @example
 * ```ts
 * import { polarizationCsv } from "./tables.ts";
 * import { findAtoms } from "./find_atoms.ts";
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image } = generateHaadf({ seed: 1, width: 96, height: 96 });
 * const header = polarizationCsv(findAtoms(image).polarization, 27).split("\n")[0];
 * if (!header.startsWith("x,y,px,py,magnitude,angle") || !header.includes("px_pm")) {
 *   throw new Error(header);
 * }
 * ```
 */
export function polarizationCsv(p: Polarization, pixelPm?: number, trust?: TrustReport): string {
  const v = trust?.vectors;
  const columns: Record<string, ArrayLike<number> | ArrayLike<string>> = {
    x: p.x,
    y: p.y,
    px: v ? v.px : p.px,
    py: v ? v.py : p.py,
    magnitude: v ? v.magnitude : p.magnitude,
    angle: v ? v.angle : p.angle,
    lattice_a: p.latticeA,
    lattice_b: p.latticeB,
  };
  if (pixelPm !== undefined) {
    const pm = (a: Float64Array) => Float64Array.from(a, (v) => v * pixelPm);
    Object.assign(columns, {
      px_pm: pm(v ? v.px : p.px),
      py_pm: pm(v ? v.py : p.py),
      magnitude_pm: pm(v ? v.magnitude : p.magnitude),
      lattice_a_pm: pm(p.latticeA),
      lattice_b_pm: pm(p.latticeB),
    });
  }
  columns.atom = p.column;
  columns.status = p.status;
  if (v && trust) {
    columns.px_raw = v.pxRaw;
    columns.py_raw = v.pyRaw;
    columns.p_err = v.pErr;
    if (pixelPm !== undefined) columns.p_err_pm = Float64Array.from(v.pErr, (e) => e * pixelPm);
    columns.significant = v.significant;
    if (trust.averaged.spec.kind !== "none") {
      columns.px_avg = trust.averaged.px;
      columns.py_avg = trust.averaged.py;
      columns.p_avg_err = trust.averaged.pErr;
      columns.avg_count = trust.averaged.count;
    }
  }
  // Degrees beside the contract's radians, last so that no column moves.
  const angle = v ? v.angle : p.angle;
  columns.angle_deg = Float64Array.from(angle, (a) => (a * 180) / Math.PI);
  return formatCsv(columns);
}

/**
 * `domains.csv`: one row per B site, `x,y,domain,variant,significant`
 * (domain and variant -1 where there is none: not significant, or classes
 * not spatially coherent), then `wall` (1 for a site with a neighbour in
 * another domain) and `class` (the direction class, even when incoherent).
 *
 * @example
 * ```ts
 * import { domainsCsv } from "./tables.ts";
 * import { findAtoms } from "./find_atoms.ts";
 * import { assessPolarization } from "./trust.ts";
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image } = generateHaadf({ seed: 1, width: 96, height: 96 });
 * const atoms = findAtoms(image);
 * const csv = domainsCsv(atoms.polarization, assessPolarization(image, atoms));
 * if (!csv.startsWith("x,y,domain,")) throw new Error(csv.split("\n")[0]);
 * ```
 */
export function domainsCsv(p: Polarization, trust: TrustReport): string {
  const d = trust.domains;
  return formatCsv({
    x: p.x,
    y: p.y,
    domain: d.domain,
    variant: d.variant,
    significant: trust.vectors.significant,
    wall: d.wall,
    class: d.cls,
  });
}

/**
 * `lattice.csv`: one row per A column with its local lattice: `x,y`,
 * parameters `a,b` along the two lattice directions (px; `a_pm,b_pm` when
 * calibrated), `ratio` (b/a), `rotation_deg` and `strain_a, strain_b`
 * against the reference region or the image median; `atom` is the row in
 * atoms.csv. Empty (header only) when no lattice could be measured.
 *
 * @example
 * ```ts
 * import { latticeCsv } from "./tables.ts";
 * import { findAtoms } from "./find_atoms.ts";
 * import { assessPolarization } from "./trust.ts";
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image } = generateHaadf({ seed: 1, width: 96, height: 96 });
 * const trust = assessPolarization(image, findAtoms(image));
 * const header = latticeCsv(trust, 27).split("\n")[0];
 * if (!header.includes("a_pm")) throw new Error(header);
 * ```
 */
export function latticeCsv(trust: TrustReport, pixelPm?: number): string {
  const l = trust.lattice;
  const empty = new Float64Array(0);
  const columns: Record<string, ArrayLike<number>> = {
    x: l?.x ?? empty,
    y: l?.y ?? empty,
    a: l?.a ?? empty,
    b: l?.b ?? empty,
  };
  if (pixelPm !== undefined) {
    columns.a_pm = Float64Array.from(l?.a ?? empty, (v) => v * pixelPm);
    columns.b_pm = Float64Array.from(l?.b ?? empty, (v) => v * pixelPm);
  }
  Object.assign(columns, {
    ratio: l?.ratio ?? empty,
    rotation_deg: l?.rotationDeg ?? empty,
    strain_a: l?.strainA ?? empty,
    strain_b: l?.strainB ?? empty,
    atom: l?.column ?? new Int32Array(0),
  });
  return formatCsv(columns);
}
