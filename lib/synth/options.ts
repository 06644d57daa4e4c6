/**
 * Parameters of the synthetic HAADF-STEM generator, their defaults and their
 * checks. Defaults describe a BiFeO3 film on SrTiO3 seen along [001] at
 * 0.027 nm per pixel, with four rhombohedral polarisation variants in stripe
 * domains.
 *
 * @module
 */

import { UserError } from "../errors.ts";

/** Atomic numbers of the species a column may hold (HAADF contrast ~ Z^1.7). */
export const ATOMIC_NUMBER: Readonly<Record<string, number>> = {
  O: 8,
  Mg: 12,
  Al: 13,
  Ca: 20,
  Sc: 21,
  Ti: 22,
  V: 23,
  Cr: 24,
  Mn: 25,
  Fe: 26,
  Co: 27,
  Ni: 28,
  Ga: 31,
  Sr: 38,
  Y: 39,
  Zr: 40,
  Nb: 41,
  Ru: 44,
  Ba: 56,
  La: 57,
  Nd: 60,
  Sm: 62,
  Gd: 64,
  Dy: 66,
  Hf: 72,
  Ta: 73,
  Pb: 82,
  Bi: 83,
};

/** Everything the generator takes; every field has a default. Lengths in px unless named. */
export interface SynthOptions {
  /** Seed of every random choice (domain widths, scan jitter, noise). Default 0. */
  seed?: number;
  /** Image width in pixels. Default 512. */
  width?: number;
  /** Image height in pixels. Default 512. */
  height?: number;
  /** Calibration in nm per pixel, carried into `Image.pixelSize`. Default 0.027. */
  pixelSize?: number;
  /** Pseudo-cubic lattice parameter in nm (BiFeO3: 0.396). Default 0.396. */
  cellNm?: number;
  /** Lattice spacing in px; overrides `cellNm / pixelSize` when given. */
  spacing?: number;
  /** Lattice rotation in degrees (counter-clockwise as displayed). Default 1.5. */
  rotation?: number;
  /** B-site displacement as a fraction of the cell (PbTiO3/BiFeO3: 0.05–0.08). Default 0.06. */
  displacement?: number;
  /** Number of polar variants present, 1 to 4, 90° apart. Default 4. */
  variants?: number;
  /** Mean stripe-domain width in cells, measured across the stripes. Default 9. */
  domainWidth?: number;
  /** Relative random spread of the domain widths (0 = all equal). Default 0.25. */
  domainJitter?: number;
  /** Direction of the domain walls in degrees from the lattice rows. Default 45. */
  wallAngle?: number;
  /** Domain-wall width in cells (tanh profile across which the polarisation rotates). Default 1. */
  wallWidth?: number;
  /** Height of the non-polar substrate band at the bottom, as a fraction of the image. Default 0.2. */
  substrate?: number;
  /** A-site species of the film. Default "Bi". */
  filmA?: string;
  /** B-site species of the film (column holds B + O). Default "Fe". */
  filmB?: string;
  /** A-site species of the substrate. Default "Sr". */
  substrateA?: string;
  /** B-site species of the substrate (column holds B + O). Default "Ti". */
  substrateB?: string;
  /** HAADF contrast exponent: column intensity ~ sum of Z^n. Default 1.7. */
  zExponent?: number;
  /** Relative change of film A-site intensity across the image (chemical gradient). Default 0.1. */
  gradient?: number;
  /** Direction of the chemical gradient in degrees from the image x axis. Default 0. */
  gradientAngle?: number;
  /** Insert an edge (misfit) dislocation at the film/substrate interface. Default false. */
  dislocation?: boolean;
  /** Dislocation core x in px (default: image centre). */
  dislocationX?: number;
  /** Static disorder: random shift of every column, px (standard deviation per axis). Default 0.1. */
  positionJitter?: number;
  /** Relative random spread of column intensities (thickness, vacancies). Default 0.05. */
  intensityJitter?: number;
  /** Intrinsic column width (Gaussian sigma) in nm. Default 0.03. */
  columnSigma?: number;
  /** Probe core Gaussian sigma in nm. Default 0.045. */
  probeSigma?: number;
  /** Fraction of the probe's intensity in its broad tail (second Gaussian). Default 0.2. */
  probeTail?: number;
  /** Probe tail Gaussian sigma in nm. Default 0.2. */
  probeTailSigma?: number;
  /**
   * Expected counts at the peak of an isolated film A column (shot noise).
   * Default 1000: B columns are then still located about twice less precisely,
   * relative to the cell, than in the noisiest real image of ../shared/data
   * (`deno task bench atoms` measures both).
   */
  dose?: number;
  /** Gaussian read noise in counts (standard deviation). Default 2. */
  readNoise?: number;
  /** Fast-scan row jitter in px (standard deviation, per row). Default 0.15. */
  rowJitter?: number;
  /** Slow-scan drift shear: x shift in px per row. Default 0.01. */
  shear?: number;
  /** Slow-scan drift stretch: relative change of the row spacing. Default 0.005. */
  stretch?: number;
  /** Amplitude in px of a slow sinusoidal x wobble of the rows (scan instability). Default 0.4. */
  wobble?: number;
  /** Period in rows of that wobble. Default 170. */
  wobblePeriod?: number;
  /** Background level as a fraction of the film A column peak. Default 0.15. */
  background?: number;
  /** Relative amplitude of the slow background variation. Default 0.3. */
  backgroundVariation?: number;
  /**
   * Specimen mistilt, as the apparent shift in px of an isolated film A
   * column (weight 1). Default 0: none. A column tilted off the beam is
   * seen as a short streak: each column of weight w (∑Zⁿ relative to a film
   * A column) is drawn as three equal parts at 0, 1 and 2 × s(w) along
   * `mistiltAngle`, so its centroid moves by
   * s(w) = mistilt · (1 − e^(−w/w₀)) / (1 − e^(−1/w₀)), w₀ =
   * `mistiltSaturation`, and it is elongated along that direction (variance
   * + ⅔ s(w)²). The shift grows with the column's intensity and saturates
   * (the probe channels along heavy and medium columns alike), so columns
   * of different weight move by different amounts: a non-polar crystal
   * shows a nearly uniform apparent polarisation, B minus A. This is a
   * phenomenological model of the effect multislice simulations and
   * experiments show, not a channelling calculation. The truth keeps the
   * columns' real positions.
   */
  mistilt?: number;
  /** Direction of the mistilt's apparent shift, degrees, image frame (atan2, y down). Default 0. */
  mistiltAngle?: number;
  /** Saturation weight w₀ of the mistilt shift (see `mistilt`). Default 0.1. */
  mistiltSaturation?: number;
  /**
   * The specimen's layout. "film" (default): one polar film in stripe
   * domains on the substrate band. "superlattice": on the substrate band,
   * alternating layers of a non-polar material (A site `layerA`, B site
   * `layerB`; `nonpolarCells` thick, the first layer) and the polar film
   * material (`filmA`, `filmB`; `polarCells` thick), after the
   * BiFeO3–La0.7Sr0.3MnO3 superlattice of Valleti et al., AIP Advances 12,
   * 105122 (2022), doi:10.1063/5.0105406. The interface where the polar
   * layer grows on the non-polar one is sharp; the one where the non-polar
   * layer grows on the polar one is intermixed over `intermixCells` cells
   * (A- and B-site composition graded linearly, the polar displacement
   * fading with it). Each polar layer has its own stripe domains of the
   * rhombohedral variants and, over `antipolarFraction` of its length,
   * patches of an antipolar lamellar phase: B-site displacements along a
   * cell diagonal, antiparallel in alternate diagonal rows (a 2-cell
   * period along the rows; lamellae at 45° to the interfaces).
   */
  structure?: Structure;
  /** Superlattice: thickness of each polar layer, cells. Default 8. */
  polarCells?: number;
  /** Superlattice: thickness of each non-polar layer, cells. Default 5. */
  nonpolarCells?: number;
  /** Superlattice: A-site species of the non-polar layers. Default "La" (LSMO's La0.7Sr0.3). */
  layerA?: string;
  /** Superlattice: B-site species of the non-polar layers (column holds B + O). Default "Mn". */
  layerB?: string;
  /** Superlattice: cells over which the intermixed interface is graded (0: sharp). Default 3. */
  intermixCells?: number;
  /** Superlattice: fraction of each polar layer's length in antipolar patches. Default 0.3. */
  antipolarFraction?: number;
  /** Superlattice: mean width of an antipolar patch along the layer, cells. Default 6. */
  antipolarWidth?: number;
}

