/**
 * Every third-party specifier ferrovae uses, pinned, in one place, so that
 * `mod.ts` works when imported by URL with no import map. The rest of `lib/`
 * and `scripts/` import these names from here, never `npm:` directly.
 *
 * @module
 */

export {
  Command,
  InvalidArgumentError,
  type OptionValues,
} from "npm:@commander-js/extra-typings@15.1.0";
// @deno-types="npm:@types/d3@7.4.3"
export * as d3 from "npm:d3@7.9.2";
/** Where d3's entry module was resolved (its browser bundle sits in `../dist/`). */
export const D3_ENTRY_URL: string = import.meta.resolve("npm:d3@7.9.2");
export { decode as decodePngBytes, encode as encodePngBytes } from "npm:fast-png@8.0.0";
export { decode as decodeTiffBytes } from "npm:tiff@7.1.3";
export { default as h5wasm } from "npm:h5wasm@0.10.3";
export { default as KDBush } from "npm:kdbush@4.1.0";
export * as tf from "npm:@tensorflow/tfjs-core@4.22.0";
import type * as tfTypes from "npm:@tensorflow/tfjs-core@4.22.0";
// Named aliases of the tfjs types in ferrovae's public signatures, so that mod.ts can export
// them and library users can name them (they are the same types as `tf.Tensor` etc.).
/** A tfjs tensor of any rank. */
export type Tensor = tfTypes.Tensor;
/** A rank-0 tfjs tensor (a loss, for example). */
export type Scalar = tfTypes.Scalar;
/** A rank-2 tfjs tensor. */
export type Tensor2D = tfTypes.Tensor2D;
/** A rank-3 tfjs tensor. */
export type Tensor3D = tfTypes.Tensor3D;
/** A trainable tfjs tensor (a model parameter). */
export type Variable = tfTypes.Variable;
export * as tfWasm from "npm:@tensorflow/tfjs-backend-wasm@4.22.0";
export * as tfCpu from "npm:@tensorflow/tfjs-backend-cpu@4.22.0";
/** Where the wasm backend's entry module (and beside it, its `.wasm` binaries) was resolved. */
export const TFJS_WASM_ENTRY_URL: string = import.meta.resolve(
  "npm:@tensorflow/tfjs-backend-wasm@4.22.0",
);

// Figures: resvg rasterises SVG; its WebAssembly and a TrueType font load lazily
// (only when a figure is rasterised) and need no permissions: a source-phase
// import compiles the npm package's .wasm, and pdfmake ships Roboto as base64 in JS.
export { initWasm as initResvgWasm, Resvg } from "npm:@resvg/resvg-wasm@2.6.2";
/** Compile resvg's WebAssembly module (from the npm package, no read permission needed). */
export function loadResvgWasm(): Promise<WebAssembly.Module> {
  // @ts-ignore: TypeScript 6 does not parse source-phase imports yet; Deno runs them.
  return import.source("npm:@resvg/resvg-wasm@2.6.2/index_bg.wasm");
}
/** Roboto TrueType fonts as base64, by file name (e.g. "Roboto-Regular.ttf"). */
export async function loadRobotoFonts(): Promise<Record<string, string>> {
  return (await import("npm:pdfmake@0.3.11/build/vfs_fonts.js")).default;
}
