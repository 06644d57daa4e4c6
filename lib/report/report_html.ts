/**
 * `report.html`: one self-contained file (no network; scripts, figures and
 * data inlined) with the summary, every figure, the parameters and the
 * interactive latent explorer. Pure: content in, HTML text out.
 *
 * @module
 */

import { EXPLORER_SCRIPT } from "./_explorer_script.ts";
import type { MethodsSection } from "./methods.ts";

/** A doubt about the input or the result, as `run.json` lists it. */
export interface ReportWarning {
  /** Stable code, e.g. "uncalibrated". */
  code: string;
  /** What it means for the results, in a sentence. */
  message: string;
}

/** One figure of the report, as SVG text. */
export interface ReportFigure {
  /** Short title shown above the figure. */
  title: string;
  /** The figure's SVG document. */
  svg: string;
  /** What the figure shows, in a sentence. */
  caption?: string;
}

/** A titled group of figures (one per analysis stage). */
export interface ReportSection {
  /** Section heading. */
  title: string;
  /** Figures, in order. */
  figures: ReportFigure[];
  /** Optional paragraph above the figures. */
  text?: string;
}

/** Per-site data for the latent explorer (all arrays the same length). */
export interface ExplorerSites {
  /** Site column positions (px). */
  x: ArrayLike<number>;
  /** Site row positions (px). */
  y: ArrayLike<number>;
  /** Encoded angle in [0, 2π). */
  angle: ArrayLike<number>;
  /** First content latent. */
  z1: ArrayLike<number>;
  /** Second content latent, when there is one. */
  z2?: ArrayLike<number>;
  /** Cluster label per site, e.g. a GMM on the latents. */
  cluster?: ArrayLike<number>;
}

/** Everything the latent explorer shows. */
export interface ExplorerData {
  /** The sites and their latents. */
  sites: ExplorerSites;
  /** The image under the site map, as base64 PNG with its size in pixels. */
  image?: { png: string; width: number; height: number };
  /** Sprite sheets (base64 PNG) of every site's sub-image and reconstruction. */
  sprites?: { original: string; recon: string; tile: number; cols: number; zoom: number };
  /** Colour points by encoded angle (default) or by cluster. */
  colourBy?: "angle" | "cluster";
}

/** The whole report. */
export interface ReportContent {
  /** Page title. */
  title: string;
  /** Summary rows: label, value. */
  summary: [string, string][];
  /** Figure sections. */
  sections: ReportSection[];
  /** Parameters and provenance (e.g. the run manifest), shown as JSON. */
  parameters: unknown;
  /** Latent explorer data; omitted when there is no rVAE result. */
  explorer?: ExplorerData;
  /** Warnings, shown first. */
  warnings?: readonly ReportWarning[];
  /** The generated methods section, shown after the warnings. */
  methods?: MethodsSection;
}

/** Options for {@linkcode buildReportHtml}. */
export interface ReportOptions {
  /** Source of d3's UMD bundle (`d3.min.js`), inlined so the page needs no network. */
  d3Source: string;
}

/**
 * Escape text for HTML element content and attribute values.
 *
 * @example
 * ```ts
 * import { escapeHtml } from "./report_html.ts";
 * if (escapeHtml('<a title="x">&</a>') !== "&lt;a title=&quot;x&quot;&gt;&amp;&lt;/a&gt;") {
 *   throw new Error();
 * }
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/**
 * An SVG document as a `data:` URL for an HTML attribute: percent-encoded only where URL
 * parsing needs it (`%`, `#`, tabs and line breaks), then HTML-escaped — about a quarter
 * smaller than base64, which matters for figures that embed rasters.
 *
 * @example
 * ```ts
 * import { svgDataUrl } from "./report_html.ts";
 * const url = svgDataUrl(`<svg fill="#f00"/>`);
 * if (url !== "data:image/svg+xml;charset=utf-8,&lt;svg fill=&quot;%23f00&quot;/&gt;") {
 *   throw new Error(url);
 * }
 * ```
 */
export function svgDataUrl(svg: string): string {
  const url = svg.replaceAll("%", "%25").replaceAll("#", "%23").replaceAll("\t", "%09")
    .replaceAll("\n", "%0A").replaceAll("\r", "%0D");
  return escapeHtml(`data:image/svg+xml;charset=utf-8,${url}`);
}

function figureHtml(figure: ReportFigure): string {
  // As <img> of an SVG data URL, so ids and styles of one figure never clash with another's.
  const src = svgDataUrl(figure.svg);
  const caption = figure.caption ? `<p>${escapeHtml(figure.caption)}</p>` : "";
  return `<figure class="fig"><figcaption><b>${escapeHtml(figure.title)}</b>${caption}` +
    `</figcaption><img alt="${escapeHtml(figure.title)}" src="${src}"></figure>`;
}

