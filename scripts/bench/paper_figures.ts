/**
 * The seed paper's figures (Valleti et al., AIP Advances 12, 105122 (2022),
 * doi:10.1063/5.0105406) as ferrovae draws them on generated data with
 * ground truth, for `docs/paper.md`:
 *
 * ```sh
 * deno run --allow-read=. --allow-write=docs/paper scripts/bench/paper_figures.ts [--seed 1]
 * ```
 *
 * One generated film (Figs. 1–2) and one generated superlattice (Figs. 3–7),
 * analysed as `deno task bench paper` analyses them (`paper_analysis.ts`:
 * 512 px, windows 36 and 54 px on the found B columns, the rVAE's default
 * model for 12 epochs), drawn by lib/figures, lib/atoms/figures.ts and
 * lib/baselines/figures.ts, written as RGB PNGs (`fig1.png` … `fig7.png`),
 * and the numbers each figure shows printed.
 *
 * @module
 */

import { join } from "node:path";
import { polarizationMapFigure } from "../../lib/atoms/figures.ts";
import {
  clusterMapFigure,
  clusterMeansFigure,
  loadingsFigure,
  screeFigure,
} from "../../lib/baselines/figures.ts";
import { gaussianMixture } from "../../lib/baselines/gmm.ts";
import { scatterFigure } from "../../lib/figures/charts.ts";
import { imagePanel } from "../../lib/figures/image_panel.ts";
import {
  encodedAngleHistogramFigure,
  latentClassesFigure,
  latentManifoldFigure,
  latentMapFigures,
  latentScatterFigure,
  manifoldGrid,
} from "../../lib/figures/latent_figures.ts";
import { figureGrid } from "../../lib/figures/layout.ts";
import { svgToRgba } from "../../lib/figures/raster.ts";
import { siteMapFigure } from "../../lib/figures/site_map.ts";
import { encodePng } from "../../lib/formats/png.ts";
import { ensureDir, writeFileAtomic } from "../../lib/io/atomic_write.ts";
import { Workspace } from "../../lib/linalg/workspace.ts";
import { describePeaks } from "../../lib/rvae/angles.ts";
import { initBackend } from "../../lib/rvae/backend.ts";
import { decodeWithPose } from "../../lib/rvae/inference.ts";
import { PHASE_NAMES } from "../../lib/synth/superlattice.ts";
import { intFlag, parseArgs, program, runMain } from "../_cli.ts";
import {
  analyzeCase,
  CHEMISTRY,
  disposeCase,
  PAPER_SETTINGS,
  type PaperCase,
  type WindowResult,
} from "./paper_analysis.ts";

/** Window of the film's Figs. 1–2 and of the superlattice's Fig. 7, px. */
const FILM_WINDOW = 36;
const FIG7_WINDOW = 54;
/** Raster scale of the SVGs: keeps the seven PNGs under 3 MB together. */
const SCALE = 0.8;

/** A panel under a title naming the paper's panel, e.g. "2a". */
function panel(label: string, svg: string): string {
  return figureGrid([svg], { title: label, letters: false, gap: 0 });
}

async function writePng(dir: string, name: string, svg: string): Promise<number> {
  const rgba = await svgToRgba(svg, { scale: SCALE, background: "white" });
  const data = new Uint8Array(rgba.width * rgba.height * 3);
  for (let i = 0, j = 0; j < data.length; i += 4, j += 3) data.set(rgba.data.subarray(i, i + 3), j);
  const png = encodePng({ data, width: rgba.width, height: rgba.height, channels: 3 });
  await writeFileAtomic(join(dir, `${name}.png`), png);
  console.log(`${dir}/${name}.png: ${(png.length / 1024).toFixed(0)} KB`);
  return png.length;
}

function latentsOf(w: WindowResult) {
  return {
    angle: w.encoding.angle,
    shiftPixels: w.encoding.shiftPixels,
    content: w.encoding.content,
    latentDim: 2,
  };
}

function positions(w: WindowResult) {
  return { x: w.stack.x, y: w.stack.y };
}

/** The decoded manifold of a window's model. */
function manifold(w: WindowResult): string {
  const grid = manifoldGrid(latentsOf(w));
  const tiles = decodeWithPose(w.model, { content: grid.content });
  return latentManifoldFigure(tiles, w.window, grid);
}