/** Layouts of {@linkcode SynthOptions.structure}. */
export type Structure = "film" | "superlattice";

/** Every value `structure` takes. */
export const STRUCTURES: readonly Structure[] = ["film", "superlattice"];

/** The superlattice options: in resolved options (and meta.json) only for that structure. */
export type SuperlatticeKey =
  | "structure"
  | "polarCells"
  | "nonpolarCells"
  | "layerA"
  | "layerB"
  | "intermixCells"
  | "antipolarFraction"
  | "antipolarWidth";

/** Defaults of the superlattice options, used when `structure` is "superlattice". */
export const SUPERLATTICE_DEFAULTS: Readonly<Required<Pick<SynthOptions, SuperlatticeKey>>> = {
  structure: "superlattice",
  polarCells: 8,
  nonpolarCells: 5,
  layerA: "La",
  layerB: "Mn",
  intermixCells: 3,
  antipolarFraction: 0.3,
  antipolarWidth: 6,
};

/** The mistilt options: present in resolved options (and meta.json) only when `mistilt` is not 0. */
export type MistiltKey = "mistilt" | "mistiltAngle" | "mistiltSaturation";

/**
 * Options with every default applied (the mistilt ones only when a mistilt
 * is asked for, the superlattice ones only for that structure).
 */
