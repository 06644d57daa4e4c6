/**
 * Real-space maps are drawn as images: for every kind of map, the plot area
 * has the image's aspect ratio (within 1 %), sites land where the image has
 * them (y down), axes are in nm when calibrated, every amplitude-phase map
 * carries its wheel with the amplitude range and unit, and nothing drawn
 * (no label) leaves its SVG document.
 */

import { findAtoms } from "../lib/atoms/find_atoms.ts";
import { polarizationMapFigure } from "../lib/atoms/figures.ts";
import { clusterMapFigure } from "../lib/baselines/figures.ts";
import { histogramFigure } from "../lib/figures/charts.ts";
import { amplitudePhaseColor } from "../lib/figures/color.ts";
import {
  encodedAngleHistogramFigure,
  latentManifoldFigure,
  latentMapFigures,
  manifoldGrid,
} from "../lib/figures/latent_figures.ts";
import { colorWheelSvg } from "../lib/figures/legends.ts";
import { svgOverflows, svgToRgba } from "../lib/figures/raster.ts";
import { plotAreaOf, siteMapFigure, type SiteMapFrame } from "../lib/figures/site_map.ts";
import { svgDocument, svgText } from "../lib/figures/svg.ts";
import { degrees, plural } from "../lib/figures/text.ts";
import { generateHaadf } from "../lib/synth/generate.ts";
import { assert, assertAlmostEquals, assertEquals } from "./assert.ts";

/** Sites on a regular grid over a `width` x `height` image, with latents that vary over it. */
function lattice(width: number, height: number, step = 16) {
  const x: number[] = [], y: number[] = [];
  for (let r = step / 2; r < height; r += step) {
    for (let c = step / 2; c < width; c += step) {
      x.push(c);
      y.push(r);
    }
  }
  const n = x.length;
  const angle = Float64Array.from(
    x,
    (v, i) => ((v / width + y[i] / height) * Math.PI) % (2 * Math.PI),
  );
  const shiftPixels = Float64Array.from({ length: 2 * n }, (_, k) => Math.sin(k) * 0.4);
  const content = Float64Array.from({ length: 2 * n }, (_, k) => Math.cos(k / 3));
  return { x, y, latents: { angle, shiftPixels, content, latentDim: 2 } };
}

function assertAspect(svg: string, frame: SiteMapFrame, what: string): void {
  const area = plotAreaOf(svg);
  assert(area, `${what}: no plot area`);
  const want = frame.width / frame.height, got = area.width / area.height;
  assert(Math.abs(got / want - 1) < 0.01, `${what}: plot aspect ${got}, image ${want}`);
}

async function assertInside(svg: string, what: string): Promise<void> {
  const cut = await svgOverflows(svg);
  assertEquals(cut, [], `${what}: drawn beyond its edge`);
}

const FRAMES: SiteMapFrame[] = [
  { width: 640, height: 640, pixelSize: { value: 0.027, unit: "nm" } },
  { width: 1312, height: 224, pixelSize: { value: 0.015, unit: "nm" } },
  { width: 300, height: 450 },
];

Deno.test("latent maps: image aspect, nothing cut off, a wheel with range and unit", async () => {
  for (const frame of FRAMES) {
    const { x, y, latents } = lattice(frame.width, frame.height);
    const classes = Int32Array.from(latents.angle, (a) => Math.floor(a) % 3);
    const figures = latentMapFigures(frame, { x, y }, latents, { classes });
    assertEquals(figures.map((f) => f.name), [
      "map_angle",
      "map_shift",
      "map_dx",
      "map_dy",
      "map_z1",
      "map_z2",
      "map_gmm",
    ]);
    const unit = frame.pixelSize ? "nm" : "px";
    for (const { name, svg } of figures) {
      const what = `${name} ${frame.width}x${frame.height}`;
      assertAspect(svg, frame, what);
      await assertInside(svg, what);
      assert(
        svg.includes(`x (${unit})`) && svg.includes(`y (${unit})`),
        `${what}: axes in ${unit}`,
      );
      assert(!svg.includes("−y"), `${what}: y is not negated`);
    }
    const shiftUnit = frame.pixelSize ? "pm" : "px";
    const dx = figures.find((f) => f.name === "map_dx")!.svg;
    assert(dx.includes(`radius: |dx| (${shiftUnit})`), "dx map keys its amplitude and unit");
    assert(/0 \(grey\) … [\d.]+</.test(dx), "dx map gives its amplitude range");
    assert(figures.find((f) => f.name === "map_z1")!.svg.includes("radius: |z1|"));
  }
});

