/**
 * `deno task series INPUT… --out DIR [--jobs N] [--shard I/N] [--pool DIR]
 * [--slurm [--submit] --partition P --time T --mem M] [--model DIR]
 * [--pixel-size NM]`: a series of frames (image files, folders of them, or
 * multi-frame files: multi-page TIFF, DM3/DM4 stacks, EMD/HyperSpy 3-D
 * datasets, `.npy` of shape (T, H, W)) analysed as one job.
 *
 * Each frame is read on its own (never the whole movie) and analysed on its
 * own — atoms and polarisation, windows on the B sites, its drift against
 * the frame before — by `--jobs N` workers, into the work folder
 * `.DIR.ferrovae-series/frames/NNNN/` beside DIR, which is kept between
 * runs: a frame whose folder is complete (same pixels, same parameters) is
 * skipped on a rerun. Then the pooling: one rVAE trained on windows from
 * every frame (or `--model DIR`, a saved model), every frame encoded with
 * it, site tracks, and DIR written whole (staging folder, swapped in at the
 * end): `frames/NNNN/` (atoms.csv, polarization.csv, the atom stage's other
 * tables, stack.csv, frame.json, latents.csv), `series.csv`, `frames.csv`,
 * `tracks.csv`, `model/`, `history.csv`, figures, `report.html`, `run.json`
 * (see `seriesFrameStage` and `seriesPoolStage` in lib/pipeline).
 *
 * `--shard I/N` analyses only frames I, I+N, … into the work folder (no
 * pooling, DIR untouched); `--pool DIR` then pools the finished frames of
 * every shard into DIR. `--slurm` writes a Slurm job array (one task per
 * shard) and a pooling job that runs after every task succeeded, into the
 * work folder's `slurm/`; `--submit` submits them (needs `--allow-run=sbatch`).
 *
 * @module
 */

import { dirname, join, resolve } from "node:path";
import { tf } from "../lib/deps.ts";
import { UsageError, UserError } from "../lib/errors.ts";
import { decodeNpy } from "../lib/formats/npy.ts";
import { readD3Bundle } from "../lib/io/assets.ts";
import { ensureDir, writeFileAtomic } from "../lib/io/atomic_write.ts";
import { openByteSource } from "../lib/io/byte_ranges.ts";
import { numericColumn, parseCsv } from "../lib/io/csv.ts";
import { type Run, RunInterrupted } from "../lib/io/run.ts";
import { loadRvaeFile } from "../lib/io/rvae_files.ts";
import { seriesFiles } from "../lib/io/series_files.ts";
import { pathExists, readFrameText, seriesWorkDir } from "../lib/io/series_work.ts";
import { writeStageOutput } from "../lib/io/stage_output.ts";
import {
  frameFolder,
  type SeriesFrameData,
  type SeriesFrameOptions,
  type SeriesFrameRecord,
  seriesPoolStage,
  seriesWindow,
} from "../lib/pipeline/series.ts";
import { initBackend } from "../lib/rvae/backend.ts";
import { disposeRvae } from "../lib/rvae/model.ts";
import { planSeries, readSeries, type SeriesPlan } from "../lib/series/read_series.ts";
import { canonicalJson, parseShard, shardFrames } from "../lib/series/shards.ts";
import {
  denoRunCommand,
  parseJobId,
  sbatchArgs,
  SHARD_TOKEN,
  slurmArrayScript,
  slurmPoolScript,
} from "../lib/series/slurm.ts";
import {
  FORCE_HELP,
  intFlag,
  type MainContext,
  numberFlag,
  parseArgs,
  printSummary,
  program,
  runMain,
} from "./_cli.ts";
import {
  atomsFlags,
  findAtomsOptions,
  pixelSizeFlag,
  polarizationReferenceFlag,
  rvaeSettings,
  trainFlags,
  trainFlagsOf,
  trustFlags,
  trustOptions,
} from "./_flags.ts";
import { countProgress, progressHooks, progressReporter } from "./_progress.ts";
import {
  answerOf,
  frameName,
  type FrameOutcome,
  frameParameters,
  type FrameTask,
  processFrame,
  type WorkerAnswer,
} from "./_series_frame.ts";

