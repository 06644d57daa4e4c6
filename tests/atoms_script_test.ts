/**
 * The `atoms` script under its task's own permissions: the contract's files
 * and columns on the bundled sample, and one-line errors (exit 1 for a bad
 * file, 2 for a bad flag) that leave nothing behind.
 */

import { assert, assertEquals } from "./assert.ts";
import { numericColumn, parseCsv, stringColumn } from "../lib/io/csv.ts";
import { runDeno } from "./child.ts";

/** The `atoms` task's command line, without the leading `deno`. */
async function atomsTask(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  const words = (config.tasks.atoms as string).split(/\s+/);
  assertEquals(words[0], "deno");
  assert(!words.some((w) => w === "-A" || w.startsWith("--allow-all")), "no blanket permissions");
  assert(!words.some((w) => w.startsWith("--allow-net") || w.startsWith("--allow-run")));
  return words.slice(1);
}

Deno.test("atoms script: atoms.csv, polarization.csv, figures and run.json", async () => {
  const out = await Deno.makeTempDir({ prefix: "atoms_" });
  try {
    const r = await runDeno([...await atomsTask(), "data/sample/image.npy", "--out", out]);
    assertEquals(r.code, 0, r.stderr);
    assert(r.stdout.startsWith("atoms: "), r.stdout);
    const run = JSON.parse(await Deno.readTextFile(`${out}/run.json`));
    const figures = [
      "atoms",
      "polarization_map",
      "polarization_angles",
      "polarization_arrows",
      "domain_map",
      "lattice_maps",
    ];
    assertEquals(run.files, [
      "atoms.csv",
      "polarization.csv",
      "domains.csv",
      "lattice.csv",
      ...figures.flatMap((f) => [`${f}.svg`, `${f}.png`]),
      "run.json",
    ]);
    // The .npy carries no calibration: said, in run.json and on the terminal.
    assert(run.warnings.some((w: { code: string }) => w.code === "uncalibrated"));
    assert(r.stdout.includes("warning: uncalibrated: "), r.stdout);
    assert(Object.keys(run.inputs)[0].endsWith("image.npy"));
    assertEquals(run.parameters.neighbours, "four");
    const atoms = parseCsv(await Deno.readTextFile(`${out}/atoms.csv`), "atoms.csv");
    assertEquals(atoms.header.slice(0, 4), ["x", "y", "sublattice", "intensity"]);
    const sub = stringColumn(atoms, "sublattice");
    assert(sub.every((s) => s === "A" || s === "B"));
    const pol = parseCsv(await Deno.readTextFile(`${out}/polarization.csv`), "polarization.csv");
    assertEquals(pol.header.slice(0, 6), ["x", "y", "px", "py", "magnitude", "angle"]);
    // The .npy carries no calibration: no pm columns.
    assert(!pol.header.includes("px_pm"));
    assertEquals(pol.rows.length, sub.filter((s) => s === "B").length);
    const angle = numericColumn(pol, "angle").filter(Number.isFinite);
    assert(angle.length > 1000 && angle.every((a) => a >= 0 && a < 2 * Math.PI));
    for (const f of figures) {
      const svg = await Deno.readTextFile(`${out}/${f}.svg`);
      assert(svg.startsWith("<svg"), f);
      const png = await Deno.readFile(`${out}/${f}.png`);
      assertEquals(Array.from(png.subarray(1, 4)), [80, 78, 71]);
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("atoms script: --row-jitter false removes no row jitter; by default some is", async () => {
  const out = await Deno.makeTempDir({ prefix: "atoms_jitter_" });
  try {
    const task = await atomsTask();
    const rowJitter = async (flags: string[]) => {
      const dir = `${out}/${flags.join("_") || "default"}`;
      const args = ["data/sample/image.tif", "--out", dir, "--no-figures", ...flags];
      const r = await runDeno([...task, ...args]);
      assertEquals(r.code, 0, r.stderr);
      const run = JSON.parse(await Deno.readTextFile(`${dir}/run.json`));
      return { removedRmsPx: run.extra.rowJitterRmsPx, parameter: run.parameters.rowJitter };
    };
    const byDefault = await rowJitter([]);
    assertEquals(byDefault.parameter, true);
    assert(byDefault.removedRmsPx > 0, `default removed ${byDefault.removedRmsPx} px rms`);
    assertEquals(await rowJitter(["--row-jitter", "false"]), { removedRmsPx: 0, parameter: false });
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("atoms script: one-line errors, exit 1 for a bad file and 2 for a bad flag", async () => {
  const parent = await Deno.makeTempDir({ prefix: "atoms_bad_" });
  try {
    const task = await atomsTask();
    const noise = `${parent}/noise.npy`;
    // A 64 x 64 float32 .npy of zeros: no lattice to find.
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (64, 64), }";
    const padded = header + " ".repeat(64 - ((10 + header.length + 1) % 64)) + "\n";
    const bytes = new Uint8Array(10 + padded.length + 64 * 64 * 4);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, padded.length & 255, padded.length >> 8]);
    bytes.set(new TextEncoder().encode(padded), 10);
    await Deno.writeFile(noise, bytes);
    const cases: [string[], number, string][] = [
      [[`${parent}/missing.tif`], 1, "missing.tif"],
      [[noise], 1, "noise.npy"],
      [["data/sample/image.npy", "--window", "7"], 2, "--window"],
      [["data/sample/image.npy", "--neighbours", "six"], 2, "--neighbours"],
      [["data/sample/image.npy", "--row-jitter", "maybe"], 2, "--row-jitter"],
    ];
    for (const [args, code, needle] of cases) {
      const r = await runDeno([...task, ...args, "--out", `${parent}/out`]);
      assertEquals(r.code, code, `${args.join(" ")}: ${r.stderr}`);
      const lines = r.stderr.trim().split("\n");
      assertEquals(lines.length, 1, r.stderr);
      assert(lines[0].startsWith("error: ") && lines[0].includes(needle), lines[0]);
      let left: string[] = [];
      try {
        left = [...Deno.readDirSync(`${parent}/out`)].map((e) => e.name);
      } catch { /* never created */ }
      assertEquals(left, [], `partial outputs after ${args.join(" ")}`);
    }
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});
