/**
 * `deno task bench rvae`: rVAE training speed at batch 32 on 48 x 48
 * windows, for each encoder (mlp, conv) x decoder (fast: ferrovae's default
 * model; faithful: AtomAI's exact architecture, REFERENCE_CONFIG), on wasm
 * with one and two threads (initBackend's `threads`: a helper thread
 * computes half of each product in place, lib/rvae/kernels/product_threads.ts), each
 * configuration in its own process, using the model's own `trainStep`. For
 * each: images/s, the GFLOP/s of its matrix products and convolutions
 * (counted from the kernels' shapes in one step) and their fraction of the
 * machine's peak (threads x the single-thread peak of a plain FMA loop,
 * lib/linalg/fma_peak.ts, measured in the same run), and the ratios to the
 * same-run PyTorch reference (scripts/bench/rvae_reference.py, when python3
 * has torch) and to tfjs's stock wasm kernels and to XNNPACK products (the
 * kernels before issue 19), each measured in the same run on one thread.
 * Last, the estimated wall time of the paper's run (23,000 windows, 100
 * epochs, conv encoder, AtomAI's decoder) on two threads. Throughput is
 * wall-clock; "cpu-time" divides by the process's CPU time (all its threads)
 * instead, which is steadier on a shared machine; the load average is
 * printed before and after.
 *
 * @module
 */

import process from "node:process";
import { tf } from "../../lib/deps.ts";
import { FLOPS_PER_ITERATION, fmaLoop } from "../../lib/linalg/fma_peak.ts";
import { Random } from "../../lib/random.ts";
import { Adam } from "../../lib/rvae/adam.ts";
import { initBackend } from "../../lib/rvae/backend.ts";
import {
  type DecoderKind,
  DEFAULT_CONFIG,
  type EncoderKind,
  latentCount,
  makeConfig,
  REFERENCE_CONFIG,
} from "../../lib/rvae/config.ts";
import { createRvae, disposeRvae } from "../../lib/rvae/model.ts";
import { sampleNoise, trainStep } from "../../lib/rvae/train.ts";

const SIZE = 48;
const BATCH = 32;
const PYTHON = "/usr/bin/python3";
const REFERENCE_SCRIPT = new URL("./rvae_reference.py", import.meta.url).pathname;
/** Reference throughput on this machine kind with nothing else running (issue 6). */
const QUIET_REFERENCE = { mlp: 74, conv: 28 };
/** The paper's run (Valleti et al. 2022): windows x epochs, conv encoder, AtomAI's decoder. */
const PAPER_IMAGES = 23_000 * 100;

/** Which kernels a case runs on. */
type Kernels = "own" | "xnnpack" | "stock";

/** One configuration's measured throughput. */
interface Throughput {
  /** Images per wall-clock second. */
  wall: number;
  /** Images per second of this process's CPU time. */
  cpu: number;
  /** Floating-point operations of the products and convolutions per image (one step's count / batch). */
  flopsPerImage: number;
}

/** One benchmarked configuration. */
interface Case {
  kernels: Kernels;
  encoder: EncoderKind;
  decoder: DecoderKind;
  /** Threads of the products and convolutions (initBackend's `threads`). */
  threads: number;
}

const PRODUCT_KERNELS = ["BatchMatMul", "Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"];

/** Multiply-adds x 2 of a product or convolution kernel call, from its shapes. */
function kernelFlops(name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap): number {
  const size = (shape: number[]) => shape.reduce((p, n) => p * n, 1);
  if (name === "BatchMatMul") {
    const a = inputs.a!.shape, b = inputs.b!.shape;
    const k = attrs.transposeA ? a[a.length - 2] : a[a.length - 1];
    const n = attrs.transposeB ? b[b.length - 2] : b[b.length - 1];
    const m = attrs.transposeA ? a[a.length - 1] : a[a.length - 2];
    return 2 * Math.max(size(a.slice(0, -2)), size(b.slice(0, -2))) * m * n * k;
  }
  if (name === "Conv2D") {
    const f = inputs.filter!.shape;
    const info = tf.backend_util.computeConv2DInfo(
      inputs.x!.shape as [number, number, number, number],
      f as [number, number, number, number],
      attrs.strides as number,
      (attrs.dilations ?? 1) as number,
      attrs.pad as "same",
    );
    return 2 * size(info.outShape) * f[0] * f[1] * f[2];
  }
  // Both gradients: dy's size x the filter's taps x its input channels.
  const f = name === "Conv2DBackpropInput" ? inputs.filter!.shape : attrs.filterShape as number[];
  return 2 * size(inputs.dy!.shape) * f[0] * f[1] * f[2];
}