const PROJECT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** What the frames were analysed with, for the pooling (`plan.json` in the work folder). */
interface PlanFile {
  frames: number;
  names: string[];
  window: number;
  period: number;
  parameters: Record<string, unknown>;
  pixelSizeNm: number | null;
  warnings: { code: string; message: string }[];
}

/** Largest resident set size seen, sampled after every frame (bytes). */
let peakRss = 0;
function sampleRss(): void {
  peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
}

/** Flags only the submitting run uses (not passed on to the jobs). */
const SUBMIT_FLAGS = [
  "--slurm",
  "--submit",
  "--shards",
  "--partition",
  "--time",
  "--mem",
  "--cpus",
];

await runMain(async (context) => {
  const general = program("series", "Analyse a series of frames (a movie, fields of view) as one")
    .argument("[inputs...]", "image files, folders of them, or multi-frame files")
    .option("--out <dir>", "output folder")
    .option("--force", FORCE_HELP)
    .option("--jobs <n>", "frames analysed in parallel (workers)", intFlag("--jobs", 1, 256), 1)
    .option("--shard <i/n>", "analyse only frames i, i+n, … into the work folder (no pooling)")
    .option("--pool <dir>", "pool the finished frames of every shard into DIR (no INPUT)")
    .option("--slurm", "write a Slurm job array (one task per shard) and a pooling job")
    .option("--submit", "with --slurm: submit them with sbatch (needs --allow-run=sbatch)")
    .option(
      "--shards <n>",
      "with --slurm: array tasks (default: frames, at most 32)",
      intFlag("--shards", 1, 100000),
    )
    .option("--partition <name>", "with --slurm: the partition")
    .option("--time <limit>", "with --slurm: wall-clock limit per task (e.g. 1:00:00)")
    .option("--mem <size>", "with --slurm: memory per task (e.g. 8G)")
    .option("--cpus <n>", "with --slurm: CPUs per task (its --jobs)", intFlag("--cpus", 1, 256), 2)
    .option(
      "--model <dir>",
      "encode with this saved model (model/ of train or series) instead of training one",
    )
    .option("--image <n>", "which image of multi-image files", intFlag("--image", 0))
    .option(
      "--window <px>",
      "window side (default: 1.9 lattice periods of the first frame)",
      intFlag("--window", 4, 1024),
    )
    .option(
      "--fit-window <fraction>",
      "atom fit window radius, fraction of the spacing",
      numberFlag("--fit-window", 0.15, 1),
      0.5,
    )
    .option(
      "--max-train-windows <n>",
      "most windows the rVAE trains on, from every frame alike",
      intFlag("--max-train-windows", 4, 10000000),
      20000,
    )
    .option(
      "--track <id>",
      "the track whose polarisation is drawn over time (default: the longest B track nearest the centre)",
      intFlag("--track", 0),
    )
    .option("--seed <s>", "seed of every random choice", intFlag("--seed", 0, 2 ** 31 - 1), 0);
  const cmd = trainFlags(
    polarizationReferenceFlag(trustFlags(pixelSizeFlag(atomsFlags(
      general.optionsGroup("Atom columns and polarisation (atoms):"),
    )))).optionsGroup("rVAE (train):"),
  );
  parseArgs(cmd);
  const flags = cmd.opts();
  const inputs = cmd.args;
  if (flags.pool !== undefined) {
    if (inputs.length > 0) {
      throw new UsageError(
        "--pool",
        "takes no INPUT: it pools the frames the shards of DIR analysed",
      );
    }
    if (flags.out !== undefined && resolve(flags.out) !== resolve(flags.pool)) {
      throw new UsageError("--pool", "pools into its own DIR; leave out --out");
    }
  } else {
    if (flags.out === undefined) throw new UsageError("--out", "this flag is required");
    if (inputs.length === 0) throw new UsageError("series", "missing argument INPUTS");
  }
  if (flags.submit && !flags.slurm) throw new UsageError("--submit", "goes with --slurm");
  if (flags.shard !== undefined && (flags.slurm || flags.pool !== undefined)) {
    throw new UsageError("--shard", "goes neither with --slurm nor with --pool");
  }
  const outDir: string = flags.pool ?? flags.out!;
  const workDir = seriesWorkDir(outDir);
  const frameOptions = (window: number): SeriesFrameOptions => ({
    window,
    atoms: {
      ...findAtomsOptions(flags, flags.fitWindow),
      trust: trustOptions(flags, flags.polarizationReference, flags.seed),
      strict: flags.strict === true,
      mapBackground: flags.mapBackground,
    },
  });

  if (flags.pool !== undefined) {
    const plan = await readPlanFile(workDir, outDir);
    const run = context.open({ script: "series", outDir, force: flags.force === true });
    await checkFrames(workDir, plan);
    await pool(run, workDir, plan, flags, context);
    return;
  }

  const files = await seriesFiles(inputs);
  const plan = await planSeries(files, openByteSource, { index: flags.image });
  const T = plan.frames.length;
  const first = await readFrame(plan, 0, flags.image, flags.pixelSize);
  const chosen = seriesWindow(first, { window: flags.window, spacing: flags.spacing });
  const options = frameOptions(chosen.window);
  const planFile: PlanFile = {
    frames: T,
    names: plan.frames.map((_, t) => frameName(plan, t)),
    window: chosen.window,
    period: chosen.period,
    parameters: frameParameters(options, { imageIndex: flags.image, pixelSizeNm: flags.pixelSize }),
    pixelSizeNm: flags.pixelSize ?? (plan.pixelSize?.unit === "nm" ? plan.pixelSize.value : null),
    warnings: [
      ...plan.warnings,
      ...chosen.warnings.map((w) => ({ code: w.code, message: w.message })),
    ],
  };

  if (flags.slurm) {
    await slurm(plan, planFile, files, flags, workDir, outDir, cmd);
    return;
  }
  const task = (t: number): FrameTask => ({
    plan,
    t,
    workDir,
    options,
    imageIndex: flags.image,
    pixelSizeNm: flags.pixelSize,
  });

  if (flags.shard !== undefined) {
    const shard = parseShard(flags.shard);
    const frames = shardFrames(T, shard);
    await ensureDir(workDir);
    await writeFileAtomic(join(workDir, "plan.json"), JSON.stringify(planFile, null, 2) + "\n");
    const outcomes = await analyseFrames(
      frames.map(task),
      flags.jobs,
      context,
      `shard ${shard.index}/${shard.count}`,
    );
    if (context.interrupted()) {
      throw new RunInterrupted(
        outDir,
        `interrupted after ${outcomes.length} of the shard's ${frames.length} frames; the ` +
          `finished ones are kept in ${workDir}; rerun the same command to continue`,
      );
    }
    const kept = outcomes.filter((o) => o.kept).length;
    console.log(
      `series: shard ${shard.index}/${shard.count}: ${frames.length} frames (${kept} kept from an ` +
        `earlier run) -> ${workDir}; pool with series --pool ${outDir}`,
    );
    return;
  }

  const run = context.open({ script: "series", outDir, force: flags.force === true });
  const framesBegun = performance.now();
  await ensureDir(workDir);
  await writeFileAtomic(join(workDir, "plan.json"), JSON.stringify(planFile, null, 2) + "\n");
  const outcomes = await analyseFrames(
    Array.from({ length: T }, (_, t) => task(t)),
    flags.jobs,
    context,
    "frames",
  );
  if (context.interrupted()) {
    throw run.interrupted(
      `after ${outcomes.length} of ${T} frames`,
      `the finished frames are kept in ${workDir}; rerun the same command to continue`,
    );
  }
  run.setExtra({
    framesSeconds: Math.round((performance.now() - framesBegun) / 100) / 10,
    framesKept: outcomes.filter((o) => o.kept).length,
    framesPeakRssMb: Math.round(peakRss / 1048576),
    jobs: flags.jobs,
  });
  await pool(run, workDir, planFile, flags, context);
});

