/**
 * The series stages: many frames (fields of view, or the frames of an
 * in-situ movie) analysed as one job.
 *
 * - {@linkcode seriesWindow}: one window side for the whole series, from the
 *   first frame's lattice (or the flag), so that every frame's windows fit
 *   one model;
 * - {@linkcode seriesFrameStage}: one frame on its own — atom columns and
 *   polarisation ({@linkcode atomsStage}), windows on the B sublattice
 *   ({@linkcode stackStage}) and its drift against the previous frame (phase
 *   correlation, `lib/series/registration.ts`). Frames are independent, so
 *   they run in any order, in parallel, on several machines (shards);
 * - {@linkcode seriesPoolStage}: the series as a whole — one rVAE trained on
 *   the pooled windows of every frame ({@linkcode trainStage}; or a saved
 *   model), every frame encoded in that one latent space, site tracks, the
 *   variant fractions frame by frame, `series.csv`, `frames.csv`,
 *   `tracks.csv`, figures and `report.html`. Frames are read one at a time
 *   through `input.read`, so memory does not grow with the frames' pixels.
 *
 * @module
 */

import { atomsStage, type AtomsStageOptions } from "./atoms.ts";
import { estimateLattice } from "../atoms/spacing.ts";
import { UserError } from "../errors.ts";
import type { Image } from "../image.ts";
import { numericColumn, parseCsv, stringColumn } from "../io/csv.ts";
import { modelFiles } from "../io/rvae_files.ts";
import { makeConfig, type RvaeConfig, type TrainOptions } from "../rvae/config.ts";
import { combineStacks, encodeWithModel } from "../rvae/encode.ts";
import { type AnglePeaks, findAnglePeaks } from "../rvae/angles.ts";
import type { Rvae } from "../rvae/model.ts";
import type { ModelFile, WindowSpec } from "../rvae/serialize.ts";
import { chooseWindow } from "../rvae/window.ts";
import { cumulativeDrift, type FrameShift, frameShift } from "../series/registration.ts";
import { type TrackOptions, trackSites } from "../series/tracks.ts";
import type { Warning } from "../warnings.ts";
import { median } from "../math.ts";
import type { StageFiles, StageHooks, StageOutput } from "./_stage.ts";
import { selectAtoms, stackStage, type StackStageOptions } from "./stack.ts";
import { trainStage, type TrainStageHooks, type TrainStageResult } from "./train.ts";
import { latentsCsv } from "./_tables.ts";
import {
  classify,
  frameTables,
  seriesFigures,
  seriesReportHtml,
  type SeriesSites,
  wallLength,
} from "./_series_outputs.ts";

/** The frame stage's record of a frame: what the pooling needs besides its tables. */
export interface SeriesFrameRecord {
  /** Position in the series, 0-based. */
  index: number;
  /** Atom columns found. */
  columns: number;
  /** B columns with a polarisation vector. */
  sites: number;
  /** Windows cut (B columns whose window fits in the frame). */
  windows: number;
  /** Lattice period, px. */
  period: number;
  /** Drift against the previous frame (null for the first frame or frames of another size). */
  shift: FrameShift | null;
}

/** Options of {@linkcode seriesFrameStage}. */
export interface SeriesFrameOptions {
  /** Window side, px (the series' one, see {@linkcode seriesWindow}). */
  window: number;
  /** The atom finder's options (figures off by default). */
  atoms?: AtomsStageOptions;
  /** The windows' scaling and centring (window and sublattice are the series'). */
  stack?: Omit<StackStageOptions, "window" | "sublattice" | "source">;
  /** The frame's name in messages (default "frame <index>"). */
  source?: string;
  /** Draw the atom and stack figures of every frame (default false). */
  figures?: boolean;
}

/** What {@linkcode seriesFrameStage} made for one frame. */
export interface SeriesFrameResult extends StageOutput {
  /** `atoms.csv`, `polarization.csv` (and the atom stage's other tables), `stack.npy`, `stack.csv`, `frame.json`. */
  files: StageFiles;
  /** What the pooling needs. */
  record: SeriesFrameRecord;
}

/**
 * One window side for every frame of a series: `window` when given, else
 * about 1.9 lattice periods of the first frame (`chooseWindow`), the period
 * from its power spectrum (or `spacing`). Every shard computes it from the
 * same frame, so all agree.
 *
 * @example
 * ```ts
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image } = generateHaadf({ width: 128, height: 128, seed: 1 });
 * seriesWindow(image).window; // 28 (1.9 periods of 14.7 px)
 * ```
 */
