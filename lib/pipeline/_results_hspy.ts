/**
 * `results.hspy` of `analyze`: the image, the polarisation, the lattice and
 * the latents as calibrated maps on one regular grid over the image, and
 * the B sites and the windows as tables, laid out as HyperSpy's own files
 * (`hs.load("results.hspy")` gives one signal per group).
 *
 * @module
 */

import type { AtomResult } from "../atoms/find_atoms.ts";
import type { TrustReport } from "../atoms/trust.ts";
import {
  encodeHspy,
  latentMaps,
  polarizationMaps,
  resultsSignals,
  type SiteMaps,
} from "../formats/hspy_write.ts";
import type { Image } from "../image.ts";
import { VERSION } from "../version.ts";

/** The windows' latents, when the rVAE ran. */
export interface HspyLatents {
  /** Window centres, px. */
  x: ArrayLike<number>;
  /** Window centres, px. */
  y: ArrayLike<number>;
  /** Encoded angle, radians. */
  angle: ArrayLike<number>;
  /** Encoded shift, px, [count, 2]. */
  shiftPixels: ArrayLike<number>;
  /** Content latents, [count, K]. */
  content: ArrayLike<number>;
  /** K. */
  latentDim: number;
}

const DEG = 180 / Math.PI;

/**
 * The bytes of `results.hspy`: `image`; `polarization_px`, `_py`,
 * `_magnitude`, `_angle` (corrected vectors, pm when calibrated, degrees),
 * `polarization_p_err` and `polarization_significant`; `lattice_a`, `_b`
 * (pm when calibrated), `lattice_ratio`, `lattice_rotation`,
 * `lattice_strain_a`, `_b`; `latent_angle`, `latent_dx`, `latent_dy`,
 * `latent_z1…` when the rVAE ran; and the tables `sites` (the B sites:
 * x, y, px, py, magnitude, angle, angle_deg, p_err, significant, px_raw,
 * py_raw, domain, variant) and `windows` (i, x, y, angle, angle_deg, dx, dy,
 * z1…).
 *
 * @example
 * ```ts
 * import { resultsHspy } from "./_results_hspy.ts";
 * import { findAtoms } from "../atoms/find_atoms.ts";
 * import { assessPolarization } from "../atoms/trust.ts";
 * import { generateHaadf } from "../synth/generate.ts";
 * const { image } = generateHaadf({ seed: 1, width: 96, height: 96 });
 * const atoms = findAtoms(image);
 * const bytes = await resultsHspy(image, atoms, assessPolarization(image, atoms), null);
 * if (bytes[1] !== 0x48) throw new Error("an HDF5 file");
 * ```
 */
export function resultsHspy(
  image: Image,
  atoms: AtomResult,
  trust: TrustReport,
  latents: HspyLatents | null,
  options: { source?: string } = {},
): Promise<Uint8Array> {
  const p = atoms.polarization;
  const v = trust.vectors;
  const pm = trust.calibration.pixelPm;
  const k = pm ?? 1;
  const unit = pm !== undefined ? "pm" : "px";
  const polarization = polarizationMaps({ x: p.x, y: p.y, px: v.px, py: v.py }, image.pixelSize);
  polarization.maps.push(
    {
      name: "polarization_p_err",
      quantity: `standard error of a component (${unit})`,
      values: Float64Array.from(v.pErr, (e) => e * k),
    },
    {
      name: "polarization_significant",
      quantity: "significant (1: |p| > 3 p_err)",
      values: v.significant,
    },
  );
  const siteMaps: SiteMaps[] = [polarization];
  const l = trust.lattice;
  if (l && l.x.length) {
    siteMaps.push({
      sites: l,
      maps: [
        {
          name: "lattice_a",
          quantity: `a (${unit})`,
          values: Float64Array.from(l.a, (x) => x * k),
        },
        {
          name: "lattice_b",
          quantity: `b (${unit})`,
          values: Float64Array.from(l.b, (x) => x * k),
        },
        { name: "lattice_ratio", quantity: "b/a", values: l.ratio },
        { name: "lattice_rotation", quantity: "rotation (°)", values: l.rotationDeg },
        { name: "lattice_strain_a", quantity: "strain along a", values: l.strainA },
        { name: "lattice_strain_b", quantity: "strain along b", values: l.strainB },
      ],
    });
  }
  const tables: Record<string, Record<string, ArrayLike<number>>> = {
    sites: {
      x: p.x,
      y: p.y,
      px: v.px,
      py: v.py,
      magnitude: v.magnitude,
      angle: v.angle,
      angle_deg: Float64Array.from(v.angle, (a) => a * DEG),
      p_err: v.pErr,
      significant: v.significant,
      px_raw: v.pxRaw,
      py_raw: v.pyRaw,
      domain: trust.domains.domain,
      variant: trust.domains.variant,
    },
  };
  if (latents && latents.angle.length) {
    siteMaps.push(latentMaps(latents, latents));
    const n = latents.angle.length;
    const windows: Record<string, ArrayLike<number>> = {
      i: Int32Array.from({ length: n }, (_, i) => i),
      x: latents.x,
      y: latents.y,
      angle: latents.angle,
      angle_deg: Float64Array.from(latents.angle, (a) => a * DEG),
      dx: Float64Array.from({ length: n }, (_, i) => latents.shiftPixels[2 * i]),
      dy: Float64Array.from({ length: n }, (_, i) => latents.shiftPixels[2 * i + 1]),
    };
    for (let j = 0; j < latents.latentDim; j++) {
      windows[`z${j + 1}`] = Float64Array.from(
        { length: n },
        (_, i) => latents.content[i * latents.latentDim + j],
      );
    }
    tables.windows = windows;
  }
  return encodeHspy(resultsSignals({ image, siteMaps, tables }), {
    packageVersion: VERSION,
    originalFilename: options.source,
  });
}
