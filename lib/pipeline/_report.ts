/**
 * `analyze`'s `report.html`: the figures the stages drew, the summary, the
 * run's parameters and provenance, and the latent explorer fed by the real
 * latents, the image and sprite sheets of every window and its decoded
 * reconstruction.
 *
 * @module
 */

import type { Image } from "../image.ts";
import { analysisReport, explorerData, type NamedSvg } from "../report/analysis_report.ts";
import type { MethodsSection } from "../report/methods.ts";
import type { Warning } from "../warnings.ts";
import { buildReportHtml } from "../report/report_html.ts";
import { decodeWithPose, type Encoding } from "../rvae/inference.ts";
import type { Rvae } from "../rvae/model.ts";

/** The rVAE's results the explorer shows. */
export interface ReportRvae {
  /** The trained model (decodes the reconstructions). */
  model: Rvae;
  /** The encoded stack. */
  encoding: Encoding;
  /** The class of each window in the mixture on the latents, when fitted. */
  classes: Int32Array | null;
}

/** What {@linkcode analysisReportHtml} puts into the report. */
export interface AnalysisReportSources {
  /** Page title. */
  title: string;
  /** Summary rows. */
  summary: [string, string][];
  /** Every figure, in the order written. */
  figures: readonly NamedSvg[];
  /** Parameters and provenance (the run's manifest). */
  parameters: unknown;
  /** The analysed image. */
  image: Image;
  /** The windows as analysed, their side and centres. */
  stack: { data: Float32Array; window: number; x: ArrayLike<number>; y: ArrayLike<number> };
  /** The rVAE's results, or null when it did not run. */
  rvae: ReportRvae | null;
  /** d3's browser bundle, inlined for the explorer. */
  d3Source: string;
  /** The run's warnings, shown first. */
  warnings?: readonly Warning[];
  /** The generated methods section, shown after the warnings. */
  methods?: MethodsSection;
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

/** The text of `report.html`. */
export function analysisReportHtml(sources: AnalysisReportSources): string {
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
  return buildReportHtml(
    analysisReport({
      title: sources.title,
      summary: sources.summary,
      figures: sources.figures,
      parameters: sources.parameters,
      explorer,
      warnings: sources.warnings,
      methods: sources.methods,
    }),
    { d3Source: sources.d3Source },
  );
}
