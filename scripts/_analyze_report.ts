/**
 * `analyze`'s last stage: `report.html` from what the other stages wrote
 * (their SVG figures, read back from the run's folder) and kept in memory
 * (the trained model, the encoded stack), with the latent explorer fed by
 * the real latents, the image and sprite sheets of every window and its
 * decoded reconstruction.
 *
 * @module
 */

import type { Image } from "../lib/image.ts";
import { readFileChecked } from "../lib/io/atomic_write.ts";
import { readD3Bundle } from "../lib/io/assets.ts";
import type { Run } from "../lib/io/run.ts";
import { analysisReport, explorerData, type NamedSvg } from "../lib/report/analysis_report.ts";
import { buildReportHtml } from "../lib/report/report_html.ts";
import { decodeWithPose, type Encoding } from "../lib/rvae/inference.ts";
import type { Rvae } from "../lib/rvae/model.ts";

/** The rVAE's results the explorer shows. */
export interface ReportRvae {
  /** The trained model (decodes the reconstructions). */
  model: Rvae;
  /** The encoded stack. */
  encoding: Encoding;
  /** The GMM class of each window on the latents, when fitted. */
  classes: Int32Array | null;
}

/** What {@linkcode writeAnalysisReport} puts into the report. */
export interface AnalysisReportSources {
  /** Page title. */
  title: string;
  /** Summary rows. */
  summary: [string, string][];
  /** Parameters and provenance (the run's manifest as it stands). */
  parameters: unknown;
  /** The analysed image. */
  image: Image;
  /** The windows as analysed, their side and centres. */
  stack: { data: Float32Array; window: number; x: ArrayLike<number>; y: ArrayLike<number> };
  /** The rVAE's results, or null when it did not run. */
  rvae: ReportRvae | null;
}

/** Windows decoded with the pose they were encoded with, in batches. */
export function reconstructions(model: Rvae, encoding: Encoding, batch = 256): Float32Array {
  const k = model.config.latentDim;
  const pixels = model.config.size * model.config.size;
  const out = new Float32Array(encoding.count * pixels);
  for (let start = 0; start < encoding.count; start += batch) {
    const end = Math.min(encoding.count, start + batch);
    out.set(
      decodeWithPose(model, {
        content: encoding.content.subarray(start * k, end * k),
        angle: encoding.angle.subarray(start, end),
        shiftPixels: encoding.shiftPixels.subarray(2 * start, 2 * end),
      }),
      start * pixels,
    );
  }
  return out;
}

/** Write `report.html` through `run`; returns its size in bytes. */
export async function writeAnalysisReport(
  run: Run,
  sources: AnalysisReportSources,
): Promise<number> {
  const figures: NamedSvg[] = [];
  for (const file of run.written.filter((name) => name.endsWith(".svg"))) {
    const bytes = await readFileChecked(run.path(file));
    figures.push({ name: file.slice(0, -4), svg: new TextDecoder().decode(bytes) });
  }
  const { rvae, stack } = sources;
  const explorer = rvae
    ? explorerData({
      x: stack.x,
      y: stack.y,
      angle: rvae.encoding.angle,
      content: rvae.encoding.content,
      latentDim: rvae.model.config.latentDim,
      classes: rvae.classes,
      image: sources.image,
      windows: {
        original: stack.data,
        decoded: reconstructions(rvae.model, rvae.encoding),
        window: stack.window,
      },
    })
    : undefined;
  const html = buildReportHtml(
    analysisReport({
      title: sources.title,
      summary: sources.summary,
      figures,
      parameters: sources.parameters,
      explorer,
    }),
    { d3Source: await readD3Bundle() },
  );
  await run.write("report.html", html);
  return new TextEncoder().encode(html).length;
}