/** Count the flops of the product kernels while `counter.on`. */
function countFlops(counter: { on: boolean; flops: number; depth: number }): void {
  for (const name of PRODUCT_KERNELS) {
    const kernel = tf.getKernel(name, "wasm");
    if (!kernel) continue;
    const inner = kernel.kernelFunc;
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel({
      ...kernel,
      kernelFunc: (args) => {
        // Only the outermost call: composed kernels (XNNPACK's gradients) call Conv2D inside.
        if (counter.on && counter.depth === 0) {
          counter.flops += kernelFlops(name, args.inputs, args.attrs ?? {});
        }
        counter.depth++;
        try {
          return inner(args);
        } finally {
          counter.depth--;
        }
      },
    });
  }
}

/**
 * Time training steps of one configuration: one warm-up (which also counts
 * the flops), then at least `seconds` (and `minSteps`).
 */
function measure(c: Case, seconds: number, minSteps: number): Throughput {
  const base = c.decoder === "faithful" ? REFERENCE_CONFIG : DEFAULT_CONFIG;
  const config = makeConfig(SIZE, { ...base, encoder: c.encoder });
  const model = createRvae(config, { seed: 1 });
  const optimizer = new Adam(model.variables, 1e-4);
  const random = new Random(2);
  const dataRandom = new Random(3);
  const batch = tf.tensor2d(
    Float32Array.from({ length: BATCH * SIZE * SIZE }, () => dataRandom.uniform()),
    [BATCH, SIZE * SIZE],
  );
  const counter = { on: true, flops: 0, depth: 0 };
  countFlops(counter);
  const step = () => {
    const noise = sampleNoise(random, BATCH, latentCount(config));
    trainStep(model, batch, optimizer, { noise });
    noise.dispose();
  };
  step();
  counter.on = false;
  let steps = 0;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  while (steps < minSteps || performance.now() - start < seconds * 1000) {
    step();
    steps++;
  }
  const wallSeconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  batch.dispose();
  optimizer.dispose();
  disposeRvae(model);
  return {
    wall: (steps * BATCH) / wallSeconds,
    cpu: (steps * BATCH) / cpuSeconds,
    flopsPerImage: counter.flops / BATCH,
  };
}

function backendOptions(c: Case) {
  return {
    backend: "wasm" as const,
    stockKernels: c.kernels === "stock",
    xnnpackProducts: c.kernels === "xnnpack",
    threads: c.threads,
  };
}

/** The single-thread peak of the FMA loop, GFLOP/s: the best of a few half-second runs. */
function fmaPeak(): number {
  const loop = fmaLoop();
  loop(1e6);
  let best = 0;
  for (let r = 0; r < 5; r++) {
    const iterations = 5e7;
    const start = performance.now();
    loop(iterations);
    best = Math.max(best, (iterations * FLOPS_PER_ITERATION) / ((performance.now() - start) * 1e6));
  }
  return best;
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
      return `the PyTorch reference could not run (${reason}; apt-get install python3-torch)`;
    }
    return JSON.parse(new TextDecoder().decode(output.stdout));
  } catch (error) {
    return `the PyTorch reference could not run (${(error as Error).message})`;
  }
}

const WIDTHS = [8, 8, 9, 8];
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

/** The 1/5/15-minute load averages (through python3 when the task lacks --allow-sys). */
async function load(): Promise<string> {
  try {
    return Deno.loadavg().map((v) => v.toFixed(2)).join(", ");
  } catch {
    try {
      const output = await new Deno.Command(PYTHON, {
        args: ["-c", "import os; print(', '.join('%.2f' % v for v in os.getloadavg()))"],
        stdout: "piped",
        stderr: "null",
      }).output();
      return new TextDecoder().decode(output.stdout).trim() || "unknown";
    } catch {
      return "unknown";
    }
  }
}

