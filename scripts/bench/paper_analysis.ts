/**
 * The analysis behind `deno task bench paper` and `scripts/bench/paper_figures.ts`:
 * the seed paper's second experiment (Valleti et al., AIP Advances 12,
 * 105122 (2022), doi:10.1063/5.0105406, Figs. 3–7) on generated images with
 * ground truth, through ferrovae's library as `analyze` runs it: atom columns
 * by `findAtoms`, windows on the found B columns (`extractStack`), the
 * classical baselines (k-means, Gaussian mixtures, PCA) and the rVAE
 * (default model and training, a fixed window and epoch count).
 *
 * Truth of each window: the true B site within 0.3 periods of the found
 * column, its variant (R-phase sites of pure polar composition only), its
 * layer, and its chemistry: substrate, non-polar layer, polar layer, or
 * intermixed (a composition strictly between the two materials).
 *
 * @module
 */

import { findAtoms } from "../../lib/atoms/find_atoms.ts";
import type { AtomResult } from "../../lib/atoms/find_atoms.ts";
import { gaussianMixture } from "../../lib/baselines/gmm.ts";
import { kmeans } from "../../lib/baselines/kmeans.ts";
import type { Matrix } from "../../lib/baselines/matrix.ts";
import { pca, type PcaResult } from "../../lib/baselines/pca.ts";
import type { Workspace } from "../../lib/linalg/workspace.ts";
import { type AnglePeaks, findAnglePeaks } from "../../lib/rvae/angles.ts";
import { makeConfig, makeTrainOptions, type RvaeConfig } from "../../lib/rvae/config.ts";
import { encodeStack, type Encoding } from "../../lib/rvae/inference.ts";
import { createRvae, disposeRvae, type Rvae } from "../../lib/rvae/model.ts";
import { stackNormalization } from "../../lib/rvae/normalize.ts";
import { trainRvae } from "../../lib/rvae/train.ts";
import { adjustedRandIndex, angleVariantAgreement } from "../../lib/score.ts";
import { matchPoints } from "../../lib/score/matching.ts";
import { extractStack, type SubImageStack } from "../../lib/stack.ts";
import { generateHaadf, type SynthResult } from "../../lib/synth/generate.ts";
import type { SynthOptions } from "../../lib/synth/options.ts";
import { PHASE_NAMES, PHASE_NONPOLAR, PHASE_R } from "../../lib/synth/superlattice.ts";
import { variantsOwningAClass } from "./variants.ts";

/** Chemistry classes of a window's site. */
export const CHEMISTRY = ["substrate", "non-polar layer", "polar layer", "intermixed"] as const;

/** The generated images: the paper's superlattice (two variants, as its Figs. 5–6 show) and film. */
export const STRUCTURES: Record<"superlattice" | "film", SynthOptions> = {
  superlattice: { structure: "superlattice", variants: 2, substrate: 0.12 },
  film: {},
};

/** What the bench runs: image side, windows, classes, epochs. */
export interface PaperSettings {
  /** Image side, px. */
  size: number;
  /** Window sides, px (the paper: 36 and 54). */
  windows: number[];
  /** Largest number of classes tried for the classical clustering. */
  kMax: number;
  /** rVAE epochs (the default schedule, early stopping and best epoch kept). */
  epochs: number;
  /** Changes to the rVAE's default model (e.g. `latentDim`, `anglePrior`), none by default. */
  model?: Partial<RvaeConfig>;
}

/** Defaults: 512 px images, windows 36 and 54 px, k up to 12, 12 epochs. */
export const PAPER_SETTINGS: PaperSettings = { size: 512, windows: [36, 54], kMax: 12, epochs: 12 };

/** Truth of each found B column (aligned with `atoms.polarization`). */
export interface SiteTruth {
  /** Index of the true B site, -1 when none lies within 0.3 periods. */
  partner: Int32Array;
  /** Variant of R-phase sites of pure polar composition, else -1. */
  variant: Int8Array;
  /** Layer id (-1 substrate; the film: 0). */
  layer: Int16Array;
  /** Index into {@linkcode CHEMISTRY}, -1 without a partner. */
  chemistry: Int8Array;
  /** Phase code (`PHASE_*` of lib/synth/superlattice.ts; the film: R or non-polar), -1 without a partner. */
  phase: Int8Array;
}

