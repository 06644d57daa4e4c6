/**
 * `deno task bench paper`: the seed paper's claims about its second sample
 * (Valleti et al., AIP Advances 12, 105122 (2022), doi:10.1063/5.0105406:
 * a BiFeO3–La0.7Sr0.3MnO3 superlattice, Figs. 3–7) side by side with ours,
 * on generated superlattices (`synth --structure superlattice`, two polar
 * variants as the paper's sample shows, antipolar lamellar patches,
 * intermixed interfaces) and generated films (the default structure, four
 * variants), seeds 1–3, 512 px, windows of 36 and 54 px on the B columns
 * `findAtoms` found, rVAE with the default model and training for 12 epochs
 * (see `paper_analysis.ts`). Per image and window:
 * (a) the least number of classes at which every polar variant present
 *     (≥ 20 windows) owns a class (≥ 10 windows, ≥ 90 % that variant) for
 *     k-means and a diagonal GMM on the raw windows and a full GMM on PCA-10
 *     scores (the paper: at least 8);
 * (b) the peaks of the rVAE's encoded-angle histogram and the angles between
 *     them (the paper: two peaks π/2 apart), and the angle's agreement with
 *     the true variants (30°);
 * (c) a GMM with k = 4 on the content latents (z1, z2): adjusted Rand index
 *     (ARI) against the chemistry (substrate, non-polar layer, polar layer,
 *     intermixed), the layer ids and the variants (the paper: the layers
 *     separate, the variants fall in one class);
 * (d) the same GMM on the raw windows (diagonal covariance) and on PCA-2
 *     scores.
 * Then the paper's numbers beside the mean ± standard deviation over seeds.
 *
 * @module
 */

import { tf } from "../../lib/deps.ts";
import { Workspace } from "../../lib/linalg/workspace.ts";
import { initBackend } from "../../lib/rvae/backend.ts";
import {
  analyzeCase,
  disposeCase,
  PAPER_SETTINGS,
  type PaperCase,
  peakContents,
  polarClass,
  presentVariants,
  STRUCTURES,
  variantSeparations,
  type WindowResult,
} from "./paper_analysis.ts";

const SEEDS = [1, 2, 3];
const DEG = 180 / Math.PI;

function meanSd(values: number[]): string {
  const v = values.filter(Number.isFinite);
  if (!v.length) return "-";
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0;
  return `${m.toFixed(2)} ± ${sd.toFixed(2)}`;
}

function row(c: PaperCase, w: WindowResult): string {
  const present = presentVariants(w.variant);
  const needed = Object.values(w.needed).map((k) => (k === null ? `>${PAPER_SETTINGS.kMax}` : k));
  const contents = peakContents(w);
  const short = (kind: string) => kind.replace("variant ", "v").replace(" layer", "");
  const peaks =
    w.peaks.peaks.map((p, k) =>
      `${(p.angle * DEG).toFixed(0)}(${short(contents[k].kind)} ${
        (100 * contents[k].share).toFixed(0)
      }%)`
    ).join(" ") || "-";
  const apart = variantSeparations(w).map((s) => s.toFixed(0)).join("/") || "-";
  const a = (r: { chemistry: number; layer: number; variant: number }) =>
    `${r.chemistry.toFixed(2)} ${r.layer.toFixed(2)} ${r.variant.toFixed(2)}`;
  return [
    c.structure.padEnd(12),
    String(c.seed).padEnd(4),
    String(w.window).padEnd(4),
    String(w.stack.count).padEnd(5),
    present.join("").padEnd(5),
    needed.join("/").padEnd(10),
    peaks.padEnd(52),
    apart.padEnd(12),
    w.agreement.toFixed(3).padEnd(6),
    a(w.ari.latent).padEnd(16),
    a(w.ari.raw).padEnd(16),
    a(w.ari.pca).padEnd(16),
    `${w.training.bestEpoch}/${w.training.epochs} ${w.training.seconds.toFixed(0)}s`,
  ].join(" ");
}

