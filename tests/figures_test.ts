/**
 * Figure kernels, checked on rendered pixels: known values at known places,
 * colours of the amplitude-phase map and its wheel, text, bar heights and the
 * scale bar's length.
 */

import { d3 } from "../lib/deps.ts";
import { decodePng } from "../lib/formats/png.ts";
import {
  amplitudePhaseColor,
  arrowsLayer,
  figureGrid,
  histogramFigure,
  imagePanel,
  imageToRgba,
  lineFigure,
  mosaicFigure,
  percentileRange,
  pointsLayer,
  type Rgb,
  scatterFigure,
  svgToPng,
} from "../lib/figures/mod.ts";
import { categoryLegend } from "../lib/figures/layers.ts";
import { chooseScaleBar } from "../lib/figures/scale_bar.ts";
import { colorWheelSvg } from "../lib/figures/legends.ts";
import { histogramCounts } from "../lib/figures/charts.ts";
import { rgbToOklab } from "../lib/figures/color.ts";
import { svgDocument, svgSize, svgText } from "../lib/figures/svg.ts";
import { svgToRgba } from "../lib/figures/raster.ts";
import { writeFigure } from "../lib/io/figure.ts";
import { Run } from "../lib/io/run.ts";
import type { RgbaPixels } from "../lib/figures/svg.ts";
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "./assert.ts";

function pixel(image: RgbaPixels, x: number, y: number): [number, number, number, number] {
  const o = (Math.round(y) * image.width + Math.round(x)) * 4;
  return [image.data[o], image.data[o + 1], image.data[o + 2], image.data[o + 3]];
}

function colorDistance(a: readonly number[], b: readonly number[]): number {
  return Math.max(Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1]), Math.abs(a[2] - b[2]));
}

/** CIEDE2000 colour difference (Sharma, Wu & Dalal 2005) of two sRGB colours. */
function deltaE2000(c1: Rgb, c2: Rgb): number {
  const lab1 = d3.lab(d3.rgb(...c1)), lab2 = d3.lab(d3.rgb(...c2));
  const rad = Math.PI / 180;
  const cBar = (Math.hypot(lab1.a, lab1.b) + Math.hypot(lab2.a, lab2.b)) / 2;
  const g = 0.5 * (1 - Math.sqrt(cBar ** 7 / (cBar ** 7 + 25 ** 7)));
  const a1 = (1 + g) * lab1.a, a2 = (1 + g) * lab2.a;
  const C1 = Math.hypot(a1, lab1.b), C2 = Math.hypot(a2, lab2.b);
  const h = (b: number, a: number) => (Math.atan2(b, a) / rad + 360) % 360;
  const h1 = h(lab1.b, a1), h2 = h(lab2.b, a2);
  const dL = lab2.l - lab1.l, dC = C2 - C1;
  let dh = h2 - h1;
  if (dh > 180) dh -= 360;
  if (dh < -180) dh += 360;
  const dH = 2 * Math.sqrt(C1 * C2) * Math.sin((dh / 2) * rad);
  const LBar = (lab1.l + lab2.l) / 2, CBar = (C1 + C2) / 2;
  let hBar = (h1 + h2) / 2;
  if (Math.abs(h1 - h2) > 180) hBar += 180;
  const T = 1 - 0.17 * Math.cos((hBar - 30) * rad) + 0.24 * Math.cos(2 * hBar * rad) +
    0.32 * Math.cos((3 * hBar + 6) * rad) - 0.2 * Math.cos((4 * hBar - 63) * rad);
  const sL = 1 + (0.015 * (LBar - 50) ** 2) / Math.sqrt(20 + (LBar - 50) ** 2);
  const sC = 1 + 0.045 * CBar, sH = 1 + 0.015 * CBar * T;
  const rT = -2 * Math.sqrt(CBar ** 7 / (CBar ** 7 + 25 ** 7)) *
    Math.sin(60 * Math.exp(-(((hBar - 275) / 25) ** 2)) * rad);
  return Math.sqrt(
    (dL / sL) ** 2 + (dC / sC) ** 2 + (dH / sH) ** 2 + rT * (dC / sC) * (dH / sH),
  );
}

