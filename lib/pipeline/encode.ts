/**
 * The encode stage: a saved rVAE applied to windows it was not trained on
 * — a stack, or an image whose windows are cut here from its own atoms
 * with the model's window and normalisation — checked first (one clear
 * line when the model cannot apply), then `latents.csv` and the latent
 * figures, as `encode` and `analyze --model` write them. Two fields of
 * view of one film encoded with one model share one latent space.
 *
 * @module
 */

import type { ImageData } from "../figures/image_panel.ts";
import type { SiteMapFrame } from "../figures/site_map.ts";
import { type Image, pixelSizeInPm } from "../image.ts";
import { describePeaks } from "../rvae/angles.ts";
import { encodeWithModel } from "../rvae/encode.ts";
import { createRvae, type Rvae } from "../rvae/model.ts";
import { decodeModel, type ModelFile } from "../rvae/serialize.ts";
import { type Centring, type Normalization, NORMALIZATIONS } from "../stack.ts";
import type { Warning } from "../warnings.ts";
import { latentOutputs } from "./_rvae_figures.ts";
import type { StageHooks } from "./_stage.ts";
import { atomsStage, type AtomsStageOptions, type AtomsStageResult } from "./atoms.ts";
import { selectAtoms, stackStage, type StackStageResult } from "./stack.ts";
import type { LatentStageResult } from "./train.ts";

/** A saved model as `loadRvaeFile` gives it. */
export interface SavedModel {
  /** The model. */
  model: Rvae;
  /** Its `config.json`: how its windows were cut (`windows`), how it was trained. */
  file: ModelFile;
}

/** Windows already cut, with their centres. */
export interface EncodeStackInput {
  /** Values, window after window. */
  stack: { data: Float32Array; window: number };
  /** Window centres in the image (adds `x,y` and the maps), when known. */
  positions: { x: ArrayLike<number>; y: ArrayLike<number> } | null;
  /** Lattice period of the image the windows come from, px (checked against the model's). */
  periodPx?: number;
  /** Index of the stack each window came from (several stacks): adds `source`. */
  source?: ArrayLike<number> | null;
}

/** Options of {@linkcode encodeStage}. */
export interface EncodeStageOptions {
  /** The stack's or image's name in messages (default "stack" or "image"). */
  name?: string;
  /** The model folder's name, for the summary (default "the model"). */
  modelName?: string;
  /** nm per pixel: adds `dx_pm,dy_pm` (default: the image's calibration). */
  pixelSizeNm?: number;
  /** The image's frame for the maps (default: the image's, or the positions' extent). */
  frame?: SiteMapFrame | null;
  /** Draw the image in grey under the latent maps (default false). */
  background?: boolean | ImageData | null;
  /** The atom finder's options, for an image (the windows' sublattice etc. are the model's). */
  atoms?: AtomsStageOptions;
  /** Draw the figures (default true). */
  figures?: boolean;
}

/** What {@linkcode encodeStage} encoded and made. */
export interface EncodeStageResult extends LatentStageResult {
  /** For an image: the atom stage's result (its files are not written by `encode`). */
  atoms: AtomsStageResult | null;
  /** For an image: the windows cut with the model's window and normalisation. */
  stacked: StackStageResult | null;
}

/**
 * Encode windows with a saved model: `input.stack` as given, or, for
 * `input.image`, windows cut from the image's own atoms (`atomsStage`,
 * then `stackStage` with the model's window side, sublattice, centring and
 * normalisation from `file.windows`). The model must apply
 * (`checkModelApplies`: window side, value range, lattice period within
 * 10 %), else a one-line `UserError` naming the input; windows unlike the
 * training ones give the warning `model-mismatch`. Makes `latents.csv`
 * (the columns `train` writes: a model's own training windows give its
 * training run's file exactly) and, unless `figures` is false, the latent
 * figures. The caller disposes of the model.
 *
 * @example
 * ```ts
 * import { encodeStage } from "./encode.ts";
 * import { initBackend } from "../rvae/backend.ts";
 * import { makeConfig } from "../rvae/config.ts";
 * import { createRvae } from "../rvae/model.ts";
 * import type { ModelFile } from "../rvae/serialize.ts";
 * await initBackend({ backend: "cpu" });
 * const config = makeConfig(8, { hiddenUnits: 8, latentDim: 1 });
 * const model = createRvae(config, { seed: 0 });
 * const data = Float32Array.from({ length: 6 * 64 }, (_, i) => 0.5 + 0.4 * Math.sin(i));
 * const file: ModelFile = {
 *   format: "ferrovae-rvae",
 *   version: 1,
 *   config,
 *   normalization: model.normalization,
 *   windows: { window: 8 },
 *   tensors: [],
 * };
 * const result = await encodeStage({ model, file }, { stack: { data, window: 8 }, positions: null }, {
 *   figures: false,
 * });
 * if (!result.summary.startsWith("encode: 6 windows of 8 px")) throw new Error(result.summary);
 * // Windows of another side are refused in one line:
 * // encodeStage({ model, file }, { stack: { data, window: 4 }, positions: null }) throws a UserError.
 * ```
 */
