/**
 * `analyze` end to end with issues 15 and 17 wired in: the trust files and
 * rows, report.html opening with the warnings and then the generated
 * methods section (with DOIs) before the summary, results.hspy read back by
 * ferrovae's own HDF5 reader with calibrated axes, and the training
 * checkpoint left out unless --keep-checkpoint.
 */

import { assert, assertAlmostEquals, assertEquals } from "./assert.ts";
import { decodeHdf5, listHdf5Images } from "../lib/formats/hdf5.ts";
import { decodeImage } from "../lib/formats/decode.ts";
import { numericColumn, parseCsv } from "../lib/io/csv.ts";
import { generateHaadf } from "../lib/synth/generate.ts";
import { synthFiles } from "../lib/synth/files.ts";
import { runDeno, taskArgs } from "./child.ts";

const FAST = ["--epochs", "2", "--embeddings", "pca", "--seed", "1", "--window", "24"];

async function generated(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "analyze_trust_" });
  const result = generateHaadf({ width: 256, height: 256, seed: 5, substrate: 0.25 });
  for (const [name, data] of Object.entries(synthFiles(result))) {
    await Deno.writeFile(
      `${dir}/${name}`,
      typeof data === "string" ? new TextEncoder().encode(data) : data,
    );
  }
  return dir;
}

Deno.test("analyze: trust files, report opens with warnings then methods, results.hspy calibrated", async () => {
  const dir = await generated();
  try {
    const out = `${dir}/out`;
    // A .npy has no calibration: --pixel-size gives it, and 'uncalibrated' must not be warned.
    const r = await runDeno([
      ...await taskArgs("analyze"),
      `${dir}/image.npy`,
      "--out",
      out,
      "--pixel-size",
      "0.027",
      "--polarization-reference",
      "auto",
      ...FAST,
    ]);
    assertEquals(r.code, 0, r.stderr);
    for (const row of ["significance", "directions", "reference", "domains", "lattice"]) {
      assert(new RegExp(`\\n  ${row}\\s+`).test(r.stdout), `${row} row in\n${r.stdout}`);
    }
    const run = JSON.parse(await Deno.readTextFile(`${out}/run.json`));
    for (const name of ["domains.csv", "lattice.csv", "results.hspy", "domain_map.svg"]) {
      assert(run.files.includes(name), `${name} in ${run.files}`);
    }
    assert(!run.files.some((f: string) => f.startsWith("checkpoint")), "no checkpoint by default");
    assert(Array.isArray(run.warnings), "run.json has warnings");
    assert(!run.warnings.some((w: { code: string }) => w.code === "uncalibrated"));
    assertEquals(run.extra.atoms.trust.calibration, { pixelPm: 27, source: "flag" });
    assertEquals(run.extra.atoms.trust.reference.used, "auto");
    const pol = parseCsv(await Deno.readTextFile(`${out}/polarization.csv`));
    for (const c of ["p_err", "p_err_pm", "significant", "px_raw", "py_raw"]) {
      assert(pol.header.includes(c), c);
    }

    // report.html: the warnings (when any), then Methods (with DOIs), then the Summary.
    const html = await Deno.readTextFile(`${out}/report.html`);
    const at = (s: string) => html.indexOf(s);
    const methods = at("<h2>Methods</h2>");
    const summary = at("<h2>Summary</h2>");
    assert(methods > 0 && summary > methods, "methods before the summary");
    if (run.warnings.length) {
      const warnings = at('<section class="warnings">');
      assert(warnings > 0 && warnings < methods, "warnings first");
      for (const w of run.warnings) assert(html.includes(w.code), w.code);
    }
    for (const doi of ["10.1063/5.0105406", "10.1126/sciadv.abd5084"]) {
      assert(html.includes(`https://doi.org/${doi}`), doi);
    }
    assert(html.includes("Uncertainty, reference and significance"), "the trust paragraph");

    // results.hspy through ferrovae's own HDF5 reader: groups, values, calibration.
    const bytes = await Deno.readFile(`${out}/results.hspy`);
    const entries = await listHdf5Images(bytes, "results.hspy");
    const names = entries.map((e) => e.name);
    for (
      const name of [
        "image",
        "polarization_px",
        "polarization_magnitude",
        "polarization_p_err",
        "lattice_a",
        "lattice_ratio",
        "latent_angle",
        "latent_z1",
      ]
    ) assert(names.includes(`Experiments/${name}/data`), `${name} in ${names}`);
    const index = (name: string) => names.indexOf(`Experiments/${name}/data`);
    const image = await decodeHdf5(bytes, "results.hspy", { index: index("image") });
    const original = await decodeImage(await Deno.readFile(`${dir}/image.npy`), "image.npy");
    assertEquals([image.width, image.height], [original.width, original.height]);
    assertEquals(
      Array.from(image.data.subarray(0, 1000)),
      Array.from(original.data.subarray(0, 1000)),
    );
    assertEquals(image.pixelSize, { value: 0.027, unit: "nm" });
    const map = await decodeHdf5(bytes, "results.hspy", { index: index("polarization_px") });
    assertEquals(map.pixelSize?.unit, "nm");
    const step = Math.round(image.width / map.width);
    assertAlmostEquals(map.pixelSize!.value, step * 0.027, 1e-9);
    // The map holds the corrected px of polarization.csv, in pm.
    const pxPm = numericColumn(pol, "px_pm").filter(Number.isFinite);
    const values = Array.from(map.data).filter(Number.isFinite);
    assert(values.length > 0);
    const lo = Math.min(...pxPm), hi = Math.max(...pxPm);
    assert(values.every((v) => v >= lo - 1e-3 && v <= hi + 1e-3), "px values in pm");
    const lattice = await decodeHdf5(bytes, "results.hspy", { index: index("lattice_a") });
    const a = Array.from(lattice.data).filter(Number.isFinite).sort((p, q) => p - q);
    assertAlmostEquals(a[a.length >> 1], 394.5, 10);

    // --keep-checkpoint keeps it.
    const kept = await runDeno([
      ...await taskArgs("analyze"),
      `${dir}/image.tif`,
      "--out",
      `${dir}/kept`,
      "--skip-baselines",
      "--keep-checkpoint",
      ...FAST,
    ]);
    assertEquals(kept.code, 0, kept.stderr);
    const keptRun = JSON.parse(await Deno.readTextFile(`${dir}/kept/run.json`));
    assert(keptRun.files.includes("checkpoint.bin"), keptRun.files.join(", "));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
