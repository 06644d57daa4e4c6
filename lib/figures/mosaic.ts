/**
 * A mosaic of small images: latent-space manifolds (decoded images on a grid
 * of latent values, with axis labels), cluster means, sample sub-images.
 * All tiles are drawn into one raster, so a 20 x 20 manifold stays one image.
 *
 * @module
 */

import type { Colormap, ColormapName } from "./color.ts";
import { type ImageData, imageToRgba, percentileRange } from "./image_panel.ts";
import { escapeXml, FONT_SIZE, num, svgDocument, svgRaster, svgText } from "./svg.ts";

/** Options for {@linkcode mosaicFigure}. */
export interface MosaicOptions {
  /** Tiles per row, default ceil(sqrt(count)). */
  columns?: number;
  /** Display size of one tile in px, default so the mosaic is about 480 px wide (24-120). */
  tileSize?: number;
  /** Gap between tiles in px, default 2 (0 for a seamless manifold); rounded to whole tile pixels. */
  gap?: number;
  /** "shared" (default) clips all tiles at the same percentiles; "each" normalises every tile. */
  normalize?: "shared" | "each";
  /** Percentiles clipped, default [0.5, 99.5]. */
  percentiles?: readonly [number, number];
  /** Colour map, default gray. */
  colormap?: ColormapName | Colormap;
  /** Title above. */
  title?: string;
  /** Axis title below the columns (e.g. "z1"). */
  xLabel?: string;
  /** Axis title left of the rows (e.g. "z2"). */
  yLabel?: string;
  /** One label under each column (e.g. latent values). */
  columnLabels?: readonly string[];
  /** One label left of each row. */
  rowLabels?: readonly string[];
  /** One caption under each tile (e.g. "cluster 3, n=120"). */
  tileLabels?: readonly string[];
  /** One frame colour per tile (e.g. the cluster's colour). */
  borderColors?: readonly string[];
}

/**
 * Split a stack (`count` tiles of `height` x `width`, C order, like stack.npy) into tiles.
 *
 * @example
 * ```ts
 * import { tilesFromStack } from "./mosaic.ts";
 * const tiles = tilesFromStack(new Float32Array(3 * 4 * 5), { height: 4, width: 5 });
 * if (tiles.length !== 3 || tiles[2].width !== 5) throw new Error("three 4 x 5 tiles");
 * ```
 */
export function tilesFromStack(
  stack: Float32Array,
  shape: { height: number; width: number },
): ImageData[] {
  const size = shape.height * shape.width;
  if (size === 0 || stack.length % size !== 0) {
    throw new RangeError(`tilesFromStack: ${stack.length} values do not make tiles of ${size}`);
  }
  const tiles: ImageData[] = [];
  for (let o = 0; o < stack.length; o += size) {
    tiles.push({ data: stack.subarray(o, o + size), width: shape.width, height: shape.height });
  }
  return tiles;
}

/**
 * A grid of small images, row by row, with optional labels and frames.
 *
 * @example
 * ```ts
 * import { mosaicFigure, tilesFromStack } from "./mosaic.ts";
 * const stack = new Float32Array(6 * 8 * 8).map((_, i) => i % 9);
 * const svg = mosaicFigure(tilesFromStack(stack, { height: 8, width: 8 }), { columns: 3 });
 * if (!svg.startsWith("<svg")) throw new Error("an SVG document");
 * ```
 */