/** Frame `t` of the series (with the calibration override). */
async function readFrame(plan: SeriesPlan, t: number, index?: number, pixelSizeNm?: number) {
  for await (const frame of readSeries(plan, openByteSource, { only: [t], index })) {
    if (pixelSizeNm !== undefined) frame.image.pixelSize = { value: pixelSizeNm, unit: "nm" };
    return frame.image;
  }
  throw new Error(`frame ${t} not read`);
}

/**
 * Analyse `tasks` (in-process with one job, else in `jobs` workers), each
 * frame's end a pause point (`frame:<t>`) of the test hook; stops
 * dispatching at Ctrl-C. Outcomes in frame order.
 */
async function analyseFrames(
  tasks: FrameTask[],
  jobs: number,
  context: MainContext,
  label: string,
): Promise<FrameOutcome[]> {
  const bar = countProgress(Deno.stderr, label);
  const outcomes: FrameOutcome[] = [];
  const finished = async (o: FrameOutcome) => {
    outcomes.push(o);
    sampleRss();
    bar.update(outcomes.length, tasks.length, `frame ${o.t}${o.kept ? " (kept)" : ""}`);
    await context.step(`frame:${o.t}`);
  };
  try {
    if (jobs <= 1 || tasks.length <= 1) {
      for (const task of tasks) {
        if (context.interrupted()) break;
        await finished(await processFrame(task).catch((err) => fail(answerOf(err))));
      }
    } else {
      const workers = Array.from(
        { length: Math.min(jobs, tasks.length) },
        () => new Worker(new URL("./_series_worker.ts", import.meta.url), { type: "module" }),
      );
      let next = 0;
      try {
        await Promise.all(workers.map(async (worker) => {
          while (next < tasks.length && !context.interrupted()) {
            const task = tasks[next++];
            const answer = await new Promise<WorkerAnswer>((resolve, reject) => {
              worker.onmessage = (e: MessageEvent<WorkerAnswer>) => resolve(e.data);
              worker.onerror = (e) => {
                e.preventDefault();
                reject(new Error(`worker: ${e.message}`));
              };
              worker.postMessage(task);
            });
            if (!answer.ok) fail(answer);
            await finished(answer.outcome);
          }
        }));
      } finally {
        for (const w of workers) w.terminate();
      }
    }
  } finally {
    bar.done();
  }
  return outcomes.sort((a, b) => a.t - b.t);
}

