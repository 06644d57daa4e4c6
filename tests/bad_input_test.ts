/**
 * The bad-input corpus: every script, run as a child with exactly its
 * task's permissions, meets missing, misplaced, empty, mislabelled,
 * truncated and degenerate inputs and bad flags. Each must end with the
 * contract's one-line error and status (1 bad input, 2 bad flags) and leave
 * no output behind; where a degenerate input may legitimately succeed
 * (NaN pixels, a constant image), it must either succeed cleanly or fail so.
 */

import { decodeNpy, encodeNpy } from "../lib/formats/npy.ts";
import { assertEquals } from "./assert.ts";
import { buildHdf5 } from "./format_builders.ts";
import {
  type ChildResult,
  contractErrorProblems,
  hasStackTrace,
  inParallel,
  runDeno,
  taskArgs,
} from "./child.ts";
import { type ScriptInputs, WINDOW, writeScriptInputs } from "./script_inputs.ts";

/** What a case must end in: status 1 or 2 with the one-line error, or "clean" (0, or 1 as above). */
type Expect = 1 | 2 | "clean";

interface Case {
  script: string;
  what: string;
  args: string[];
  expect: Expect;
  /** The file or flag the error must name. */
  subject?: string;
}

/** Bad files beside the valid inputs; returns their paths. */
async function writeBadInputs(inputs: ScriptInputs) {
  const dir = inputs.dir;
  const image = await Deno.readFile(inputs.imageTif);
  const stack = await Deno.readFile(inputs.stack);
  const npyImage = (name: string, data: Float32Array, shape: number[]) =>
    Deno.writeFile(`${dir}/${name}`, encodeNpy(data, shape)).then(() => `${dir}/${name}`);
  const base = decodeNpy(await Deno.readFile(inputs.image));
  const pixels = Float32Array.from(base.data);
  const sprinkled = (value: number) => pixels.map((v, i) => (i % 37 === 0 ? value : v));
  const windows = decodeNpy(stack);
  const stackWith = (value: number) =>
    Float32Array.from(windows.data, (v, i) => (i === 100 ? value : v));
  await Deno.mkdir(`${dir}/folder.tif`);
  await Deno.writeFile(`${dir}/empty.tif`, new Uint8Array(0));
  await Deno.writeTextFile(`${dir}/text.tif`, "this is a text file, not an image\n");
  await Deno.writeTextFile(`${dir}/text.npy`, "this is a text file, not an array\n");
  await Deno.writeFile(`${dir}/truncated.tif`, image.subarray(0, image.length >> 1));
  await Deno.writeFile(`${dir}/truncated.npy`, stack.subarray(0, stack.length >> 1));
  await Deno.writeTextFile(`${dir}/atoms_no_xy.csv`, "col,row,sublattice\n10,20,B\n30,40,B\n");
  await Deno.writeTextFile(`${dir}/atoms_text.csv`, "x,y,sublattice\n10,20,B\n30,forty,B\n");
  await Deno.writeTextFile(`${dir}/atoms_none.csv`, "x,y,sublattice\n");
  const h5 = await buildHdf5((f) => {
    f.create_dataset({ name: "image", data: pixels.subarray(0, 64 * 64), shape: [64, 64] });
  });
  await Deno.writeFile(`${dir}/truncated.h5`, h5.subarray(0, h5.length - 4000));
  await Deno.writeTextFile(`${dir}/text.h5`, "this is a text file, not HDF5\n");
  return {
    missing: `${dir}/missing.tif`,
    folder: `${dir}/folder.tif`,
    empty: `${dir}/empty.tif`,
    text: `${dir}/text.tif`,
    textNpy: `${dir}/text.npy`,
    truncated: `${dir}/truncated.tif`,
    truncatedStack: `${dir}/truncated.npy`,
    truncatedH5: `${dir}/truncated.h5`,
    textH5: `${dir}/text.h5`,
    nan: await npyImage("nan.npy", sprinkled(NaN), base.shape),
    inf: await npyImage("inf.npy", sprinkled(Infinity), base.shape),
    constant: await npyImage("constant.npy", new Float32Array(128 * 128).fill(7), [128, 128]),
    one: await npyImage("one.npy", new Float32Array([1]), [1, 1]),
    wide: await npyImage(
      "wide.npy",
      Float32Array.from({ length: 100_000 }, (_, i) => Math.sin(i)),
      [1, 100_000],
    ),
    small: await npyImage("small.npy", pixels.subarray(0, 24 * 24), [24, 24]),
    atomsNoXy: `${dir}/atoms_no_xy.csv`,
    atomsText: `${dir}/atoms_text.csv`,
    atomsNone: `${dir}/atoms_none.csv`,
    stackNan: await npyImage("stack_nan.npy", stackWith(NaN), windows.shape),
    stackInf: await npyImage("stack_inf.npy", stackWith(-Infinity), windows.shape),
    stackConstant: await npyImage(
      "stack_constant.npy",
      new Float32Array(windows.data.length).fill(3),
      windows.shape,
    ),
    stackEmpty: await npyImage("stack_empty.npy", new Float32Array(0), [0, WINDOW, WINDOW]),
    stackOne: await npyImage(
      "stack_one.npy",
      pixels.subarray(0, WINDOW * WINDOW),
      [1, WINDOW, WINDOW],
    ),
  };
}