Deno.test("grayscale panel: a gradient renders its gray level at the expected pixel", async () => {
  const width = 256, height = 8;
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = x * 10;
  const svg = imagePanel({ data, width, height }, { width: 256, percentiles: [0, 100] });
  const image = await svgToRgba(svg);
  // The image area starts at (6, 6) and shows one image pixel per output pixel.
  for (const x of [0, 37, 100, 200, 255]) {
    const [r, g, b, a] = pixel(image, 6 + x, 6 + 4);
    assertAlmostEquals(r, x, 1, `gray at image x=${x}: ${r}`);
    assertEquals([g, b, a], [r, r, 255]);
  }
});

Deno.test("enlarged images show crisp pixels (nearest neighbour)", async () => {
  const svg = imagePanel({ data: new Float32Array([0, 1]), width: 2, height: 1 }, {
    width: 200,
    percentiles: [0, 100],
  });
  const image = await svgToRgba(svg);
  assertEquals([90, 98, 102, 110].map((x) => pixel(image, 6 + x, 6 + 50)[0]), [0, 0, 255, 255]);
});

Deno.test("large images are block-averaged before embedding, in register", async () => {
  const width = 1200, height = 600;
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data[y * width + x] = x < 600 ? 0 : 1;
    }
  }
  const svg = imagePanel({ data, width, height }, { width: 200, percentiles: [0, 100] });
  assert(svg.length < 20_000, `SVG of ${svg.length} bytes: not downsampled`);
  const image = await svgToRgba(svg);
  // 6 image px per screen px: the edge at x = 600 is at screen x 6 + 100.
  assertEquals(pixel(image, 6 + 97, 50)[0], 0);
  assertEquals(pixel(image, 6 + 103, 50)[0], 255);
});

Deno.test("percentile clipping: outliers saturate, the bulk keeps its contrast", () => {
  const data = new Float32Array(1000);
  for (let i = 0; i < 1000; i++) data[i] = i;
  data[0] = -1e6;
  data[999] = 1e6;
  const [lo, hi] = percentileRange(data, [1, 99]);
  assert(lo > 0 && lo < 20 && hi > 980 && hi < 999, `range ${lo}..${hi}`);
  const rgba = imageToRgba({ data, width: 1000, height: 1 }, { percentiles: [1, 99] });
  assertEquals(rgba.data[0], 0);
  assertEquals(rgba.data[999 * 4], 255);
  assertAlmostEquals(rgba.data[500 * 4], 128, 2);
});

Deno.test("amplitude-phase map: intended hues, distinct opposites, even steps", () => {
  const hue = (angle: number) => d3.hsl(d3.rgb(...amplitudePhaseColor(angle, 1))).h;
  const near = (h: number, target: number, tol: number) =>
    Math.abs(((h - target + 540) % 360) - 180) <= tol;
  assert(near(hue(0), 0, 20), `angle 0 is red, hue ${hue(0)}`);
  assert(near(hue(Math.PI / 2), 80, 25), `angle π/2 is yellow-green, hue ${hue(Math.PI / 2)}`);
  assert(near(hue(Math.PI), 185, 25), `angle π is cyan, hue ${hue(Math.PI)}`);
  assert(near(hue((3 * Math.PI) / 2), 260, 25), `angle 3π/2 is violet-blue`);
  // Periodic, and gray at zero amplitude.
  assertEquals(amplitudePhaseColor(2 * Math.PI + 1, 1), amplitudePhaseColor(1, 1));
  const [r, g, b] = amplitudePhaseColor(1.3, 0);
  assert(Math.abs(r - g) <= 1 && Math.abs(g - b) <= 1, "amplitude 0 is gray");
  const steps: number[] = [], oklabSteps: number[] = [], opposite: number[] = [];
  const step = Math.PI / 9;
  for (let i = 0; i < 18; i++) {
    const c0 = amplitudePhaseColor(i * step, 1), c1 = amplitudePhaseColor((i + 1) * step, 1);
    steps.push(deltaE2000(c0, c1));
    const l0 = rgbToOklab(c0), l1 = rgbToOklab(c1);
    oklabSteps.push(Math.hypot(l0[0] - l1[0], l0[1] - l1[1], l0[2] - l1[2]));
    opposite.push(deltaE2000(c0, amplitudePhaseColor(i * step + Math.PI, 1)));
  }
  // Equal 20° steps (OKLab ΔE 0.043) are equal OKLab steps up to 8-bit rounding, and within a
  // factor 1.5 in CIEDE2000; HSV's steps vary by a factor of more than 10.
  const okRatio = Math.max(...oklabSteps) / Math.min(...oklabSteps);
  const deRatio = Math.max(...steps) / Math.min(...steps);
  assert(okRatio < 1.15, `OKLab step ratio ${okRatio}`); // 8-bit rounding moves each end ~0.0015
  assert(deRatio < 1.5, `CIEDE2000 step ratio ${deRatio}`);
  assert(Math.min(...opposite) > 25, `opposite angles differ by ΔE00 ${Math.min(...opposite)}`);
  // Lightness constant: no direction stands out.
  const ls = d3.range(36).map((i) => rgbToOklab(amplitudePhaseColor(i * step, 1))[0]);
  assert(Math.max(...ls) - Math.min(...ls) < 0.01, "constant lightness");
});