export function seriesWindow(
  first: Image,
  options: { window?: number; spacing?: number } = {},
): { window: number; period: number; warnings: Warning[] } {
  const period = options.spacing ?? estimateLattice(first)?.period ?? NaN;
  const choice = chooseWindow(Number.isFinite(period) ? period : undefined, {
    window: options.window,
  });
  return { window: choice.window, period, warnings: choice.warnings };
}

/**
 * Analyse frame `input.index` on its own: atom columns and polarisation
 * ({@linkcode atomsStage}), windows of `options.window` px on its B columns
 * ({@linkcode stackStage}) and its drift against `input.previous` (the
 * frame before it in the series; null for the first). Files: the atom
 * stage's tables, `stack.npy`, `stack.csv` and `frame.json` (the record).
 *
 * @example
 * ```ts
 * import { wallMovieFrame } from "../synth/movie.ts";
 * const movie = { frames: 2, width: 160, height: 160, seed: 1 };
 * const a = wallMovieFrame(movie, 0).image, b = wallMovieFrame(movie, 1).image;
 * const frame = await seriesFrameStage({ image: b, previous: a, index: 1 }, { window: 28 });
 * frame.record.shift; // { dx, dy, peak, ambiguity }: b against a
 * ```
 */
export async function seriesFrameStage(
  input: { image: Image; previous: Image | null; index: number },
  options: SeriesFrameOptions,
  hooks: StageHooks = {},
): Promise<SeriesFrameResult> {
  const { image, previous, index } = input;
  const source = options.source ?? `frame ${index}`;
  const figures = options.figures ?? false;
  await hooks.onStep?.("atoms");
  const atoms = await atomsStage(image, { ...options.atoms, source, figures });
  await hooks.onStep?.("stack");
  const centres = selectAtoms(atoms.files["atoms.csv"], `${source}: atoms.csv`, "B");
  let stacked: Awaited<ReturnType<typeof stackStage>> | null = null;
  try {
    stacked = await stackStage({ image, centres }, {
      ...options.stack,
      window: options.window,
      periodPx: atoms.result.lattice.period,
      sublattice: "B",
      source,
      figures,
    });
  } catch (err) {
    // A frame whose windows all cross its border still has atoms and a drift.
    if (!(err instanceof UserError)) throw err;
  }
  await hooks.onStep?.("registration");
  const shift = previous && previous.width === image.width && previous.height === image.height
    ? frameShift(previous, image)
    : null;
  const record: SeriesFrameRecord = {
    index,
    columns: atoms.result.columns.x.length,
    sites: atoms.result.polarization.x.length,
    windows: stacked?.stack.count ?? 0,
    period: atoms.result.lattice.period,
    shift,
  };
  const files: StageFiles = { ...atoms.files };
  if (stacked) Object.assign(files, stacked.files);
  files["frame.json"] = JSON.stringify(record, null, 2) + "\n";
  return {
    files,
    figures: [...atoms.figures, ...(stacked?.figures ?? [])],
    parameters: { atoms: atoms.parameters, stack: stacked?.parameters ?? null },
    extra: { atoms: atoms.extra, stack: stacked?.extra ?? null },
    warnings: [...(atoms.warnings ?? []), ...(stacked?.warnings ?? [])],
    summary: `frame ${index}: ${record.columns} columns, ${record.windows} windows` +
      (shift ? `, drift ${shift.dx.toFixed(2)}, ${shift.dy.toFixed(2)} px` : ""),
    record,
  };
}

/** One finished frame as the pooling reads it back. */
export interface SeriesFrameData {
  /** Its record (`frame.json`). */
  record: SeriesFrameRecord;
  /** `atoms.csv`'s text. */
  atomsCsv: string;
  /** `polarization.csv`'s text. */
  polarizationCsv: string;
  /** `stack.npy`'s windows and `stack.csv`'s atom rows (null when no window fitted). */
  stack: { data: Float32Array; window: number; atom: Int32Array } | null;
}

/** What {@linkcode seriesPoolStage} pools. */
export interface SeriesPoolInput {
  /** Every frame's record (`frame.json`), in order. */
  records: readonly SeriesFrameRecord[];
  /** Read frame `t`'s data (called once or twice per frame, one frame at a time). */
  read: (t: number) => Promise<SeriesFrameData>;
  /** A saved model to encode with instead of training one (`--model`). */
  model?: { model: Rvae; file: ModelFile; path: string } | null;
  /** Each frame's name (its file and frame number), for `frames.csv` (default its index). */
  names?: readonly string[];
}

