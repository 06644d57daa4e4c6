import { assert, assertEquals } from "./assert.ts";
import { buildReportHtml, type ExplorerData } from "../lib/report/report_html.ts";
import { spriteSheet } from "../lib/report/sprites.ts";
import { readD3Bundle } from "../lib/io/assets.ts";
import { decodePng, encodePng } from "../lib/formats/png.ts";
import { Random } from "../lib/random.ts";
import { chromiumAvailable, exploreInChromium } from "./browser/explore.ts";
import { base64 } from "../lib/figures/svg.ts";

/** A small explorer data set: two groups of sites with known latents. */
function explorerFixture(n = 60, window = 8): ExplorerData {
  const r = new Random(5);
  const x = new Float64Array(n), y = new Float64Array(n), angle = new Float64Array(n);
  const z1 = new Float64Array(n), z2 = new Float64Array(n), cluster = new Int32Array(n);
  const stack = new Float32Array(n * window * window);
  for (let i = 0; i < n; i++) {
    const group = i < n / 2 ? 0 : 1;
    x[i] = 10 + (i % 10) * 20;
    y[i] = 10 + Math.floor(i / 10) * 20;
    angle[i] = group === 0 ? 0.5 + 0.1 * r.uniform() : 3.5 + 0.1 * r.uniform();
    z1[i] = group === 0 ? -1 + 0.2 * r.normal() : 1 + 0.2 * r.normal();
    z2[i] = 0.3 * r.normal();
    cluster[i] = group;
    for (let k = 0; k < window * window; k++) stack[i * window * window + k] = r.uniform();
  }
  const sheet = spriteSheet({ data: stack, count: n, window });
  const sprite = base64(encodePng(sheet.pixels));
  const image = encodePng({
    data: new Uint8Array(200 * 120).fill(90),
    width: 200,
    height: 120,
    channels: 1,
  });
  return {
    sites: { x, y, angle, z1, z2, cluster },
    image: { png: base64(image), width: 200, height: 120 },
    sprites: { original: sprite, recon: sprite, tile: window, cols: sheet.cols, zoom: 4 },
  };
}

Deno.test("sprites: tile t holds window t, stretched to 0..255", () => {
  const w = 3;
  const data = new Float32Array(5 * w * w);
  for (let t = 0; t < 5; t++) for (let k = 0; k < w * w; k++) data[t * w * w + k] = t * 100 + k;
  const sheet = spriteSheet({ data, count: 5, window: w }, { cols: 2 });
  assertEquals([sheet.pixels.width, sheet.pixels.height], [6, 9]);
  const px = sheet.pixels.data;
  // Tile 3 sits at column 1, row 1 of tiles: its first pixel is its minimum, its last its maximum.
  assertEquals(px[3 * 6 + 3], 0);
  assertEquals(px[5 * 6 + 5], 255);
  assertEquals(px[3 * 6 + 4], Math.round(255 / 8));
});

Deno.test("sprites: bin averages blocks before stretching", () => {
  // One 4 x 4 tile; its 2 x 2 block means are 2.5, 4.5, 10.5, 12.5.
  const data = Float32Array.from({ length: 16 }, (_, k) => k);
  const sheet = spriteSheet({ data, count: 1, window: 4 }, { bin: 2 });
  assertEquals([sheet.tile, sheet.pixels.width, sheet.pixels.height], [2, 2, 2]);
  assertEquals(Array.from(sheet.pixels.data), [0, 51, 204, 255]);
});

Deno.test("report: self-contained HTML with the figures, summary and explorer data", async () => {
  const html = buildReportHtml({
    title: "ferrovae <test>",
    summary: [["B sites", "60"]],
    sections: [{
      title: "Atoms",
      figures: [{ title: "overlay", svg: "<svg xmlns='http://www.w3.org/2000/svg'/>" }],
    }],
    parameters: { seed: 1 },
    explorer: explorerFixture(),
  }, { d3Source: await readD3Bundle() });
  assert(html.includes("ferrovae &lt;test&gt;"), "title is escaped");
  assert(html.includes('src="data:image/svg+xml;charset=utf-8,'), "figure embedded as a data URL");
  assert(!/(src|href)=["']https?:/.test(html), "no network references");
  assert(!/<link\b/.test(html), "no external stylesheets");
  const json = /<script type="application\/json" id="explorer-data">(.*?)<\/script>/s.exec(html);
  assert(json, "explorer data embedded");
  assertEquals(JSON.parse(json[1]).sites.x.length, 60);
});

const haveChromium = await chromiumAvailable("report browser test");

Deno.test({
  name: "report: explorer brushing links the views and hovering shows the tooltip (Chromium)",
  ignore: !haveChromium,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/report.html`;
    const html = buildReportHtml({
      title: "explorer test",
      summary: [],
      // Characters a data URL or an HTML attribute could trip over: %, #, quotes, &, breaks, °.
      sections: [{
        title: "escapes",
        figures: [{
          title: "tricky",
          svg: `<svg xmlns="http://www.w3.org/2000/svg"\n\twidth="120" height="30">` +
            `<text x="2" y="20" fill="#c00">50% #1 &amp; "q" 90°</text></svg>`,
        }],
      }],
      parameters: {},
      explorer: explorerFixture(),
    }, { d3Source: await readD3Bundle() });
    await Deno.writeTextFile(path, html);
    const seen = await exploreInChromium(path, `${dir}/screenshot.png`);
    assertEquals(seen.errors, []);
    assertEquals([seen.figures, seen.brokenFigures], [1, []]);
    // Exactly the 30 sites with angle < π are brushed, in both views.
    assertEquals(seen.selectedAngles, 30);
    assertEquals(seen.selectedInMap, 30);
    assertEquals(seen.tiles, 2);
    assert(seen.tooltipText.includes("site 0"), seen.tooltipText);
    const shot = decodePng(await Deno.readFile(`${dir}/screenshot.png`));
    assert(shot.width === 1280, "screenshot taken");
    await Deno.remove(dir, { recursive: true });
  },
});
