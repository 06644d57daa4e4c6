/**
 * The atom stage's tables as the contract names them: `atoms.csv` (one row
 * per column) and `polarization.csv` (one row per B column), with physical
 * units in extra `_pm` columns when the image is calibrated. Pure: columns
 * in, CSV text out.
 *
 * @module
 */

import { formatCsv } from "../io/csv.ts";
import type { AtomColumns } from "./find_atoms.ts";
import type { Polarization } from "./polarization.ts";
import { A } from "./sublattice.ts";

/** `atoms.csv`: x, y, sublattice, intensity, then the fit's details. */
export function atomsCsv(columns: AtomColumns): string {
  const n = columns.x.length;
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
  });
}

/**
 * `polarization.csv`: x, y, px, py, magnitude, angle for every B column
 * (NaN where flagged), the local lattice parameters, the row of the column
 * in atoms.csv (`atom`, from 0) and its status; `_pm` columns when
 * `pixelPm` (picometres per pixel) is given.
 */
export function polarizationCsv(p: Polarization, pixelPm?: number): string {
  const columns: Record<string, ArrayLike<number> | ArrayLike<string>> = {
    x: p.x,
    y: p.y,
    px: p.px,
    py: p.py,
    magnitude: p.magnitude,
    angle: p.angle,
    lattice_a: p.latticeA,
    lattice_b: p.latticeB,
  };
  if (pixelPm !== undefined) {
    const pm = (a: Float64Array) => Float64Array.from(a, (v) => v * pixelPm);
    Object.assign(columns, {
      px_pm: pm(p.px),
      py_pm: pm(p.py),
      magnitude_pm: pm(p.magnitude),
      lattice_a_pm: pm(p.latticeA),
      lattice_b_pm: pm(p.latticeB),
    });
  }
  columns.atom = p.column;
  columns.status = p.status;
  return formatCsv(columns);
}
