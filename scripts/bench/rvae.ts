/**
 * `deno task bench rvae`: rVAE training speed, images/s at batch 32 on
 * 48 x 48 windows, for each encoder (mlp, conv) x decoder (fast, faithful)
 * of ferrovae's model (its defaults otherwise) and for AtomAI's exact
 * architecture (`--reference`), on wasm with one and two threads (one helper
 * worker, lib/rvae/parallel.ts), and for comparison the default
 * configuration with tfjs's stock wasm kernels and on the cpu backend (a
 * faithful or conv step takes minutes there), using the model's own
 * `trainStep`, each configuration in its own process; beside it the
 * same-run PyTorch reference (scripts/bench/rvae_reference.py, run before
 * and after ours with two threads when Debian's python3-torch is installed)
 * and our ratio to it. Throughput is wall-clock; "cpu-time" divides by the
 * process's CPU time (all its threads) instead, which is steadier on a
 * shared machine.
 *
 * @module
 */

import process from "node:process";
import { tf } from "../../lib/deps.ts";
import { Random } from "../../lib/random.ts";
import { Adam } from "../../lib/rvae/adam.ts";
import { type BackendChoice, initBackend } from "../../lib/rvae/backend.ts";
import {
  type DecoderKind,
  type EncoderKind,
  latentCount,
  makeConfig,
  REFERENCE_CONFIG,
} from "../../lib/rvae/config.ts";
import { createRvae, disposeRvae, PLAIN_SCHEDULE } from "../../lib/rvae/model.ts";
import { GradientWorkers } from "../../lib/rvae/parallel.ts";
import { sampleNoise, trainStep } from "../../lib/rvae/train.ts";

const SIZE = 48;
const BATCH = 32;
const PYTHON = "/usr/bin/python3";
const REFERENCE_SCRIPT = new URL("./rvae_reference.py", import.meta.url).pathname;
/** Reference throughput on this machine kind with nothing else running (issue 6). */
const QUIET_REFERENCE = { mlp: 74, conv: 28 };

/** One configuration's measured throughput. */
interface Throughput {
  /** Images per wall-clock second. */
  wall: number;
  /** Images per second of this process's CPU time. */
  cpu: number;
}

/** One benchmarked configuration. */
interface Case {
  backend: BackendChoice;
  stockKernels: boolean;
  encoder: EncoderKind;
  decoder: DecoderKind;
  /** AtomAI's architecture (REFERENCE_CONFIG) instead of ferrovae's defaults. */
  reference: boolean;
  /** Helper workers computing part of each batch's gradient (0: this thread only). */
  helpers: number;
}

/**
 * Time training steps of one configuration: one warm-up, then at least
 * `seconds` (and `minSteps`). With helpers the step is the pool's gradient
 * then Adam (trainStep's non-finite guard left out: a sum over the gradients).
 */
async function measure(c: Case, seconds: number, minSteps: number): Promise<Throughput> {
  const base = c.reference ? REFERENCE_CONFIG : {};
  const config = makeConfig(SIZE, { ...base, encoder: c.encoder, decoder: c.decoder });
  const model = createRvae(config, { seed: 1 });
  const optimizer = new Adam(model.variables, 1e-4);
  const random = new Random(2);
  const dataRandom = new Random(3);
  const batch = tf.tensor2d(
    Float32Array.from({ length: BATCH * SIZE * SIZE }, () => dataRandom.uniform()),
    [BATCH, SIZE * SIZE],
  );
  const pool = c.helpers > 0
    ? await GradientWorkers.start(model, {
      helpers: c.helpers,
      backend: { backend: c.backend, stockKernels: c.stockKernels },
    })
    : null;
  const step = async () => {
    const noise = sampleNoise(random, BATCH, latentCount(config));
    if (pool) {
      const { grads } = await pool.gradients(model, batch, noise, PLAIN_SCHEDULE);
      optimizer.apply(model.variables, grads);
      tf.dispose(Object.values(grads));
    } else {
      trainStep(model, batch, optimizer, { noise });
    }
    noise.dispose();
  };
  await step();
  let steps = 0;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  while (steps < minSteps || performance.now() - start < seconds * 1000) {
    await step();
    steps++;
  }
  const wallSeconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  pool?.terminate();
  batch.dispose();
  optimizer.dispose();
  disposeRvae(model);
  return { wall: (steps * BATCH) / wallSeconds, cpu: (steps * BATCH) / cpuSeconds };
}