Deno.test("colour wheel: the pixel at a known angle and radius has that colour", async () => {
  const svg = colorWheelSvg({ size: 100, labels: false });
  const image = await svgToRgba(svg);
  const cx = 4 + 50, cy = 4 + 50; // margin 4 without labels or title
  for (const angle of [0, Math.PI / 2, Math.PI, (3 * Math.PI) / 2, 1]) {
    const r = 35;
    const got = pixel(image, cx + r * Math.cos(angle) - 0.5, cy + r * Math.sin(angle) - 0.5);
    const want = amplitudePhaseColor(angle, r / 50);
    assert(colorDistance(got, want) <= 8, `angle ${angle}: got ${got}, want ${want}`);
  }
  // Outside the wheel: transparent.
  assertEquals(pixel(image, 2, 2)[3], 0);
});

Deno.test("text renders: dark pixels where the title is, none elsewhere", async () => {
  const svg = svgDocument({ width: 200, height: 60 }, svgText(100, 25, "Polarisation (pm)"));
  const image = await svgToRgba(svg);
  let darkInTitle = 0, darkBelow = 0;
  for (let y = 0; y < 60; y++) {
    for (let x = 0; x < 200; x++) {
      if (pixel(image, x, y)[0] < 100) y < 32 ? darkInTitle++ : darkBelow++;
    }
  }
  assert(darkInTitle > 100, `only ${darkInTitle} dark pixels in the title`);
  assertEquals(darkBelow, 0);
});

Deno.test("histogram: bar heights in pixels are proportional to the counts", async () => {
  const values = [
    ...new Array(10).fill(0.5),
    ...new Array(20).fill(1.5),
    ...new Array(40).fill(2.5),
  ];
  assertEquals(histogramCounts(values, { bins: 3, domain: [0, 3] }).counts, [10, 20, 40]);
  const svg = histogramFigure(values, {
    bins: 3,
    domain: [0, 3],
    color: "#ff0000",
    markers: [{ x: 1, label: "peak" }],
  });
  const image = await svgToRgba(svg);
  const heights: number[] = [];
  let inBar = false;
  for (let x = 0; x < image.width; x++) {
    let red = 0;
    for (let y = 0; y < image.height; y++) {
      const [r, g, b] = pixel(image, x, y);
      if (r > 240 && g < 20 && b < 20) red++;
    }
    if (red > 0 && !inBar) heights.push(0);
    inBar = red > 0;
    if (red > 0) heights[heights.length - 1] = Math.max(heights[heights.length - 1], red);
  }
  assertEquals(heights.length, 3);
  assertAlmostEquals(heights[1] / heights[0], 2, 0.05);
  assertAlmostEquals(heights[2] / heights[0], 4, 0.1);
});

Deno.test("line chart: a rising and a falling line cross in the middle", async () => {
  const svg = lineFigure([0, 1, 2], [
    { label: "rising", y: [0, 5, 10], color: "#0000ff" },
    { label: "falling", y: [10, 5, 0], color: "#ff0000" },
  ], { xLabel: "epoch", logY: false });
  const image = await svgToRgba(svg);
  const rowsOf = (want: Rgb) => {
    const cols = new Map<number, number>();
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width - 100; x++) { // the legend is at the right
        if (colorDistance(pixel(image, x, y), want) < 60) cols.set(x, y);
      }
    }
    const xs = [...cols.keys()].sort((a, b) => a - b);
    return { first: cols.get(xs[0])!, last: cols.get(xs[xs.length - 1])!, xs };
  };
  const blue = rowsOf([0, 0, 255]), red = rowsOf([255, 0, 0]);
  assert(blue.first - blue.last > 150, "rising line goes up the plot");
  assert(red.last - red.first > 150, "falling line goes down");
  assertAlmostEquals(blue.first, red.last, 8); // both end on the x axis (line caps differ)
  assertThrows(() => lineFigure([0, 1], [{ label: "short", y: [1] }]), RangeError);
});

