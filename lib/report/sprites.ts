/**
 * Sprite sheets: every sub-image of a stack laid out on one gray 8-bit grid,
 * so the report's explorer can show any site's window from a single PNG.
 *
 * @module
 */

import type { PngPixels } from "../formats/png.ts";
import { binImage } from "../figures/image_panel.ts";

/** Options for {@linkcode spriteSheet}. */
export interface SpriteOptions {
  /** Tiles per row (default: about the square root of the count). */
  cols?: number;
  /** Average blocks of `bin` x `bin` pixels first (default 1: full resolution), for a lighter sheet. */
  bin?: number;
  /**
   * Grey levels kept (2-256, default 256): fewer levels compress much better
   * (32 levels make the demo's sheets 2x smaller) and still show a window's
   * columns in a hover preview.
   */
  levels?: number;
}

/** A sprite sheet and its layout. */
export interface SpriteSheet {
  /** Gray 8-bit pixels of the whole sheet. */
  pixels: PngPixels;
  /** Tiles per row. */
  cols: number;
  /** Tile side in pixels. */
  tile: number;
}

/**
 * Lay out `count` square tiles of side `window` (row-major, one after another
 * in `stack`) on a grid, each stretched to its own min-max range (after
 * binning, when `bin` > 1, to tiles of side ⌊window / bin⌋).
 */
export function spriteSheet(
  stack: { data: Float32Array; count: number; window: number },
  options: SpriteOptions = {},
): SpriteSheet {
  const { count, window: side } = stack;
  const bin = Math.max(1, Math.min(side, Math.floor(options.bin ?? 1)));
  const w = Math.floor(side / bin);
  const whole = { x: 0, y: 0, width: side, height: side };
  const tileAt = (t: number) => {
    const tile = stack.data.subarray(t * side * side, (t + 1) * side * side);
    return bin > 1 ? binImage({ data: tile, width: side, height: side }, whole, bin).data : tile;
  };
  const cols = Math.max(1, options.cols ?? Math.ceil(Math.sqrt(count)));
  const rows = Math.max(1, Math.ceil(count / cols));
  const width = cols * w;
  const out = new Uint8Array(width * rows * w);
  for (let t = 0; t < count; t++) {
    const data = tileAt(t);
    let lo = Infinity, hi = -Infinity;
    for (let k = 0; k < w * w; k++) {
      const v = data[k];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const steps = Math.max(1, Math.min(255, Math.round((options.levels ?? 256) - 1)));
    const scale = hi > lo ? steps / (hi - lo) : 0;
    const spread = 255 / steps;
    const ox = (t % cols) * w, oy = Math.floor(t / cols) * w;
    for (let r = 0; r < w; r++) {
      for (let c = 0; c < w; c++) {
        out[(oy + r) * width + ox + c] = Math.round(
          Math.round((data[r * w + c] - lo) * scale) * spread,
        );
      }
    }
  }
  return { pixels: { data: out, width, height: rows * w, channels: 1 }, cols, tile: w };
}
