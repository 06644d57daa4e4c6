/**
 * `deno task docs-figures [--from out/demo] [--screenshot SHOT.png]`: the
 * README's pictures, from the demo's output (`deno task demo`). The seed
 * paper's key figures as ferrovae draws them on the bundled sample are
 * rasterised from their SVG at one pixel per unit (a quarter of the run's 2x
 * PNGs) into `docs/`; with `--screenshot` (a screenshot of the demo's report,
 * e.g. from `tests/browser/explore_report.ts`), a copy scaled to 1024 px
 * wide becomes `docs/report.png`. With `--before OLD_RUN`, a real-space map
 * before and after issue 17: `OLD_RUN/map_angle.svg` (as an older ferrovae
 * drew it) becomes `docs/map_angle_before.png`, and the same run's latents
 * (`latents.csv` with x, y) drawn by today's map in the image's frame over
 * the image, `docs/map_angle_after.png`.
 *
 * @module
 */

import { join } from "node:path";
import { type RasterOptions, svgToRgba } from "../lib/figures/raster.ts";
import { encodePng } from "../lib/formats/png.ts";
import { base64 } from "../lib/figures/svg.ts";
import { FormatError } from "../lib/errors.ts";
import { ensureDir, readFileChecked, writeFileAtomic } from "../lib/io/atomic_write.ts";
import { parseArgs, program, runMain } from "./_cli.ts";
import { parseCsv } from "../lib/io/csv.ts";
import { readImage } from "../lib/io/read_image.ts";
import { latentMapFigures } from "../lib/figures/latent_figures.ts";

/** The figures the README shows, in the paper's order. */
const KEY_FIGURES = [
  "polarization_map",
  "angle_histogram",
  "latent_manifold",
  "map_angle",
  "latent_scatter",
  "map_gmm",
];

const DOCS = "docs";

/** Rasterise `svg` on white to an RGB PNG (no alpha channel: a smaller file). */
async function rgbPng(svg: string, options: RasterOptions): Promise<Uint8Array> {
  const rgba = await svgToRgba(svg, { ...options, background: "white" });
  const data = new Uint8Array(rgba.width * rgba.height * 3);
  for (let i = 0, j = 0; j < data.length; i += 4, j += 3) data.set(rgba.data.subarray(i, i + 3), j);
  return encodePng({ data, width: rgba.width, height: rgba.height, channels: 3 });
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Uint8Array, name: string): { width: number; height: number } {
  if (bytes.length < 24 || bytes[12] !== 0x49 || bytes[13] !== 0x48) {
    throw new FormatError(name, "not a PNG file");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** `map_angle` as `dir` has it, and as drawn now from the same run's latents over its image. */
async function beforeAfter(dir: string): Promise<void> {
  const old = new TextDecoder().decode(await readFileChecked(join(dir, "map_angle.svg")));
  const write = async (name: string, svg: string) => {
    const png = await rgbPng(svg, { scale: 1 });
    await writeFileAtomic(join(DOCS, `${name}.png`), png);
    console.log(`${DOCS}/${name}.png: ${(png.length / 1024).toFixed(0)} KB`);
  };
  await write("map_angle_before", old);
  const manifest = JSON.parse(
    new TextDecoder().decode(await readFileChecked(join(dir, "run.json"))),
  );
  const image = await readImage(String(manifest.parameters.image));
  const path = join(dir, "latents.csv");
  const table = parseCsv(new TextDecoder().decode(await readFileChecked(path)), path);
  const column = (name: string) => {
    const k = table.header.indexOf(name);
    if (k < 0) throw new FormatError(path, `no column ${name}`);
    return Float64Array.from(table.rows, (row) => Number(row[k]));
  };
  const [dx, dy, z1, z2] = ["dx", "dy", "z1", "z2"].map(column);
  const latents = {
    angle: column("angle"),
    shiftPixels: Float64Array.from({ length: 2 * dx.length }, (_, k) => (k % 2 ? dy : dx)[k >> 1]),
    content: Float64Array.from({ length: 2 * z1.length }, (_, k) => (k % 2 ? z2 : z1)[k >> 1]),
    latentDim: 2,
  };
  const [map] = latentMapFigures(image, { x: column("x"), y: column("y") }, latents, {
    background: image,
  });
  await write("map_angle_after", map.svg);
}

if (import.meta.main) {
  await runMain(async () => {
    const cmd = program("docs-figures", "The README's pictures from the demo's output")
      .option("--from <dir>", "the demo's output folder", "out/demo")
      .option("--screenshot <png>", "a screenshot of the demo's report, for docs/report.png")
      .option(
        "--before <dir>",
        "only: map_angle of a run drawn by an older ferrovae, before and after",
      );
    parseArgs(cmd);
    const flags = cmd.opts();
    await ensureDir(DOCS);
    if (flags.before) {
      await beforeAfter(flags.before);
      return;
    }
    for (const name of KEY_FIGURES) {
      const svg = new TextDecoder().decode(await readFileChecked(join(flags.from, `${name}.svg`)));
      const png = await rgbPng(svg, { scale: 1 });
      await writeFileAtomic(join(DOCS, `${name}.png`), png);
      console.log(`${DOCS}/${name}.png: ${(png.length / 1024).toFixed(0)} KB`);
    }
    if (flags.screenshot) {
      const shot = await readFileChecked(flags.screenshot);
      const { width, height } = pngSize(shot, flags.screenshot);
      // Scaled by resvg, which resamples an embedded raster smoothly.
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
        `<image width="${width}" height="${height}" href="data:image/png;base64,${
          base64(shot)
        }"/></svg>`;
      const png = await rgbPng(svg, { scale: 1024 / width });
      await writeFileAtomic(join(DOCS, "report.png"), png);
      console.log(`${DOCS}/report.png: ${(png.length / 1024).toFixed(0)} KB`);
    }
  });
}
