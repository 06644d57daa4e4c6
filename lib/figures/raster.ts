/**
 * Rasterise SVG with resvg (a complete SVG renderer, compiled to
 * WebAssembly) and the bundled Roboto font, so text renders the same on every
 * machine: resvg's WebAssembly build sees no system fonts.
 *
 * Loading needs no permissions, from a checkout or when `mod.ts` is imported
 * by URL: the `.wasm` comes from a source-phase import of the npm package and
 * the font from a JS module (see `lib/deps.ts`).
 *
 * @module
 */

import { initResvgWasm, loadResvgWasm, loadRobotoFonts, Resvg } from "../deps.ts";
import { type Rect, type RgbaPixels, svgSize } from "./svg.ts";

interface Renderer {
  fonts: Uint8Array[];
}

/**
 * The one piece of module state in lib/figures, and deliberately so: resvg's
 * WebAssembly can be initialised only once per process (a second `initWasm`
 * throws), and compiling it and decoding the font cost ~100 ms, so the first
 * call starts the work and every later call awaits the same promise.
 */
let rendererPromise: Promise<Renderer> | undefined;

function renderer(): Promise<Renderer> {
  rendererPromise ??= (async () => {
    const [wasm, fonts] = await Promise.all([loadResvgWasm(), loadRobotoFonts()]);
    await initResvgWasm(wasm);
    const decode = (name: string) => Uint8Array.from(atob(fonts[name]), (c) => c.charCodeAt(0));
    return { fonts: [decode("Roboto-Regular.ttf"), decode("Roboto-Medium.ttf")] };
  })();
  rendererPromise.catch(() => rendererPromise = undefined);
  return rendererPromise;
}

/** Options for {@linkcode svgToRgba} and {@linkcode svgToPng}. */
export interface RasterOptions {
  /** Output pixels per SVG unit, default 1 (2 gives a sharp figure for print or HiDPI). */
  scale?: number;
  /** Background colour behind transparent parts, default transparent. */
  background?: string;
}

function render<T>(
  svg: string,
  renderer: Renderer,
  options: RasterOptions,
  out: (image: {
    pixels: Uint8Array;
    width: number;
    height: number;
    asPng(): Uint8Array;
  }) => T,
): T {
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: options.scale ?? 1 },
    background: options.background,
    font: {
      fontBuffers: renderer.fonts,
      defaultFontFamily: "Roboto",
      sansSerifFamily: "Roboto",
      loadSystemFonts: false,
    },
  });
  try {
    const image = resvg.render();
    try {
      return out(image);
    } finally {
      image.free();
    }
  } finally {
    resvg.free();
  }
}

/** Rasterise an SVG document to RGBA pixels (straight, not premultiplied, alpha). */
export async function svgToRgba(svg: string, options: RasterOptions = {}): Promise<RgbaPixels> {
  const r = await renderer();
  return render(svg, r, options, (image) => {
    // resvg hands out premultiplied alpha; PNG and most callers expect straight.
    const data = image.pixels.slice();
    for (let i = 0; i < data.length; i += 4) {
      const a = data[i + 3];
      if (a !== 0 && a !== 255) {
        for (let c = 0; c < 3; c++) {
          data[i + c] = Math.min(255, Math.round((data[i + c] * 255) / a));
        }
      }
    }
    return { data, width: image.width, height: image.height };
  });
}

/**
 * Rasterise an SVG document to PNG bytes.
 *
 * @example
 * ```ts
 * import { svgToPng } from "./raster.ts";
 * import { decodePng } from "../formats/png.ts";
 * const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10">` +
 *   `<rect width="20" height="10" fill="#ff0000"/></svg>`;
 * const png = decodePng(await svgToPng(svg));
 * if (png.width !== 20 || png.height !== 10) throw new Error("20 x 10 px");
 * ```
 */
export async function svgToPng(svg: string, options: RasterOptions = {}): Promise<Uint8Array> {
  const r = await renderer();
  return render(svg, r, options, (image) => image.asPng());
}

/**
 * The box that everything drawn in `svg` covers (text as rendered with the
 * bundled font, strokes included), in the units of its root, or undefined
 * when nothing is drawn. Content beyond the root's `0 0 width height` is
 * included (up to one figure size out), so a box that leaves that rectangle
 * means something, a label for instance, is cut off at the figure's edge.
 * Nested documents clip their own content: see {@linkcode svgOverflows}.
 *
 * @example
 * ```ts
 * import { svgContentBox } from "./raster.ts";
 * // A 20 px wide rectangle starting 10 px before the left edge of a 100 x 50 figure.
 * const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50">` +
 *   `<rect x="-10" y="5" width="20" height="10"/></svg>`;
 * const box = await svgContentBox(svg);
 * if (box?.x !== -10 || box.width !== 20) throw new Error("the cut-off part is measured too");
 * ```
 */