/** One window size's results. */
export interface WindowResult {
  /** Window side, px. */
  window: number;
  /** The stack on the found B columns. */
  stack: SubImageStack;
  /** Truth per window (the stack's kept sites). */
  variant: Int8Array;
  /** Layer per window. */
  layer: Int16Array;
  /** Chemistry per window. */
  chemistry: Int8Array;
  /** Phase per window. */
  phase: Int8Array;
  /** Least k at which every present variant owns a class (null: not up to kMax), per method. */
  needed: Record<string, number | null>;
  /** Labels of each method at k = 4 (k-means, GMM diag on raw, GMM full on PCA-10). */
  classical4: Record<string, Int32Array>;
  /** Labels of each method at the k it needed (or kMax). */
  classicalNeeded: Record<string, Int32Array>;
  /** PCA (10 components) of the stack. */
  pca: PcaResult;
  /** The trained model (disposed by {@linkcode disposeCase}). */
  model: Rvae;
  /** The rVAE's encoding of the stack. */
  encoding: Encoding;
  /** Peaks of the encoded angle. */
  peaks: AnglePeaks;
  /** Agreement of the encoded angle with the true variants (30°, best offset and sign). */
  agreement: number;
  /** GMM with k = 4 on the content latents (z1, z2), on raw windows (diagonal), on PCA-2 scores. */
  gmm4: { latent: Int32Array; raw: Int32Array; pca: Int32Array };
  /** Adjusted Rand indices of those against chemistry, layer id and variants. */
  ari: Record<"latent" | "raw" | "pca", { chemistry: number; layer: number; variant: number }>;
  /** Training: best epoch, epochs run, seconds. */
  training: { bestEpoch: number; epochs: number; seconds: number };
}

/** One generated image through the whole analysis. */
export interface PaperCase {
  /** "superlattice" or "film". */
  structure: keyof typeof STRUCTURES;
  /** Seed of the image, the clustering and the training. */
  seed: number;
  /** The image and its truth. */
  synth: SynthResult;
  /** Found columns and polarisation. */
  atoms: AtomResult;
  /** Truth per found B column. */
  truth: SiteTruth;
  /** Results per window. */
  windows: WindowResult[];
}

/** Truth of each found B column. */
export function siteTruth(synth: SynthResult, atoms: AtomResult): SiteTruth {
  const { truth } = synth;
  const tb: number[] = [];
  for (let i = 0; i < truth.x.length; i++) if (truth.sublattice[i] === 1) tb.push(i);
  const pol = atoms.polarization;
  const match = matchPoints({ x: pol.x, y: pol.y }, {
    x: tb.map((i) => truth.x[i]),
    y: tb.map((i) => truth.y[i]),
  }, 0.3 * synth.meta.spacingPx);
  const n = match.length;
  const out: SiteTruth = {
    partner: new Int32Array(n).fill(-1),
    variant: new Int8Array(n).fill(-1),
    layer: new Int16Array(n).fill(-1),
    chemistry: new Int8Array(n).fill(-1),
    phase: new Int8Array(n).fill(-1),
  };
  for (let s = 0; s < n; s++) {
    if (match[s] < 0) continue;
    const i = tb[match[s]];
    out.partner[s] = i;
    const mix = truth.mix ? truth.mix[i] : 0;
    const layer = truth.layer ? truth.layer[i] : (truth.variant[i] >= 0 ? 0 : -1);
    out.layer[s] = layer;
    const polar = truth.phase ? truth.phase[i] === PHASE_R : truth.variant[i] >= 0;
    out.variant[s] = polar && mix === 0 ? truth.variant[i] : -1;
    out.phase[s] = truth.phase
      ? truth.phase[i]
      : (truth.variant[i] >= 0 ? PHASE_R : PHASE_NONPOLAR);
    out.chemistry[s] = layer < 0
      ? 0
      : mix > 0 && mix < 1
      ? 3
      : truth.layer && layer % 2 === 0
      ? 1
      : 2;
  }
  return out;
}

/** ARI of `labels` against `truth` over the windows where `truth` ≥ 0. */
export function ariWhere(labels: ArrayLike<number>, truth: ArrayLike<number>): number {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (truth[i] < 0) continue;
    a.push(labels[i]);
    b.push(truth[i]);
  }
  return a.length ? adjustedRandIndex(a, b) : NaN;
}

/** Variants with at least 20 scored windows. */
export function presentVariants(variant: Int8Array): number[] {
  return [0, 1, 2, 3].filter((v) => variant.filter((x) => x === v).length >= 20);
}