/** Options of {@linkcode seriesPoolStage}. */
export interface SeriesPoolOptions {
  /** The rVAE to train on the pooled windows (the window size comes from the frames). */
  rvae: { config: Partial<RvaeConfig>; training: TrainOptions };
  /** Most windows trained on, taken evenly from every frame (default 20000). */
  maxTrainWindows?: number;
  /** Site tracking (gate, gaps; the drift comes from the frames' registration). */
  tracks?: Omit<TrackOptions, "drift">;
  /** nm per pixel: `_pm` columns of latents.csv. */
  pixelSizeNm?: number;
  /** How the frames' windows were cut, saved with the model. */
  windows?: Omit<WindowSpec, "window">;
  /** The track whose polarisation is drawn over time (default: the longest B track nearest the centre). */
  track?: number;
  /** Draw the figures (default true). */
  figures?: boolean;
  /** `report.html`: the run's provenance and d3's bundle (no report without it). */
  report?: { provenance: Record<string, unknown>; d3Source: string } | null;
}

/** How a caller follows the pooling. */
export interface SeriesPoolHooks extends TrainStageHooks {
  /** After frame `t` is encoded: its own files (`latents.csv`), to write at once (default: kept in `files` under `frames/NNNN/`). */
  onFrameFiles?: (t: number, files: StageFiles) => Promise<void>;
  /** After each frame of each pass over the frames. */
  onFrame?: (pass: "collect" | "encode", t: number, frames: number) => void;
}

/** What {@linkcode seriesPoolStage} made. */
export interface SeriesPoolResult extends StageOutput {
  /** True when `shouldStop` ended it early (nothing else is complete). */
  stopped: boolean;
  /** The training (null with a saved model); the caller disposes of its model. */
  train: TrainStageResult | null;
  /** The variants: peaks of the pooled encoded angle. */
  peaks: AnglePeaks | null;
  /** Per frame: fraction of the encoded B sites in each variant. */
  fractions: number[][];
  /** Per frame: for each variant, the circular mean encoded angle of its sites (NaN when empty). */
  variantAngles: number[][];
  /** Every site of every frame, with its track and latents. */
  sites: SeriesSites;
}

/** The frame folder's name of frame `t`: `frames/0007`. */
export function frameFolder(t: number): string {
  return `frames/${String(t).padStart(4, "0")}`;
}

/**
 * Pool the frames of a series: train one rVAE on windows from every frame
 * (at most `maxTrainWindows`, every k-th window of the series), or use
 * `input.model`; encode every frame with it (its `latents.csv`); find the
 * variants as the peaks of the pooled encoded angle and assign every
 * encoded site to one; track every column across the frames (drift from
 * the frames' registration); and make `series.csv`, `frames.csv`,
 * `tracks.csv`, the model (`model/`, `history.csv` when trained), the
 * figures and `report.html`. Needs a tfjs backend.
 *
 * @example
 * ```ts
 * // frames analysed by seriesFrameStage and kept as SeriesFrameData:
 * // const pooled = await seriesPoolStage({ frames: data.length, read: (t) => Promise.resolve(data[t]) },
 * //   { rvae: { config: DEFAULT_CONFIG, training: makeTrainOptions({ ...DEFAULT_TRAINING, epochs: 5 }) } });
 * // pooled.files["series.csv"];
 * ```
 */
