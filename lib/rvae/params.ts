/**
 * The rVAE's trainable parameters: their names, shapes and seeded
 * initialisation (PyTorch's default for `nn.Linear` and `nn.Conv2d`, as
 * AtomAI gets it: weights and biases uniform in ±1/√fan_in).
 *
 * @module
 */

import { tf } from "../deps.ts";
import { Random } from "../random.ts";
import { canonicalSize, encoderSize, latentCount, type RvaeConfig } from "./config.ts";

/** One parameter: name, shape and the fan-in that sets its initial range. */
export interface ParamSpec {
  /** Unique name, e.g. `enc.w1`. */
  name: string;
  /** Tensor shape (dense: [in, out]; conv: [kh, kw, in, out]). */
  shape: number[];
  /** Fan-in of the layer it belongs to. */
  fanIn: number;
}

/** Named parameter arrays in a fixed order (what checkpoints and `weights.bin` hold). */
export type ParamArrays = { name: string; shape: number[]; data: Float32Array }[];

function dense(prefix: string, inputs: number, outputs: number, bias = true): ParamSpec[] {
  const specs: ParamSpec[] = [{ name: `${prefix}.w`, shape: [inputs, outputs], fanIn: inputs }];
  if (bias) specs.push({ name: `${prefix}.b`, shape: [outputs], fanIn: inputs });
  return specs;
}

function conv(prefix: string, inputs: number, outputs: number): ParamSpec[] {
  const fanIn = 9 * inputs;
  return [
    { name: `${prefix}.w`, shape: [3, 3, inputs, outputs], fanIn },
    { name: `${prefix}.b`, shape: [outputs], fanIn },
  ];
}

/** Every parameter of a model with `config`, in a fixed order. */
export function paramSpecs(config: RvaeConfig): ParamSpec[] {
  const h = config.hiddenUnits;
  const pixels = encoderSize(config) ** 2;
  const latents = latentCount(config);
  const means = latents + (config.angleHead === "vector" ? 1 : 0);
  const k = config.latentDim;
  const specs: ParamSpec[] = [];
  if (config.encoder === "mlp") {
    specs.push(...dense("enc.fc1", pixels, h), ...dense("enc.fc2", h, h));
    specs.push(...dense("enc.mean", h, means), ...dense("enc.logsd", h, latents));
  } else {
    specs.push(...conv("enc.conv1", 1, h), ...conv("enc.conv2", h, h));
    specs.push(
      ...dense("enc.mean", pixels * h, means),
      ...dense("enc.logsd", pixels * h, latents),
    );
  }
  if (config.decoder === "faithful") {
    specs.push(...dense("dec.coord", 2, h));
    if (k > 0) specs.push(...dense("dec.latent", k, h, false));
    specs.push(...dense("dec.fc1", h, h), ...dense("dec.fc2", h, h), ...dense("dec.out", h, 1));
  } else {
    const c = canonicalSize(config);
    if (k > 0) {
      specs.push(...dense("dec.fc1", k, h), ...dense("dec.fc2", h, h));
      specs.push(...dense("dec.out", h, c * c));
    } else {
      // No content: the canonical image is a free parameter.
      specs.push({ name: "dec.out.b", shape: [c * c], fanIn: 1 });
    }
  }
  return specs;
}

/** Seeded initial values for every parameter of `config`. */
export function initialParams(config: RvaeConfig, seed: number): ParamArrays {
  const random = new Random(seed);
  return paramSpecs(config).map((spec) => {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    const bound = 1 / Math.sqrt(spec.fanIn);
    for (let i = 0; i < size; i++) data[i] = (2 * random.uniform() - 1) * bound;
    return { name: spec.name, shape: spec.shape, data };
  });
}

/** Make tfjs variables from parameter arrays (checked against `config`). */
export function makeVariables(
  config: RvaeConfig,
  arrays: ParamArrays,
): Map<string, tf.Variable> {
  const specs = paramSpecs(config);
  const byName = new Map(arrays.map((a) => [a.name, a]));
  const variables = new Map<string, tf.Variable>();
  for (const spec of specs) {
    const array = byName.get(spec.name);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (!array || array.data.length !== size) {
      throw new Error(`parameter ${spec.name}: expected ${size} values`);
    }
    const value = tf.tensor(array.data, spec.shape);
    variables.set(spec.name, tf.variable(value, true));
    value.dispose(); // the variable shares its data
  }
  return variables;
}

/** Copy the current values of `variables` out of tfjs, in order. */
export function readVariables(variables: Map<string, tf.Variable>): ParamArrays {
  return [...variables].map(([name, v]) => ({
    name,
    shape: v.shape.slice(),
    data: new Float32Array(v.dataSync() as Float32Array),
  }));
}
