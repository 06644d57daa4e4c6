/**
 * The methods section of `report.html`: a short paragraph per stage that a
 * user can adapt for a paper, generated from the run's manifest (each
 * stage's parameters, the software versions, the seed), and the references
 * those paragraphs cite, with DOIs. Pure: manifest in, text out.
 *
 * @module
 */

import { plural } from "../figures/text.ts";

/** A cited work. */
export interface Reference {
  /** Key used in the paragraphs, e.g. "valleti2022". */
  key: string;
  /** Authors, year, title, journal, volume, pages. */
  text: string;
  /** DOI, when the work has one. */
  doi?: string;
  /** Where to find a work without DOI (arXiv, proceedings). */
  url?: string;
}

/**
 * The works the methods cite. DOIs checked against the publishers' or
 * indexes' records: valleti2022 (DOAJ record of AIP Advances),
 * kalinin2021 (Science Advances); arXiv preprints by their DataCite DOI
 * (10.48550/arXiv.ID) beside their URL; the others are the standard DOIs of
 * these papers as the journals list them.
 */
export const REFERENCES: Record<string, Reference> = {
  valleti2022: {
    key: "valleti2022",
    text: "S. M. P. Valleti, S. V. Kalinin, C. T. Nelson, J. J. P. Peters, W. Dong, R. Beanland, " +
      "X. Zhang, I. Takeuchi, M. Ziatdinov (2022). Unsupervised learning of ferroic variants from " +
      "atomically resolved STEM images. AIP Advances 12, 105122.",
    doi: "10.1063/5.0105406",
  },
  kalinin2021: {
    key: "kalinin2021",
    text: "S. V. Kalinin, O. Dyck, S. Jesse, M. Ziatdinov (2021). Exploring order parameters and " +
      "dynamic processes in disordered systems via variational autoencoders. Science Advances 7, " +
      "eabd5084.",
    doi: "10.1126/sciadv.abd5084",
  },
  bepler2019: {
    key: "bepler2019",
    text: "T. Bepler, E. D. Zhong, K. Kelley, E. Brignole, B. Berger (2019). Explicitly " +
      "disentangling image content from translation and rotation with spatial-VAE. Advances in " +
      "Neural Information Processing Systems 32 (NeurIPS 2019).",
    doi: "10.48550/arXiv.1909.11663",
    url: "https://arxiv.org/abs/1909.11663",
  },
  kingma2014: {
    key: "kingma2014",
    text: "D. P. Kingma, M. Welling (2014). Auto-encoding variational Bayes. ICLR 2014.",
    doi: "10.48550/arXiv.1312.6114",
    url: "https://arxiv.org/abs/1312.6114",
  },
  lindeberg1998: {
    key: "lindeberg1998",
    text: "T. Lindeberg (1998). Feature detection with automatic scale selection. International " +
      "Journal of Computer Vision 30, 79-116.",
    doi: "10.1023/A:1008045108935",
  },
  levenberg1944: {
    key: "levenberg1944",
    text:
      "K. Levenberg (1944). A method for the solution of certain non-linear problems in least " +
      "squares. Quarterly of Applied Mathematics 2, 164-168.",
    doi: "10.1090/qam/10666",
  },
  marquardt1963: {
    key: "marquardt1963",
    text: "D. W. Marquardt (1963). An algorithm for least-squares estimation of nonlinear " +
      "parameters. Journal of the Society for Industrial and Applied Mathematics 11, 431-441.",
    doi: "10.1137/0111030",
  },
  cichocki2009: {
    key: "cichocki2009",
    text:
      "A. Cichocki, A.-H. Phan (2009). Fast local algorithms for large scale nonnegative matrix " +
      "and tensor factorizations. IEICE Transactions on Fundamentals E92-A, 708-721.",
    doi: "10.1587/transfun.E92.A.708",
  },
  schwarz1978: {
    key: "schwarz1978",
    text:
      "G. Schwarz (1978). Estimating the dimension of a model. Annals of Statistics 6, 461-464.",
    doi: "10.1214/aos/1176344136",
  },
  vandermaaten2008: {
    key: "vandermaaten2008",
    text: "L. van der Maaten, G. Hinton (2008). Visualizing data using t-SNE. Journal of Machine " +
      "Learning Research 9, 2579-2605.",
    url: "https://jmlr.org/papers/v9/vandermaaten08a.html",
  },
  mcinnes2018: {
    key: "mcinnes2018",
    text: "L. McInnes, J. Healy, N. Saul, L. Großberger (2018). UMAP: Uniform Manifold " +
      "Approximation and Projection. Journal of Open Source Software 3, 861.",
    doi: "10.21105/joss.00861",
  },
  tenenbaum2000: {
    key: "tenenbaum2000",
    text: "J. B. Tenenbaum, V. de Silva, J. C. Langford (2000). A global geometric framework for " +
      "nonlinear dimensionality reduction. Science 290, 2319-2323.",
    doi: "10.1126/science.290.5500.2319",
  },
  deleeuw2009: {
    key: "deleeuw2009",
    text:
      "J. de Leeuw, P. Mair (2009). Multidimensional scaling using majorization: SMACOF in R. " +
      "Journal of Statistical Software 31(3).",
    doi: "10.18637/jss.v031.i03",
  },
  hadjimichael2021: {
    key: "hadjimichael2021",
    text: "M. Hadjimichael et al. (2021). Metal-ferroelectric supercrystals with periodically " +
      "curved metallic layers. Nature Materials 20, 495-502.",
    doi: "10.1038/s41563-020-00864-6",
  },
  kingma2015: {
    key: "kingma2015",
    text: "D. P. Kingma, J. Ba (2015). Adam: a method for stochastic optimization. ICLR 2015.",
    doi: "10.48550/arXiv.1412.6980",
    url: "https://arxiv.org/abs/1412.6980",
  },
};