function corpus(inputs: ScriptInputs, bad: Awaited<ReturnType<typeof writeBadInputs>>): Case[] {
  const cases: Case[] = [];
  const add = (script: string, what: string, args: string[], expect: Expect, subject?: string) =>
    cases.push({ script, what, args, expect, subject });
  /** Unreadable or not-an-image first arguments, the same for every script that reads one. */
  const unreadable = (script: string, rest: string[], kind: "image" | "stack") => {
    add(script, "missing file", [bad.missing, ...rest], 1, bad.missing);
    add(script, "a folder instead of a file", [bad.folder, ...rest], 1, bad.folder);
    add(script, "empty file", [bad.empty, ...rest], 1, bad.empty);
    const text = kind === "image" ? bad.text : bad.textNpy;
    add(script, "wrong magic number", [text, ...rest], 1, text);
    const cut = kind === "image" ? bad.truncated : bad.truncatedStack;
    add(script, "truncated file", [cut, ...rest], 1, cut);
    add(
      script,
      "unknown flag",
      [kind === "image" ? inputs.image : inputs.stack, ...rest, "--bogus"],
      2,
      "--bogus",
    );
  };

  add("synth", "unknown flag", ["--bogus"], 2, "--bogus");
  add("synth", "negative size", ["--size", "-5"], 2, "--size");
  add("synth", "non-integer size", ["--size", "1.5"], 2, "--size");
  add("synth", "1 x 1 image", ["--size", "1"], 2, "--size");
  add("synth", "100000 x 1 image", ["--width", "100000", "--height", "1"], 2);
  add("synth", "non-numeric seed", ["--seed", "x"], 2, "--seed");

  const atoms = ["--no-figures"];
  unreadable("atoms", atoms, "image");
  add("atoms", "truncated HDF5 file", [bad.truncatedH5, ...atoms], 1, bad.truncatedH5);
  add("atoms", "text named .h5", [bad.textH5, ...atoms], 1, bad.textH5);
  add("atoms", "NaN pixels", [bad.nan, ...atoms], "clean");
  add("atoms", "infinite pixels", [bad.inf, ...atoms], "clean");
  add("atoms", "constant image", [bad.constant, ...atoms], 1, bad.constant);
  add("atoms", "1 x 1 image", [bad.one, ...atoms], 1, bad.one);
  add("atoms", "100000 x 1 image", [bad.wide, ...atoms], 1, bad.wide);

  const stack = (image: string, window = String(WINDOW), atomsCsv = inputs.atoms) => [
    image,
    "--atoms",
    atomsCsv,
    "--window",
    window,
    "--no-figures",
  ];
  unreadable("stack", stack(inputs.image).slice(1), "image");
  const csv = (what: string, path: string) =>
    add("stack", what, stack(inputs.image, String(WINDOW), path), 1, path);
  csv("missing atoms.csv", bad.missing);
  csv("atoms.csv is a folder", bad.folder);
  csv("atoms.csv without x,y columns", bad.atomsNoXy);
  csv("atoms.csv with a non-numeric value", bad.atomsText);
  csv("atoms.csv without rows (a stack of zero items)", bad.atomsNone);
  add("stack", "NaN pixels", stack(bad.nan), "clean");
  add("stack", "infinite pixels", stack(bad.inf), "clean");
  add("stack", "constant image", stack(bad.constant), "clean");
  add("stack", "1 x 1 image", stack(bad.one), 1, bad.one);
  add("stack", "100000 x 1 image", stack(bad.wide), 1, bad.wide);
  add("stack", "image smaller than the window", stack(bad.small, "48"), 1, bad.small);
  add("stack", "window larger than the image", stack(inputs.image, "1024"), 1, inputs.image);
  add("stack", "window beyond the flag's range", stack(inputs.image, "5000"), 2, "--window");
  add("stack", "non-integer window", stack(inputs.image, "2.5"), 2, "--window");

  const baselines = ["--no-figures"];
  unreadable("baselines", baselines, "stack");
  add("baselines", "NaN in the stack", [bad.stackNan, ...baselines], 1, bad.stackNan);
  add("baselines", "infinity in the stack", [bad.stackInf, ...baselines], 1, bad.stackInf);
  add("baselines", "stack with zero items", [bad.stackEmpty, ...baselines], 1, bad.stackEmpty);
  add("baselines", "stack with one item", [bad.stackOne, ...baselines], 1, bad.stackOne);
  add("baselines", "an image instead of a stack", [inputs.image, ...baselines], 1, inputs.image);
  add("baselines", "constant stack", [bad.stackConstant, ...baselines], "clean");

  const train = ["--epochs", "1"];
  unreadable("train", train, "stack");
  add("train", "NaN in the stack", [bad.stackNan, ...train], 1, bad.stackNan);
  add("train", "infinity in the stack", [bad.stackInf, ...train], 1, bad.stackInf);
  add("train", "stack with zero items", [bad.stackEmpty, ...train], 1, bad.stackEmpty);
  add("train", "stack with one item", [bad.stackOne, ...train], 1, bad.stackOne);
  add("train", "an image instead of a stack", [inputs.image, ...train], 1, inputs.image);
  for (const epochs of ["-1", "0", "1.5", "ten"]) {
    add("train", `--epochs ${epochs}`, [inputs.stack, "--epochs", epochs], 2, "--epochs");
  }
  add("train", "--resume without a checkpoint", [inputs.stack, ...train, "--resume"], 1);

  const analyze = ["--epochs", "1", "--skip-baselines"];
  unreadable("analyze", analyze, "image");
  add("analyze", "NaN pixels", [bad.nan, ...analyze], "clean");
  add("analyze", "constant image", [bad.constant, ...analyze], 1, bad.constant);
  add("analyze", "1 x 1 image", [bad.one, ...analyze], 1, bad.one);
  add("analyze", "100000 x 1 image", [bad.wide, ...analyze], 1, bad.wide);
  add(
    "analyze",
    "image smaller than the window",
    [bad.small, ...analyze, "--window", "48"],
    1,
    bad.small,
  );
  add(
    "analyze",
    "window larger than the image",
    [inputs.image, ...analyze, "--window", "1000"],
    1,
    inputs.image,
  );
  for (const epochs of ["-1", "2.5"]) {
    add(
      "analyze",
      `--epochs ${epochs}`,
      [inputs.image, "--skip-baselines", "--epochs", epochs],
      2,
      "--epochs",
    );
  }
  return cases;
}

