/**
 * The content of `analyze`'s report: the figures of every stage grouped into
 * sections with titles and captions, the summary, the parameters and the
 * latent explorer's data (sites, latents, image thumbnail, sprite sheets).
 * Pure: results in, {@linkcode ReportContent} out.
 *
 * @module
 */

import { encodePng, type PngPixels } from "../formats/png.ts";
import { base64 } from "../figures/svg.ts";
import { binImage, type ImageData, percentileRange } from "../figures/image_panel.ts";
import type { MethodsSection } from "./methods.ts";
import type {
  ExplorerData,
  ReportContent,
  ReportFigure,
  ReportSection,
  ReportWarning,
} from "./report_html.ts";
import { spriteSheet } from "./sprites.ts";

/** Title and caption of a figure the stages write, by file name (without extension). */
interface CatalogEntry {
  /** Section the figure belongs to. */
  section: string;
  /** Title above it. */
  title: string;
  /** One sentence on what it shows. */
  caption: string;
}

const ATOMS = "Atom columns and polarisation";
const STACK = "Sub-images";
const BASELINES = "Classical baselines";
const RVAE = "Rotationally invariant VAE";

/** The sections, in report order, with a sentence on each. */
const SECTIONS: [string, string][] = [
  [
    ATOMS,
    "Columns found and refined by Gaussian fits, split into the A and B sublattices; each B " +
    "column's polarisation is its displacement from the centre of its A neighbours.",
  ],
  [STACK, "Windows centred on the chosen sublattice's columns: the input of the learning stages."],
  [
    BASELINES,
    "Linear decompositions, clusterings and 2-D embeddings of the raw windows, for comparison: " +
    "they tend to split the windows by lattice rotation and contrast before polarisation.",
  ],
  [
    RVAE,
    "The rVAE separates each window's rotation (the latent angle) and shift from its content " +
    "(z1, z2); peaks of the angle are the ferroic variants.",
  ],
];

const CATALOG: Record<string, CatalogEntry> = {
  atoms: {
    section: ATOMS,
    title: "Atom columns",
    caption: "Refined columns over the image, coloured by sublattice; crosses mark failed fits.",
  },
  polarization_map: {
    section: ATOMS,
    title: "Polarisation map (Fig. 1b)",
    caption: "Each B column's polarisation after the reference (and tilt) correction: hue is " +
      "the direction, colour strength the magnitude; grey where |p| is within 3 standard errors.",
  },
  polarization_angles: {
    section: ATOMS,
    title: "Polarisation directions",
    caption: "Directions of the significant vectors, with the peaks found on the circle.",
  },
  polarization_arrows: {
    section: ATOMS,
    title: "Polarisation vectors",
    caption: "Magnified polarisation arrows on a crop at the image centre.",
  },
  domain_map: {
    section: ATOMS,
    title: "Domains",
    caption: "Significant B sites by variant (by direction class, marked, when the classes are " +
      "not spatially coherent), domain walls in black (white over the image), sites that are not significant in grey.",
  },
  lattice_maps: {
    section: ATOMS,
    title: "Lattice maps",
    caption: "Local lattice parameters a and b at the A columns, their ratio, the lattice " +
      "rotation and the strain against the reference region or the image median.",
  },
  stack_windows: {
    section: STACK,
    title: "Sample windows",
    caption: "Windows spread through the stack.",
  },
  stack_overview: {
    section: STACK,
    title: "Window centres",
    caption: "Centres of the kept windows and of those dropped at the border.",
  },
  scree: {
    section: BASELINES,
    title: "PCA scree",
    caption: "Explained variance per principal component and its cumulative sum.",
  },
  pca_loadings: {
    section: BASELINES,
    title: "PCA loadings",
    caption: "The leading principal components as window images.",
  },
  nmf_components: {
    section: BASELINES,
    title: "NMF components",
    caption: "Non-negative components as window images.",
  },
  cluster_means: {
    section: BASELINES,
    title: "Class means",
    caption: "Mean window of every class, per clustering method.",
  },
  bic: {
    section: BASELINES,
    title: "Number of classes (BIC)",
    caption: "Bayesian information criterion of Gaussian mixtures on the PCA scores over k.",
  },
  cluster_map: {
    section: BASELINES,
    title: "Classes in real space",
    caption: "Class of each window at its centre in the image.",
  },
  embeddings: {
    section: BASELINES,
    title: "2-D embeddings",
    caption: "Each embedding of the windows, coloured by the full-covariance GMM class.",
  },
  angle_histogram: {
    section: RVAE,
    title: "Encoded angle (Fig. 1d)",
    caption: "Distribution of the latent angle with its peaks and the angles between them.",
  },
  map_angle: {
    section: RVAE,
    title: "Angle in real space (cf. Fig. 2)",
    caption:
      "Encoded angle of every window at its centre, in the image's frame: the domain pattern.",
  },
  map_shift: {
    section: RVAE,
    title: "Shift in real space",
    caption: "Size of the latent shift (colour strength) and the angle (hue).",
  },
  map_dx: {
    section: RVAE,
    title: "dx in real space",
    caption: "Horizontal latent shift (colour strength; pm when calibrated) and the angle (hue).",
  },
  map_dy: {
    section: RVAE,
    title: "dy in real space",
    caption: "Vertical latent shift (colour strength; pm when calibrated) and the angle (hue).",
  },
  map_z1: {
    section: RVAE,
    title: "z1 in real space",
    caption: "First content latent (colour strength) and the angle (hue).",
  },
  map_z2: {
    section: RVAE,
    title: "z2 in real space",
    caption: "Second content latent (colour strength) and the angle (hue).",
  },
  latent_scatter: {
    section: RVAE,
    title: "Latent space (Fig. 2e)",
    caption: "Content latents with their density, coloured by the angle.",
  },
  latent_manifold: {
    section: RVAE,
    title: "Decoded latent manifold (Fig. 1e)",
    caption: "Windows decoded over a grid of content values, at angle 0 and no shift.",
  },
  latent_gmm: {
    section: RVAE,
    title: "GMM on the latents (Fig. 2h)",
    caption: "Gaussian mixture on (cos φ, sin φ, content), one component per angle peak.",
  },
  map_gmm: {
    section: RVAE,
    title: "GMM classes in real space (Fig. 2i)",
    caption: "The latent GMM's class of every window at its centre.",
  },
};

