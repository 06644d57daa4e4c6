/**
 * The figures of how far to trust the polarisation (issue 15), in the
 * image's own frame (y down, equal aspect, nm axes when calibrated):
 * - {@linkcode trustedPolarizationMapFigure}: the vectors after the reference
 *   and tilt correction (averaged when asked), insignificant ones grey;
 * - {@linkcode polarizationDirectionsFigure}: the directions of the
 *   significant vectors with the peaks of their distribution;
 * - {@linkcode domainMapFigure}: variants (or, when not spatially coherent,
 *   the direction classes, marked so) with the domain walls;
 * - {@linkcode latticeMapsFigure}: the local lattice parameters, their ratio,
 *   rotation and strain.
 *
 * @module
 */

import { histogramFigure } from "../figures/charts.ts";
import { categoricalColor } from "../figures/color.ts";
import { figureGrid } from "../figures/layout.ts";
import { categoricalLegend } from "../figures/legends.ts";
import { siteMapFigure } from "../figures/site_map.ts";
import { DEG, degrees, plural } from "../figures/text.ts";
import type { Image } from "../image.ts";
import { quantile } from "../math.ts";
import type { AnglePeaks } from "../rvae/angles.ts";
import type { AtomResult } from "./find_atoms.ts";
import type { TrustReport } from "./trust.ts";

const PANEL = 520;
const GREY = "#8c8c8c";
// Walls stand out: black on white, white over the (dark) image.
const WALL = { none: "#111111", image: "#ffffff" } as const;

/** Options of the map figures. */
export interface TrustMapOptions {
  /** Draw the image in grey under the sites ("image", default) or not ("none"). */
  background?: "image" | "none";
}

/** The vectors a map shows: the averaged ones when averaging was asked for, with significance. */
export function shownVectors(trust: TrustReport): {
  px: Float64Array;
  py: Float64Array;
  significant: Uint8Array;
  averaged: boolean;
} {
  const a = trust.averaged;
  if (a.spec.kind === "none") {
    const v = trust.vectors;
    return { px: v.px, py: v.py, significant: v.significant, averaged: false };
  }
  // An average is significant on its own error, as each vector is on its own.
  const significant = Uint8Array.from(
    a.px,
    (x, j) => (Math.hypot(x, a.py[j]) > 3 * a.pErr[j] ? 1 : 0),
  );
  return { px: a.px, py: a.py, significant, averaged: true };
}

/** "not a perovskite: " when the guard rail failed, else "". */
function caveat(trust: TrustReport): string {
  return trust.perovskite.fits ? "" : "NOT a perovskite fit: ";
}

/**
 * The polarisation map after correction: every B column a disc whose hue is
 * the direction and whose colour strength the magnitude; vectors that are
 * not significant (|p| ≤ 3 standard errors) are neutral grey, the wheel's
 * centre. Over the image unless `background` is "none".
 *
 * @example
 * ```ts
 * import { trustedPolarizationMapFigure } from "./trust_figures.ts";
 * import { assessPolarization } from "./trust.ts";
 * import { findAtoms } from "./find_atoms.ts";
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image } = generateHaadf({ seed: 1, width: 96, height: 96 });
 * const atoms = findAtoms(image);
 * const svg = trustedPolarizationMapFigure(image, atoms, assessPolarization(image, atoms));
 * if (!svg.includes("grey: not significant")) throw new Error("the grey sites are explained");
 * ```
 */