Deno.test("scale bar: round length, and its length in pixels is length / pixel size", async () => {
  assertEquals(chooseScaleBar(500, { value: 0.02, unit: "nm" }), {
    nm: 2,
    pixels: 100,
    label: "2 nm",
  });
  assertEquals(chooseScaleBar(512, { value: 30, unit: "pm" })?.nm, 2);
  assertEquals(chooseScaleBar(1000, { value: 0.5, unit: "Å" })?.label, "10 nm");
  assertEquals(chooseScaleBar(100, { value: 0.01, unit: "nm" })?.label, "0.2 nm");
  assertEquals(chooseScaleBar(100, undefined), undefined);
  assertEquals(chooseScaleBar(100, { value: 1, unit: "counts" }), undefined);
  // Rendered: a black 500 x 200 image at one output pixel per image pixel.
  const data = new Float32Array(500 * 200);
  const svg = imagePanel(
    { data, width: 500, height: 200, pixelSize: { value: 0.02, unit: "nm" } },
    {
      width: 500,
      range: [0, 1],
    },
  );
  const image = await svgToRgba(svg);
  const y = 6 + 200 - 12 + 2; // middle of the 4 px bar
  let white = 0;
  for (let x = 6; x < 6 + 500; x++) if (pixel(image, x, y)[0] > 240) white++; // image area only
  assertAlmostEquals(white, 100, 2);
});

Deno.test("points and arrows land at their image positions", async () => {
  const data = new Float32Array(50 * 40);
  const panel = imagePanel({ data, width: 50, height: 40 }, {
    width: 200,
    range: [0, 1],
    layers: [
      pointsLayer([10], [30], { color: "#00ff00", radius: 4, stroke: "none", opacity: 1 }),
      arrowsLayer({ x: [30], y: [10], dx: [1], dy: [0] }, {
        color: "#ff00ff",
        lengthScale: 40,
        pivot: "tail",
        width: 3,
        opacity: 1,
      }),
    ],
  });
  const image = await svgToRgba(panel);
  const at = (ix: number, iy: number) => pixel(image, 6 + (ix + 0.5) * 4, 6 + (iy + 0.5) * 4);
  assertEquals(at(10, 30).slice(0, 3), [0, 255, 0]);
  assert(colorDistance(at(33, 10), [255, 0, 255]) < 10, "arrow shaft right of its tail");
  assert(colorDistance(at(27, 10), [0, 0, 0]) < 10, "nothing left of the tail");
  // magnify: 10 (image px per vector px) at 4 screen px per image px is lengthScale 40.
  const field = { x: [30], y: [10], dx: [1], dy: [0] };
  const frame = {
    x: (v: number) => v * 4,
    y: (v: number) => v * 4,
    scale: 4,
    area: { x: 0, y: 0, width: 200, height: 160 },
  };
  assertEquals(
    arrowsLayer(field, { magnify: 10 })(frame),
    arrowsLayer(field, { lengthScale: 40 })(frame),
  );
});

Deno.test("points coloured by direction use the amplitude-phase map", async () => {
  const panel = imagePanel({ data: new Float32Array(40 * 20), width: 40, height: 20 }, {
    width: 160,
    range: [0, 1],
    layers: [
      pointsLayer([10, 30], [10, 10], {
        angles: [0, Math.PI],
        amplitudes: [2, 1],
        radius: 5,
        stroke: "none",
        opacity: 1,
      }),
    ],
  });
  const image = await svgToRgba(panel);
  const at = (ix: number) => pixel(image, 6 + (ix + 0.5) * 4, 6 + 10.5 * 4);
  assert(colorDistance(at(10), amplitudePhaseColor(0, 1)) <= 2, `angle 0: ${at(10)}`);
  assert(colorDistance(at(30), amplitudePhaseColor(Math.PI, 0.5)) <= 2, `angle π: ${at(30)}`);
});

