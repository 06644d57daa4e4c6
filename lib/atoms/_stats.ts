/**
 * Small statistics of the atom stage: the bounding-box area of a point set.
 *
 * @module
 */

/** Area of the bounding box of the points (at least 1). */
export function boundingArea(points: { x: ArrayLike<number>; y: ArrayLike<number> }): number {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let k = 0; k < points.x.length; k++) {
    x0 = Math.min(x0, points.x[k]);
    x1 = Math.max(x1, points.x[k]);
    y0 = Math.min(y0, points.y[k]);
    y1 = Math.max(y1, points.y[k]);
  }
  return Math.max((x1 - x0) * (y1 - y0), 1);
}