Deno.test("site map: a site lands on its image pixel, y down, in nm on the axes", async () => {
  const frame = { width: 200, height: 100, pixelSize: { value: 0.05, unit: "nm" } };
  // One site near the top-left, one near the bottom-right; no key, no title.
  const svg = siteMapFigure(frame, { x: [20, 180], y: [10, 90] }, {
    color: "#ff0000",
    radius: 4,
    size: 400,
  });
  const area = plotAreaOf(svg)!;
  assertAlmostEquals(area.width, 400, 1e-9);
  assertAlmostEquals(area.height, 200, 1e-9);
  const image = await svgToRgba(svg);
  const at = (ix: number, iy: number) => {
    const sx = Math.round(area.x + (ix + 0.5) * 2), sy = Math.round(area.y + (iy + 0.5) * 2);
    const o = (sy * image.width + sx) * 4;
    return [image.data[o], image.data[o + 1], image.data[o + 2]];
  };
  assertEquals(at(20, 10), [255, 0, 0]);
  assertEquals(at(180, 90), [255, 0, 0]);
  // Nothing at the mirrored positions a "-y" plot would use.
  assert(at(20, 90)[1] > 200 && at(180, 10)[1] > 200, "no site at the y-mirrored places");
  // Axis ticks are lengths: 10 nm is the image's width, 5 nm its height.
  assert(svg.includes(">8</text>") && svg.includes(">4</text>"), "nm ticks");
});

Deno.test("site map: amplitude-phase sites take the colour of their angle and strength", async () => {
  const frame = { width: 60, height: 30 };
  const svg = siteMapFigure(frame, { x: [15, 45], y: [15, 15] }, {
    angles: [0, Math.PI / 2],
    amplitudes: [1, 0.5],
    amplitudeMax: 1,
    amplitudeLabel: "|p| (px)",
    radius: 10,
    size: 300,
  });
  const area = plotAreaOf(svg)!;
  const image = await svgToRgba(svg);
  const scale = area.width / 60;
  for (
    const [ix, want] of [[15, amplitudePhaseColor(0, 1)], [
      45,
      amplitudePhaseColor(Math.PI / 2, 0.5),
    ]] as const
  ) {
    const sx = Math.round(area.x + (ix + 0.5) * scale), sy = Math.round(area.y + 15.5 * scale);
    const o = (sy * image.width + sx) * 4;
    const got = [image.data[o], image.data[o + 1], image.data[o + 2]];
    assert(got.every((v, c) => Math.abs(v - want[c]) <= 3), `site at x ${ix}: ${got} vs ${want}`);
  }
});

Deno.test("cluster map and polarisation map are drawn in the image's frame", async () => {
  const { image } = generateHaadf({ width: 160, height: 112, seed: 3 });
  const atoms = findAtoms(image);
  for (const background of ["image", "none"] as const) {
    const svg = polarizationMapFigure(image, atoms, { background });
    assertAspect(svg, image, `polarization_map (${background})`);
    await assertInside(svg, `polarization_map (${background})`);
    assert(svg.includes("radius: |p| (pm)"), "wheel names |p| in pm (the image is calibrated)");
    // The wheel is one raster; the image under the sites another.
    assertEquals(svg.match(/<image /g)!.length, background === "image" ? 2 : 1);
  }
  const { x, y } = lattice(160, 112, 12);
  const labels = {
    kmeans: Int32Array.from(x, (_, i) => i % 3),
    gmm: Int32Array.from(x, (_, i) => i % 2),
  };
  const grid = clusterMapFigure({ x, y }, labels, { frame: image });
  // Both panels of the grid keep the image's aspect.
  const areas = [
    ...grid.matchAll(/<rect class="plot-area"[^>]*width="([\d.]+)" height="([\d.]+)"/g),
  ];
  assertEquals(areas.length, 2);
  for (const [, w, h] of areas) {
    assertAlmostEquals(Number(w) / Number(h), 160 / 112, 0.01 * 160 / 112);
  }
  await assertInside(grid, "cluster_map");
  // Called as before (no frame), the map still has y down and equal aspect.
  const old = clusterMapFigure({ x, y }, labels);
  assert(!old.includes("−y"), "no negated y");
});