/** Run the area. */
export async function run(): Promise<void> {
  const backend = await initBackend();
  const ws = await Workspace.create({ threads: 2 });
  const s = PAPER_SETTINGS;
  console.log(
    `generated ${s.size} px images (superlattice: ${
      JSON.stringify(STRUCTURES.superlattice)
    }; film: the defaults), seeds ${SEEDS.join(", ")}; windows ${s.windows.join(" and ")} px on ` +
      `the found B columns; k = 2..${s.kMax}; rVAE default model, ${s.epochs} epochs; tfjs ` +
      `${tf.version_core} ${backend}`,
  );
  console.log(
    "structure    seed win  N     vars  needed k   " +
      "angle peaks: deg (commonest windows in the peak)     variants apart agree  " +
      "GMM4 z1,z2: chem layer var  raw: chem layer var  PCA-2: chem layer var  best/epochs",
  );
  const results: PaperCase[] = [];
  try {
    for (const structure of ["superlattice", "film"] as const) {
      for (const seed of SEEDS) {
        const c = await analyzeCase(structure, seed, s, ws);
        for (const w of c.windows) console.log(row(c, w));
        disposeCase(c);
        results.push(c);
      }
    }
  } finally {
    ws.close();
  }
  summary(results);
}

function summary(results: PaperCase[]): void {
  console.log("\npaper (superlattice, Figs. 4-7) against ours: mean ± sd over seeds");
  console.log("quantity".padEnd(58) + "paper".padEnd(24) + "superlattice".padEnd(16) + "film");
  const windows = PAPER_SETTINGS.windows;
  const pick = (structure: string, window: number, f: (w: WindowResult) => number) =>
    results.filter((c) => c.structure === structure).map((c) =>
      f(c.windows.find((w) => w.window === window)!)
    );
  const line = (label: string, paper: string, window: number, f: (w: WindowResult) => number) =>
    console.log(
      label.padEnd(58) + paper.padEnd(24) +
        meanSd(pick("superlattice", window, f)).padEnd(16) + meanSd(pick("film", window, f)),
    );
  const kMax = PAPER_SETTINGS.kMax;
  for (const window of windows) {
    console.log(`-- window ${window} px`);
    for (const method of ["k-means", "GMM diag", "GMM PCA-10"]) {
      line(
        `(a) ${method}: least k with every variant a class`,
        "≥ 8",
        window,
        (w) => w.needed[method] ?? kMax + 1,
      );
    }
    line("(b) angle peaks", "2", window, (w) => w.peaks.peaks.length);
    line(
      "(b) peaks whose windows are mostly one variant",
      "2",
      window,
      (w) => peakContents(w).filter((c) => c.kind.startsWith("variant")).length,
    );
    line(
      "(b) angle between neighbouring variants' mean angles (deg)",
      "90",
      window,
      (w) => {
        const s = variantSeparations(w);
        return s.length ? s.reduce((a, b) => a + b, 0) / s.length : NaN;
      },
    );
    line("(b) angle within 30° of the true variant", "-", window, (w) => w.agreement);
    line(
      "(c) polar-layer windows in one GMM class of z1,z2",
      "all BFO in one class",
      window,
      (w) => polarClass(w).held,
    );
    line("(c) share of that class that is polar layer", "-", window, (w) => polarClass(w).purity);
    line(
      "(c) largest |variant share in it − overall share|",
      "≈ 0",
      window,
      (w) => {
        const p = polarClass(w);
        return Math.max(...p.variantShare.map((v, k) => Math.abs(v - p.variantShareAll[k])));
      },
    );
    for (
      const [key, name] of [["latent", "z1,z2"], ["raw", "raw windows"], ["pca", "PCA-2"]] as const
    ) {
      line(
        `(c/d) GMM k=4 on ${name}: ARI vs chemistry`,
        key === "latent" ? "high" : "-",
        window,
        (w) => w.ari[key].chemistry,
      );
      line(
        `(c/d) GMM k=4 on ${name}: ARI vs layer id`,
        key === "latent" ? "high" : "-",
        window,
        (w) => w.ari[key].layer,
      );
      line(
        `(c/d) GMM k=4 on ${name}: ARI vs variants`,
        key === "latent" ? "≈ 0" : "-",
        window,
        (w) => w.ari[key].variant,
      );
    }
  }
  console.log(
    `(a) counts > ${kMax} as ${kMax + 1}. ARI vs chemistry: substrate, non-polar layer, polar ` +
      "layer, intermixed (the film: substrate, film); vs variants: R-phase windows of pure polar " +
      "composition only.",
  );
}
