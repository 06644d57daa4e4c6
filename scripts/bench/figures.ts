/**
 * Figure speed: build and rasterise a typical 800 x 600 report figure (an
 * image panel with 1,000 atom markers and a colour bar, a histogram with peak
 * markers, a scatter with density contours, a colour wheel). The baseline,
 * measured in the same run, is encoding the same number of RGBA pixels as a
 * PNG with fast-png, the least any figure-to-PNG path must do.
 *
 * @module
 */

import { Random } from "../../lib/random.ts";
import { encodePng } from "../../lib/formats/png.ts";
import { imagePanel } from "../../lib/figures/image_panel.ts";
import { pointsLayer } from "../../lib/figures/layers.ts";
import { histogramFigure, scatterFigure } from "../../lib/figures/charts.ts";
import { colorWheelSvg } from "../../lib/figures/legends.ts";
import { figureGrid } from "../../lib/figures/layout.ts";
import { svgSize } from "../../lib/figures/svg.ts";
import { svgToPng, svgToRgba } from "../../lib/figures/raster.ts";

function exampleFigure(random: Random): string {
  const side = 512;
  const data = new Float32Array(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      data[y * side + x] = Math.cos(x / 2.2) ** 2 * Math.cos(y / 2.2) ** 2 + 0.2 * random.normal();
    }
  }
  const xs = Array.from({ length: 1000 }, () => random.uniform() * side);
  const ys = Array.from({ length: 1000 }, () => random.uniform() * side);
  const angles = Array.from({ length: 1000 }, () => random.uniform() * 2 * Math.PI);
  const image = imagePanel({
    data,
    width: side,
    height: side,
    pixelSize: { value: 0.02, unit: "nm" },
  }, {
    title: "HAADF with atom columns",
    width: 300,
    colorBarLabel: "intensity",
    layers: [pointsLayer(xs, ys, { values: angles, radius: 2 })],
  });
  const histogram = histogramFigure(angles, {
    title: "Latent angle",
    xLabel: "angle (rad)",
    width: 400,
    height: 260,
    markers: [{ x: 1, label: "peak" }],
  });
  const scatter = scatterFigure(xs, ys, {
    title: "Embedding",
    categories: angles.map((a) => Math.floor(a / 2)),
    width: 400,
    height: 260,
  });
  return figureGrid([image, histogram, scatter, colorWheelSvg({ title: "direction" })], {
    columns: 2,
  });
}

async function time(repeats: number, fn: () => unknown): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < repeats; i++) await fn();
  return (performance.now() - start) / repeats;
}

/** Run the figures benchmark. */
export async function run(): Promise<void> {
  const random = new Random(7);
  let start = performance.now();
  const svg = exampleFigure(random);
  const firstBuild = performance.now() - start;
  start = performance.now();
  await svgToRgba(svg); // initialises resvg and the font
  const firstRaster = performance.now() - start;
  const { width, height } = svgSize(svg);
  const pixels = new Uint8Array(Math.round(width) * Math.round(height) * 4).map((_, i) => i % 251);
  const baseline = await time(
    5,
    () =>
      encodePng({
        data: pixels,
        width: Math.round(width),
        height: Math.round(height),
        channels: 4,
      }),
  );
  const build = await time(5, () => exampleFigure(random));
  const rasterise = await time(5, () => svgToPng(svg));
  const hiDpi = await time(3, () => svgToPng(svg, { scale: 2 }));
  console.log(`figure ${Math.round(width)} x ${Math.round(height)}, SVG ${svg.length} bytes`);
  console.log(
    `first build (cold JIT): ${firstBuild.toFixed(0)} ms; first rasterisation ` +
      `(incl. wasm + font init): ${firstRaster.toFixed(0)} ms`,
  );
  console.log(
    `baseline (fast-png encode of ${Math.round(width)}x${Math.round(height)} RGBA): ` +
      `${baseline.toFixed(1)} ms`,
  );
  console.log(`build SVG: ${build.toFixed(1)} ms (${(build / baseline).toFixed(2)}x baseline)`);
  console.log(
    `rasterise to PNG: ${rasterise.toFixed(1)} ms (${(rasterise / baseline).toFixed(2)}x)`,
  );
  console.log(`rasterise at 2x: ${hiDpi.toFixed(1)} ms (${(hiDpi / baseline).toFixed(2)}x)`);
}