export function trustedPolarizationMapFigure(
  image: Image,
  result: AtomResult,
  trust: TrustReport,
  options: TrustMapOptions = {},
): string {
  const p = result.polarization;
  const v = shownVectors(trust);
  const js = Array.from({ length: p.x.length }, (_, j) => j).filter((j) =>
    Number.isFinite(v.px[j]) && Number.isFinite(v.py[j])
  );
  const pm = trust.calibration.pixelPm;
  const k = pm ?? 1;
  const magnitude = js.map((j) => Math.hypot(v.px[j], v.py[j]));
  const significant = js.filter((j) => v.significant[j]);
  const top = quantile(
    significant.map((j) => Math.hypot(v.px[j], v.py[j])),
    0.95,
    { method: "step", empty: 0 },
  ) || quantile(magnitude, 0.95, { method: "step", empty: 0 });
  const scale = PANEL / Math.max(image.width, image.height);
  const radius = Math.max(1.5, Math.min(9, 0.33 * result.nnDistance * scale));
  const grey = js.length - significant.length;
  return siteMapFigure(image, { x: js.map((j) => p.x[j]), y: js.map((j) => p.y[j]) }, {
    title: `${caveat(trust)}${v.averaged ? "averaged " : ""}polarisation, ` +
      `${significant.length} of ${plural(js.length, "B column")} significant` +
      (grey ? ` (grey: not significant)` : ""),
    size: PANEL,
    radius,
    angles: js.map((j) => Math.atan2(v.py[j], v.px[j])),
    amplitudes: js.map((j, i) => (v.significant[j] ? magnitude[i] * k : 0)),
    amplitudeMax: (top || 1) * k,
    amplitudeLabel: `|p| (${pm !== undefined ? "pm" : "px"})`,
    hueLabel: "direction",
    background: (options.background ?? "image") === "image" ? image : null,
  });
}

/**
 * The directions of the significant vectors (degrees, image frame, y down)
 * with a marker at each peak `peaks` found in them.
 *
 * @example
 * ```ts
 * import { polarizationDirectionsFigure } from "./trust_figures.ts";
 * import { assessPolarization } from "./trust.ts";
 * import { findAtoms } from "./find_atoms.ts";
 * import { findAnglePeaks } from "../rvae/angles.ts";
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image } = generateHaadf({ seed: 1, width: 96, height: 96 });
 * const trust = assessPolarization(image, findAtoms(image));
 * const angles = Array.from(trust.vectors.angle).filter((_, j) => trust.vectors.significant[j]);
 * const svg = polarizationDirectionsFigure(trust, findAnglePeaks(angles));
 * if (!svg.includes("significant")) throw new Error("the title says which vectors");
 * ```
 */
export function polarizationDirectionsFigure(
  trust: TrustReport,
  peaks: Pick<AnglePeaks, "peaks" | "separationsDeg">,
): string {
  const v = trust.vectors;
  const angles = Array.from(v.angle).filter((a, j) => v.significant[j] && Number.isFinite(a));
  const apart = peaks.peaks.length > 1
    ? `, ${peaks.separationsDeg.map((s) => `${s.toFixed(0)}°`).join(", ")} apart`
    : "";
  return histogramFigure(angles.map((a) => a * DEG), {
    title: `${caveat(trust)}directions of ${plural(angles.length, "significant vector")}: ` +
      `${plural(peaks.peaks.length, "peak")}${apart}`,
    xLabel: "angle atan2(py, px) (°, image frame, y down)",
    yLabel: "B columns",
    domain: [0, 360],
    bins: 72,
    width: 520,
    markers: peaks.peaks.map((p) => ({ x: p.angle * DEG, label: degrees(p.angle) })),
  });
}

/**
 * The domains: each significant B site coloured by its variant (when the
 * direction classes are spatially coherent) or by its direction class
 * (marked "incoherent": not variants), sites that are not significant in
 * grey, and the domain walls (sites with a neighbour in another domain)
 * in black (white over the image).
 *
 * @example
 * ```ts
 * import { domainMapFigure } from "./trust_figures.ts";
 * import { assessPolarization } from "./trust.ts";
 * import { findAtoms } from "./find_atoms.ts";
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image } = generateHaadf({ seed: 1, width: 96, height: 96 });
 * const atoms = findAtoms(image);
 * const svg = domainMapFigure(image, atoms, assessPolarization(image, atoms));
 * if (!svg.includes("not significant")) throw new Error("the legend names the grey sites");
 * ```
 */