function fail(answer: WorkerAnswer): never {
  if (answer.ok) throw new Error("not a failure");
  if (answer.user) throw new UserError(answer.subject, answer.message);
  const err = new Error(answer.message);
  if (answer.stack) err.stack = answer.stack;
  throw err;
}

async function readPlanFile(workDir: string, outDir: string): Promise<PlanFile> {
  const path = join(workDir, "plan.json");
  if (!await pathExists(path)) {
    throw new UserError(outDir, `no shard has analysed frames for it (${path} is missing)`);
  }
  return JSON.parse(await Deno.readTextFile(path)) as PlanFile;
}

/**
 * Every frame of the plan must be complete in the work folder, with the
 * plan's parameters, and consecutive frames must agree on the pixels they
 * share (frame t's "previous" is frame t−1).
 */
async function checkFrames(workDir: string, plan: PlanFile): Promise<void> {
  const missing: number[] = [];
  const own: string[] = [];
  const previous: (string | undefined)[] = [];
  for (let t = 0; t < plan.frames; t++) {
    const dir = join(workDir, frameFolder(t));
    let m: Record<string, unknown> | null = null;
    try {
      m = JSON.parse(await Deno.readTextFile(join(dir, "run.json")));
    } catch { /* not done */ }
    const inputs = (m?.inputs ?? {}) as Record<string, string>;
    if (!m || canonicalJson(m.parameters) !== canonicalJson(plan.parameters)) {
      missing.push(t);
      own.push("");
      previous.push(undefined);
      continue;
    }
    const files = (m.files as string[]).filter((f) => f !== "run.json");
    let complete = true;
    for (const f of files) if (!await pathExists(join(dir, f))) complete = false;
    if (!complete) missing.push(t);
    own.push(inputs[plan.names[t]] ?? "");
    previous.push(t > 0 ? inputs[`previous ${plan.names[t - 1]}`] : undefined);
  }
  if (missing.length > 0) {
    const list = missing.length > 10
      ? `${missing.slice(0, 10).join(", ")}, … (${missing.length} in all)`
      : missing.join(", ");
    throw new UserError(
      workDir,
      `frames ${list} are not done (or were analysed with other flags); run their shards first`,
    );
  }
  for (let t = 1; t < plan.frames; t++) {
    if (previous[t] !== own[t - 1]) {
      throw new UserError(
        workDir,
        `frame ${t} was registered against other pixels than frame ${t - 1}'s: the input ` +
          "changed between shards; rerun them",
      );
    }
  }
}

