/**
 * `deno task bench [AREA...]`: the long benchmarks, each reported as a ratio
 * against a baseline measured in the same run. Each area lives in
 * `scripts/bench/<area>.ts` and exports `run(): Promise<void>`.
 *
 * @module
 */

type Bench = () => Promise<void>;

/** Areas, in the order they run; each helper adds its own line. */
const AREAS: Record<string, () => Promise<{ run: Bench }>> = {
  baselines: () => import("./bench/baselines.ts"),
  variants: () => import("./bench/variants.ts"),
  embeddings: () => import("./bench/embeddings.ts"),
  figures: () => import("./bench/figures.ts"),
  synth: () => import("./bench/synth.ts"),
  atoms: () => import("./bench/atoms.ts"),
  "atoms-sweep": () => import("./bench/atoms_sweep.ts"),
  "atoms-trust": () => import("./bench/atoms_trust.ts"),
  rvae: () => import("./bench/rvae.ts"),
  "rvae-profile": () => import("./bench/rvae_profile.ts"),
  "rvae-accuracy": () => import("./bench/rvae_accuracy.ts"),
  "rvae-windows": () => import("./bench/rvae_windows.ts"),
  "rvae-windows-quick": () => import("./bench/rvae_windows.ts").then((m) => ({ run: m.runQuick })),
  "rvae-accuracy-reference": () =>
    import("./bench/rvae_accuracy.ts").then((m) => ({ run: m.runReference })),
  paper: () => import("./bench/paper.ts"),
  series: () => import("./bench/series.ts"),
  "series-movie": () => import("./bench/series.ts").then((m) => ({ run: m.runMovie })),
};

const wanted = Deno.args.length ? Deno.args : Object.keys(AREAS);
for (const area of wanted) {
  const load = AREAS[area];
  if (!load) {
    console.error(`error: unknown bench area "${area}" (have: ${Object.keys(AREAS).join(", ")})`);
    Deno.exit(2);
  }
  console.log(`\n== ${area}`);
  await (await load()).run();
}