/** A figure as a stage wrote it: file name without extension and SVG text. */
export interface NamedSvg {
  /** e.g. "polarization_map". */
  name: string;
  /** The SVG document. */
  svg: string;
}

/** Figures grouped into the report's sections, in catalog order; unknown names go last. */
export function figureSections(figures: readonly NamedSvg[]): ReportSection[] {
  const known = Object.keys(CATALOG);
  const order = (name: string) => known.includes(name) ? known.indexOf(name) : known.length;
  const sorted = [...figures].sort((a, b) => order(a.name) - order(b.name));
  const sections: ReportSection[] = SECTIONS.map(([title, text]) => ({ title, text, figures: [] }));
  const other: ReportFigure[] = [];
  for (const { name, svg } of sorted) {
    const entry = CATALOG[name];
    const figure = {
      title: entry?.title ?? name.replaceAll("_", " "),
      svg,
      caption: entry?.caption,
    };
    if (entry) sections.find((s) => s.title === entry.section)!.figures.push(figure);
    else other.push(figure);
  }
  if (other.length) sections.push({ title: "Other figures", figures: other });
  return sections.filter((s) => s.figures.length > 0);
}

/** An 8-bit gray thumbnail of `image` (block means, clipped at the 0.5/99.5 percentiles). */
export function imageThumbnail(image: ImageData, maxSide = 800): PngPixels {
  const factor = Math.max(1, Math.ceil(Math.max(image.width, image.height) / maxSide));
  const whole = { x: 0, y: 0, width: image.width, height: image.height };
  const shown = factor > 1 ? binImage(image, whole, factor) : image;
  const [lo, hi] = percentileRange(shown.data);
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const data = Uint8Array.from(shown.data, (v) => {
    const t = Number.isFinite(v) ? (v - lo) * scale : 0;
    return Math.round(Math.min(255, Math.max(0, t)));
  });
  return { data, width: shown.width, height: shown.height, channels: 1 };
}

