/**
 * `deno task synth --out DIR [--seed N] [--size PX] [physics options]`:
 * generate a synthetic HAADF-STEM image of a ferroelectric film with its
 * ground truth. Writes `image.tif` (float32), `image.npy`, `truth.csv`
 * (`x,y,sublattice,dx,dy,variant`; `--structure superlattice` adds
 * `layer,phase,mix`), `meta.json` and `run.json`.
 *
 * @module
 */

import { InvalidArgumentError } from "../lib/deps.ts";
import { UsageError, UserError } from "../lib/errors.ts";
import { writeFigure } from "../lib/io/figure.ts";
import { synthPreviewFigure } from "../lib/synth/figure.ts";
import { synthFiles } from "../lib/synth/files.ts";
import { generateHaadf, type SynthResult } from "../lib/synth/generate.ts";
import {
  ATOMIC_NUMBER,
  STRUCTURES,
  SYNTH_DEFAULTS,
  type SynthOptions,
} from "../lib/synth/options.ts";
import {
  choiceFlag,
  FORCE_HELP,
  intFlag,
  numberFlag,
  parseArgs,
  program,
  runMain,
} from "./_cli.ts";

type Kind = "int" | "number" | "species";

/** Physics flags: flag name, option key, value kind, help text. */
const PHYSICS: [string, keyof SynthOptions, Kind, string][] = [
  ["width", "width", "int", "image width in px (overrides --size)"],
  ["height", "height", "int", "image height in px (overrides --size)"],
  ["pixel-size", "pixelSize", "number", "calibration, nm per px"],
  ["cell", "cellNm", "number", "pseudo-cubic lattice parameter, nm"],
  ["spacing", "spacing", "number", "lattice spacing in px (default: cell / pixel size)"],
  ["rotation", "rotation", "number", "angle of the lattice rows, degrees (y down)"],
  ["displacement", "displacement", "number", "B-site displacement, fraction of the cell"],
  ["variants", "variants", "int", "number of polar variants, 1 to 4"],
  ["domain-width", "domainWidth", "number", "mean stripe-domain width, cells"],
  ["domain-jitter", "domainJitter", "number", "relative spread of domain widths"],
  ["wall-angle", "wallAngle", "number", "direction of the domain walls, degrees from the rows"],
  ["wall-width", "wallWidth", "number", "domain-wall width, cells"],
  ["substrate", "substrate", "number", "substrate band height, fraction of the image (0: none)"],
  ["film-a", "filmA", "species", "film A-site species"],
  ["film-b", "filmB", "species", "film B-site species"],
  ["substrate-a", "substrateA", "species", "substrate A-site species"],
  ["substrate-b", "substrateB", "species", "substrate B-site species"],
  ["z-exponent", "zExponent", "number", "HAADF contrast exponent n in Z^n"],
  ["gradient", "gradient", "number", "relative A-site intensity change across the image"],
  ["gradient-angle", "gradientAngle", "number", "direction of the gradient, degrees"],
  ["dislocation-x", "dislocationX", "number", "x of the dislocation core, px"],
  ["position-jitter", "positionJitter", "number", "static disorder of column positions, px"],
  ["intensity-jitter", "intensityJitter", "number", "relative spread of column intensities"],
  ["column-sigma", "columnSigma", "number", "intrinsic column width (sigma), nm"],
  ["probe-sigma", "probeSigma", "number", "probe core sigma, nm"],
  ["probe-tail", "probeTail", "number", "fraction of the probe intensity in its tail"],
  ["probe-tail-sigma", "probeTailSigma", "number", "probe tail sigma, nm"],
  ["dose", "dose", "number", "counts at the peak of an isolated film A column"],
  ["read-noise", "readNoise", "number", "Gaussian read noise, counts"],
  ["row-jitter", "rowJitter", "number", "fast-scan row jitter, px"],
  ["shear", "shear", "number", "drift shear, px per row"],
  ["stretch", "stretch", "number", "drift stretch of the row spacing"],
  ["wobble", "wobble", "number", "amplitude of the slow row wobble, px"],
  ["wobble-period", "wobblePeriod", "number", "period of the wobble, rows"],
  ["background", "background", "number", "background level, fraction of the A peak"],
  ["background-variation", "backgroundVariation", "number", "relative background variation"],
  // Mistilt: the apparent shift grows with a column's weight and saturates (see SynthOptions.mistilt).
  [
    "mistilt",
    "mistilt",
    "number",
    "specimen mistilt: apparent shift of a film A column, px (default 0)",
  ],
  [
    "mistilt-angle",
    "mistiltAngle",
    "number",
    "direction of the mistilt shift, degrees, y down (default 0)",
  ],
  [
    "mistilt-saturation",
    "mistiltSaturation",
    "number",
    "saturation weight of the mistilt shift (default 0.1)",
  ],
  // Superlattice (--structure superlattice; see SynthOptions.structure).
  ["polar-cells", "polarCells", "int", "superlattice: polar layer thickness, cells (default 8)"],
  [
    "nonpolar-cells",
    "nonpolarCells",
    "int",
    "superlattice: non-polar layer thickness, cells (default 5)",
  ],
  ["layer-a", "layerA", "species", "superlattice: non-polar layers' A-site species (default La)"],
  ["layer-b", "layerB", "species", "superlattice: non-polar layers' B-site species (default Mn)"],
  [
    "intermix-cells",
    "intermixCells",
    "int",
    "superlattice: cells of the graded interface (default 3)",
  ],
  [
    "antipolar-fraction",
    "antipolarFraction",
    "number",
    "superlattice: antipolar share of polar layers (default 0.3)",
  ],
  [
    "antipolar-width",
    "antipolarWidth",
    "number",
    "superlattice: mean antipolar patch width, cells (default 6)",
  ],
];