function classical(
  x: Matrix,
  scores: Matrix,
  variant: Int8Array,
  settings: PaperSettings,
  seed: number,
  ws: Workspace,
) {
  const present = presentVariants(variant);
  const methods: [string, (k: number) => Int32Array][] = [
    ["k-means", (k) => kmeans(x, k, { seed, workspace: ws }).labels],
    ["GMM diag", (k) => gaussianMixture(x, k, { covariance: "diag", seed, workspace: ws }).labels],
    ["GMM PCA-10", (k) => gaussianMixture(scores, k, { seed, workspace: ws }).labels],
  ];
  const needed: Record<string, number | null> = {};
  const at4: Record<string, Int32Array> = {};
  const atNeeded: Record<string, Int32Array> = {};
  for (const [name, fit] of methods) {
    needed[name] = null;
    for (let k = 2; k <= settings.kMax; k++) {
      const labels = fit(k);
      if (k === 4) at4[name] = labels;
      atNeeded[name] = labels;
      const owned = variantsOwningAClass(labels, variant, 4);
      if (present.every((v) => owned.has(v))) {
        needed[name] = k;
        break;
      }
    }
    at4[name] ??= fit(4);
  }
  return { needed, at4, atNeeded };
}

/** One window size on one image: stack, classical sweep, rVAE, GMMs and scores. */
async function analyzeWindow(
  synth: SynthResult,
  atoms: AtomResult,
  truth: SiteTruth,
  window: number,
  settings: PaperSettings,
  seed: number,
  ws: Workspace,
): Promise<WindowResult> {
  const pol = atoms.polarization;
  const stack = extractStack(synth.image, { x: pol.x, y: pol.y }, { window });
  const pick = <T extends Int8Array | Int16Array>(a: T, make: new (n: number) => T) => {
    const out = new make(stack.count);
    for (let k = 0; k < stack.count; k++) out[k] = a[stack.kept[k]];
    return out;
  };
  const variant = pick(truth.variant, Int8Array);
  const layer = pick(truth.layer, Int16Array);
  const chemistry = pick(truth.chemistry, Int8Array);
  const phase = pick(truth.phase, Int8Array);
  const x: Matrix = { data: stack.data, rows: stack.count, cols: window * window };
  const p = pca(x, { components: 10, seed, workspace: ws });
  const scores: Matrix = { data: Float32Array.from(p.scores), rows: x.rows, cols: 10 };
  const { needed, at4, atNeeded } = classical(x, scores, variant, settings, seed, ws);

  const config = makeConfig(window, settings.model ?? {});
  const model = createRvae(config, {
    seed,
    normalization: stackNormalization(stack.data, window * window),
  });
  const started = performance.now();
  const result = await trainRvae(
    model,
    stack.data,
    makeTrainOptions({ seed, epochs: settings.epochs }),
  );
  const seconds = (performance.now() - started) / 1000;
  const encoding = encodeStack(model, stack.data);
  const peaks = findAnglePeaks(encoding.angle);
  const agreement = angleVariantAgreement(encoding.angle, variant, {
    variantAngles: synth.meta.variantAngles,
  }).agreement;

  const z: Matrix = {
    data: Float32Array.from(encoding.content),
    rows: stack.count,
    cols: config.latentDim,
  };
  const pca2: Matrix = {
    data: Float32Array.from(
      { length: 2 * stack.count },
      (_, i) => p.scores[(i >> 1) * 10 + (i & 1)],
    ),
    rows: stack.count,
    cols: 2,
  };
  const gmm4 = {
    latent: gaussianMixture(z, 4, { seed, starts: 5, workspace: ws }).labels,
    raw: gaussianMixture(x, 4, { covariance: "diag", seed, starts: 5, workspace: ws }).labels,
    pca: gaussianMixture(pca2, 4, { seed, starts: 5, workspace: ws }).labels,
  };
  const score = (labels: Int32Array) => ({
    chemistry: ariWhere(labels, chemistry),
    layer: ariWhere(labels, layer.map((l, k) => (chemistry[k] < 0 ? -1 : l + 1))),
    variant: ariWhere(labels, variant),
  });
  return {
    window,
    stack,
    variant,
    layer,
    chemistry,
    phase,
    needed,
    classical4: at4,
    classicalNeeded: atNeeded,
    pca: p,
    model,
    encoding,
    peaks,
    agreement,
    gmm4,
    ari: { latent: score(gmm4.latent), raw: score(gmm4.raw), pca: score(gmm4.pca) },
    training: { bestEpoch: result.bestEpoch, epochs: result.history.length, seconds },
  };
}