export function domainMapFigure(
  image: Image,
  result: AtomResult,
  trust: TrustReport,
  options: TrustMapOptions = {},
): string {
  const p = result.polarization;
  const d = trust.domains;
  const n = p.x.length;
  const label = d.coherent ? d.variant : d.cls;
  const over = options.background ?? "image";
  const wall = WALL[over];
  const colors = Array.from({ length: n }, (_, j) => {
    if (d.coherent && d.wall[j]) return wall;
    return label[j] >= 0 ? categoricalColor(label[j]) : GREY;
  });
  const scale = PANEL / Math.max(image.width, image.height);
  const radius = Math.max(1.5, Math.min(9, 0.33 * result.nnDistance * scale));
  const what = d.coherent ? "variant" : "class";
  const map = siteMapFigure(image, p, {
    title: `${caveat(trust)}${
      d.coherent
        ? `${plural(d.domains, "domain")}, ${plural(d.wallSites, "wall site")}`
        : "direction classes: NOT spatially coherent, not variants"
    }`,
    size: PANEL,
    radius,
    color: colors,
    background: over === "image" ? image : null,
  });
  const entries = d.classAngles.map((a, c) => ({
    label: `${what} ${c} (${degrees(a)}, ${d.classCounts[c]})`,
    color: categoricalColor(c),
  }));
  if (d.coherent && d.wallSites > 0) {
    entries.push({ label: over === "image" ? "domain wall (white)" : "domain wall", color: wall });
  }
  entries.push({ label: "not significant", color: GREY });
  return figureGrid(
    [map, categoricalLegend(entries, { title: d.coherent ? "variant" : "class" })],
    {
      letters: false,
    },
  );
}

/**
 * Maps of the local lattice at the A columns: parameters a and b (pm when
 * calibrated), their ratio b/a and the local rotation (the strain, a and b
 * against the reference region or the image median, is in lattice.csv and
 * results.hspy: the same maps as a and b on another scale).
 * Colour ranges span the 2nd to 98th percentiles. Returns undefined when
 * no lattice could be measured.
 *
 * @example
 * ```ts
 * import { latticeMapsFigure } from "./trust_figures.ts";
 * import { assessPolarization } from "./trust.ts";
 * import { findAtoms } from "./find_atoms.ts";
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image } = generateHaadf({ seed: 1, width: 96, height: 96 });
 * const svg = latticeMapsFigure(image, assessPolarization(image, findAtoms(image)));
 * if (!svg?.includes("b/a")) throw new Error("the ratio is mapped");
 * ```
 */
export function latticeMapsFigure(
  image: Image,
  trust: TrustReport,
  options: TrustMapOptions = {},
): string | undefined {
  const l = trust.lattice;
  if (!l || l.x.length === 0) return undefined;
  const pm = trust.calibration.pixelPm;
  const unit = pm !== undefined ? "pm" : "px";
  const k = pm ?? 1;
  const range = (values: ArrayLike<number>): [number, number] => {
    const finite = Array.from(values).filter(Number.isFinite);
    return [
      quantile(finite, 0.02, { method: "step", empty: 0 }),
      quantile(finite, 0.98, { method: "step", empty: 1 }),
    ];
  };
  const panels: [string, ArrayLike<number>, string][] = [
    ["a", Float64Array.from(l.a, (v) => v * k), `a (${unit})`],
    ["b", Float64Array.from(l.b, (v) => v * k), `b (${unit})`],
    ["ratio b/a", l.ratio, "b/a"],
    ["rotation", l.rotationDeg, "rotation (°)"],
  ];
  const background = (options.background ?? "image") === "image" ? image : null;
  const maps = panels.map(([title, values, label]) =>
    siteMapFigure(image, l, {
      title,
      size: 300,
      values,
      domain: range(values),
      valueLabel: label,
      background,
    })
  );
  const ref = l.reference;
  return figureGrid(maps, {
    columns: 2,
    title: `${caveat(trust)}lattice at ${plural(l.x.length, "A column")}; reference: ` +
      (ref.source === "region" ? `the reference region (${ref.sites} sites)` : "the image median") +
      ` (a ${(ref.a * k).toFixed(1)}, b ${(ref.b * k).toFixed(1)} ${unit})`,
  });
}
