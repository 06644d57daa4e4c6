/**
 * Gradients of the tfjs kernels the rVAE differentiates through.
 *
 * The npm build of `@tensorflow/tfjs-core` that Deno loads (its CommonJS
 * bundle) registers no gradient at all, and its ES-module files cannot be
 * imported under Deno (extension-less relative imports); the umbrella
 * `@tensorflow/tfjs` package would drag in layers, converter, data and WebGL.
 * So the handful of gradients the model needs are written here, each the
 * textbook derivative, and registered once by {@linkcode ensureGradients}.
 * Every one is checked against a finite difference in `tests/rvae_gradients_test.ts`.
 *
 * Kernel authors (see `kernels/`): a replacement kernel keeps the kernel's
 * name, inputs and attributes, so these gradients apply to it unchanged.
 *
 * @module
 */

import { tf } from "../deps.ts";

type NamedAttrs = Record<string, unknown>;

/** Sum `dy` over the axes along which `shape` was broadcast, and give it `shape`. */
function unbroadcast(dy: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.broadcast_util.getReductionAxes(shape, dy.shape);
  const reduced = axes.length > 0 ? tf.sum(dy, axes) : dy;
  return tf.reshape(reduced, shape);
}

function binary(
  kernelName: string,
  grads: (dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => [tf.Tensor, tf.Tensor],
): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ["a", "b"],
    gradFunc: (dy, saved) => {
      const [a, b] = saved;
      const d = dy as tf.Tensor;
      return {
        a: () => unbroadcast(grads(d, a, b)[0], a.shape),
        b: () => unbroadcast(grads(d, a, b)[1], b.shape),
      };
    },
  };
}

function unaryOnInput(
  kernelName: string,
  grad: (dy: tf.Tensor, x: tf.Tensor, attrs: NamedAttrs) => tf.Tensor,
): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ["x"],
    gradFunc: (dy, saved, attrs) => ({
      x: () => grad(dy as tf.Tensor, saved[0], attrs as NamedAttrs),
    }),
  };
}

function unaryOnOutput(
  kernelName: string,
  grad: (dy: tf.Tensor, y: tf.Tensor) => tf.Tensor,
): tf.GradConfig {
  return {
    kernelName,
    outputsToSave: [true],
    gradFunc: (dy, saved) => ({ x: () => grad(dy as tf.Tensor, saved[0]) }),
  };
}

