/**
 * Generated HAADF-STEM images with ground truth: a perovskite film (or a
 * superlattice of polar and non-polar layers, as in S. M. P. Valleti et al.,
 * Unsupervised learning of ferroic variants from atomically resolved STEM
 * images, AIP Advances 12, 105122 (2022), doi:10.1063/5.0105406) on a
 * non-polar substrate, with striped polarisation domains of up to four
 * variants, a probe, scan distortions and counting noise, every random
 * choice from the seed; the truth holds every column's position,
 * sublattice, displacement and variant. Pure: options in, image and truth
 * out; {@linkcode synthFiles} encodes them as the files `synth` writes.
 *
 * The examples of the functions below live here, on their re-exports.
 *
 * @example
 * ```ts
 * import { generateHaadf, SUBLATTICE_B } from "./mod.ts";
 * const { image, truth } = generateHaadf({ seed: 1, width: 96, height: 96 });
 * const bSites = truth.sublattice.filter((s) => s === SUBLATTICE_B).length;
 * if (image.width !== 96 || bSites === 0) throw new Error("an image with B columns");
 * ```
 *
 * @module
 */

/**
 * @example
 * ```ts
 * import { generateHaadf } from "./mod.ts";
 * const a = generateHaadf({ seed: 3, width: 64, height: 64 });
 * const b = generateHaadf({ seed: 3, width: 64, height: 64 });
 * if (a.image.data.some((v, i) => v !== b.image.data[i])) throw new Error("same seed, same image");
 * if (a.meta.variantAngles.length !== 4) throw new Error("four variant directions");
 * ```
 */
export { generateHaadf } from "./generate.ts";
export { SUBLATTICE_A, SUBLATTICE_B } from "./generate.ts";
export type {
  SuperlatticeLayerMeta,
  SynthMeta,
  SynthOptions,
  SynthResult,
  SynthTruth,
} from "./generate.ts";
/**
 * @example
 * ```ts
 * import { resolveSynthOptions, SYNTH_DEFAULTS } from "./mod.ts";
 * const resolved = resolveSynthOptions({ seed: 2 });
 * if (resolved.seed !== 2 || resolved.width !== SYNTH_DEFAULTS.width) throw new Error("defaults");
 * ```
 */
export { resolveSynthOptions } from "./options.ts";
export { STRUCTURES, SYNTH_DEFAULTS } from "./options.ts";
export type { MistiltKey, ResolvedSynthOptions, Structure, SuperlatticeKey } from "./options.ts";
/**
 * @example
 * ```ts
 * import { generateHaadf, synthFiles } from "./mod.ts";
 * const files = synthFiles(generateHaadf({ seed: 1, width: 64, height: 64 }));
 * const names = Object.keys(files).sort().join();
 * if (names !== "image.npy,image.tif,meta.json,truth.csv") throw new Error(names);
 * ```
 */
export { synthFiles } from "./files.ts";
/**
 * @example
 * ```ts
 * import { generateHaadf, synthPreviewFigure } from "./mod.ts";
 * const svg = synthPreviewFigure(generateHaadf({ seed: 1, width: 64, height: 64 }));
 * if (!svg.startsWith("<svg")) throw new Error("an SVG document");
 * ```
 */
export { synthPreviewFigure } from "./figure.ts";
/**
 * @example
 * ```ts
 * import { generateHaadf, variantMap } from "./mod.ts";
 * const map = variantMap(generateHaadf({ seed: 1, width: 64, height: 64 }), 4);
 * if (map.width !== 16 || map.height !== 16) throw new Error("one pixel per 4 x 4 block");
 * ```
 */
export { variantMap } from "./figure.ts";
export type { CropBox } from "./figure.ts";