export async function svgContentBox(svg: string): Promise<Rect | undefined> {
  const { width, height } = svgSize(svg);
  // The same drawing on a canvas three times as large, the original in its middle.
  const at = svg.search(/<svg\b/);
  const root = /<svg\b[^>]*>/.exec(svg.slice(at))![0];
  const viewBox = `viewBox="0 0 ${3 * width} ${3 * height}"`;
  let padded = root.replace(/\swidth="[^"]*"/, ` width="${3 * width}"`)
    .replace(/\sheight="[^"]*"/, ` height="${3 * height}"`);
  padded = /\sviewBox=/.test(padded)
    ? padded.replace(/viewBox="[^"]*"/, viewBox)
    : padded.replace(/>$/, ` ${viewBox}>`);
  const body = svg.slice(at + root.length).replace(/<\/svg>\s*$/, "");
  const wrapped = `${padded}<g transform="translate(${width},${height})">${body}</g></svg>`;
  const r = await renderer();
  const resvg = new Resvg(wrapped, {
    font: {
      fontBuffers: r.fonts,
      defaultFontFamily: "Roboto",
      sansSerifFamily: "Roboto",
      loadSystemFonts: false,
    },
  });
  try {
    // getBBox, not innerBBox: resvg 2.6 clips the latter at the origin of a translated group.
    const box = resvg.getBBox();
    if (!box) return undefined;
    const out = { x: box.x - width, y: box.y - height, width: box.width, height: box.height };
    box.free();
    return out;
  } finally {
    resvg.free();
  }
}

/** Something drawn beyond the edge of a (nested) SVG document, which a viewer cuts off. */
export interface SvgOverflow {
  /** Which document: "root" or the nested `<svg>`'s position, e.g. "svg at 540,30". */
  where: string;
  /** The document's size. */
  size: { width: number; height: number };
  /** What is drawn in it. */
  box: Rect;
}

/**
 * Every document in `svg` (the root and each nested `<svg>`, which clips its
 * content to its own size) whose drawing leaves it by more than `tolerance`
 * px (default 0.5): a cut-off label, tick or marker.
 *
 * @example
 * ```ts
 * import { svgOverflows } from "./raster.ts";
 * const inside = `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50">` +
 *   `<rect x="10" y="5" width="20" height="10"/></svg>`;
 * if ((await svgOverflows(inside)).length !== 0) throw new Error("nothing is cut off");
 * const cut = inside.replace('x="10"', 'x="90"');
 * if ((await svgOverflows(cut))[0]?.where !== "root") throw new Error("the root cuts the rect");
 * ```
 */
export async function svgOverflows(svg: string, tolerance = 0.5): Promise<SvgOverflow[]> {
  const out: SvgOverflow[] = [];
  for (const { where, doc } of svgDocuments(svg)) {
    const size = svgSize(doc);
    const box = await svgContentBox(doc);
    if (
      box && (box.x < -tolerance || box.y < -tolerance ||
        box.x + box.width > size.width + tolerance || box.y + box.height > size.height + tolerance)
    ) out.push({ where, size, box });
  }
  return out;
}

/** The root document and every nested `<svg>…</svg>` as a document of its own. */
function svgDocuments(svg: string): { where: string; doc: string }[] {
  const docs: { where: string; doc: string }[] = [];
  const open: { start: number; tag: string }[] = [];
  const tags = /<svg\b[^>]*>|<\/svg>/g;
  for (let m = tags.exec(svg); m; m = tags.exec(svg)) {
    if (m[0] !== "</svg>") {
      open.push({ start: m.index, tag: m[0] });
      continue;
    }
    const { start, tag } = open.pop()!;
    const text = svg.slice(start, m.index + 6);
    if (open.length === 0) {
      docs.push({ where: "root", doc: text });
    } else {
      const x = /\sx="([^"]*)"/.exec(tag)?.[1] ?? "0", y = /\sy="([^"]*)"/.exec(tag)?.[1] ?? "0";
      // Standalone: without its placement, with a namespace (nested ones may omit it).
      let doc = text.replace(/^<svg x="[^"]*" y="[^"]*"/, "<svg");
      if (!/^<svg[^>]*xmlns=/.test(doc)) {
        doc = doc.replace(/^<svg/, `<svg xmlns="http://www.w3.org/2000/svg"`);
      }
      docs.push({ where: `svg at ${x},${y}`, doc });
    }
  }
  return docs;
}