function parserFor(flag: string, kind: Kind): (v: string) => number | string {
  if (kind === "int") return intFlag(`--${flag}`);
  if (kind === "number") return numberFlag(`--${flag}`);
  return (value: string) => {
    if (!(value in ATOMIC_NUMBER)) {
      throw new InvalidArgumentError(
        `--${flag} takes an element symbol (${
          Object.keys(ATOMIC_NUMBER).join(" ")
        }), not "${value}"`,
      );
    }
    return value;
  };
}

function camelToFlag(key: string): string {
  return PHYSICS.find(([, k]) => k === key)?.[0] ?? key;
}

if (import.meta.main) {
  await runMain(async (context) => {
    const cmd = program(
      "synth",
      "Generate a synthetic HAADF-STEM image of a ferroelectric film with ground truth",
    )
      .requiredOption("--out <dir>", "output folder")
      .option("--force", FORCE_HELP)
      .option("--seed <n>", "seed of every random choice", intFlag("--seed"), 0)
      .option("--size <px>", "image width and height in px", intFlag("--size", 16, 16384), 512)
      .option("--dislocation", "insert an edge dislocation at the film/substrate interface")
      .option("--noiseless", "no shot or read noise (infinite dose)")
      .option("--figure", "also write preview.svg and preview.png (image and true displacements)")
      .option(
        "--structure <kind>",
        "film, or superlattice (non-polar and polar layers; truth.csv adds layer, phase, mix)",
        choiceFlag("--structure", STRUCTURES),
        "film",
      );
    for (const [flag, key, kind, help] of PHYSICS) {
      const fallback = (SYNTH_DEFAULTS as Record<string, unknown>)[key];
      const shown = fallback === undefined ? "" : ` (default ${fallback})`;
      cmd.option(`--${flag} <value>`, help + shown, parserFor(flag, kind));
    }
    parseArgs(cmd);
    const flags = cmd.opts() as Record<string, unknown>;
    const options: Record<string, unknown> = {
      seed: flags.seed,
      width: flags.size,
      height: flags.size,
      dislocation: flags.dislocation === true,
      structure: flags.structure,
    };
    for (const [flag, key] of PHYSICS) {
      const value = flags[flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())];
      if (value !== undefined) options[key] = value;
    }
    if (flags.noiseless) {
      options.dose = Infinity;
      options.readNoise = 0;
    }
    const outDir = flags.out as string;
    const run = context.open({ script: "synth", outDir, force: flags.force === true });
    const started = performance.now();
    let result: SynthResult;
    try {
      result = generateHaadf(options as SynthOptions);
    } catch (err) {
      // An option out of range is a bad flag: exit status 2, named as the flag.
      if (err instanceof UserError) {
        throw new UsageError(`--${camelToFlag(err.subject)}`, err.message);
      }
      throw err;
    }
    const generated = performance.now();
    run.setSeed(result.meta.options.seed);
    run.setParameters({ ...result.meta.options, dose: String(result.meta.options.dose) });
    for (const [name, data] of Object.entries(synthFiles(result))) await run.write(name, data);
    if (flags.figure) {
      await writeFigure(run, { name: "preview", svg: synthPreviewFigure(result) }, { scale: 1 });
    }
    run.setExtra({
      counts: result.meta.counts,
      generateMs: Math.round(generated - started),
      totalMs: Math.round(performance.now() - started),
    });
    await run.finish();
    const { counts } = result.meta;
    console.log(
      `synth: ${result.image.width}x${result.image.height}, ${counts.A} A + ${counts.B} B columns ` +
        `(${counts.polarB} polar), ${Math.round(generated - started)} ms to generate -> ${outDir}`,
    );
  });
}