export async function seriesPoolStage(
  input: SeriesPoolInput,
  options: SeriesPoolOptions,
  hooks: SeriesPoolHooks = {},
): Promise<SeriesPoolResult> {
  const T = input.records.length;
  if (T < 1) throw new RangeError("seriesPoolStage: no frames");
  const files: StageFiles = {};
  const warnings: Warning[] = [];
  const stopped = (): SeriesPoolResult => ({
    stopped: true,
    train: null,
    peaks: null,
    fractions: [],
    variantAngles: [],
    sites: emptySites(0),
    files: {},
    figures: [],
    parameters: {},
    extra: {},
    summary: "series: interrupted",
  });

  // Pass 1: the records, and (to train) windows from every frame.
  await hooks.onStep?.("collect");
  const records = input.records;
  const totalWindows = records.map((r) => r.windows);
  const cap = options.maxTrainWindows ?? 20000;
  const pooled: { data: Float32Array; window: number; name: string }[] = [];
  let window = 0;
  let stride = 1;
  if (!input.model) {
    const total = totalWindows.reduce((a, b) => a + b, 0);
    if (total < 4) {
      throw new UserError(
        input.names?.[0] ?? "series",
        `only ${total} windows fit in the frames; the rVAE needs at least 4 (try a smaller --window)`,
      );
    }
    // Every stride-th window of the series, so that every frame contributes alike.
    stride = Math.max(1, Math.ceil(total / cap));
    let global = 0;
    for (let t = 0; t < T; t++) {
      const n = totalWindows[t];
      if (n === 0) continue;
      const { stack } = await input.read(t);
      if (!stack) continue;
      const pixels = stack.window * stack.window;
      const take: number[] = [];
      for (let i = 0; i < n; i++, global++) if (global % stride === 0) take.push(i);
      const data = new Float32Array(take.length * pixels);
      take.forEach((i, j) =>
        data.set(stack.data.subarray(i * pixels, (i + 1) * pixels), j * pixels)
      );
      pooled.push({ data, window: stack.window, name: input.names?.[t] ?? `frame ${t}` });
      hooks.onFrame?.("collect", t, T);
      if (hooks.shouldStop?.()) return stopped();
    }
  }

  // The model: trained on the pooled windows, or given.
  let model: Rvae;
  let modelFile: ModelFile | null = null;
  let train: TrainStageResult | null = null;
  if (input.model) {
    model = input.model.model;
    modelFile = input.model.file;
    window = model.config.size;
  } else {
    const all = combineStacks(pooled);
    pooled.length = 0;
    const config = makeConfig(all.window, options.rvae.config);
    await hooks.onStep?.("rVAE");
    train = await trainStage(
      { stack: { data: all.data, size: all.window }, positions: null },
      { config, training: options.rvae.training, figures: options.figures ?? true },
      hooks,
    );
    if (train.stopped) return { ...stopped(), train };
    model = train.model;
    for (const [name, data] of Object.entries(train.files)) {
      if (name === "latents.csv" || name === "checkpoint.bin") continue; // per frame, below
      files[name] = data;
    }
    const spec: WindowSpec = { ...options.windows, window: all.window };
    for (const [name, data] of Object.entries(modelFiles(model, options.rvae.training, spec))) {
      files[`model/${name}`] = data;
    }
  }

  // Pass 2: every frame encoded in the one latent space; its sites for the series tables.
  await hooks.onStep?.("encode");
  const k = model.config.latentDim;
  const perFrame: SeriesSites[] = [];
  for (let t = 0; t < T; t++) {
    const data = await input.read(t);
    const name = input.names?.[t] ?? `frame ${t}`;
    const sites = frameSites(data, t, k, name);
    if (data.stack && data.stack.atom.length > 0) {
      const { encoding, warnings: applied } = encodeWithModel(
        model,
        { data: data.stack.data, window: data.stack.window },
        {
          name,
          windows: modelFile?.windows,
          periodPx: modelFile ? data.record.period : undefined,
        },
      );
      warnings.push(...applied);
      const atom = data.stack.atom;
      for (let i = 0; i < encoding.count; i++) {
        const row = atom[i];
        sites.angle[row] = encoding.angle[i];
        sites.dx[row] = encoding.shiftPixels[2 * i];
        sites.dy[row] = encoding.shiftPixels[2 * i + 1];
        for (let j = 0; j < k; j++) sites.z[j][row] = encoding.content[i * k + j];
      }
      const positions = {
        x: Float64Array.from(atom, (r) => sites.x[r]),
        y: Float64Array.from(atom, (r) => sites.y[r]),
      };
      const latents = latentsCsv(encoding, {
        latentDim: k,
        translation: model.config.translation,
        positions,
        pixelSizeNm: options.pixelSizeNm,
      });
      const own = { "latents.csv": latents };
      if (hooks.onFrameFiles) await hooks.onFrameFiles(t, own);
      else files[`${frameFolder(t)}/latents.csv`] = latents;
    }
    perFrame.push(sites);
    hooks.onFrame?.("encode", t, T);
    if (hooks.shouldStop?.()) return stopped();
  }

  // Variants: peaks of the pooled encoded angle of the B sites.
  await hooks.onStep?.("tracks");
  const sites = concatSites(perFrame, k);
  perFrame.length = 0;
  const bAngles = sites.angle.filter((a, i) => sites.sublattice[i] === 1 && Number.isFinite(a));
  const peaks = bAngles.length >= 4 ? findAnglePeaks(bAngles) : null;
  sites.variant.set(classify(sites.angle, peaks));
  for (let i = 0; i < sites.count; i++) if (sites.sublattice[i] !== 1) sites.variant[i] = -1;

  // Registration and tracks.
  const shifts = records.map((r) => r.shift ?? { dx: 0, dy: 0, peak: 1, ambiguity: 0 });
  const drift = cumulativeDrift(shifts);
  const period = median(records.map((r) => r.period).filter(Number.isFinite));
  const frameOf = (t: number) => sites.frameStart[t];
  const tracked = trackSites(
    records.map((_, t) => ({
      x: sites.x.subarray(frameOf(t), frameOf(t + 1)),
      y: sites.y.subarray(frameOf(t), frameOf(t + 1)),
      sublattice: sites.sublattice.subarray(frameOf(t), frameOf(t + 1)),
    })),
    period,
    { ...options.tracks, drift },
  );
  for (let t = 0; t < T; t++) sites.track.set(tracked.track[t], frameOf(t));
  for (let t = 1; t < T; t++) {
    const s = records[t].shift;
    if (!s) continue;
    if (Math.hypot(s.dx, s.dy) > period / 2) {
      warnings.push({
        code: "series-drift-large",
        message: `frame ${t} drifted ${Math.hypot(s.dx, s.dy).toFixed(1)} px from frame ` +
          `${t - 1}, more than half a lattice period (${(period / 2).toFixed(1)} px): the ` +
          "registration may be off by a lattice vector and the tracks broken there",
      });
    }
    if (s.ambiguity > 0.8) {
      warnings.push({
        code: "series-registration-ambiguous",
        message: `frame ${t}: another shift fits almost as well (ambiguity ` +
          `${s.ambiguity.toFixed(2)}); the drift may be off by a lattice vector`,
      });
    }
  }

  // Tables, figures, report.
  const variants = peaks?.peaks.length ?? 0;
  const fractions: number[][] = [];
  const variantAngles: number[][] = [];
  const walls: number[] = [];
  for (let t = 0; t < T; t++) {
    const from = frameOf(t);
    const to = frameOf(t + 1);
    const counts = new Array(variants).fill(0);
    const sums = Array.from({ length: variants }, () => [0, 0]);
    let n = 0;
    for (let i = from; i < to; i++) {
      const v = sites.variant[i];
      if (v < 0) continue;
      counts[v]++;
      sums[v][0] += Math.cos(sites.angle[i]);
      sums[v][1] += Math.sin(sites.angle[i]);
      n++;
    }
    fractions.push(counts.map((c) => (n ? c / n : NaN)));
    variantAngles.push(
      sums.map(([c, s], v) => counts[v] ? (Math.atan2(s, c) + 2 * Math.PI) % (2 * Math.PI) : NaN),
    );
    walls.push(wallLength(sites, from, to, period));
  }
  Object.assign(
    files,
    frameTables({
      sites,
      records,
      drift,
      fractions,
      walls,
      latentDim: k,
      names: input.names,
      tracks: tracked.count,
    }),
  );
  let figures: StageOutput["figures"] = [...(train?.figures ?? [])];
  const track = options.track ?? defaultTrack(sites, T, drift);
  if (options.figures ?? true) {
    await hooks.onStep?.("figures");
    figures = [...figures, ...seriesFigures({ sites, fractions, peaks, frames: T, track })];
  }
  const extra = {
    frames: T,
    columns: sites.count,
    tracks: tracked.count,
    trainedOn: train ? Math.ceil(totalWindows.reduce((a, b) => a + b, 0) / stride) : 0,
    trainStride: stride,
    model: input.model ? input.model.path : "trained on the pooled windows",
    variantAnglesDeg: peaks?.peaks.map((p) => Math.round((p.angle * 1800) / Math.PI) / 10) ?? [],
    chosenTrack: track,
    ...(train ? { rvae: train.extra } : {}),
  };
  const parameters = {
    window,
    maxTrainWindows: cap,
    rvae: train?.parameters ?? { model: input.model?.path },
    tracks: options.tracks ?? {},
  };
  const summary = `series: ${T} frames, ${sites.count} columns in ${tracked.count} tracks, ` +
    `${variants} variants (encoded-angle peaks${
      peaks
        ? ` at ${peaks.peaks.map((p) => ((p.angle * 180) / Math.PI).toFixed(0)).join("°, ")}°`
        : ""
    }), ${train ? `one rVAE trained on ${extra.trainedOn} pooled windows` : "saved model"}`;
  if (options.report) {
    await hooks.onStep?.("report");
    files["report.html"] = seriesReportHtml({
      sites,
      fractions,
      walls,
      drift,
      peaks,
      figures,
      warnings,
      summary,
      provenance: {
        ...options.report.provenance,
        parameters: { ...(options.report.provenance.parameters ?? {}) as object, ...parameters },
        extra: { ...(options.report.provenance.extra ?? {}) as object, ...extra },
      },
      d3Source: options.report.d3Source,
    });
  }
  return {
    stopped: false,
    train,
    peaks,
    fractions,
    variantAngles,
    sites,
    files,
    figures,
    parameters,
    extra,
    warnings,
    summary,
  };
}