/** Print the table. */
export async function run(): Promise<void> {
  console.log(`rVAE training, batch ${BATCH}, ${SIZE} x ${SIZE}; load average ${await load()}`);
  const before = await reference();
  const peakBefore = fmaPeak();
  const configs = (["mlp", "conv"] as const).flatMap((encoder) =>
    (["fast", "faithful"] as const).map((decoder) => ({ encoder, decoder }))
  );
  const results: { c: Case; r: Throughput }[] = [];
  const lines: string[] = [];
  const header = row(["encoder", "decoder", "kernels", "threads"]) + " " +
    ["img/s", "cpu-time", "GFLOP/img", "GFLOP/s", "of peak"].map((h) => h.padStart(9)).join(" ");
  console.log(header);
  for (const { encoder, decoder } of configs) {
    const plan: Case[] = [
      { kernels: "own", encoder, decoder, threads: 1 },
      { kernels: "own", encoder, decoder, threads: 2 },
      { kernels: "xnnpack", encoder, decoder, threads: 1 },
      { kernels: "stock", encoder, decoder, threads: 1 },
    ];
    for (const c of plan) {
      const r = await measureInChild(c);
      results.push({ c, r });
      const threads = c.threads;
      const gflops = (r.wall * r.flopsPerImage) / 1e9;
      const line = row([encoder, decoder, c.kernels, String(threads)]) + " " + [
        r.wall.toFixed(1),
        r.cpu.toFixed(1),
        (r.flopsPerImage / 1e9).toFixed(3),
        gflops.toFixed(1),
        `${((100 * gflops) / (threads * peakBefore)).toFixed(0)}%`,
      ].map((v) => v.padStart(9)).join(" ");
      lines.push(line);
      console.log(line);
    }
  }
  const peakAfter = fmaPeak();
  const after = await reference();
  console.log(
    `FMA loop peak, one thread: ${peakBefore.toFixed(1)} GFLOP/s before, ` +
      `${peakAfter.toFixed(1)} after ("of peak" uses the first x threads); ` +
      `load average ${await load()}`,
  );
  const find = (encoder: string, decoder: string, kernels: Kernels, threads: number) =>
    results.find(({ c }) =>
      c.encoder === encoder && c.decoder === decoder && c.kernels === kernels &&
      c.threads === threads
    )!.r;
  console.log("ratios (wall-clock images/s, same run):");
  console.log(
    row(["encoder", "decoder", "", ""]) + " " +
      ["2 thr/1", "1 thr/xnn", "1 thr/stk", "2 thr/stk"].map((h) => h.padStart(9)).join(" "),
  );
  for (const { encoder, decoder } of configs) {
    const own1 = find(encoder, decoder, "own", 1), own2 = find(encoder, decoder, "own", 2);
    const xnn = find(encoder, decoder, "xnnpack", 1), stock = find(encoder, decoder, "stock", 1);
    console.log(
      row([encoder, decoder, "", ""]) + " " + [
        own2.wall / own1.wall,
        own1.wall / xnn.wall,
        own1.wall / stock.wall,
        own2.wall / stock.wall,
      ].map((v) => (v.toFixed(2) + "x").padStart(9)).join(" "),
    );
  }
  if (typeof before === "string" || typeof after === "string") {
    console.log(typeof before === "string" ? before : String(after));
    console.log(
      `(on a quiet machine it did about ${QUIET_REFERENCE.mlp} (mlp) and ` +
        `${QUIET_REFERENCE.conv} (conv) images/s with two threads: not a same-run ratio)`,
    );
  } else {
    const ref = { mlp: (before.mlp + after.mlp) / 2, conv: (before.conv + after.conv) / 2 };
    console.log(
      `PyTorch ${before.torch} reference (AtomAI architecture, 2 threads): mlp ` +
        `${before.mlp.toFixed(1)} / ${after.mlp.toFixed(1)}, conv ${before.conv.toFixed(1)} / ` +
        `${after.conv.toFixed(1)} images/s (before / after); ours over it, faithful decoder:`,
    );
    for (const encoder of ["mlp", "conv"] as const) {
      const own1 = find(encoder, "faithful", "own", 1), own2 = find(encoder, "faithful", "own", 2);
      console.log(
        `  ${encoder}: 1 thread ${(own1.wall / ref[encoder]).toFixed(2)}x, ` +
          `2 threads ${(own2.wall / ref[encoder]).toFixed(2)}x`,
      );
    }
  }
  const paper = find("conv", "faithful", "own", 2);
  console.log(
    `the paper's run (23,000 windows x 100 epochs, conv encoder, AtomAI's decoder) on two ` +
      `threads: about ${(PAPER_IMAGES / paper.wall / 3600).toFixed(1)} h at this run's ` +
      `${paper.wall.toFixed(1)} images/s (load average above)`,
  );
}

if (import.meta.main) {
  // Child mode: measure the configuration given as JSON and print its throughput as JSON.
  const c = JSON.parse(Deno.args[0]) as Case;
  await initBackend(backendOptions(c));
  // The stock kernels take minutes per conv step: one timed step is enough there.
  const slow = c.kernels === "stock" && (c.encoder === "conv" || c.decoder === "faithful");
  console.log(JSON.stringify(measure(c, slow ? 0 : 3, slow ? 1 : 2)));
}