/** One stage's paragraph. */
export interface MethodsParagraph {
  /** Stage name, e.g. "Atom columns". */
  stage: string;
  /** The paragraph; citations as [key]. */
  text: string;
  /** Keys of the references it cites. */
  cites: string[];
}

/** The generated methods section. */
export interface MethodsSection {
  /** A paragraph per stage that ran, in order. */
  paragraphs: MethodsParagraph[];
  /** The works cited, in order of first citation. */
  references: Reference[];
}

type Dict = Record<string, unknown>;

function dict(value: unknown): Dict | undefined {
  return value && typeof value === "object" && !Array.isArray(value) ? value as Dict : undefined;
}

function num(value: unknown, digits = 3): string | undefined {
  return typeof value === "number" && Number.isFinite(value)
    ? String(Number(value.toPrecision(digits)))
    : undefined;
}

/** Counts from the run that make the paragraphs concrete (all optional). */
export interface MethodsCounts {
  /** Atom columns found, and B sites with a polarisation vector. */
  columns?: number;
  /** Polarisation vectors. */
  vectors?: number;
  /** Windows analysed. */
  windows?: number;
}

/**
 * The methods section from a run's manifest (`run.json`: `parameters`,
 * `versions`, `seed`, `backend`): one paragraph per stage that has
 * parameters there, each naming the method, its parameters and its
 * references, then one on software and reproducibility.
 *
 * @example
 * ```ts
 * import { methodsSection } from "./methods.ts";
 * // A run.json's `parameters`, trimmed: the atom stage's.
 * const manifest = { parameters: { atoms: { period: 14.7, sigma: 2.6 } }, seed: 1 };
 * const methods = methodsSection(manifest, { columns: 1911 });
 * const atoms = methods.paragraphs[0];
 * if (!atoms.text.includes("14.7 px") || !atoms.cites.includes("lindeberg1998")) {
 *   throw new Error(atoms.text);
 * }
 * if (!methods.references.every((r) => r.doi || r.url)) throw new Error("each has a DOI or URL");
 * ```
 */