/** Generate one image and run the whole analysis at every window of `settings`. */
export async function analyzeCase(
  structure: keyof typeof STRUCTURES,
  seed: number,
  settings: PaperSettings,
  ws: Workspace,
): Promise<PaperCase> {
  const synth = generateHaadf({
    ...STRUCTURES[structure],
    seed,
    width: settings.size,
    height: settings.size,
  });
  const atoms = findAtoms(synth.image);
  const truth = siteTruth(synth, atoms);
  const windows: WindowResult[] = [];
  for (const window of settings.windows) {
    windows.push(await analyzeWindow(synth, atoms, truth, window, settings, seed, ws));
  }
  return { structure, seed, synth, atoms, truth, windows };
}

/** Free the trained models of a case. */
export function disposeCase(c: PaperCase): void {
  for (const w of c.windows) disposeRvae(w.model);
}

/** The circular mean of `angles` over the windows where `select` holds, radians. */
function circularMean(angles: ArrayLike<number>, select: (i: number) => boolean): number {
  let sx = 0, sy = 0;
  for (let i = 0; i < angles.length; i++) {
    if (!select(i)) continue;
    sx += Math.cos(angles[i]);
    sy += Math.sin(angles[i]);
  }
  return Math.atan2(sy, sx);
}

/**
 * Angles (degrees, 0–180) between the mean encoded angles of the variants
 * present, each with its nearest neighbour on the circle: the paper's "two
 * peaks π/2 apart" measured on the polar windows alone.
 */
export function variantSeparations(w: WindowResult): number[] {
  const present = presentVariants(w.variant);
  const means = present.map((v) => circularMean(w.encoding.angle, (i) => w.variant[i] === v))
    .sort((a, b) => a - b);
  if (means.length < 2) return [];
  return means.map((m, k) => {
    const next = means[(k + 1) % means.length] + (k + 1 === means.length ? 2 * Math.PI : 0);
    return ((next - m) * 180) / Math.PI;
  }).slice(0, means.length === 2 ? 1 : means.length);
}

/** What a window is, for naming a peak's population: its variant, else its phase or chemistry. */
export function windowKind(w: WindowResult, i: number): string {
  if (w.variant[i] >= 0) return `variant ${w.variant[i]}`;
  if (w.chemistry[i] < 0) return "unmatched";
  if (w.chemistry[i] === 2 || w.chemistry[i] === 3) {
    return w.chemistry[i] === 3 ? "intermixed" : PHASE_NAMES[w.phase[i]];
  }
  return CHEMISTRY[w.chemistry[i]];
}

/** The most common kind of window in each angle peak's basin, with its share. */
export function peakContents(w: WindowResult): { kind: string; share: number }[] {
  return w.peaks.peaks.map((p) => {
    const counts = new Map<string, number>();
    let total = 0;
    for (let i = 0; i < w.stack.count; i++) {
      const a = w.encoding.angle[i];
      const inside = w.peaks.peaks.length === 1 ||
        (p.from <= p.to ? a >= p.from && a < p.to : a >= p.from || a < p.to);
      if (!inside) continue;
      const kind = windowKind(w, i);
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
      total++;
    }
    const [kind, n] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? ["-", 0];
    return { kind, share: total ? n / total : 0 };
  });
}

/**
 * The GMM class on (z1, z2) that holds the most polar-layer windows: the
 * share of polar-layer windows it holds, the share of its windows that are
 * polar-layer ones, and the share of each variant among its variant windows
 * against their share among all variant windows (equal when the class
 * ignores the rotation).
 */
export function polarClass(w: WindowResult): {
  held: number;
  purity: number;
  variantShare: number[];
  variantShareAll: number[];
} {
  const labels = w.gmm4.latent;
  const k = Math.max(...labels) + 1;
  const polar = new Int32Array(k), size = new Int32Array(k);
  for (let i = 0; i < labels.length; i++) {
    size[labels[i]]++;
    if (w.chemistry[i] === 2) polar[labels[i]]++;
  }
  const c = polar.indexOf(Math.max(...polar));
  const total = polar.reduce((a, b) => a + b, 0);
  const share = (inClass: boolean) => {
    const n = [0, 0, 0, 0];
    for (let i = 0; i < labels.length; i++) {
      if (w.variant[i] >= 0 && (!inClass || labels[i] === c)) n[w.variant[i]]++;
    }
    const sum = n.reduce((a, b) => a + b, 0) || 1;
    return n.map((x) => x / sum);
  };
  return {
    held: total ? polar[c] / total : NaN,
    purity: size[c] ? polar[c] / size[c] : NaN,
    variantShare: share(true),
    variantShareAll: share(false),
  };
}