/** What is wrong with how a case ended (empty when nothing). */
async function judge(c: Case, r: ChildResult, out: string): Promise<string[]> {
  const left = await Array.fromAsync(Deno.readDir(out)).catch(() => []);
  if (c.expect === "clean" && r.code === 0) {
    const problems: string[] = [];
    if (hasStackTrace(r.stderr)) problems.push("a stack trace");
    if (!left.some((e) => e.name === "run.json")) problems.push("succeeded without run.json");
    return problems;
  }
  const status = c.expect === "clean" ? 1 : c.expect;
  const problems = contractErrorProblems(r, { status, subject: c.subject });
  if (left.length > 0) problems.push(`left ${left.map((e) => e.name).join(", ")} behind`);
  return problems;
}

Deno.test("bad inputs: every script fails in one line, with its status, leaving nothing", async () => {
  const inputs = await writeScriptInputs("ferrovae_bad_");
  try {
    const cases = corpus(inputs, await writeBadInputs(inputs));
    const results = await inParallel(cases, 3, async (c) => {
      const out = await Deno.makeTempDir({ dir: inputs.dir, prefix: `${c.script}_out_` });
      await Deno.remove(out);
      const r = await runDeno([...await taskArgs(c.script), ...c.args, "--out", out]);
      const problems = await judge(c, r, out);
      return problems.length === 0 ? "" : `${c.script}, ${c.what} (${c.args.join(" ")}): ` +
        `${problems.join("; ")}\n    stderr: ${r.stderr.trim().split("\n").join("\n    ")}`;
    });
    const failed = results.filter(Boolean);
    assertEquals(
      failed.length,
      0,
      `${failed.length} of ${cases.length} cases:\n${failed.join("\n")}`,
    );
  } finally {
    await Deno.remove(inputs.dir, { recursive: true });
  }
});
