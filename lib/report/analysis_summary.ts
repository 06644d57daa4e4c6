/**
 * The summary of an `analyze` run: counts, angle peaks and their separation,
 * the agreement with a ground truth when there is one, and the time each
 * stage took — as rows for the report and as one screen of terminal text.
 * Pure: results in, text out.
 *
 * @module
 */

import type { AtomResult } from "../atoms/find_atoms.ts";
import type { BaselineResults } from "../baselines/suite.ts";
import type { Image } from "../image.ts";
import { type AnglePeaks, describePeaks } from "../rvae/angles.ts";
import type { PolarizationComparison } from "../rvae/polarization_check.ts";
import type { EpochRecord, TrainResult } from "../rvae/train.ts";
import type { AngleAgreement } from "../score/labels.ts";
import { plural } from "../figures/text.ts";

/** Wall time of one stage. */
export interface StageTiming {
  /** Stage name, e.g. "atoms". */
  name: string;
  /** Seconds. */
  seconds: number;
}

/** What the summary is made from. */
export interface AnalysisSummaryInput {
  /** The image's path as given. */
  imagePath: string;
  /** The image. */
  image: Image;
  /** Output folder. */
  outDir: string;
  /** The atom stage's result. */
  atoms: AtomResult;
  /** How far to trust the polarisation, one line each (e.g. `trustSummaryLines`), after it. */
  trust?: readonly string[];
  /** Windows kept and dropped. */
  stack: { count: number; window: number; droppedBorder: number; droppedNonFinite: number };
  /** The sublattice the windows are centred on. */
  sublattice: string;
  /** The baselines' results, or null when skipped. */
  baselines: Pick<BaselineResults, "classes" | "bic" | "embeddings"> | null;
  /** The rVAE's training. */
  training: {
    epochs: number;
    backend: string;
    history: readonly EpochRecord[];
    peaks: AnglePeaks | null;
    /** How training ended (best epoch, restored), when trained here. */
    result?: Pick<TrainResult, "bestEpoch" | "finalEpoch" | "restoredBest" | "endReason"> | null;
    /** The saved model's name, when one was used instead of training. */
    model?: string | null;
  };
  /** The window side and the lattice period it came from (`WindowChoice.text`). */
  window?: string;
  /** The encoded angle against the polarisation on the same sites. */
  rvaeVsPolarization?: PolarizationComparison | null;
  /** Agreement of the encoded angle with a ground truth, when there is one. */
  agreement: AngleAgreement | null;
  /** Stages timed so far, in order. */
  timings: readonly StageTiming[];
  /** Whole run, seconds (when finished). */
  totalSeconds?: number;
}

const DEG = 180 / Math.PI;

function seconds(s: number): string {
  return s >= 10 ? `${s.toFixed(0)} s` : `${s.toFixed(1)} s`;
}

/** Summary rows (label, value) and the same as aligned terminal text. */
export function analysisSummary(input: AnalysisSummaryInput): {
  rows: [string, string][];
  text: string;
} {
  const { image, atoms, stack, training } = input;
  const rows: [string, string][] = [];
  const size = image.pixelSize
    ? `, ${image.pixelSize.value.toPrecision(3)} ${image.pixelSize.unit}/px`
    : "";
  rows.push(["image", `${input.imagePath} (${image.width} x ${image.height} px${size})`]);
  const columns = atoms.columns;
  const a = columns.sublattice.filter((s) => s === 0).length;
  rows.push([
    "atom columns",
    `${columns.x.length} (${a} A, ${columns.x.length - a} B), period ` +
    `${atoms.lattice.period.toFixed(2)} px`,
  ]);
  const flagged = atoms.polarization.status.filter((s) => s !== "ok").length;
  rows.push([
    "polarisation",
    `${atoms.polarization.x.length - flagged} vectors (${flagged} flagged, ` +
    `${atoms.polarization.rule} neighbours)`,
  ]);
  for (const line of input.trust ?? []) {
    // "label: text" lines become rows under their label.
    const at = line.indexOf(": ");
    rows.push(at > 0 && at < 40 ? [line.slice(0, at), line.slice(at + 2)] : ["", line]);
  }
  rows.push([
    "windows",
    `${stack.count} of ${input.window ?? `${stack.window} px`} on sublattice ${input.sublattice} ` +
    `(${stack.droppedBorder} dropped at the border` +
    (stack.droppedNonFinite ? `, ${stack.droppedNonFinite} over NaN` : "") + ")",
  ]);
  if (input.baselines) {
    const embeddings = Object.keys(input.baselines.embeddings).join(", ") || "none";
    rows.push([
      "baselines",
      `${
        plural(input.baselines.classes, "class", "classes")
      }; BIC prefers k = ${input.baselines.bic.best}; ` +
      `embeddings: ${embeddings}`,
    ]);
  }
  const last = training.history.at(-1);
  if (training.model) rows.push(["rVAE", `saved model ${training.model} (not trained here)`]);
  if (last) {
    const held = (r: EpochRecord | undefined) => r?.validation?.loss ?? r?.train.loss ?? NaN;
    const ended = training.result;
    const kept = ended && ended.restoredBest
      ? ` -> ${held(training.history[ended.finalEpoch - 1]).toFixed(2)} at the best epoch ` +
        `${ended.finalEpoch} (restored)`
      : "";
    rows.push([
      "rVAE",
      `${plural(training.epochs, "epoch")} on ${training.backend}` +
      (ended?.endReason === "patience" ? " (stopped early)" : "") +
      `, ${last.validation ? "held-out" : "training"} loss ${held(last).toFixed(2)} ` +
      `(last)${kept}`,
    ]);
  }
  if (training.peaks) rows.push(["angle peaks", describePeaks(training.peaks)]);
  const check = input.rvaeVsPolarization;
  if (check) {
    const domains = check.byDomain.filter((d) => d.count >= 20).slice(0, 6);
    rows.push([
      "rVAE vs polarisation",
      check.text +
      (domains.length > 1
        ? `; per domain: ${
          domains.map((d) => `${d.label}: ${(100 * d.agreement).toFixed(0)} % of ${d.count}`)
            .join(", ")
        }`
        : ""),
    ]);
  }
  if (input.agreement) {
    const g = input.agreement;
    rows.push([
      "truth agreement",
      `${(100 * g.agreement).toFixed(1)} % of ${g.count} polar sites within 30° of their ` +
      `variant (best offset ${(g.offset * DEG).toFixed(0)}°, sign ${g.sign > 0 ? "+" : "-"})`,
    ]);
  }
  const times = input.timings.map((t) => `${t.name} ${seconds(t.seconds)}`);
  if (input.totalSeconds !== undefined) times.push(`total ${seconds(input.totalSeconds)}`);
  rows.push(["timings", times.join(" · ")]);
  rows.push(["output", input.outDir]);
  const width = Math.max(...rows.map(([label]) => label.length));
  const text = rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join("\n");
  return { rows, text: `ferrovae analyze\n${text}` };
}