/** The GMM of the pipeline on (cos angle, sin angle, z1, z2), k = 4. */
function angleContentClasses(w: WindowResult, seed: number): Int32Array {
  const n = w.stack.count;
  const data = new Float32Array(4 * n);
  for (let i = 0; i < n; i++) {
    data.set([
      Math.cos(w.encoding.angle[i]),
      Math.sin(w.encoding.angle[i]),
      w.encoding.content[2 * i],
      w.encoding.content[2 * i + 1],
    ], 4 * i);
  }
  return gaussianMixture({ data, rows: n, cols: 4 }, 4, { seed, starts: 5 }).labels;
}

function truthLabel(v: number): string {
  return v < 0 ? "non-polar" : `variant ${v}`;
}

function filmFigures(c: PaperCase): [string, string] {
  const w = c.windows.find((x) => x.window === FILM_WINDOW)!;
  const { image } = c.synth;
  const latents = latentsOf(w);
  const maps = Object.fromEntries(
    latentMapFigures(image, positions(w), latents, { classes: angleContentClasses(w, c.seed) })
      .map((f) => [f.name, f.svg]),
  );
  const classes = angleContentClasses(w, c.seed);
  const fig1 = figureGrid([
    panel("1b", polarizationMapFigure(image, c.atoms, { background: "none" })),
    panel("1d", encodedAngleHistogramFigure(w.encoding.angle, w.peaks)),
    panel("1e", manifold(w)),
  ], {
    columns: 3,
    letters: false,
    title: `Fig. 1 — generated film, seed ${c.seed}, ${w.window} px windows`,
  });
  const fig2 = figureGrid([
    panel("2a", maps.map_angle),
    panel("2b", maps.map_dx),
    panel("2c", maps.map_dy),
    panel("2d", maps.map_z1),
    panel("2e", latentScatterFigure(latents)),
    panel("2f", maps.map_z2),
    panel(
      "2g (truth colours)",
      scatterFigure(
        Array.from(w.encoding.content.filter((_, i) => i % 2 === 0)),
        Array.from(
          w.encoding.content.filter((_, i) => i % 2 === 1),
        ),
        {
          title: "Latents, coloured by the true variant",
          xLabel: "z1",
          yLabel: "z2",
          categories: Array.from(w.variant, truthLabel),
          legendTitle: "truth",
        },
      ),
    ),
    panel("2h", latentClassesFigure(latents, classes)),
    panel("2i", maps.map_gmm),
  ], { columns: 3, letters: false, title: `Fig. 2 — generated film, seed ${c.seed}` });
  console.log(
    `film seed ${c.seed}, ${w.window} px: ${w.stack.count} windows; ${describePeaks(w.peaks)}; ` +
      `angle within 30° of the true variant: ${(100 * w.agreement).toFixed(1)} %`,
  );
  return [fig1, fig2];
}

