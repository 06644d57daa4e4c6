/**
 * Multi-panel figures: a grid of complete SVG figures with panel letters
 * (a, b, c, ...) and a figure title, like the paper's multi-panel figures.
 *
 * @module
 */

import { nest } from "./image_panel.ts";
import { FONT_SIZE, svgDocument, svgSize, svgText } from "./svg.ts";

/** Options for {@linkcode figureGrid}. */
export interface FigureGridOptions {
  /** Panels per row, default all in one row. */
  columns?: number;
  /** Space between panels in px, default 12. */
  gap?: number;
  /** Title over the whole figure. */
  title?: string;
  /** Letter each panel "a", "b", ... in its top-left corner, default true. */
  letters?: boolean;
}

/**
 * Lay out complete SVG figures (from any function here) row by row; each
 * column is as wide as its widest panel, each row as tall as its tallest.
 *
 * @example
 * ```ts
 * import { figureGrid } from "./layout.ts";
 * import { svgSize } from "./svg.ts";
 * const panel = `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50"></svg>`;
 * const { width } = svgSize(figureGrid([panel, panel], { columns: 2, gap: 10 }));
 * if (width < 210) throw new Error("two panels side by side, 10 px apart");
 * ```
 */
export function figureGrid(panels: readonly string[], options: FigureGridOptions = {}): string {
  if (panels.length === 0) throw new RangeError("figureGrid: no panels");
  const columns = Math.max(
    1,
    Math.min(panels.length, Math.round(options.columns ?? panels.length)),
  );
  const gap = options.gap ?? 12;
  const sizes = panels.map(svgSize);
  const rows = Math.ceil(panels.length / columns);
  const colWidth = Array.from(
    { length: columns },
    (_, c) => Math.max(...sizes.filter((_, i) => i % columns === c).map((s) => s.width)),
  );
  const rowHeight = Array.from(
    { length: rows },
    (_, r) => Math.max(...sizes.slice(r * columns, (r + 1) * columns).map((s) => s.height)),
  );
  const letters = options.letters ?? true;
  const inset = letters ? 16 : 0;
  const top = options.title ? FONT_SIZE.title + 16 : 4;
  const parts: string[] = [];
  const width = inset + colWidth.reduce((a, b) => a + b, 0) + gap * (columns - 1) + 8;
  if (options.title) {
    parts.push(svgText(width / 2, 6 + FONT_SIZE.title, options.title, {
      size: FONT_SIZE.title + 2,
      weight: "bold",
    }));
  }
  let y = top;
  for (let r = 0; r < rows; r++) {
    let x = inset;
    for (let c = 0; c < columns; c++) {
      const k = r * columns + c;
      if (k >= panels.length) break;
      parts.push(nest(panels[k], x, y));
      if (letters) {
        parts.push(svgText(x - inset + 2, y + FONT_SIZE.title, String.fromCharCode(97 + (k % 26)), {
          size: FONT_SIZE.title + 1,
          weight: "bold",
          anchor: "start",
        }));
      }
      x += colWidth[c] + gap;
    }
    y += rowHeight[r] + gap;
  }
  return svgDocument({ width, height: y - gap + 6 }, parts.join(""));
}
