/**
 * Running scikit-learn beside a bench, on the same data in the same run:
 * find a Python that has it, run a script, read its JSON lines. Bench only:
 * CI never needs Python; without scikit-learn a bench prints why and skips
 * the comparison.
 *
 * @module
 */

/** Interpreters tried in order (Debian's python3-sklearn lives under /usr/bin). */
const CANDIDATES = ["python3", "/usr/bin/python3"];

/** A Python interpreter that imports sklearn, with its version, or the reason there is none. */
export async function findSklearnPython(): Promise<
  { python: string; version: string } | { missing: string }
> {
  for (const python of CANDIDATES) {
    try {
      const out = await new Deno.Command(python, {
        args: ["-c", "import sklearn; print(sklearn.__version__)"],
        stdout: "piped",
        stderr: "null",
      }).output();
      if (out.success) return { python, version: new TextDecoder().decode(out.stdout).trim() };
    } catch {
      // not installed, or not allowed by --allow-run: try the next one
    }
  }
  return {
    missing: "no python3 with scikit-learn (apt-get install python3-sklearn); comparison skipped",
  };
}

/** Run `script` with `args` under `python`; returns its stdout JSON lines, parsed. */
export async function runJsonLines(
  python: string,
  script: string,
  args: string[],
): Promise<Record<string, unknown>[]> {
  const out = await new Deno.Command(python, {
    args: [script, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`${script} failed: ${new TextDecoder().decode(out.stderr).slice(-2000)}`);
  }
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));
}