export async function encodeStage(
  saved: SavedModel,
  input: EncodeStackInput | { image: Image },
  options: EncodeStageOptions = {},
  hooks: StageHooks = {},
): Promise<EncodeStageResult> {
  const { model, file } = saved;
  const size = model.config.size;
  const spec = file.windows;
  const warnings: Warning[] = [];
  let atoms: AtomsStageResult | null = null;
  let stacked: StackStageResult | null = null;
  let windows: EncodeStackInput;
  let image: Image | null = null;
  const name = options.name ?? ("image" in input ? "image" : "stack");
  if ("image" in input) {
    image = input.image;
    await hooks.onStep?.("atoms");
    atoms = await atomsStage(image, { ...options.atoms, source: name, figures: false });
    // The atom stage's own warnings are about the polarisation, which encode does not report.
    await hooks.onStep?.("stack");
    const sublattice = spec?.sublattice ?? "B";
    // From atoms.csv's text, exactly as `analyze` and `stack` cut them.
    const centres = selectAtoms(atoms.files["atoms.csv"], `${name} (its atoms)`, sublattice);
    const period = atoms.result.lattice.period;
    stacked = await stackStage({ image, centres }, {
      window: size,
      periodPx: period,
      sublattice,
      centring: (spec?.centring === "integer" ? "integer" : "bilinear") as Centring,
      normalize: NORMALIZATIONS.find((n) => n === spec?.normalization) ?? "minmax" as Normalization,
      perWindow: spec?.perWindow ?? false,
      source: name,
      figures: false,
    });
    warnings.push(...(stacked.warnings ?? []));
    const stack = stacked.stack;
    windows = {
      stack: { data: stack.data, window: stack.window },
      positions: { x: stack.x, y: stack.y },
      periodPx: period,
    };
  } else {
    windows = input;
  }
  await hooks.onStep?.("encode");
  const { encoding, warnings: applying } = encodeWithModel(model, windows.stack, {
    windows: spec,
    name,
    periodPx: windows.periodPx,
  });
  warnings.push(...applying);
  const pm = image ? pixelSizeInPm(image.pixelSize) : undefined;
  const pixelSizeNm = options.pixelSizeNm ?? (pm === undefined ? undefined : pm / 1000);
  if (options.figures ?? true) await hooks.onStep?.("figures");
  const background = options.background === true ? image : options.background || null;
  const latent = latentOutputs({
    model,
    encoding,
    positions: windows.positions,
    frame: options.frame ?? image,
    background,
    pixelSizeNm,
    source: windows.source,
    figures: options.figures,
  });
  const trained = spec?.periodPx;
  return {
    model,
    encoding,
    peaks: latent.peaks,
    mixture: latent.mixture,
    atoms,
    stacked,
    files: latent.files,
    figures: latent.figures,
    parameters: {
      model: options.modelName ?? null,
      window: size,
      modelWindows: spec ?? null,
      periodPx: windows.periodPx ?? null,
    },
    extra: { windows: encoding.count, ...latent.extra },
    warnings,
    summary: `encode: ${encoding.count} windows of ${size} px` +
      (windows.periodPx !== undefined && Number.isFinite(windows.periodPx)
        ? ` (${(size / windows.periodPx).toFixed(2)} periods of ${windows.periodPx.toFixed(1)} px` +
          (trained !== undefined ? `; the model's: ${trained.toFixed(1)} px)` : ")")
        : "") +
      ` with ${options.modelName ?? "the model"}; angle: ${describePeaks(latent.peaks)}`,
  };
}

/**
 * A saved model from the bytes of its folder's `config.json` and
 * `weights.bin` (read by the caller, e.g. through a run, so that they are
 * recorded as inputs); `paths` name them in error messages. Needs a tfjs
 * backend.
 *
 * @example
 * ```ts
 * import { savedModelFromFiles } from "./encode.ts";
 * import { initBackend } from "../rvae/backend.ts";
 * import { makeConfig } from "../rvae/config.ts";
 * import { modelFiles } from "../io/rvae_files.ts";
 * import { createRvae } from "../rvae/model.ts";
 * import { stackNormalization } from "../rvae/normalize.ts";
 * await initBackend({ backend: "cpu" });
 * const data = Float32Array.from({ length: 6 * 64 }, (_, i) => Math.sin(i));
 * const model = createRvae(makeConfig(8, { hiddenUnits: 8, latentDim: 1 }), {
 *   normalization: stackNormalization(data, 64),
 * });
 * const files = modelFiles(model, {}, { window: 8, periodPx: 4.2 });
 * const saved = savedModelFromFiles(files["config.json"], files["weights.bin"], {
 *   config: "model/config.json",
 *   weights: "model/weights.bin",
 * });
 * if (saved.file.windows?.periodPx !== 4.2) throw new Error("how its windows were cut");
 * ```
 */
export function savedModelFromFiles(
  configJson: string,
  weights: Uint8Array,
  paths: { config: string; weights: string },
): SavedModel {
  const { file, params } = decodeModel(configJson, weights, paths);
  return { model: createRvae(file.config, { params, normalization: file.normalization }), file };
}
