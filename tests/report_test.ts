import { assert, assertEquals } from "./assert.ts";
import { buildReportHtml, type ExplorerData } from "../lib/report/report_html.ts";
import { spriteSheet } from "../lib/report/sprites.ts";
import { methodsSection, REFERENCES } from "../lib/report/methods.ts";
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

Deno.test("sprites: levels quantise the grey levels (fewer distinct values, same range)", () => {
  const data = Float32Array.from({ length: 64 }, (_, k) => k);
  const sheet = spriteSheet({ data, count: 1, window: 8 }, { levels: 5 });
  assertEquals([...new Set(sheet.pixels.data)].sort((a, b) => a - b), [0, 64, 128, 191, 255]);
});

/** A manifest shaped as `analyze` writes it. */
const MANIFEST = {
  parameters: {
    atoms: {
      sigma: 1.75,
      window: 0.5,
      neighbours: "four",
      rowJitter: true,
      period: 14.6,
      pixelSizePm: 27,
    },
    stack: { window: 48, sublattice: "B", centring: "bilinear", normalize: "minmax" },
    baselines: {
      classes: 4,
      components: 50,
      pcaDims: 10,
      bicMax: 10,
      embeddings: ["tsne", "umap", "isomap", "mds"],
    },
    rvae: {
      latentDim: 2,
      encoder: "mlp",
      decoder: "fast",
      hiddenUnits: 128,
      epochs: 1,
      batchSize: 32,
      learningRate: 0.003,
      validationFraction: 0.15,
    },
  },
  versions: { ferrovae: "0.1.0", deno: "2.9.6", tfjs: "4.22.0" },
  backend: "wasm",
  seed: 7,
};

Deno.test("methods: a paragraph per stage with its parameters, versions, seed and cited DOIs", () => {
  const methods = methodsSection(MANIFEST, { columns: 3777, vectors: 1803, windows: 1 });
  assertEquals(methods.paragraphs.map((p) => p.stage), [
    "Atom columns and polarisation",
    "Sub-images",
    "Classical baselines",
    "Rotationally invariant VAE",
    "Software and reproducibility",
  ]);
  const text = methods.paragraphs.map((p) => p.text).join(" ");
  for (
    const expected of [
      "14.6 px",
      "27 pm",
      "3,777 columns",
      "48 × 48",
      "1 window)",
      "1 epoch ",
      "seed 7",
      "deno 2.9.6",
      "tfjs 4.22.0",
      "wasm",
    ]
  ) {
    assert(text.includes(expected), `methods mention ${expected}`);
  }
  assert(!/\b1 (epochs|windows)\b/.test(text), "singular after 1");
  // Every citation in the text is in the list, every listed work is cited, and each has a DOI or URL.
  const cited = new Set([...text.matchAll(/\[([a-z0-9, ]+)\]/g)].flatMap((m) => m[1].split(", ")));
  assertEquals([...cited].sort(), methods.references.map((r) => r.key).sort());
  for (const r of methods.references) assert(r.doi || r.url, `${r.key} has a DOI or URL`);
  for (
    const key of [
      "valleti2022",
      "kalinin2021",
      "bepler2019",
      "lindeberg1998",
      "vandermaaten2008",
      "mcinnes2018",
      "tenenbaum2000",
      "deleeuw2009",
      "cichocki2009",
    ]
  ) {
    assert(cited.has(key), `${key} cited`);
  }
  assertEquals(REFERENCES.valleti2022.doi, "10.1063/5.0105406");
  // Stages that did not run are left out.
  assertEquals(methodsSection({ parameters: { atoms: {} } }).paragraphs.length, 2);
});

Deno.test("report: warnings first, then the methods with numbered citations and DOI links", async () => {
  const html = buildReportHtml({
    title: "t",
    summary: [["a", "b"]],
    sections: [],
    parameters: {},
    warnings: [{ code: "uncalibrated", message: "the file carries no pixel size: lengths in px" }],
    methods: methodsSection(MANIFEST),
  }, { d3Source: await readD3Bundle() });
  const at = (s: string) => html.indexOf(s);
  assert(at("<code>uncalibrated</code>") > 0, "warning shown");
  assert(at("<code>uncalibrated</code>") < at("<h2>Methods</h2>"), "warnings before the methods");
  assert(at("<h2>Methods</h2>") < at("<h2>Summary</h2>"), "methods before the summary");
  assert(html.includes('href="https://doi.org/10.1063/5.0105406"'), "DOI link");
  assert(!/\[[a-z]+\d{4}/.test(html), "citation keys replaced by numbers");
});