/** The PyTorch reference's images/s per encoder, or null (with the reason) when it cannot run. */
async function reference(): Promise<{ mlp: number; conv: number; torch: string } | string> {
  try {
    const output = await new Deno.Command(PYTHON, {
      args: [REFERENCE_SCRIPT, "--threads", "2", "--seconds", "3"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!output.success) {
      const reason = new TextDecoder().decode(output.stderr).trim().split("\n").at(-1);
      return `reference did not run (${reason}; apt-get install python3-torch)`;
    }
    return JSON.parse(new TextDecoder().decode(output.stdout));
  } catch (error) {
    return `reference did not run (${(error as Error).message})`;
  }
}

const WIDTHS = [10, 8, 8, 9, 9];
const row = (cells: string[]) =>
  cells.map((c, i) => i < WIDTHS.length ? c.padEnd(WIDTHS[i]) : c.padStart(9)).join(" ");

/** Measure one configuration in a fresh process (memory and JIT state do not carry over). */
async function measureInChild(c: Case): Promise<Throughput> {
  const output = await new Deno.Command("deno", {
    args: ["run", "--allow-read=.,/tmp", new URL(import.meta.url).pathname, JSON.stringify(c)],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error(`benchmark of ${JSON.stringify(c)} failed`);
  return JSON.parse(new TextDecoder().decode(output.stdout).trim().split("\n").at(-1)!);
}

/** The decoders benchmarked: ferrovae's two, and AtomAI's exact architecture. */
const MODELS: { decoder: DecoderKind; reference: boolean }[] = [
  { decoder: "fast", reference: false },
  { decoder: "faithful", reference: false },
  { decoder: "faithful", reference: true },
];

/** Print the table. */
export async function run(): Promise<void> {
  const before = await reference();
  const plan: Case[] = [];
  for (const encoder of ["mlp", "conv"] as const) {
    const base = { backend: "wasm" as const, stockKernels: false, encoder, helpers: 0 };
    for (const { decoder, reference } of MODELS) {
      for (const helpers of [0, 1]) plan.push({ ...base, decoder, reference, helpers });
    }
  }
  const stock = { backend: "wasm" as const, stockKernels: true, helpers: 0, reference: false };
  plan.push({ ...stock, encoder: "mlp", decoder: "fast" });
  // The cpu backend only for the default configuration: a faithful or conv step takes minutes there.
  plan.push({ ...stock, stockKernels: false, backend: "cpu", encoder: "mlp", decoder: "fast" });
  const label = (c: Case) => [
    c.backend + (c.stockKernels ? "-stock" : ""),
    String(1 + c.helpers),
    c.encoder,
    c.decoder,
    c.reference ? "AtomAI" : "ferrovae",
  ];
  console.log(`rVAE training, batch ${BATCH}, ${SIZE} x ${SIZE}, images/s`);
  console.log(
    typeof before === "string"
      ? before
      : `reference before (PyTorch ${before.torch}, AtomAI architecture, 2 threads): ` +
        `mlp ${before.mlp.toFixed(1)}, conv ${before.conv.toFixed(1)}`,
  );
  console.log(row(["backend", "threads", "encoder", "decoder", "model", "img/s", "cpu-time"]));
  const results: { c: Case; result: Throughput }[] = [];
  for (const c of plan) {
    const result = await measureInChild(c);
    results.push({ c, result });
    console.log(row([...label(c), result.wall.toFixed(1), result.cpu.toFixed(1)]));
  }
  const after = await reference();
  if (typeof before === "string" || typeof after === "string") {
    console.log(typeof before === "string" ? before : String(after));
    return;
  }
  const ref = { mlp: (before.mlp + after.mlp) / 2, conv: (before.conv + after.conv) / 2 };
  console.log(
    `reference after: mlp ${after.mlp.toFixed(1)}, conv ${after.conv.toFixed(1)}; ` +
      `mean mlp ${ref.mlp.toFixed(1)}, conv ${ref.conv.toFixed(1)}` +
      ` (on a quiet machine about ${QUIET_REFERENCE.mlp} and ${QUIET_REFERENCE.conv})`,
  );
  console.log("ours over the reference with the same encoder (wall-clock):");
  for (const { c, result } of results) {
    console.log(row([...label(c), (result.wall / ref[c.encoder]).toFixed(2) + "x"]));
  }
}

if (import.meta.main) {
  // Child mode: measure the configuration given as JSON and print its throughput as JSON.
  const c = JSON.parse(Deno.args[0]) as Case;
  await initBackend({ backend: c.backend, stockKernels: c.stockKernels });
  const quick = c.backend === "cpu";
  console.log(JSON.stringify(await measure(c, quick ? 0 : 3, quick ? 1 : 2)));
}