Deno.test("points coloured by category match their legend entries", async () => {
  const sublattice = ["B", "A", "B"];
  const legend = categoryLegend(sublattice);
  assertEquals(legend.map((e) => e.label), ["A", "B"]);
  const panel = imagePanel({ data: new Float32Array(30 * 10), width: 30, height: 10 }, {
    width: 120,
    range: [0, 1],
    layers: [pointsLayer([5, 15, 25], [5, 5, 5], {
      categories: sublattice,
      radius: 5,
      stroke: "none",
      opacity: 1,
    })],
  });
  const image = await svgToRgba(panel);
  const at = (ix: number) => pixel(image, 6 + (ix + 0.5) * 4, 6 + 5.5 * 4);
  const rgb = (css: string) => {
    const c = d3.rgb(css);
    return [c.r, c.g, c.b];
  };
  assert(colorDistance(at(5), rgb(legend[1].color)) <= 1, "B");
  assert(colorDistance(at(15), rgb(legend[0].color)) <= 1, "A");
  assert(legend[0].color !== legend[1].color, "two distinct colours");
});

Deno.test("mosaic: tiles in row order with shared normalisation", async () => {
  const tiles = [0, 1, 2, 3].map((v) => ({
    data: new Float32Array(16).fill(v),
    width: 4,
    height: 4,
  }));
  const svg = mosaicFigure(tiles, { columns: 2, tileSize: 20, gap: 0, percentiles: [0, 100] });
  const image = await svgToRgba(svg);
  const centre = (c: number, r: number) => pixel(image, 8 + c * 20 + 10, 6 + r * 20 + 10)[0];
  assertEquals([centre(0, 0), centre(1, 0), centre(0, 1), centre(1, 1)], [0, 85, 170, 255]);
  // With a gap: 5 px requested = 1 tile pixel at 5 px per tile pixel; the gap shows the background.
  const gapped = await svgToRgba(
    mosaicFigure(
      [0, 0, 1, 0].map((v) => ({ data: new Float32Array(16).fill(v), width: 4, height: 4 })),
      {
        columns: 2,
        tileSize: 20,
        gap: 5,
        percentiles: [0, 100],
      },
    ),
  );
  const row = 6 + 10;
  assertEquals([27, 29, 30, 32, 34].map((x) => pixel(gapped, x, row)[0]), [0, 255, 255, 255, 0]);
});

Deno.test("scatter and grid compose into one document of the expected size", async () => {
  const x = d3.range(200).map((i) => Math.cos(i)), y = d3.range(200).map((i) => Math.sin(i * 1.3));
  const scatter = scatterFigure(x, y, { categories: x.map((v) => (v > 0 ? 1 : 0)), title: "t" });
  const hist = histogramFigure(x, { width: 300, height: 200 });
  const grid = figureGrid([scatter, hist], { columns: 2, gap: 10 });
  const size = svgSize(grid);
  assertEquals(size.width, 16 + 440 + 10 + 300 + 8);
  const image = await svgToRgba(grid);
  assertEquals([image.width, image.height], [Math.ceil(size.width), Math.ceil(size.height)]);
  // Panel letter "a" is drawn in the left inset.
  let dark = 0;
  for (let yy = 4; yy < 24; yy++) {
    for (let xx = 0; xx < 16; xx++) if (pixel(image, xx, yy)[0] < 100) dark++;
  }
  assert(dark > 5, "panel letter drawn");
});

Deno.test("writeFigure writes an SVG and a 2x PNG through the run", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp" });
  try {
    const run = new Run({ script: "figures_test", outDir: dir, command: [] });
    const svg = colorWheelSvg({ size: 40 });
    const paths = await writeFigure(run, { name: "wheel", svg });
    assertEquals(await Deno.readTextFile(paths.svg), svg);
    const png = decodePng(await Deno.readFile(paths.png), paths.png);
    const size = svgSize(svg);
    assertEquals([png.width, png.height], [2 * size.width, 2 * size.height]);
    assertEquals([...run.written], ["wheel.svg", "wheel.png"]);
    await run.abandon();
    const bytes = await svgToPng(svg);
    assertEquals(decodePng(bytes).width, size.width);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