/** What the latent explorer is built from. */
export interface ExplorerInput {
  /** Window centres, px. */
  x: ArrayLike<number>;
  /** Window centres, px. */
  y: ArrayLike<number>;
  /** Encoded angle per window, [0, 2π). */
  angle: ArrayLike<number>;
  /** Content latents, [count, k] row-major (k may be 0). */
  content: ArrayLike<number>;
  /** Number of content latents. */
  latentDim: number;
  /** Class per window (e.g. the GMM on the latents), when there is one. */
  classes?: ArrayLike<number> | null;
  /** The analysed image (for the site map's background). */
  image: ImageData;
  /** The windows as analysed and their decoded reconstructions, `count` x `window`². */
  windows: { original: Float32Array; decoded: Float32Array; window: number };
}

/** Options of {@linkcode explorerData}. */
export interface ExplorerOptions {
  /** Longest side of the image thumbnail in px (default 480: the map view is 364 px wide). */
  thumbnailSide?: number;
  /** Largest sprite tile side in px: windows are binned down to it (default 24). */
  tileSide?: number;
  /** Grey levels of the sprite sheets (default 32; see {@linkcode spriteSheet}). */
  spriteLevels?: number;
}

/** The latent explorer's data: sites, latents, thumbnail and sprite sheets (base64 PNG). */
export function explorerData(input: ExplorerInput, options: ExplorerOptions = {}): ExplorerData {
  const n = input.x.length;
  const k = input.latentDim;
  const column = (j: number) =>
    Float64Array.from({ length: n }, (_, i) => input.content[i * k + j]);
  const thumb = imageThumbnail(input.image, options.thumbnailSide ?? 480);
  const w = input.windows.window;
  const bin = Math.max(1, Math.ceil(w / (options.tileSide ?? 24)));
  const levels = options.spriteLevels ?? 32;
  const original = spriteSheet({ data: input.windows.original, count: n, window: w }, {
    bin,
    levels,
  });
  const decoded = spriteSheet({ data: input.windows.decoded, count: n, window: w }, {
    bin,
    levels,
  });
  return {
    sites: {
      x: input.x,
      y: input.y,
      angle: input.angle,
      // With no content latents the scatters still need an axis: zeros.
      z1: k >= 1 ? column(0) : new Float64Array(n),
      ...(k >= 2 ? { z2: column(1) } : {}),
      ...(input.classes ? { cluster: input.classes } : {}),
    },
    image: {
      png: base64(encodePng(thumb)),
      // The site map spans the image in its own pixels; the thumbnail is stretched over it.
      width: input.image.width,
      height: input.image.height,
    },
    sprites: {
      original: base64(encodePng(original.pixels)),
      recon: base64(encodePng(decoded.pixels)),
      tile: original.tile,
      cols: original.cols,
      zoom: Math.max(2, Math.round(96 / original.tile)),
    },
  };
}

/** Everything {@linkcode analysisReport} puts on the page. */
export interface AnalysisReportInput {
  /** Page title. */
  title: string;
  /** Summary rows: label, value. */
  summary: [string, string][];
  /** Every figure written. */
  figures: readonly NamedSvg[];
  /** The run's manifest (parameters and provenance). */
  parameters: unknown;
  /** The explorer's data, when the rVAE ran. */
  explorer?: ExplorerData;
  /** Warnings of the run (`run.json`'s `warnings`), shown first. */
  warnings?: readonly ReportWarning[];
  /** The methods section ({@linkcode methodsSection} of the run's manifest). */
  methods?: MethodsSection;
}

/**
 * The report's content for {@linkcode buildReportHtml}.
 *
 * @example
 * ```ts
 * import { analysisReport } from "./analysis_report.ts";
 * const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>`;
 * const content = analysisReport({
 *   title: "ferrovae: sample",
 *   summary: [["B sites", "1,911"]],
 *   figures: [{ name: "polarization_map", svg }],
 *   parameters: { seed: 1 },
 * });
 * if (content.sections.length !== 1) throw new Error("the figure's section");
 * ```
 */
export function analysisReport(input: AnalysisReportInput): ReportContent {
  return {
    title: input.title,
    summary: input.summary,
    sections: figureSections(input.figures),
    parameters: input.parameters,
    ...(input.explorer ? { explorer: input.explorer } : {}),
    ...(input.warnings?.length ? { warnings: input.warnings } : {}),
    ...(input.methods ? { methods: input.methods } : {}),
  };
}
