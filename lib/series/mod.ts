/**
 * Series of images (several files, folders, or one movie file): planned from
 * the headers and read one frame at a time; drift between frames by phase
 * correlation with sub-pixel refinement (M. Guizar-Sicairos, S. T. Thurman,
 * J. R. Fienup, Efficient subpixel image registration algorithms, Opt. Lett.
 * 33, 156-158 (2008), doi:10.1364/OL.33.000156); one track id per atom
 * column across frames; shards of the frames for parallel runs, with each
 * frame's completeness read from its `run.json`; and Slurm job scripts for a
 * cluster. Pure except where a function takes an `open` callback: the
 * caller decides how bytes are read (`lib/io/` opens files).
 *
 * @example
 * ```ts
 * import { planSeries, readSeries } from "./mod.ts";
 * import { encodeNpy } from "../formats/mod.ts";
 * import { bytesSource } from "../formats/byte_source.ts";
 * const movie = encodeNpy(new Float32Array(3 * 8 * 8), [3, 8, 8]);
 * const open = (path: string) => Promise.resolve(bytesSource(movie, path));
 * const plan = await planSeries(["movie.npy"], open);
 * let frames = 0;
 * for await (const frame of readSeries(plan, open)) frames += frame.image.width === 8 ? 1 : 0;
 * if (frames !== 3) throw new Error("three 8 x 8 frames");
 * ```
 *
 * @module
 */

export { naturalCompare, planSeries, readSeries } from "./read_series.ts";
export type {
  OpenSource,
  SeriesFrame,
  SeriesFrameRef,
  SeriesPlan,
  SeriesReadOptions,
} from "./read_series.ts";
export { cumulativeDrift, frameShift } from "./registration.ts";
export type { FrameShift, FrameShiftOptions } from "./registration.ts";
export { trackSites } from "./tracks.ts";
export type { FrameSites, SiteTracks, TrackOptions } from "./tracks.ts";
export { frameStatus, parseShard, shardFrames } from "./shards.ts";
export type { FrameExpectation, FrameStatus, Shard } from "./shards.ts";
export {
  denoRunCommand,
  parseJobId,
  sbatchArgs,
  SHARD_TOKEN,
  slurmArrayScript,
  slurmPoolScript,
} from "./slurm.ts";
export type { DenoPermissions, SlurmJobOptions } from "./slurm.ts";