const GRADIENTS: readonly tf.GradConfig[] = [
  binary("Add", (dy) => [dy, dy]),
  binary("Sub", (dy) => [dy, tf.neg(dy)]),
  binary("Multiply", (dy, a, b) => [tf.mul(dy, b), tf.mul(dy, a)]),
  binary("RealDiv", (dy, a, b) => [
    tf.div(dy, b),
    tf.neg(tf.div(tf.mul(dy, a), tf.square(b))),
  ]),
  binary("SquaredDifference", (dy, a, b) => {
    const g = tf.mul(dy, tf.mul(tf.scalar(2), tf.sub(a, b)));
    return [g, tf.neg(g)];
  }),
  unaryOnInput("Neg", (dy) => tf.neg(dy)),
  unaryOnInput("Square", (dy, x) => tf.mul(dy, tf.mul(x, tf.scalar(2)))),
  unaryOnInput("Sin", (dy, x) => tf.mul(dy, tf.cos(x))),
  unaryOnInput("Cos", (dy, x) => tf.neg(tf.mul(dy, tf.sin(x)))),
  unaryOnInput("Log", (dy, x) => tf.div(dy, x)),
  unaryOnInput("Floor", (dy) => tf.zerosLike(dy)),
  unaryOnInput("Cast", (dy) => tf.clone(dy)),
  unaryOnInput("Identity", (dy) => tf.clone(dy)),
  unaryOnInput(
    "LeakyRelu",
    (dy, x, attrs) => tf.where(tf.greater(x, 0), dy, tf.mul(dy, attrs.alpha as number)),
  ),
  unaryOnInput("Reshape", (dy, x) => tf.reshape(dy, x.shape)),
  unaryOnInput("Sum", (dy, x, attrs) => {
    const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
    const kept = x.shape.map((n, i) => (axes.includes(i) ? 1 : n));
    return tf.mul(tf.reshape(dy, kept), tf.ones(x.shape));
  }),
  unaryOnInput("Slice", (dy, x, attrs) => {
    const [begin, size] = tf.slice_util.parseSliceParams(
      x,
      attrs.begin as number[],
      attrs.size as number[],
    );
    return tf.pad(dy, x.shape.map((n, i) => [begin[i], n - begin[i] - size[i]]));
  }),
  unaryOnInput("Transpose", (dy, _x, attrs) => {
    const perm = attrs.perm as number[];
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return tf.transpose(dy, inverse);
  }),
  unaryOnOutput("Tanh", (dy, y) => tf.mul(dy, tf.sub(tf.scalar(1), tf.square(y)))),
  unaryOnOutput("Sigmoid", (dy, y) => tf.mul(dy, tf.mul(y, tf.sub(tf.scalar(1), y)))),
  unaryOnOutput("Exp", (dy, y) => tf.mul(dy, y)),
  unaryOnOutput("Sqrt", (dy, y) => tf.div(dy, tf.mul(y, tf.scalar(2)))),
  binary("Atan2", (dy, a, b) => {
    // The tiny floor keeps atan2(0, 0) (a window with no preferred direction) finite.
    const r2 = tf.add(tf.add(tf.square(a), tf.square(b)), 1e-12);
    return [tf.div(tf.mul(dy, b), r2), tf.neg(tf.div(tf.mul(dy, a), r2))];
  }),
  {
    kernelName: "Concat",
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs) => {
      const axis = tf.util.parseAxisParam(attrs.axis as number, saved[0].shape)[0];
      const parts = tf.split(dy as tf.Tensor, saved.map((t) => t.shape[axis]), axis);
      return parts.map((t) => () => t) as unknown as Record<string, () => tf.Tensor>;
    },
  },
  {
    kernelName: "BatchMatMul",
    inputsToSave: ["a", "b"],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved;
      const d = dy as tf.Tensor;
      const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
      if (!transposeA && !transposeB) {
        return { a: () => tf.matMul(d, b, false, true), b: () => tf.matMul(a, d, true, false) };
      }
      if (!transposeA) {
        return { a: () => tf.matMul(d, b), b: () => tf.matMul(d, a, true, false) };
      }
      if (!transposeB) {
        return { a: () => tf.matMul(b, d, false, true), b: () => tf.matMul(a, d) };
      }
      return { a: () => tf.matMul(b, d, true, true), b: () => tf.matMul(d, a, true, true) };
    },
  },
  {
    kernelName: "Conv2D",
    inputsToSave: ["x", "filter"],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const { strides, pad, dataFormat } = attrs as {
        strides: [number, number];
        pad: "same" | "valid";
        dataFormat: "NHWC" | "NCHW";
      };
      const engine = tf.engine();
      return {
        x: () =>
          engine.runKernel("Conv2DBackpropInput", { dy: dy as tf.Tensor, filter }, {
            strides,
            pad,
            dataFormat,
            inputShape: x.shape,
          }) as tf.Tensor,
        filter: () =>
          engine.runKernel("Conv2DBackpropFilter", { x, dy: dy as tf.Tensor }, {
            strides,
            pad,
            dataFormat,
            filterShape: filter.shape,
          }) as tf.Tensor,
      };
    },
  },
];

/**
 * Register the gradients above for every kernel that has none yet (a
 * gradient registered elsewhere wins). Safe to call any number of times;
 * `createRvae` and the training loop call it.
 */
export function ensureGradients(): void {
  for (const config of GRADIENTS) {
    if (!tf.getGradient(config.kernelName)) tf.registerGradient(config);
  }
}

/** The kernels {@linkcode ensureGradients} provides a gradient for. */
export const GRADIENT_KERNELS: readonly string[] = GRADIENTS.map((g) => g.kernelName);
