/**
 * One frame of `series`, as the script (and each of its workers) runs it:
 * read the frame and the one before it, skip it when its folder in the work
 * folder is complete for the same pixels and parameters, else analyse it
 * (`seriesFrameStage`) and write its folder, `run.json` last. Shared by
 * scripts/series.ts and scripts/_series_worker.ts.
 *
 * @module
 */

import { join } from "node:path";
import { UserError } from "../lib/errors.ts";
import type { Image } from "../lib/image.ts";
import { openByteSource } from "../lib/io/byte_ranges.ts";
import { sha256Hex } from "../lib/io/run.ts";
import { frameFolderStatus, writeFrameFolder } from "../lib/io/series_work.ts";
import { frameFolder, type SeriesFrameOptions, seriesFrameStage } from "../lib/pipeline/series.ts";
import { readSeries, type SeriesPlan } from "../lib/series/read_series.ts";

/** Everything a frame needs (plain data: it crosses to a worker). */
export interface FrameTask {
  /** The series. */
  plan: SeriesPlan;
  /** Which frame. */
  t: number;
  /** The work folder. */
  workDir: string;
  /** The frame stage's options. */
  options: SeriesFrameOptions;
  /** Image of multi-image files (`--image`). */
  imageIndex?: number;
  /** Calibration override, nm per pixel (`--pixel-size`). */
  pixelSizeNm?: number;
}

/** What became of a frame. */
export interface FrameOutcome {
  /** Which frame. */
  t: number;
  /** Analysed now, or kept from an earlier run. */
  kept: boolean;
  /** Why it was analysed again (when it was), e.g. "not done", "parameters changed". */
  reason: string;
  /** Warnings of its stages. */
  warnings: { code: string; message: string }[];
}

/** The name a frame is recorded under: `file#frame` (`file` alone for one-frame files). */
export function frameName(plan: SeriesPlan, t: number): string {
  const ref = plan.frames[t];
  const single = plan.frames.filter((f) => f.file === ref.file).length === 1;
  return single ? ref.file : `${ref.file}#${ref.frameInFile}`;
}

function pixelsOf(image: Image): Uint8Array {
  return new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
}

/** The parameters a frame folder must have been made with (compared on reruns). */
export function frameParameters(
  options: SeriesFrameOptions,
  task: Omit<FrameTask, "t" | "workDir" | "options" | "plan">,
): Record<string, unknown> {
  return JSON.parse(JSON.stringify({
    ...options,
    imageIndex: task.imageIndex ?? null,
    pixelSizeNm: task.pixelSizeNm ?? null,
  }));
}

/** Analyse frame `task.t` into its folder of the work folder, or keep it when done. */
export async function processFrame(task: FrameTask): Promise<FrameOutcome> {
  const { plan, t, workDir } = task;
  const wanted = t > 0 ? [t - 1, t] : [t];
  const images: Image[] = [];
  for await (
    const frame of readSeries(plan, openByteSource, { only: wanted, index: task.imageIndex })
  ) {
    const image = frame.image;
    if (task.pixelSizeNm !== undefined) image.pixelSize = { value: task.pixelSizeNm, unit: "nm" };
    images.push(image);
  }
  const image = images[images.length - 1];
  const previous = images.length > 1 ? images[0] : null;
  const inputs: Record<string, string> = { [frameName(plan, t)]: await sha256Hex(pixelsOf(image)) };
  if (previous) inputs[`previous ${frameName(plan, t - 1)}`] = await sha256Hex(pixelsOf(previous));
  const parameters = frameParameters(task.options, task);
  const dir = join(workDir, frameFolder(t));
  const status = await frameFolderStatus(dir, { inputs, parameters });
  if (status.complete) {
    const manifest = JSON.parse(await Deno.readTextFile(join(dir, "run.json")));
    return { t, kept: true, reason: "", warnings: manifest.warnings ?? [] };
  }
  const stage = await seriesFrameStage({ image, previous, index: t }, {
    ...task.options,
    source: frameName(plan, t),
  });
  const files: Record<string, Uint8Array | string> = { ...stage.files };
  const warnings = (stage.warnings ?? []).map((w) => ({ code: w.code, message: w.message }));
  await writeFrameFolder(dir, files, { script: "series-frame", inputs, parameters, warnings });
  return { t, kept: false, reason: status.reason, warnings };
}

/** A worker's answer: the outcome, or the error it met (a UserError's subject and message). */
export type WorkerAnswer =
  | { ok: true; outcome: FrameOutcome }
  | { ok: false; user: boolean; subject: string; message: string; stack?: string };

/** Turn what a frame threw into a worker's answer. */
export function answerOf(err: unknown): WorkerAnswer {
  if (err instanceof UserError) {
    return { ok: false, user: true, subject: err.subject, message: err.message };
  }
  const e = err as Error;
  return {
    ok: false,
    user: false,
    subject: "",
    message: String(e?.message ?? err),
    stack: e?.stack,
  };
}