/** JSON that can sit inside a `<script>` element without ending it. */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v)
    .replaceAll("<", "\\u003c");
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1280px;padding:16px 24px;color:#1b1b1b;background:#fff}
h1{font-size:1.6em;margin:.2em 0}h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:1.6em}
table.summary{border-collapse:collapse}table.summary td{padding:3px 12px;border-bottom:1px solid #eee}
table.summary td:first-child{color:#555}
.figs{display:flex;flex-wrap:wrap;gap:18px}.fig{margin:0;max-width:100%}.fig img{max-width:100%;border:1px solid #eee}
.fig figcaption p{margin:2px 0 6px;color:#555;font-size:.9em;max-width:640px}
.explorer-views{display:flex;flex-wrap:wrap;gap:12px}.explorer-view{border:1px solid #ddd;background:#fafafa}
.explorer-view circle{stroke:none;opacity:.85}.explorer-view circle.faded{opacity:.12}
.explorer-view circle.selected{stroke:#000;stroke-width:.8;opacity:1}
.view-title{font-weight:600;font-size:13px}.axis-label{font-size:11px;fill:#333}
.explorer-tooltip{position:absolute;pointer-events:none;background:#fff;border:1px solid #999;border-radius:4px;padding:6px 8px;font-size:12px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
.explorer-tooltip .tiles{display:flex;gap:6px;margin-top:4px}.explorer-tooltip figure{margin:0;text-align:center}
.explorer-tooltip .tile{image-rendering:pixelated;background-repeat:no-repeat;border:1px solid #ccc}
.warnings{border:1px solid #d9a400;background:#fff8e1;padding:8px 14px;border-radius:4px}
.warnings li{margin:3px 0}.warnings code{color:#8a5a00}
.methods p{max-width:900px;line-height:1.45}.methods ol{font-size:.92em;max-width:900px}
pre.params{background:#f6f6f6;padding:10px;overflow:auto;max-height:420px;font-size:12px}
`;

/**
 * Build the report's HTML text.
 *
 * @example
 * ```ts
 * import { buildReportHtml } from "./report_html.ts";
 * const html = buildReportHtml(
 *   { title: "ferrovae: sample", summary: [["B sites", "1,911"]], sections: [], parameters: {} },
 *   { d3Source: "" }, // readD3Bundle() of lib/io/assets.ts gives d3, needed by the explorer
 * );
 * if (!html.startsWith("<!DOCTYPE html>") || !html.includes("1,911")) throw new Error();
 * ```
 */
export function buildReportHtml(content: ReportContent, options: ReportOptions): string {
  const summary = content.summary.map(([k, v]) =>
    `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`
  ).join("");
  const sections = content.sections.map((section) =>
    `<section><h2>${escapeHtml(section.title)}</h2>` +
    (section.text ? `<p>${escapeHtml(section.text)}</p>` : "") +
    `<div class="figs">${section.figures.map(figureHtml).join("")}</div></section>`
  ).join("\n");
  const explorer = content.explorer
    ? `<section><h2>Latent explorer</h2><div id="explorer"></div>
<script type="application/json" id="explorer-data">${scriptSafeJson(content.explorer)}</script>
<script>${options.d3Source.replaceAll("</script", "<\\/script")}</script>
<script>${EXPLORER_SCRIPT}</script></section>`
    : "";
  const warnings = content.warnings?.length
    ? `<section class="warnings"><h2>${
      content.warnings.length === 1 ? "Warning" : "Warnings"
    }</h2><ul>` +
      content.warnings.map((w) =>
        `<li><code>${escapeHtml(w.code)}</code>: ${escapeHtml(w.message)}</li>`
      ).join("") + `</ul></section>`
    : "";
  const methods = content.methods ? methodsHtml(content.methods) : "";
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(content.title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(content.title)}</h1>
${warnings}
${methods}
<section><h2>Summary</h2><table class="summary">${summary}</table></section>
${explorer}
${sections}
<section><h2>Parameters and provenance</h2><pre class="params">${
    escapeHtml(JSON.stringify(content.parameters, null, 2))
  }</pre></section>
</body></html>
`;
}

/** The methods paragraphs with numbered citations, and the reference list with DOI links. */
function methodsHtml(methods: MethodsSection): string {
  const number = new Map(methods.references.map((r, i) => [r.key, i + 1]));
  const cite = (text: string) =>
    escapeHtml(text).replace(/\[([a-z0-9, ]+)\]/g, (whole, keys: string) => {
      const ns = keys.split(",").map((k) => number.get(k.trim()));
      return ns.every((n) => n !== undefined) ? `[${ns.join(", ")}]` : whole;
    });
  const paragraphs = methods.paragraphs.map((p) =>
    `<p><b>${escapeHtml(p.stage)}.</b> ${cite(p.text)}</p>`
  ).join("");
  const references = methods.references.map((r) => {
    const link = r.doi
      ? ` doi:<a href="https://doi.org/${escapeHtml(r.doi)}">${escapeHtml(r.doi)}</a>`
      : r.url
      ? ` <a href="${escapeHtml(r.url)}">${escapeHtml(r.url)}</a>`
      : "";
    return `<li>${escapeHtml(r.text)}${link}</li>`;
  }).join("");
  return `<section class="methods"><h2>Methods</h2>${paragraphs}<h3>References</h3>` +
    `<ol>${references}</ol></section>`;
}
