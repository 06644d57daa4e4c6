/**
 * Least privilege: every script task declares only scoped read and write
 * permissions, and a script run with exactly those permissions is refused,
 * in one line and with status 1, when asked to write or read elsewhere.
 */

import { assert, assertEquals } from "./assert.ts";
import { contractErrorProblems, denoTasks, inParallel, runDeno, taskArgs } from "./child.ts";
import { writeScriptInputs } from "./script_inputs.ts";

/** Tasks that are tools for developers, not user scripts. */
const TOOL_TASKS = ["test", "check", "bench", "fuzz", "docs-figures", "docs_figures"];
/** Where the brief lets scripts read and write (relative to the project root). */
const READABLE = [".", "../shared", "/tmp"];
const WRITABLE = [".", "/tmp"];

/** True for `path` in `allowed`, or a folder inside the project (e.g. `out`). */
function permitted(path: string, allowed: string[]): boolean {
  return allowed.includes(path) ||
    /^[\w.-]+(\/[\w.-]+)*$/.test(path) && !path.split("/").includes("..");
}

function scriptTasks(tasks: Record<string, string>): string[] {
  return Object.keys(tasks).filter((t) => !TOOL_TASKS.includes(t)).sort();
}

Deno.test("permissions: every script task is `deno run` with scoped read and write only", async () => {
  const tasks = await denoTasks();
  for (const name of scriptTasks(tasks)) {
    const words = tasks[name].trim().split(/\s+/);
    assertEquals(words.slice(0, 2), ["deno", "run"], `${name}: ${tasks[name]}`);
    const script = words.find((w) => w.endsWith(".ts"));
    assert(script?.startsWith("scripts/"), `task ${name} runs a script of scripts/`);
    await Deno.stat(script!);
    const flags = words.slice(2, words.indexOf(script!));
    const list = (flag: string) => {
      const given = flags.filter((f) => f === flag || f.startsWith(`${flag}=`));
      assertEquals(given.length, 1, `${name}: exactly one ${flag}`);
      assert(given[0].startsWith(`${flag}=`), `${name}: ${flag} must name its folders`);
      return given[0].slice(flag.length + 1).split(",");
    };
    for (const path of list("--allow-read")) {
      assert(permitted(path, READABLE), `${name}: reads ${path}, outside ${READABLE}`);
    }
    for (const path of list("--allow-write")) {
      assert(permitted(path, WRITABLE), `${name}: writes ${path}, outside ${WRITABLE}`);
    }
    for (const flag of flags) {
      assert(
        flag.startsWith("--allow-read=") || flag.startsWith("--allow-write=") ||
          flag.startsWith("--allow-env=") || flag === "--quiet",
        `${name}: ${flag} is more than a script needs (no -A, network, run, ffi, sys, bare env)`,
      );
    }
  }
});

Deno.test("permissions: every user script has a task of its name", async () => {
  const tasks = scriptTasks(await denoTasks());
  for (const entry of Deno.readDirSync(new URL("../scripts", import.meta.url))) {
    const name = entry.name.replace(/\.ts$/, "");
    if (!entry.isFile || entry.name.startsWith("_") || TOOL_TASKS.includes(name)) continue;
    assert(tasks.includes(name), `scripts/${entry.name} has no task "${name}" in deno.json`);
  }
});

Deno.test("permissions: each script, under its task's flags, may not write or read elsewhere", async () => {
  const inputs = await writeScriptInputs("ferrovae_perm_");
  // Valid arguments for each script, so that only the forbidden path stops it.
  const args: Record<string, string[]> = {
    synth: ["--size", "32"],
    atoms: [inputs.image, "--no-figures"],
    stack: [inputs.image, "--atoms", inputs.atoms, "--window", "16", "--no-figures"],
    baselines: [inputs.stack, "--no-figures"],
    train: [inputs.stack, "--epochs", "1"],
    analyze: [inputs.image, "--epochs", "1", "--skip-baselines"],
    // A saved model, then the input (the argument moved out of reach below).
    encode: [`${inputs.dir}/trained/model`, inputs.stack, "--no-figures"],
    // One image is a one-frame series.
    series: [inputs.image, "--epochs", "1"],
  };
  const trained = await runDeno([
    ...await taskArgs("train"),
    ...[inputs.stack, "--epochs", "1", "--out", `${inputs.dir}/trained`],
  ]);
  assertEquals(trained.code, 0, trained.stderr);
  const home = Deno.env.get("HOME") ?? "/root";
  // Tasks that run a script of their own name (`demo` runs analyze with fixed arguments).
  const tasks = await denoTasks();
  const scripts = scriptTasks(tasks).filter((t) => tasks[t].includes(`scripts/${t}.ts`));
  const cases: { script: string; args: string[]; path: string; doing: string }[] = [];
  for (const script of scripts) {
    const given = args[script];
    assert(given, `no arguments for script ${script}: add it to this test`);
    for (const out of ["/etc/ferrovae-test", `${home}/ferrovae-test-${script}`]) {
      cases.push({ script, args: [...given, "--out", out], path: out, doing: "write" });
    }
    if (script !== "synth") {
      // The input (encode's second argument, after the model) where reading is not allowed.
      const at = script === "encode" ? 1 : 0;
      const elsewhere = [
        ...given.slice(0, at),
        "/etc/hostname",
        ...given.slice(at + 1),
        "--out",
        `${inputs.dir}/out`,
      ];
      cases.push({ script, args: elsewhere, path: "/etc/hostname", doing: "read" });
    }
  }
  try {
    const problems = await inParallel(cases, 3, async (c) => {
      const r = await runDeno([...await taskArgs(c.script), ...c.args]);
      const left = await Deno.stat(c.path).then(() => true, () => false);
      const wrong = contractErrorProblems(r, {
        status: 1,
        subject: c.path,
        includes: `permission to ${c.doing} here was not granted`,
      });
      if (c.doing === "write" && left) wrong.push(`${c.path} was created`);
      return wrong.length
        ? `${c.script} ${c.args.join(" ")}: ${wrong.join(", ")}\n${r.stderr}`
        : "";
    });
    const failed = problems.filter(Boolean);
    assertEquals(failed.length, 0, failed.join("\n"));
    assertEquals(cases.length, scripts.length * 3 - 1);
  } finally {
    await Deno.remove(inputs.dir, { recursive: true });
  }
});
