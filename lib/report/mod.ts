/**
 * The report of an analysis as one self-contained `report.html`: warnings
 * first, a generated methods section (a paragraph per stage with its
 * parameters, versions and seed, and the references with DOIs, e.g. the
 * rVAE paper, S. M. P. Valleti et al., AIP Advances 12, 105122 (2022),
 * doi:10.1063/5.0105406), the summary, every figure grouped by stage with
 * its caption, the parameters, and an interactive latent explorer. Pure:
 * results in, HTML text out (`readD3Bundle` of `lib/io/assets.ts` reads the
 * d3 bundle the explorer needs).
 *
 * @example
 * ```ts
 * import { analysisReport, buildReportHtml, methodsSection } from "./mod.ts";
 * const manifest = { parameters: { atoms: { period: 14.7 } }, seed: 1 };
 * const content = analysisReport({
 *   title: "ferrovae: sample",
 *   summary: [["lattice period", "14.7 px"]],
 *   figures: [],
 *   parameters: manifest,
 *   methods: methodsSection(manifest),
 * });
 * const html = buildReportHtml(content, { d3Source: "" });
 * if (!html.includes("doi.org/10.1023/A:1008045108935")) throw new Error("LoG cited by DOI");
 * ```
 *
 * @module
 */

export { analysisReport } from "./analysis_report.ts";
export type { AnalysisReportInput, NamedSvg } from "./analysis_report.ts";
export { buildReportHtml, escapeHtml, svgDataUrl } from "./report_html.ts";
export type {
  ExplorerData,
  ExplorerSites,
  ReportContent,
  ReportFigure,
  ReportOptions,
  ReportSection,
  ReportWarning,
} from "./report_html.ts";
export { methodsSection, REFERENCES } from "./methods.ts";
export type { MethodsCounts, MethodsParagraph, MethodsSection, Reference } from "./methods.ts";

// Types the API above names
export type { AnalysisSummaryInput, StageTiming } from "./analysis_summary.ts";
