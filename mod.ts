/**
 * ferrovae: unsupervised discovery of ferroic variants in atomically resolved
 * STEM images — atom columns, polarisation, sub-image stacks, classical
 * baselines and a rotationally invariant VAE.
 *
 * Every function here works on data in memory, except `readImage` and the
 * writers under "files", which read and write files.
 *
 * @module
 */

// Core types and errors
export type { Image, PixelSize } from "./lib/image.ts";
export { pixelSizeInPm } from "./lib/image.ts";
export { FormatError, UsageError, UserError } from "./lib/errors.ts";
export { VERSION } from "./lib/version.ts";
export { Random } from "./lib/random.ts";

// Formats (pure: bytes in, arrays out)
export { decodeNpy, encodeNpy } from "./lib/formats/npy.ts";
export type { NpyArray, NumericArray } from "./lib/formats/npy.ts";
export { decodePng, encodePng } from "./lib/formats/png.ts";
export type { PngPixels } from "./lib/formats/png.ts";
export { formatCsv, numericColumn, parseCsv, stringColumn } from "./lib/io/csv.ts";
export type { CsvColumn, CsvTable } from "./lib/io/csv.ts";

// Files
export { ensureDir, readFileChecked, writeFileAtomic } from "./lib/io/atomic_write.ts";
export { Run, sha256Hex } from "./lib/io/run.ts";
export type { RunManifest } from "./lib/io/run.ts";