function emptySites(n: number, k = 0): SeriesSites {
  return {
    count: n,
    frameStart: new Int32Array(0),
    frame: new Int32Array(n),
    track: new Int32Array(n),
    x: new Float64Array(n),
    y: new Float64Array(n),
    sublattice: new Uint8Array(n),
    px: new Float64Array(n).fill(NaN),
    py: new Float64Array(n).fill(NaN),
    angle: new Float64Array(n).fill(NaN),
    dx: new Float64Array(n).fill(NaN),
    dy: new Float64Array(n).fill(NaN),
    z: Array.from({ length: k }, () => new Float64Array(n).fill(NaN)),
    variant: new Int8Array(n).fill(-1),
  };
}

/** Frame `t`'s columns (atoms.csv) with their polarisation (polarization.csv's `atom` rows). */
function frameSites(data: SeriesFrameData, t: number, k: number, name: string): SeriesSites {
  const atoms = parseCsv(data.atomsCsv, `${name}: atoms.csv`);
  const x = numericColumn(atoms, "x");
  const n = x.length;
  const sites = emptySites(n, k);
  sites.x.set(x);
  sites.y.set(numericColumn(atoms, "y"));
  const sub = stringColumn(atoms, "sublattice");
  for (let i = 0; i < n; i++) sites.sublattice[i] = sub[i] === "B" ? 1 : 0;
  sites.frame.fill(t);
  const pol = parseCsv(data.polarizationCsv, `${name}: polarization.csv`);
  if (pol.rows.length > 0) {
    const atom = numericColumn(pol, "atom");
    const px = numericColumn(pol, "px");
    const py = numericColumn(pol, "py");
    for (let i = 0; i < atom.length; i++) {
      sites.px[atom[i]] = px[i];
      sites.py[atom[i]] = py[i];
    }
  }
  return sites;
}