function superlatticeFigures(c: PaperCase): string[] {
  const { image, truth } = c.synth;
  const w36 = c.windows.find((x) => x.window === 36)!;
  const w54 = c.windows.find((x) => x.window === FIG7_WINDOW)!;
  // The truth on the B sites: chemistry and phase.
  const b = [...truth.sublattice.keys()].filter((i) => truth.sublattice[i] === 1);
  const truthMap = siteMapFigure(image, {
    x: b.map((i) => truth.x[i]),
    y: b.map((i) => truth.y[i]),
  }, {
    title: "Truth: phase of each B site",
    categories: b.map((i) => PHASE_NAMES[truth.phase![i]]),
    legendTitle: "phase",
    size: 380,
  });
  const fig3 = figureGrid([
    panel("3c", imagePanel(image, { title: "Generated superlattice (HAADF)", width: 380 })),
    panel("3d", polarizationMapFigure(image, c.atoms, { background: "none" })),
    panel("truth (ours)", truthMap),
  ], { columns: 3, letters: false, title: `Fig. 3 — generated superlattice, seed ${c.seed}` });

  const kMax = PAPER_SETTINGS.kMax;
  const at = (name: string) => `${name}, k = ${w36.needed[name] ?? kMax}`;
  const fig4 = figureGrid([
    panel("4a", screeFigure(w36.pca)),
    panel("4b", loadingsFigure(w36.pca, w36.window, 6)),
    panel(
      "4c",
      clusterMapFigure(positions(w36), {
        "k-means, k = 4": w36.classical4["k-means"],
        "GMM diag, k = 4": w36.classical4["GMM diag"],
      }, { frame: image }),
    ),
    panel(
      "4d",
      clusterMapFigure(positions(w36), {
        [at("k-means")]: w36.classicalNeeded["k-means"],
        [at("GMM diag")]: w36.classicalNeeded["GMM diag"],
      }, { frame: image }),
    ),
    panel("4e", clusterMeansFigure(w36.stack, { "k-means, k = 4": w36.classical4["k-means"] })),
  ], {
    columns: 2,
    letters: false,
    title: `Fig. 4 — classical baselines, ${w36.window} px windows`,
  });

  const rvae = (fig: number, w: WindowResult) => {
    const maps = Object.fromEntries(
      latentMapFigures(image, positions(w), latentsOf(w)).map((f) => [f.name, f.svg]),
    );
    return figureGrid([
      panel(`${fig}a`, maps.map_angle),
      panel(`${fig}b`, encodedAngleHistogramFigure(w.encoding.angle, w.peaks)),
      panel(`${fig}c`, maps.map_z1),
      panel(`${fig}d`, maps.map_z2),
      panel(`${fig}e`, latentScatterFigure(latentsOf(w))),
      panel(`${fig}f`, manifold(w)),
    ], { columns: 3, letters: false, title: `Fig. ${fig} — rVAE, ${w.window} px windows` });
  };

  const z1 = Array.from(w54.encoding.content.filter((_, i) => i % 2 === 0));
  const z2 = Array.from(w54.encoding.content.filter((_, i) => i % 2 === 1));
  const classes = Array.from(w54.gmm4.latent, (k) => k + 1);
  const fig7 = figureGrid([
    panel(
      "7a",
      scatterFigure(z1, z2, {
        title: "GMM (4 components) on z1, z2",
        xLabel: "z1",
        yLabel: "z2",
        categories: classes,
        legendTitle: "class",
      }),
    ),
    panel(
      "7b",
      siteMapFigure(image, positions(w54), {
        title: "GMM classes of z1, z2",
        categories: classes,
        legendTitle: "class",
        size: 380,
      }),
    ),
    panel(
      "7c (truth)",
      siteMapFigure(image, positions(w54), {
        title: "Truth: chemistry of each window",
        categories: Array.from(w54.chemistry, (k) => (k < 0 ? "unmatched" : CHEMISTRY[k])),
        legendTitle: "chemistry",
        size: 380,
      }),
    ),
  ], { columns: 3, letters: false, title: `Fig. 7 — ${w54.window} px windows` });
  for (const w of c.windows) {
    const a = w.ari;
    console.log(
      `superlattice seed ${c.seed}, ${w.window} px: ${w.stack.count} windows; ${
        describePeaks(w.peaks)
      }; ` +
        `angle within 30° of the true variant ${(100 * w.agreement).toFixed(1)} %; least k with ` +
        `every variant a class ${JSON.stringify(w.needed)}; GMM k=4 ARI chemistry/layer/variant: ` +
        `z1,z2 ${a.latent.chemistry.toFixed(2)}/${a.latent.layer.toFixed(2)}/${
          a.latent.variant.toFixed(2)
        }, ` +
        `raw ${a.raw.chemistry.toFixed(2)}/${a.raw.layer.toFixed(2)}/${
          a.raw.variant.toFixed(2)
        }, ` +
        `PCA-2 ${a.pca.chemistry.toFixed(2)}/${a.pca.layer.toFixed(2)}/${a.pca.variant.toFixed(2)}`,
    );
  }
  return [fig3, fig4, rvae(5, w36), rvae(6, w54), fig7];
}

if (import.meta.main) {
  await runMain(async () => {
    const cmd = program(
      "paper-figures",
      "The seed paper's figures on generated data, into docs/paper",
    )
      .option("--seed <n>", "seed of the images, clustering and training", intFlag("--seed"), 1)
      .option("--out <dir>", "folder of the PNGs", "docs/paper");
    parseArgs(cmd);
    const flags = cmd.opts() as { seed: number; out: string };
    await initBackend();
    const ws = await Workspace.create({ threads: 2 });
    const svgs: string[] = [];
    try {
      const film = await analyzeCase("film", flags.seed, {
        ...PAPER_SETTINGS,
        windows: [FILM_WINDOW],
      }, ws);
      svgs.push(...filmFigures(film));
      disposeCase(film);
      const sl = await analyzeCase("superlattice", flags.seed, PAPER_SETTINGS, ws);
      svgs.push(...superlatticeFigures(sl));
      disposeCase(sl);
    } finally {
      ws.close();
    }
    await ensureDir(flags.out);
    let total = 0;
    for (let k = 0; k < svgs.length; k++) {
      total += await writePng(flags.out, `fig${k + 1}`, svgs[k]);
    }
    console.log(`total ${(total / 1024).toFixed(0)} KB`);
  });
}
