/**
 * A small in-place radix-2 complex FFT and the 2-D power spectrum built on
 * it, enough to read a crystal's lattice periods off an image.
 *
 * @module
 */

/** Smallest power of two ≥ `n`. */
export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p <<= 1;
  return p;
}

/**
 * Forward FFT of `re + i·im` in place (length a power of two), without
 * normalisation: X[k] = Σ x[n] exp(-2πi kn/N).
 */
export function fftInPlace(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  if (n !== im.length || (n & (n - 1)) !== 0) {
    throw new RangeError(`FFT length must be a power of two, got ${n}`);
  }
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const half = len >> 1;
    const angle = (-2 * Math.PI) / len;
    const wr = Math.cos(angle);
    const wi = Math.sin(angle);
    for (let start = 0; start < n; start += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < half; k++) {
        const a = start + k;
        const b = a + half;
        const tr = re[b] * cr - im[b] * ci;
        const ti = re[b] * ci + im[b] * cr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
        const next = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = next;
      }
    }
  }
}

/** A power spectrum on a `width × height` grid of frequencies (both powers of two). */
export interface PowerSpectrum {
  /** |F|², row-major, zero frequency at index 0 (not shifted). */
  power: Float64Array;
  /** Number of frequency columns (cycles per `width` pixels along x). */
  width: number;
  /** Number of frequency rows. */
  height: number;
}

/**
 * Power spectrum of a `width × height` real image, mean removed, Hann-windowed
 * and zero-padded to powers of two (the window keeps the image edges from
 * painting a cross through the spectrum).
 */
export function powerSpectrum(
  data: ArrayLike<number>,
  size: { width: number; height: number },
): PowerSpectrum {
  const { width, height } = size;
  const pw = nextPowerOfTwo(width);
  const ph = nextPowerOfTwo(height);
  let mean = 0;
  for (let i = 0; i < width * height; i++) mean += data[i];
  mean /= width * height;
  const re = new Float64Array(pw * ph);
  const im = new Float64Array(pw * ph);
  const wx = hann(width);
  const wy = hann(height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) re[y * pw + x] = (data[y * width + x] - mean) * wx[x] * wy[y];
  }
  const rowRe = new Float64Array(pw);
  const rowIm = new Float64Array(pw);
  for (let y = 0; y < height; y++) {
    rowRe.set(re.subarray(y * pw, (y + 1) * pw));
    rowIm.fill(0);
    fftInPlace(rowRe, rowIm);
    re.set(rowRe, y * pw);
    im.set(rowIm, y * pw);
  }
  const colRe = new Float64Array(ph);
  const colIm = new Float64Array(ph);
  const power = new Float64Array(pw * ph);
  for (let x = 0; x < pw; x++) {
    for (let y = 0; y < ph; y++) {
      colRe[y] = re[y * pw + x];
      colIm[y] = im[y * pw + x];
    }
    fftInPlace(colRe, colIm);
    for (let y = 0; y < ph; y++) power[y * pw + x] = colRe[y] * colRe[y] + colIm[y] * colIm[y];
  }
  return { power, width: pw, height: ph };
}

function hann(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = n > 1 ? 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)) : 1;
  return w;
}