function concatSites(parts: SeriesSites[], k: number): SeriesSites {
  const n = parts.reduce((s, p) => s + p.count, 0);
  const out = emptySites(n, k);
  out.frameStart = new Int32Array(parts.length + 1);
  let at = 0;
  parts.forEach((p, t) => {
    out.frameStart[t] = at;
    for (const key of ["frame", "x", "y", "sublattice", "px", "py", "angle", "dx", "dy"] as const) {
      (out[key] as Float64Array).set(p[key] as Float64Array, at);
    }
    for (let j = 0; j < k; j++) out.z[j].set(p.z[j], at);
    at += p.count;
  });
  out.frameStart[parts.length] = at;
  return out;
}

/** The B track seen in the most frames, nearest the first frame's centre among those. */
function defaultTrack(
  sites: SeriesSites,
  frames: number,
  drift: { x: Float64Array; y: Float64Array },
): number {
  const seen = new Map<number, { n: number; x: number; y: number }>();
  let maxX = 0;
  let maxY = 0;
  for (let i = 0; i < sites.count; i++) {
    maxX = Math.max(maxX, sites.x[i]);
    maxY = Math.max(maxY, sites.y[i]);
    if (sites.sublattice[i] !== 1 || !Number.isFinite(sites.angle[i])) continue;
    const id = sites.track[i];
    const s = seen.get(id) ?? { n: 0, x: 0, y: 0 };
    s.n++;
    s.x = sites.x[i] - drift.x[sites.frame[i]];
    s.y = sites.y[i] - drift.y[sites.frame[i]];
    seen.set(id, s);
  }
  let best = -1;
  let bestN = 0;
  let bestD = Infinity;
  for (const [id, s] of seen) {
    const d = Math.hypot(s.x - maxX / 2, s.y - maxY / 2);
    if (
      s.n > bestN || (s.n === bestN && d < bestD) || (s.n === bestN && d === bestD && id < best)
    ) {
      best = id;
      bestN = s.n;
      bestD = d;
    }
  }
  return frames > 0 ? best : -1;
}