Deno.test("manifold: tiles apart, z values on both axes", async () => {
  const { latents } = lattice(64, 64);
  const grid = manifoldGrid(latents, 5);
  assertEquals([grid.z1.length, grid.z2.length], [5, 5]);
  assert(grid.z2[0] > grid.z2[4], "z2 decreases downwards, as on a plot");
  const tiles = new Float32Array(25 * 8 * 8);
  const svg = latentManifoldFigure(tiles, 8, grid);
  for (const v of [...grid.z1, ...grid.z2]) {
    assert(svg.includes(`>${v.toFixed(1)}</text>`), `${v} shown`);
  }
  assert(svg.includes(">z1</text>") && svg.includes(">z2</text>"));
  // Every tile is mid-grey; the gaps between them show the white page.
  const image = await svgToRgba(svg);
  const raster = /<image x="([\d.]+)" y="([\d.]+)" width="([\d.]+)"/.exec(svg)!;
  const x0 = Number(raster[1]), y0 = Number(raster[2]), width = Number(raster[3]);
  let white = 0, inGap = false, gaps = 0;
  for (let x = Math.ceil(x0) + 1; x < x0 + width - 1; x++) {
    const o = (Math.round(y0 + 10) * image.width + x) * 4;
    const isWhite = image.data[o] > 240;
    if (isWhite) white++;
    if (isWhite && !inGap) gaps++;
    inGap = isWhite;
  }
  assertEquals(gaps, 4, `gaps between 5 tiles in a row (${white} white px)`);
  await assertInside(svg, "latent_manifold");
});

Deno.test("histogram peak labels at 0° and 360° stay inside the figure", async () => {
  const svg = encodedAngleHistogramFigure([0.01, 6.27, 3], {
    peaks: [{ angle: 0 }, { angle: 6.28 }],
    separationsDeg: [0.2, 359.8],
  });
  await assertInside(svg, "angle_histogram");
  assert(svg.includes("2 peaks"), "plural");
  assert(encodedAngleHistogramFigure([1], { peaks: [1], separationsDeg: [] }).includes("1 peak<"));
  const marked = histogramFigure([0, 360], {
    domain: [0, 360],
    markers: [{ x: 0, label: "0° long label" }, { x: 360, label: "360° long label" }],
  });
  await assertInside(marked, "histogram with markers");
});

Deno.test("the overflow check catches a label cut off at the edge", async () => {
  const cut = svgDocument({ width: 100, height: 40 }, svgText(2, 20, "a clipped label"));
  assertEquals((await svgOverflows(cut)).length, 1);
  // In a nested document (a legend, a wheel) too.
  const nested = svgDocument(
    { width: 300, height: 100 },
    `<svg x="10" y="10" width="60" height="30">${svgText(55, 20, "spills out")}</svg>`,
  );
  assertEquals((await svgOverflows(nested)).map((o) => o.where), [
    "svg at 10,20".replace("20", "10"),
  ]);
  await assertInside(
    colorWheelSvg({ title: "angle", amplitude: { max: 12.5, label: "|p| (pm)" } }),
    "wheel",
  );
});

Deno.test("plural and degrees", () => {
  assertEquals(plural(1, "peak"), "1 peak");
  assertEquals(plural(0, "epoch"), "0 epochs");
  assertEquals(plural(1911, "site"), "1,911 sites");
  assertEquals(plural(2, "class", "classes"), "2 classes");
  assertEquals(degrees(Math.PI / 2), "90°");
});