export type ResolvedSynthOptions =
  & Required<Omit<SynthOptions, MistiltKey | SuperlatticeKey>>
  & Pick<SynthOptions, MistiltKey | SuperlatticeKey>;

/** Defaults of the mistilt options, used when `mistilt` is not 0. */
export const MISTILT_DEFAULTS: Readonly<Required<Pick<SynthOptions, MistiltKey>>> = {
  mistilt: 0,
  mistiltAngle: 0,
  mistiltSaturation: 0.1,
};

/** The defaults, as documented on {@linkcode SynthOptions}. */
export const SYNTH_DEFAULTS: Readonly<
  Omit<ResolvedSynthOptions, "spacing" | "dislocationX" | MistiltKey | SuperlatticeKey>
> = {
  seed: 0,
  width: 512,
  height: 512,
  pixelSize: 0.027,
  cellNm: 0.396,
  rotation: 1.5,
  displacement: 0.06,
  variants: 4,
  domainWidth: 9,
  domainJitter: 0.25,
  wallAngle: 45,
  wallWidth: 1,
  substrate: 0.2,
  filmA: "Bi",
  filmB: "Fe",
  substrateA: "Sr",
  substrateB: "Ti",
  zExponent: 1.7,
  gradient: 0.1,
  gradientAngle: 0,
  dislocation: false,
  positionJitter: 0.1,
  intensityJitter: 0.05,
  columnSigma: 0.03,
  probeSigma: 0.045,
  probeTail: 0.2,
  probeTailSigma: 0.2,
  dose: 1000,
  readNoise: 2,
  rowJitter: 0.15,
  shear: 0.01,
  stretch: 0.005,
  wobble: 0.4,
  wobblePeriod: 170,
  background: 0.15,
  backgroundVariation: 0.3,
};