export function methodsSection(manifest: unknown, counts: MethodsCounts = {}): MethodsSection {
  const m = dict(manifest) ?? {};
  const parameters = dict(m.parameters) ?? {};
  const paragraphs: MethodsParagraph[] = [];
  const atoms = dict(parameters.atoms);
  if (atoms) {
    const size = num(atoms.pixelSizePm);
    const period = num(atoms.period);
    paragraphs.push({
      stage: "Atom columns and polarisation",
      text: "The lattice period" + (period ? ` (${period} px)` : "") + " was read from the power " +
        "spectrum of the image" + (size ? ` (${size} pm per pixel)` : "") + ". Atom columns were " +
        "detected as maxima of the Laplacian of Gaussian at the lattice scale" +
        (num(atoms.sigma) ? ` (σ = ${num(atoms.sigma)} px)` : "") + " [lindeberg1998], " +
        "refined by centre of mass and an elliptical Gaussian fitted by Levenberg-Marquardt " +
        "least squares [levenberg1944, marquardt1963]" +
        (num(atoms.window) ? ` within ${num(atoms.window)} of the column spacing` : "") +
        ", and split into the A and B sublattices" +
        (counts.columns !== undefined ? ` (${plural(counts.columns, "column")})` : "") +
        ". The polarisation of each B site is its displacement from the centre of its " +
        (atoms.neighbours === "pair" ? "two" : "four") + " nearest A neighbours" +
        (counts.vectors !== undefined ? ` (${plural(counts.vectors, "vector")})` : "") +
        (atoms.rowJitter === true
          ? "; fast-scan row jitter was estimated from the lattice and " +
            "removed first"
          : "") +
        ".",
      cites: ["lindeberg1998", "levenberg1944", "marquardt1963"],
    });
  }
  const trust = atoms && (atoms.reference !== undefined || atoms.average !== undefined)
    ? atoms
    : undefined;
  if (trust) {
    const reference = String(trust.reference ?? "none");
    const tilt = trust.tiltCorrection;
    const average = dict(trust.average);
    const radius = average && typeof average.radius === "number" ? average.radius : 0;
    paragraphs.push({
      stage: "Uncertainty, reference and significance",
      text: "Each column position carries its standard error from the image's measured noise " +
        "(its level, gain and pixel-to-pixel correlation) and the fit window; each polarisation " +
        "vector the error propagated from its B column and the A columns that define its centre. " +
        (reference === "none"
          ? "The vectors are reported as measured (no reference region). "
          : reference === "mean"
          ? "The mean vector of the image was subtracted. "
          : reference === "auto"
          ? "The mean vector of a chemically distinct band at an image edge (a substrate, found " +
            "from the A-column intensities) was subtracted, when one was found. "
          : "The mean vector of the B sites in a non-polar reference box was subtracted. ") +
        (tilt !== undefined && tilt !== false
          ? `A smooth field (polynomial of order ${
            tilt === true ? 1 : String(tilt)
          }) fitted to all vectors was subtracted to remove mistilt and scan distortion, as in ` +
            "[hadjimichael2021]. "
          : "") +
        "A vector counts as significant when its magnitude exceeds three standard errors; " +
        "significant sites were grouped into direction classes, reported as variants only when " +
        "neighbouring sites share a class more often than shuffled labels do (permutation test)" +
        (radius > 0
          ? `; maps show the vectors averaged over ${num(radius)} lattice period${
            radius === 1 ? "" : "s"
          } (the per-site vectors are in the tables)`
          : "") +
        ".",
      cites: tilt !== undefined && tilt !== false ? ["hadjimichael2021"] : [],
    });
  }
  const stack = dict(parameters.stack);
  if (stack) {
    paragraphs.push({
      stage: "Sub-images",
      text: `Sub-images of ${num(stack.window) ?? "?"} × ${num(stack.window) ?? "?"} px were ` +
        `cut centred on the ${String(stack.sublattice ?? "B")} columns` +
        (counts.windows !== undefined ? ` (${plural(counts.windows, "window")})` : "") +
        (stack.centring === "bilinear" ? " with bilinear sub-pixel centring" : "") +
        ` and scaled (${String(stack.normalize ?? "min-max")}), as in [valleti2022].`,
      cites: ["valleti2022"],
    });
  }
  const baselines = dict(parameters.baselines);
  if (baselines) {
    const embeddings = Array.isArray(baselines.embeddings) ? baselines.embeddings.map(String) : [];
    const cite: Record<string, [string, string]> = {
      tsne: ["t-SNE", "vandermaaten2008"],
      umap: ["UMAP", "mcinnes2018"],
      isomap: ["Isomap", "tenenbaum2000"],
      mds: ["metric MDS (SMACOF)", "deleeuw2009"],
    };
    const named = embeddings.filter((e) => cite[e]).map((e) => `${cite[e][0]} [${cite[e][1]}]`);
    paragraphs.push({
      stage: "Classical baselines",
      text: `For comparison, the windows were decomposed by PCA and by NMF (HALS updates ` +
        `[cichocki2009]` +
        (num(baselines.components) ? `, ${num(baselines.components)} components` : "") +
        `), clustered by k-means and Gaussian mixtures on the first ${
          num(baselines.pcaDims) ?? "?"
        } ` +
        `principal components (${num(baselines.classes) ?? "?"} classes; the number of ` +
        `components scanned up to ${num(baselines.bicMax) ?? "?"} by BIC [schwarz1978])` +
        (named.length ? `, and embedded in two dimensions by ${named.join(", ")}` : "") + ".",
      cites: [
        "cichocki2009",
        "schwarz1978",
        ...embeddings.filter((e) => cite[e]).map((e) => cite[e][1]),
      ],
    });
  }
  const rvae = dict(parameters.rvae);
  if (rvae) {
    const epochs = typeof rvae.epochs === "number" ? plural(rvae.epochs, "epoch") : "? epochs";
    paragraphs.push({
      stage: "Rotationally invariant VAE",
      text: `A rotationally invariant variational autoencoder (rVAE) [kalinin2021, bepler2019, ` +
        `kingma2014] encoded each window as a rotation angle, a shift (dx, dy) and ` +
        `${plural(Number(rvae.latentDim ?? 2), "content latent")} (z1, z2, …), following ` +
        `[valleti2022]; ${String(rvae.encoder ?? "mlp")} encoder, ${
          String(rvae.decoder ?? "fast")
        } ` +
        `decoder, ${num(rvae.hiddenUnits) ?? "?"} hidden units, trained for ${epochs} with Adam ` +
        `[kingma2015] (learning rate ${num(rvae.learningRate) ?? "?"}, batch ` +
        `${num(rvae.batchSize) ?? "?"}, ${num(Number(rvae.validationFraction) * 100) ?? "?"} % ` +
        `of the windows held out). Peaks of the encoded angle's distribution mark the ferroic ` +
        `variants.`,
      cites: ["kalinin2021", "bepler2019", "kingma2014", "valleti2022", "kingma2015"],
    });
  }
  const versions = dict(m.versions) ?? {};
  const software = Object.entries(versions).map(([k, v]) => `${k} ${String(v)}`).join(", ");
  paragraphs.push({
    stage: "Software and reproducibility",
    text: `Analysed with ${software || "ferrovae"}` +
      (typeof m.backend === "string" ? ` (compute backend ${m.backend})` : "") +
      (m.seed !== undefined ? `; every random choice drew from seed ${String(m.seed)}` : "") +
      ". The parameters above and the SHA-256 of every input are in run.json.",
    cites: [],
  });
  const order: string[] = [];
  for (const p of paragraphs) for (const c of p.cites) if (!order.includes(c)) order.push(c);
  return { paragraphs, references: order.map((k) => REFERENCES[k]) };
}
