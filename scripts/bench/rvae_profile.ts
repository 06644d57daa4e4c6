/**
 * `deno task bench rvae-profile`: where a training step's time goes, per
 * wasm kernel, for the default configuration, AtomAI's faithful decoder and
 * the conv encoder (batch 32, 48 x 48). Every registered wasm kernel is
 * wrapped with a CPU-time counter (node:process cpuUsage: steadier than the
 * wall clock on a shared machine); kernels that call others are counted with
 * their callees included.
 *
 * @module
 */

import process from "node:process";
import { tf } from "../../lib/deps.ts";
import { Random } from "../../lib/random.ts";
import { Adam } from "../../lib/rvae/adam.ts";
import { initBackend } from "../../lib/rvae/backend.ts";
import {
  latentCount,
  makeConfig,
  REFERENCE_CONFIG,
  type RvaeConfig,
} from "../../lib/rvae/config.ts";
import { createRvae, disposeRvae } from "../../lib/rvae/model.ts";
import { sampleNoise, trainStep } from "../../lib/rvae/train.ts";

const SIZE = 48;
const BATCH = 32;
const TOP = 12;

/** Per kernel call site (name, input shapes, axis/transpose attributes): CPU µs and calls. */
type Counts = Map<string, { micros: number; calls: number }>;

function describe(name: string, args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap }) {
  const shapes = Object.values(args.inputs).map((t) => `[${t?.shape}]`).join("x");
  const a = args.attrs ?? {};
  const extra = [
    a.axis !== undefined ? `axis=${a.axis}` : "",
    a.transposeA ? "tA" : "",
    a.transposeB ? "tB" : "",
  ].filter(Boolean).join(" ");
  return `${name} ${shapes}${extra ? " " + extra : ""}`;
}

/** Wrap every wasm kernel with a counter that records while `recording.on`. */
function instrument(counts: Counts, recording: { on: boolean }): void {
  for (const kernel of tf.getKernelsForBackend("wasm")) {
    const inner = kernel.kernelFunc;
    tf.unregisterKernel(kernel.kernelName, "wasm");
    tf.registerKernel({
      ...kernel,
      kernelFunc: (args) => {
        if (!recording.on) return inner(args);
        const start = process.cpuUsage();
        const out = inner(args);
        const used = process.cpuUsage(start);
        const key = describe(kernel.kernelName, args);
        const entry = counts.get(key) ?? { micros: 0, calls: 0 };
        entry.micros += used.user + used.system;
        entry.calls++;
        counts.set(key, entry);
        return out;
      },
    });
  }
}

/** A model, optimizer and batch for `config`, warmed up by one step. */
function prepare(config: RvaeConfig): { step: () => void; dispose: () => void } {
  const model = createRvae(config, { seed: 1 });
  const optimizer = new Adam(model.variables, 1e-4);
  const random = new Random(2);
  const data = new Random(3);
  const batch = tf.tensor2d(
    Float32Array.from({ length: BATCH * SIZE * SIZE }, () => data.uniform()),
    [BATCH, SIZE * SIZE],
  );
  const step = () => {
    const noise = sampleNoise(random, BATCH, latentCount(config));
    trainStep(model, batch, optimizer, { noise });
    noise.dispose();
  };
  step();
  return {
    step,
    dispose: () => {
      batch.dispose();
      optimizer.dispose();
      disposeRvae(model);
    },
  };
}

/** Print the table. */
export async function run(): Promise<void> {
  await initBackend({ backend: "wasm" });
  const recording = { on: false };
  const counts: Counts = new Map();
  instrument(counts, recording);
  const cases: [string, RvaeConfig, number][] = [
    ["default (mlp encoder, fast decoder)", makeConfig(SIZE), 10],
    ["AtomAI mlp + faithful decoder", makeConfig(SIZE, REFERENCE_CONFIG), 1],
    ["default with the conv encoder", makeConfig(SIZE, { encoder: "conv" }), 1],
  ];
  for (const [label, config, steps] of cases) {
    const prepared = prepare(config);
    counts.clear();
    recording.on = true;
    const start = process.cpuUsage();
    for (let i = 0; i < steps; i++) prepared.step();
    const used = process.cpuUsage(start);
    recording.on = false;
    const stepMs = (used.user + used.system) / 1000 / steps;
    const kernelMs = [...counts.values()].reduce((s, c) => s + c.micros, 0) / 1000 / steps;
    console.log(
      `\n${label}: ${stepMs.toFixed(1)} ms CPU per step of ${BATCH} ` +
        `(${(BATCH * 1000 / stepMs).toFixed(0)} images per CPU-second); ` +
        `kernels ${kernelMs.toFixed(1)} ms (nested calls counted twice)`,
    );
    const top = [...counts].sort((a, b) => b[1].micros - a[1].micros).slice(0, TOP);
    for (const [key, c] of top) {
      console.log(
        `${(c.micros / 1000 / steps).toFixed(2).padStart(9)} ms ${
          String(c.calls / steps).padStart(4)
        }x ${key}`,
      );
    }
    prepared.dispose();
  }
}
