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
import type { RgbaPixels } from "./svg.ts";

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

/** Rasterise an SVG document to PNG bytes. */
export async function svgToPng(svg: string, options: RasterOptions = {}): Promise<Uint8Array> {
  const r = await renderer();
  return render(svg, r, options, (image) => image.asPng());
}