/** The pooling: train (or load) the model, encode every frame, write DIR. */
async function pool(
  run: Run,
  workDir: string,
  plan: PlanFile,
  // deno-lint-ignore no-explicit-any
  flags: any,
  context: MainContext,
): Promise<void> {
  const T = plan.frames;
  const begun = performance.now();
  const backend = await initBackend({ backend: flags.backend });
  run.setBackend(backend, tf.version_core);
  run.setSeed(flags.seed);
  let given = null;
  if (flags.model !== undefined) {
    const { model, file } = await loadRvaeFile(flags.model);
    given = { model, file, path: flags.model as string };
    await run.recordInput(
      join(flags.model, "weights.bin"),
      await Deno.readFile(join(flags.model, "weights.bin")),
    );
  }
  const records: SeriesFrameRecord[] = [];
  for (let t = 0; t < T; t++) {
    const dir = join(workDir, frameFolder(t));
    records.push(JSON.parse(await readFrameText(dir, "frame.json")));
    const manifest = JSON.parse(await readFrameText(dir, "run.json"));
    run.addWarnings(manifest.warnings ?? []);
    for (const [name, hash] of Object.entries(manifest.inputs as Record<string, string>)) {
      if (!name.startsWith("previous ")) run.manifest.inputs[name] = hash;
    }
    // The frame's tables go into DIR (its windows stay in the work folder).
    for (const name of manifest.files as string[]) {
      if (name === "run.json" || name === "stack.npy") continue;
      await run.write(`${frameFolder(t)}/${name}`, await Deno.readFile(join(dir, name)));
    }
  }
  run.addWarnings(plan.warnings);
  const read = async (t: number): Promise<SeriesFrameData> => {
    const dir = join(workDir, frameFolder(t));
    const record = records[t];
    let stack: SeriesFrameData["stack"] = null;
    if (record.windows > 0) {
      const array = decodeNpy(await Deno.readFile(join(dir, "stack.npy")), join(dir, "stack.npy"));
      const table = parseCsv(await readFrameText(dir, "stack.csv"), join(dir, "stack.csv"));
      stack = {
        data: Float32Array.from(array.data),
        window: array.shape[1],
        atom: Int32Array.from(numericColumn(table, "atom")),
      };
    }
    return {
      record,
      atomsCsv: await readFrameText(dir, "atoms.csv"),
      polarizationCsv: await readFrameText(dir, "polarization.csv"),
      stack,
    };
  };
  const rvae = rvaeSettings(trainFlagsOf(flags));
  const bar = countProgress(Deno.stderr, "pool");
  const progress = progressReporter(Deno.stderr);
  const stage = await seriesPoolStage(
    { records, read, model: given, names: plan.names },
    {
      rvae,
      maxTrainWindows: flags.maxTrainWindows,
      pixelSizeNm: plan.pixelSizeNm ?? undefined,
      windows: {
        periodPx: plan.period,
        sublattice: "B",
        centring: "bilinear",
        normalization: "minmax",
      },
      track: flags.track,
      report: { provenance: { ...run.manifest }, d3Source: await readD3Bundle() },
    },
    {
      ...progressHooks(progress),
      shouldStop: context.interrupted,
      onFrame: (pass, t, frames) => {
        sampleRss();
        bar.update(t + 1, frames, pass);
      },
      onFrameFiles: async (t, files) => {
        for (const [name, data] of Object.entries(files)) {
          await run.write(`${frameFolder(t)}/${name}`, data);
        }
      },
    },
  );
  bar.done();
  progress.done();
  if (stage.train) disposeRvae(stage.train.model);
  if (given) disposeRvae(given.model);
  if (stage.stopped) throw run.interrupted("while pooling", `the frames are kept in ${workDir}`);
  await writeStageOutput(run, stage);
  run.setParameters({ frames: plan.parameters, pooling: stage.parameters, seed: flags.seed });
  run.setExtra({
    ...stage.extra,
    workFolder: workDir,
    poolSeconds: Math.round((performance.now() - begun) / 100) / 10,
    peakRssMb: Math.round(Math.max(peakRss, Deno.memoryUsage().rss) / 1048576),
  });
  printSummary(`${stage.summary} -> ${run.outDir}`, await run.finish());
}