/** Apply defaults and check ranges; a bad value throws a {@linkcode UserError} naming it. */
export function resolveSynthOptions(options: SynthOptions = {}): ResolvedSynthOptions {
  const given = Object.fromEntries(
    Object.entries(options).filter(([, v]) => v !== undefined),
  ) as SynthOptions;
  const o = { ...SYNTH_DEFAULTS, ...given } as ResolvedSynthOptions;
  // Without a mistilt its options stay out, so default outputs (meta.json) are unchanged.
  if (given.mistilt) Object.assign(o, { ...MISTILT_DEFAULTS, ...o });
  else for (const key of Object.keys(MISTILT_DEFAULTS) as MistiltKey[]) delete o[key];
  // Likewise the superlattice's: the film's options and outputs stay as they were.
  if (given.structure === "superlattice") Object.assign(o, { ...SUPERLATTICE_DEFAULTS, ...o });
  else {
    if (given.structure !== undefined && given.structure !== "film") {
      throw new UserError(
        "structure",
        `must be one of ${STRUCTURES.join(", ")}, not ${given.structure}`,
      );
    }
    for (const key of Object.keys(SUPERLATTICE_DEFAULTS) as SuperlatticeKey[]) {
      // A superlattice option on a film would be silently ignored: refuse it.
      if (key !== "structure" && given[key] !== undefined) {
        throw new UserError(key, "applies only to structure superlattice");
      }
      delete o[key];
    }
  }
  o.spacing = given.spacing ?? o.cellNm / o.pixelSize;
  o.dislocationX = given.dislocationX ?? (o.width - 1) / 2;
  const check = (name: keyof SynthOptions, ok: boolean, what: string) => {
    if (!ok) throw new UserError(name, `must be ${what}, not ${String(o[name])}`);
  };
  const finite = (v: number) => typeof v === "number" && Number.isFinite(v);
  check("seed", Number.isSafeInteger(o.seed), "a whole number");
  check("width", Number.isInteger(o.width) && o.width >= 16 && o.width <= 16384, "16 to 16384");
  check("height", Number.isInteger(o.height) && o.height >= 16 && o.height <= 16384, "16 to 16384");
  check("pixelSize", finite(o.pixelSize) && o.pixelSize > 0, "a positive number");
  check("cellNm", finite(o.cellNm) && o.cellNm > 0, "a positive number");
  check("spacing", finite(o.spacing) && o.spacing >= 4 && o.spacing <= 200, "4 to 200 px");
  check("rotation", finite(o.rotation), "a number of degrees");
  check("displacement", finite(o.displacement) && Math.abs(o.displacement) <= 0.25, "|d| ≤ 0.25");
  check("variants", Number.isInteger(o.variants) && o.variants >= 1 && o.variants <= 4, "1 to 4");
  check("domainWidth", finite(o.domainWidth) && o.domainWidth >= 1, "≥ 1 cell");
  check(
    "domainJitter",
    finite(o.domainJitter) && o.domainJitter >= 0 && o.domainJitter < 1,
    "[0, 1)",
  );
  check("wallAngle", finite(o.wallAngle), "a number of degrees");
  check("wallWidth", finite(o.wallWidth) && o.wallWidth >= 0, "≥ 0 cells");
  check("substrate", finite(o.substrate) && o.substrate >= 0 && o.substrate < 1, "in [0, 1)");
  for (const key of ["filmA", "filmB", "substrateA", "substrateB"] as const) {
    check(key, o[key] in ATOMIC_NUMBER, `one of ${Object.keys(ATOMIC_NUMBER).join(" ")}`);
  }
  check("zExponent", finite(o.zExponent) && o.zExponent > 0 && o.zExponent <= 4, "in (0, 4]");
  check("gradient", finite(o.gradient) && Math.abs(o.gradient) < 2, "|g| < 2");
  check("gradientAngle", finite(o.gradientAngle), "a number of degrees");
  check("dislocationX", finite(o.dislocationX), "a number of px");
  check(
    "positionJitter",
    finite(o.positionJitter) && o.positionJitter >= 0 && o.positionJitter < 5,
    "in [0, 5) px",
  );
  check(
    "intensityJitter",
    finite(o.intensityJitter) && o.intensityJitter >= 0 && o.intensityJitter < 1,
    "in [0, 1)",
  );
  check("columnSigma", finite(o.columnSigma) && o.columnSigma >= 0, "≥ 0 nm");
  check("probeSigma", finite(o.probeSigma) && o.probeSigma >= 0, "≥ 0 nm");
  check("probeTail", finite(o.probeTail) && o.probeTail >= 0 && o.probeTail < 1, "in [0, 1)");
  check("probeTailSigma", finite(o.probeTailSigma) && o.probeTailSigma > 0, "> 0 nm");
  check("dose", o.dose === Infinity || (finite(o.dose) && o.dose > 0), "> 0 (Infinity: no noise)");
  check("readNoise", finite(o.readNoise) && o.readNoise >= 0, "≥ 0");
  check("rowJitter", finite(o.rowJitter) && o.rowJitter >= 0 && o.rowJitter < 5, "in [0, 5) px");
  check("shear", finite(o.shear) && Math.abs(o.shear) < 0.5, "|s| < 0.5");
  check("stretch", finite(o.stretch) && Math.abs(o.stretch) < 0.5, "|s| < 0.5");
  check("wobble", finite(o.wobble) && o.wobble >= 0 && o.wobble < 10, "in [0, 10) px");
  check("wobblePeriod", finite(o.wobblePeriod) && o.wobblePeriod > 1, "> 1 row");
  check("background", finite(o.background) && o.background >= 0, "≥ 0");
  check(
    "backgroundVariation",
    finite(o.backgroundVariation) && o.backgroundVariation >= 0 && o.backgroundVariation < 1,
    "in [0, 1)",
  );
  if (o.mistilt !== undefined) {
    check("mistilt", finite(o.mistilt) && Math.abs(o.mistilt) < 5, "|m| < 5 px");
    check("mistiltAngle", finite(o.mistiltAngle ?? 0), "a number of degrees");
    check(
      "mistiltSaturation",
      finite(o.mistiltSaturation ?? 0) && (o.mistiltSaturation ?? 0) > 0,
      "a positive weight",
    );
  }
  if (o.structure === "superlattice") {
    const cells = (name: SuperlatticeKey, v: number | undefined) =>
      check(
        name,
        Number.isInteger(v) && v! >= 1 && v! <= 1000,
        "a whole number of cells, 1 to 1000",
      );
    cells("polarCells", o.polarCells);
    cells("nonpolarCells", o.nonpolarCells);
    for (const key of ["layerA", "layerB"] as const) {
      check(key, (o[key] ?? "") in ATOMIC_NUMBER, `one of ${Object.keys(ATOMIC_NUMBER).join(" ")}`);
    }
    const mix = o.intermixCells ?? 0;
    check(
      "intermixCells",
      Number.isInteger(mix) && mix >= 0 && mix <= Math.min(o.polarCells!, o.nonpolarCells!),
      "a whole number of cells from 0 to the thinner layer's thickness",
    );
    const f = o.antipolarFraction ?? 0;
    check("antipolarFraction", finite(f) && f >= 0 && f < 1, "in [0, 1)");
    const w = o.antipolarWidth ?? 0;
    check("antipolarWidth", finite(w) && w >= 1, "≥ 1 cell");
  }
  return o;
}
