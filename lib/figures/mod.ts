/**
 * Figures as SVG documents, pure: data in, SVG text out (rasterised to PNG
 * with the bundled font, no permissions needed). Image panels with overlays
 * (points, arrows), histograms, scatter and line charts, mosaics of
 * sub-images, maps of per-site quantities in the image's frame
 * (amplitude-phase colours with a colour-wheel key), the rVAE's latent
 * figures, a grid layout, and the short text helpers every caption uses.
 * Coordinates are the image frame's: pixel (x, y) has its centre at
 * (x, y), x to the right, y down.
 *
 * @example
 * ```ts
 * import { figureGrid, histogramFigure, imagePanel, svgToPng } from "./mod.ts";
 * const image = { data: new Float32Array(32 * 32).map((_, i) => i % 5), width: 32, height: 32 };
 * const svg = figureGrid([imagePanel(image), histogramFigure(image.data, { bins: 5 })]);
 * const png = await svgToPng(svg);
 * if (png[1] !== 0x50) throw new Error("PNG bytes"); // "\x89PNG"
 * ```
 *
 * @module
 */

export { imagePanel, imageToRgba, percentileRange } from "./image_panel.ts";
export type {
  ImageData,
  ImageFrame,
  ImagePanelOptions,
  ImageToRgbaOptions,
  Layer,
} from "./image_panel.ts";
export { arrowsLayer, pointsLayer } from "./layers.ts";
export type {
  ArrowsOptions,
  MarkColorOptions,
  MarkerShape,
  PointsOptions,
  VectorField,
} from "./layers.ts";
/**
 * @example
 * ```ts
 * import { histogramFigure } from "./mod.ts";
 * const svg = histogramFigure([1, 2, 2, 3, 3, 3], { title: "counts", bins: 3 });
 * if (!svg.startsWith("<svg") || !svg.includes("counts")) throw new Error("a titled histogram");
 * ```
 */
export { histogramFigure } from "./charts.ts";
/**
 * @example
 * ```ts
 * import { scatterFigure } from "./mod.ts";
 * const x = Array.from({ length: 30 }, (_, i) => i), y = x.map((v) => v * v);
 * const svg = scatterFigure(x, y, { xLabel: "i", yLabel: "i²", categories: x.map((v) => v % 2) });
 * if (!svg.includes("i²")) throw new Error("labelled axes");
 * ```
 */
export { scatterFigure } from "./charts.ts";
/**
 * @example
 * ```ts
 * import { lineFigure } from "./mod.ts";
 * const epochs = [1, 2, 3];
 * const svg = lineFigure(epochs, [
 *   { label: "training", y: [3, 2, 1.5] },
 *   { label: "held out", y: [3.2, 2.4, 2.2] },
 * ], { logY: true });
 * if (!svg.includes("held out")) throw new Error("a legend with both series");
 * ```
 */
export { lineFigure } from "./charts.ts";
export type {
  ChartOptions,
  HistogramMarker,
  HistogramOptions,
  LineOptions,
  LineSeries,
  ScatterOptions,
} from "./charts.ts";
export { mosaicFigure, tilesFromStack } from "./mosaic.ts";
export type { MosaicOptions } from "./mosaic.ts";
export { siteMapFigure } from "./site_map.ts";
export type { SiteMapFrame, SiteMapOptions, SitePositions } from "./site_map.ts";
export {
  encodedAngleHistogramFigure,
  latentClassesFigure,
  latentManifoldFigure,
  latentMapFigures,
  latentScatterFigure,
  manifoldGrid,
} from "./latent_figures.ts";
export type { LatentMapOptions, LatentValues, ManifoldGrid } from "./latent_figures.ts";
export { figureGrid } from "./layout.ts";
export type { FigureGridOptions } from "./layout.ts";
export { amplitudePhaseColor, colormap } from "./color.ts";
export type { AmplitudePhaseOptions, Colormap, ColormapName, Rgb } from "./color.ts";
export { svgContentBox, svgOverflows, svgToPng } from "./raster.ts";
export type { RasterOptions, SvgOverflow } from "./raster.ts";
export type { Rect, RgbaPixels } from "./svg.ts";
export { degrees, lengthUnit, plural, smallLength } from "./text.ts";
export type { LengthUnit } from "./text.ts";