/** `--slurm`: the job array and the pooling job, written (and submitted). */
async function slurm(
  plan: SeriesPlan,
  planFile: PlanFile,
  files: string[],
  // deno-lint-ignore no-explicit-any
  flags: any,
  workDir: string,
  outDir: string,
  // deno-lint-ignore no-explicit-any
  cmd: any,
): Promise<void> {
  const T = plan.frames.length;
  const shards = Math.min(flags.shards ?? Math.min(T, 32), T);
  const valued = new Set<string>(
    // deno-lint-ignore no-explicit-any
    cmd.options.filter((o: any) => o.required || o.optional).map((o: any) => o.long),
  );
  // The analysis flags as given, for every job; inputs, --out and the submitting flags apart.
  const passed: string[] = [];
  const args = Deno.args;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--")) continue;
    const name = arg.split("=")[0];
    const takesNext = valued.has(name) && !arg.includes("=");
    const drop = SUBMIT_FLAGS.includes(name) || name === "--out" || name === "--jobs";
    if (!drop) passed.push(arg, ...(takesNext ? [args[i + 1]] : []));
    if (takesNext) i++;
  }
  const out = resolve(outDir);
  const work = resolve(workDir);
  const absolute = files.map((f) => resolve(f));
  const script = join(PROJECT, "scripts/series.ts");
  const slurmDir = join(work, "slurm");
  await ensureDir(slurmDir);
  await writeFileAtomic(join(work, "plan.json"), JSON.stringify(planFile, null, 2) + "\n");
  const model = flags.model !== undefined ? [resolve(flags.model)] : [];
  const options = {
    workdir: resolve("."),
    partition: flags.partition,
    time: flags.time,
    memory: flags.mem,
    cpusPerTask: flags.cpus,
    logDir: slurmDir,
  };
  const arrayScript = slurmArrayScript(
    denoRunCommand(
      script,
      [...absolute, "--out", out, "--shard", SHARD_TOKEN, "--jobs", String(flags.cpus), ...passed],
      { read: [PROJECT, ...absolute, work], write: [work] },
    ),
    shards,
    options,
  );
  const poolScript = slurmPoolScript(
    denoRunCommand(script, ["--pool", out, ...passed], {
      read: [PROJECT, work, dirname(out), ...model],
      write: [dirname(out)],
    }),
    options,
  );
  const arrayPath = join(slurmDir, "array.sh");
  const poolPath = join(slurmDir, "pool.sh");
  await writeFileAtomic(arrayPath, arrayScript);
  await writeFileAtomic(poolPath, poolScript);
  console.log(`series: ${T} frames in ${shards} array tasks: ${arrayPath}, then ${poolPath}`);
  if (!flags.submit) {
    console.log(
      `submit with: jobid=$(sbatch ${sbatchArgs(arrayPath).join(" ")}) && ` +
        `sbatch ${sbatchArgs(poolPath, "$jobid").join(" ")}`,
    );
    return;
  }
  const permission = { name: "run", command: "sbatch" } as const;
  let { state } = Deno.permissions.querySync(permission);
  if (state === "prompt") state = Deno.permissions.requestSync(permission).state;
  if (state !== "granted") {
    throw new UsageError(
      "--submit",
      "needs permission to run sbatch (run scripts/series.ts with --allow-run=sbatch)",
    );
  }
  const sbatch = async (args: string[]) => {
    const result = await new Deno.Command("sbatch", { args, stdout: "piped", stderr: "piped" })
      .output();
    const text = new TextDecoder();
    if (result.code !== 0) {
      throw new UserError(
        "sbatch",
        text.decode(result.stderr).trim().split("\n")[0] || `exit ${result.code}`,
      );
    }
    return parseJobId(text.decode(result.stdout));
  };
  const arrayId = await sbatch(sbatchArgs(arrayPath));
  const poolId = await sbatch(sbatchArgs(poolPath, arrayId));
  await writeFileAtomic(
    join(slurmDir, "jobs.json"),
    JSON.stringify({ array: arrayId, pool: poolId }) + "\n",
  );
  console.log(`series: submitted job array ${arrayId} and pooling job ${poolId} (afterok)`);
}
