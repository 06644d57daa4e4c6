/**
 * The input every baseline takes: a dense row-major matrix of `rows`
 * observations (e.g. flattened sub-images) by `cols` features.
 *
 * @module
 */

import { UserError } from "../errors.ts";

/** A dense row-major matrix: element (i, j) is `data[i * cols + j]`. */
export interface Matrix {
  /** `rows * cols` values, row after row. */
  data: Float32Array;
  /** Number of observations. */
  rows: number;
  /** Number of features per observation. */
  cols: number;
}

/**
 * Check that `x` is a well-formed matrix of finite values with at least
 * `minRows` rows; `method` names the caller in the error message.
 */
export function checkMatrix(x: Matrix, method: string, minRows = 2): void {
  const { data, rows, cols } = x;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 1) {
    throw new UserError(method, `bad matrix shape ${rows} x ${cols}`);
  }
  if (data.length !== rows * cols) {
    throw new UserError(method, `matrix of ${rows} x ${cols} holds ${data.length} values`);
  }
  if (rows < minRows) {
    throw new UserError(method, `needs at least ${minRows} rows, got ${rows}`);
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new UserError(method, `non-finite value in row ${Math.floor(i / cols)}`);
    }
  }
}

/**
 * `value` if it is a whole number in [min, max], else a {@link UserError}
 * from `method` naming the option `name`.
 */
export function wholeNumber(
  method: string,
  name: string,
  value: number,
  min: number,
  max = Infinity,
): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new UserError(method, `${name} must be a whole number ${range}, got ${value}`);
  }
  return value;
}

/** Squared Euclidean distance between rows `i` and `j` of `x`. */
export function squaredDistance(x: Matrix, i: number, j: number): number {
  const { data, cols } = x;
  const a = i * cols, b = j * cols;
  let s = 0;
  for (let k = 0; k < cols; k++) {
    const t = data[a + k] - data[b + k];
    s += t * t;
  }
  return s;
}