export function mosaicFigure(tiles: readonly ImageData[], options: MosaicOptions = {}): string {
  if (tiles.length === 0) throw new RangeError("mosaicFigure: no tiles");
  const columns = Math.max(1, Math.round(options.columns ?? Math.ceil(Math.sqrt(tiles.length))));
  const rows = Math.ceil(tiles.length / columns);
  const tw = Math.max(...tiles.map((t) => t.width)), th = Math.max(...tiles.map((t) => t.height));
  const tileSize = options.tileSize ??
    Math.max(24, Math.min(120, Math.floor((480 - 2 * (columns - 1)) / columns)));
  const tileH = (tileSize * th) / tw;
  // One raster for all tiles, each at native resolution; the gap is a whole number of
  // raster pixels, so the display gap is rounded to that and frames and labels stay in register.
  const gapPx = (options.gap ?? 2) > 0
    ? Math.max(1, Math.round(((options.gap ?? 2) * tw) / tileSize))
    : 0;
  const gap = (gapPx * tileSize) / tw;
  const rasterW = columns * tw + (columns - 1) * gapPx, rasterH = rows * th + (rows - 1) * gapPx;
  const raster = new Uint8Array(rasterW * rasterH * 4);
  const shared = (options.normalize ?? "shared") === "shared"
    ? percentileRange(concat(tiles), options.percentiles)
    : undefined;
  tiles.forEach((tile, k) => {
    const rgba = imageToRgba(tile, {
      range: shared,
      percentiles: options.percentiles,
      colormap: options.colormap,
    });
    const ox = (k % columns) * (tw + gapPx), oy = Math.floor(k / columns) * (th + gapPx);
    for (let y = 0; y < tile.height; y++) {
      raster.set(
        rgba.data.subarray(y * tile.width * 4, (y + 1) * tile.width * 4),
        ((oy + y) * rasterW + ox) * 4,
      );
    }
  });
  const titleHeight = options.title ? FONT_SIZE.title + 10 : 0;
  const left = 8 + (options.rowLabels ? 34 : 0) + (options.yLabel ? FONT_SIZE.label + 6 : 0);
  const top = 6 + titleHeight;
  const gridW = columns * tileSize + (columns - 1) * gap;
  const gridH = rows * tileH + (rows - 1) * gap;
  const tileLabelHeight = options.tileLabels ? FONT_SIZE.tick + 4 : 0;
  const pitchY = tileH + gap + tileLabelHeight;
  const parts: string[] = [];
  if (options.title) {
    parts.push(svgText(left + gridW / 2, 6 + FONT_SIZE.title, options.title, {
      size: FONT_SIZE.title,
      weight: "bold",
    }));
  }
  const tileX = (c: number) => left + c * (tileSize + gap);
  const tileY = (r: number) => top + r * pitchY;
  if (!options.tileLabels) {
    parts.push(svgRaster({ data: raster, width: rasterW, height: rasterH }, {
      x: left,
      y: top,
      width: gridW,
      height: gridH,
    }));
  } else {
    // Captions between rows: draw each row of the raster as its own strip.
    for (let r = 0; r < rows; r++) {
      const y0 = r * (th + gapPx);
      const strip = raster.slice(y0 * rasterW * 4, (y0 + th) * rasterW * 4);
      parts.push(svgRaster({ data: strip, width: rasterW, height: th }, {
        x: left,
        y: tileY(r),
        width: gridW,
        height: tileH,
      }));
    }
  }
  tiles.forEach((_, k) => {
    const c = k % columns, r = Math.floor(k / columns);
    const color = options.borderColors?.[k];
    if (color) {
      parts.push(
        `<rect x="${num(tileX(c) - 1)}" y="${num(tileY(r) - 1)}" width="${num(tileSize + 2)}" ` +
          `height="${num(tileH + 2)}" fill="none" stroke="${escapeXml(color)}" stroke-width="2"/>`,
      );
    }
    const caption = options.tileLabels?.[k];
    if (caption) {
      parts.push(svgText(tileX(c) + tileSize / 2, tileY(r) + tileH + 2, caption, {
        size: FONT_SIZE.tick,
        baseline: "hanging",
      }));
    }
  });
  const bottom = top + rows * pitchY - gap;
  let height = bottom + 6;
  options.columnLabels?.forEach((label, c) => {
    if (c < columns) {
      parts.push(svgText(tileX(c) + tileSize / 2, bottom + 4, label, {
        size: FONT_SIZE.tick,
        baseline: "hanging",
      }));
    }
  });
  if (options.columnLabels) height += FONT_SIZE.tick + 4;
  if (options.xLabel) {
    parts.push(svgText(left + gridW / 2, height + FONT_SIZE.label, options.xLabel));
    height += FONT_SIZE.label + 8;
  }
  options.rowLabels?.forEach((label, r) => {
    if (r < rows) {
      parts.push(svgText(left - 5, tileY(r) + tileH / 2, label, {
        size: FONT_SIZE.tick,
        anchor: "end",
        baseline: "middle",
      }));
    }
  });
  if (options.yLabel) {
    parts.push(svgText(8 + FONT_SIZE.label, top + (bottom - top) / 2, options.yLabel, {
      rotate: -90,
    }));
  }
  return svgDocument({ width: left + gridW + 8, height }, parts.join(""));
}

function concat(tiles: readonly ImageData[]): Float64Array {
  const out = new Float64Array(tiles.reduce((n, t) => n + t.data.length, 0));
  let o = 0;
  for (const t of tiles) {
    for (let i = 0; i < t.data.length; i++) out[o++] = t.data[i];
  }
  return out;
}
