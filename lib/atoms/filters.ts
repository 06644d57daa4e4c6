/**
 * Separable Gaussian filters on row-major float images: blur and the
 * scale-normalised Laplacian of Gaussian used to find atomic columns.
 * Edges are mirrored so that columns at the border keep their shape.
 *
 * @module
 */

/** A row-major float image without calibration, as the filters need it. */
export interface Grid {
  /** Values, `width * height` of them. */
  data: Float32Array;
  /** Number of columns. */
  width: number;
  /** Number of rows. */
  height: number;
}

function gaussianKernel(sigma: number, derivative: 0 | 2): Float64Array {
  const radius = Math.max(1, Math.ceil(4 * sigma));
  const k = new Float64Array(2 * radius + 1);
  const s2 = sigma * sigma;
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const g = Math.exp((-i * i) / (2 * s2));
    k[i + radius] = g;
    sum += g;
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  if (derivative === 2) {
    // d²/dx² of the normalised Gaussian, corrected to sum to zero exactly.
    let mean = 0;
    for (let i = -radius; i <= radius; i++) {
      k[i + radius] *= (i * i - s2) / (s2 * s2);
      mean += k[i + radius];
    }
    mean /= k.length;
    for (let i = 0; i < k.length; i++) k[i] -= mean;
  }
  return k;
}

function mirror(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n - 2;
  let j = i % period;
  if (j < 0) j += period;
  return j < n ? j : period - j;
}

/** Convolve along x (`axis` 0) or y (`axis` 1) with a symmetric odd kernel. */
function convolve1d(src: Grid, kernel: Float64Array, axis: 0 | 1, out: Float32Array): void {
  const { data, width, height } = src;
  const r = (kernel.length - 1) >> 1;
  const n = axis === 0 ? width : height;
  const lines = axis === 0 ? height : width;
  const step = axis === 0 ? 1 : width;
  const lineStep = axis === 0 ? width : 1;
  const line = new Float64Array(n + 2 * r);
  for (let l = 0; l < lines; l++) {
    const base = l * lineStep;
    for (let i = -r; i < n + r; i++) line[i + r] = data[base + mirror(i, n) * step];
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let k = 0; k < kernel.length; k++) acc += kernel[k] * line[i + k];
      out[base + i * step] = acc;
    }
  }
}

/** Gaussian blur with standard deviation `sigma` pixels (returns a new grid). */
export function gaussianBlur(image: Grid, sigma: number): Grid {
  const { width, height } = image;
  if (!(sigma > 0)) return { data: image.data.slice(), width, height };
  const k = gaussianKernel(sigma, 0);
  const tmp = new Float32Array(width * height);
  const out = new Float32Array(width * height);
  convolve1d(image, k, 0, tmp);
  convolve1d({ data: tmp, width, height }, k, 1, out);
  return { data: out, width, height };
}

/**
 * Negative, scale-normalised Laplacian of Gaussian, −σ²∇²(G_σ * I): a bright
 * blob of width ≈ σ gives a positive peak at its centre, a flat or linearly
 * varying background gives zero.
 */
export function laplacianOfGaussian(image: Grid, sigma: number): Grid {
  const { width, height } = image;
  const g = gaussianKernel(sigma, 0);
  const d2 = gaussianKernel(sigma, 2);
  const n = width * height;
  const rowsG = new Float32Array(n);
  const rowsD = new Float32Array(n);
  convolve1d(image, g, 0, rowsG);
  convolve1d(image, d2, 0, rowsD);
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  convolve1d({ data: rowsD, width, height }, g, 1, a);
  convolve1d({ data: rowsG, width, height }, d2, 1, b);
  const s2 = sigma * sigma;
  for (let i = 0; i < n; i++) a[i] = -s2 * (a[i] + b[i]);
  return { data: a, width, height };
}

/** Offset of the vertex of the parabola through three equally spaced samples, clamped to ±0.5. */
export function parabolaVertex(left: number, centre: number, right: number): number {
  const d = left - 2 * centre + right;
  if (!(d < 0)) return 0;
  return Math.max(-0.5, Math.min(0.5, (0.5 * (left - right)) / d));
}
