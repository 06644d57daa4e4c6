/**
 * A uniform bucket grid for radius queries while points are still being
 * added (greedy suppression); kdbush serves the static neighbour queries.
 *
 * @module
 */

/** Points bucketed in square cells of a given size. */
export class SpatialGrid {
  readonly #cell: number;
  readonly #cols: number;
  readonly #rows: number;
  readonly #buckets: number[][];

  /** A grid over `width × height` pixels with cells of `cell` pixels. */
  constructor(width: number, height: number, cell: number) {
    this.#cell = Math.max(cell, 1e-6);
    this.#cols = Math.max(1, Math.ceil(width / this.#cell) + 1);
    this.#rows = Math.max(1, Math.ceil(height / this.#cell) + 1);
    this.#buckets = Array.from({ length: this.#cols * this.#rows }, () => []);
  }

  #index(x: number, y: number): [number, number] {
    const cx = Math.min(this.#cols - 1, Math.max(0, Math.floor(x / this.#cell)));
    const cy = Math.min(this.#rows - 1, Math.max(0, Math.floor(y / this.#cell)));
    return [cx, cy];
  }

  /** Add point `id` at (x, y). */
  insert(id: number, x: number, y: number): void {
    const [cx, cy] = this.#index(x, y);
    this.#buckets[cy * this.#cols + cx].push(id);
  }

  /**
   * Call `visit(id)` for every stored point within squared distance `r2` of
   * (x, y) until it returns true; returns whether one did.
   */
  #scan(
    x: number,
    y: number,
    r2: number,
    xs: ArrayLike<number>,
    ys: ArrayLike<number>,
    visit: (id: number) => boolean,
  ): boolean {
    const reach = Math.ceil(Math.sqrt(r2) / this.#cell);
    const [cx, cy] = this.#index(x, y);
    for (let gy = Math.max(0, cy - reach); gy <= Math.min(this.#rows - 1, cy + reach); gy++) {
      for (let gx = Math.max(0, cx - reach); gx <= Math.min(this.#cols - 1, cx + reach); gx++) {
        for (const id of this.#buckets[gy * this.#cols + gx]) {
          const dx = xs[id] - x;
          const dy = ys[id] - y;
          if (dx * dx + dy * dy <= r2 && visit(id)) return true;
        }
      }
    }
    return false;
  }

  /** Call `visit(id)` for every stored point within squared distance `r2` of (x, y). */
  forEachWithin(
    x: number,
    y: number,
    r2: number,
    xs: ArrayLike<number>,
    ys: ArrayLike<number>,
    visit: (id: number) => void,
  ): void {
    this.#scan(x, y, r2, xs, ys, (id) => {
      visit(id);
      return false;
    });
  }

  /** Whether any stored point lies within squared distance `r2` of (x, y). */
  anyWithin(
    x: number,
    y: number,
    r2: number,
    xs: ArrayLike<number>,
    ys: ArrayLike<number>,
  ): boolean {
    return this.#scan(x, y, r2, xs, ys, () => true);
  }
}
