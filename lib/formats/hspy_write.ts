/**
 * Writing results as a HyperSpy file (`results.hspy`), pure: signals in,
 * bytes out. The layout is HyperSpy's own for its format 3.1 (HyperSpy 1.7
 * and RosettaSciIO, what `hs.load` reads): one group per signal under
 * `Experiments/<name>` holding `data`, calibrated `axis-0`, `axis-1`, …
 * (`name`, `units`, `scale`, `offset`, `size`, `navigate`, `is_binned`,
 * `_type`), `metadata` (`General/title`, `Signal`, `_HyperSpy/Folding`),
 * `original_metadata` and `learning_results`; the file carries
 * `file_format = "HyperSpy"` and `file_format_version`. `hs.load` returns
 * one signal per experiment.
 *
 * Written with h5wasm (the HDF5 C library in WebAssembly, as the reader
 * uses) in its in-memory file system, in this thread: the data are our own,
 * so there is no corrupt file to guard against, and it needs no permission.
 * Booleans (`navigate`, `is_binned`, `unfolded`, `signal_unfolded`) must be
 * h5py's booleans, an HDF5 enumeration {FALSE = 0, TRUE = 1} of int8:
 * HyperSpy refuses an integer for `navigate`. h5wasm cannot create
 * enumerations, so each is written as a fixed-length string of the same
 * encoded length holding a marker, and the marker's datatype is then
 * rewritten in place as h5py's enumeration ({@linkcode patchBooleans}); the
 * file is written with the earliest format versions (superblock 0, version 1
 * object headers, as h5py writes by default), which carry no checksums.
 *
 * {@linkcode siteGrid} puts per-site values (polarisation, lattice
 * parameters, latents) on a regular grid so that they load as calibrated
 * images; {@linkcode imageSignal}, {@linkcode mapSignal} and
 * {@linkcode tableSignal} build the signals.
 *
 * @module
 */

import { h5wasm } from "../deps.ts";
import type { Image, PixelSize } from "../image.ts";
import { pixelSizeInPm } from "../image.ts";

/** The HyperSpy file format version written (HyperSpy 1.7's). */
export const HSPY_FORMAT_VERSION = "3.1";

/** One calibrated axis of a signal, in array order (`axis-0` is the first, slowest index). */
export interface HspyAxis {
  /** e.g. "y", "x", "site". */
  name: string;
  /** e.g. "nm"; "" when uncalibrated (HyperSpy writes "<undefined>"). */
  units: string;
  /** Axis value per index step. */
  scale: number;
  /** Axis value at index 0. */
  offset: number;
  /** Navigation axis (true) or signal axis (false). */
  navigate: boolean;
}

/** One HyperSpy signal: an array, its axes and what it is. */
export interface HspySignal {
  /** Group name under `Experiments/` (letters, digits, `_`, `-`). */
  name: string;
  /** `metadata.General.title`. */
  title: string;
  /** Values in C order. */
  data: Float32Array | Float64Array;
  /** Array shape, C order. */
  shape: number[];
  /** One axis per dimension of `shape`. */
  axes: HspyAxis[];
  /** `metadata.Signal.quantity`, e.g. "polarisation px (pm)". */
  quantity?: string;
  /** `metadata.Signal.signal_type`, default "". */
  signalType?: string;
  /** Extra metadata: groups of string or number attributes, e.g. `{ ferrovae: { columns: "x,y" } }`. */
  metadata?: Record<string, Record<string, string | number>>;
}

/** Options of {@linkcode encodeHspy}. */
export interface HspyOptions {
  /** `package_version` of each experiment (the writing program's version), default "". */
  packageVersion?: string;
  /** `package` of each experiment, default "hyperspy" (a plain signal any HyperSpy can build). */
  package?: string;
  /** `metadata.General.original_filename` of every signal, when given. */
  originalFilename?: string;
}

type H5File = InstanceType<typeof h5wasm.File>;
type H5Group = InstanceType<typeof h5wasm.Group>;

/**
 * The HyperSpy file holding `signals`, as bytes.
 *
 * @example
 * ```ts
 * import { encodeHspy, imageSignal } from "./hspy_write.ts";
 * const image = { data: new Float32Array(64 * 64), width: 64, height: 64 };
 * const bytes = await encodeHspy([imageSignal(image)]); // in Python: hs.load("results.hspy")
 * const signature = [0x89, 0x48, 0x44, 0x46]; // "\x89HDF"
 * if (signature.some((b, i) => bytes[i] !== b)) throw new Error("an HDF5 file");
 * ```
 */
export async function encodeHspy(
  signals: readonly HspySignal[],
  options: HspyOptions = {},
): Promise<Uint8Array> {
  const names = new Set<string>();
  for (const s of signals) checkSignal(s, names);
  const module = await h5wasm.ready;
  const path = `/ferrovae-write-${crypto.randomUUID()}.hspy`;
  let file: H5File | undefined;
  try {
    module.activate_throwing_error_handler();
    file = new h5wasm.File(path, "w", { libver: ["earliest", "v108"] });
    file.create_attribute("file_format", "HyperSpy");
    file.create_attribute("file_format_version", HSPY_FORMAT_VERSION);
    const experiments = file.create_group("Experiments");
    const booleans: BooleanMarker[] = [];
    for (const signal of signals) writeSignal(experiments, signal, options, booleans);
    file.close();
    file = undefined;
    const bytes = module.FS.readFile(path);
    patchBooleans(bytes, booleans);
    return bytes;
  } finally {
    try {
      file?.close();
    } catch { /* failed while writing: the error above says why */ }
    try {
      module.FS.unlink(path);
    } catch { /* never created */ }
  }
}

function checkSignal(s: HspySignal, names: Set<string>): void {
  if (!/^[A-Za-z0-9_-]+$/.test(s.name)) throw new RangeError(`hspy: bad signal name "${s.name}"`);
  if (names.has(s.name)) throw new RangeError(`hspy: two signals named "${s.name}"`);
  names.add(s.name);
  const count = s.shape.reduce((a, b) => a * b, 1);
  if (s.data.length !== count || s.shape.length === 0) {
    throw new RangeError(`hspy: "${s.name}" has ${s.data.length} values for shape ${s.shape}`);
  }
  if (s.axes.length !== s.shape.length) {
    throw new RangeError(
      `hspy: "${s.name}" has ${s.axes.length} axes for ${s.shape.length} dimensions`,
    );
  }
}

function writeSignal(
  experiments: H5Group,
  signal: HspySignal,
  options: HspyOptions,
  booleans: BooleanMarker[],
): void {
  const bool = (g: H5Group, name: string, value: boolean) =>
    booleanAttribute(g, name, value, booleans);
  const group = experiments.create_group(signal.name);
  group.create_attribute("package", options.package ?? "hyperspy");
  group.create_attribute("package_version", options.packageVersion ?? "");
  // Chunked and deflated as HyperSpy does (one chunk: our arrays are small).
  group.create_dataset({
    name: "data",
    data: signal.data,
    shape: signal.shape,
    dtype: signal.data instanceof Float64Array ? "<d" : "<f",
    chunks: signal.shape,
    compression: "gzip",
    compression_opts: 4,
  });
  signal.axes.forEach((axis, i) => {
    const g = group.create_group(`axis-${i}`);
    g.create_attribute("_type", "UniformDataAxis");
    bool(g, "is_binned", false);
    g.create_attribute("name", axis.name);
    bool(g, "navigate", axis.navigate);
    g.create_attribute("offset", axis.offset, null, "<d");
    g.create_attribute("scale", axis.scale, null, "<d");
    g.create_attribute("size", BigInt(signal.shape[i]) as unknown as number, null, "<q");
    g.create_attribute("units", axis.units || "<undefined>");
  });
  group.create_group("learning_results");
  const metadata = group.create_group("metadata");
  const general = metadata.create_group("General");
  general.create_attribute("title", signal.title);
  if (options.originalFilename) {
    general.create_attribute("original_filename", options.originalFilename);
  }
  const signalGroup = metadata.create_group("Signal");
  if (signal.quantity) signalGroup.create_attribute("quantity", signal.quantity);
  const signalAxes = signal.axes.filter((a) => !a.navigate).length;
  signalGroup.create_attribute("record_by", signalAxes === 2 ? "image" : "spectrum");
  signalGroup.create_attribute("signal_type", signal.signalType ?? "");
  const folding = metadata.create_group("_HyperSpy").create_group("Folding");
  folding.create_attribute("original_axes_manager", "_None_");
  folding.create_attribute("original_shape", "_None_");
  bool(folding, "signal_unfolded", false);
  bool(folding, "unfolded", false);
  for (const [name, attrs] of Object.entries(signal.metadata ?? {})) {
    const g = metadata.create_group(name);
    for (const [key, value] of Object.entries(attrs)) {
      if (typeof value === "number") g.create_attribute(key, value, null, "<d");
      else g.create_attribute(key, value);
    }
  }
  group.create_group("original_metadata");
}

/** A boolean attribute written as a placeholder, to be patched into h5py's enumeration. */
interface BooleanMarker {
  /** Attribute name. */
  name: string;
  /** Its value. */
  value: boolean;
  /** The placeholder's bytes (unique in the file). */
  marker: Uint8Array;
}

/** h5py's boolean type: enum (version 1) of int8 with members FALSE = 0 and TRUE = 1: 38 bytes. */
const H5PY_BOOL = Uint8Array.from([
  0x18,
  0x02,
  0x00,
  0x00,
  0x01,
  0x00,
  0x00,
  0x00, // class 8 (enum) v1, 2 members, size 1
  0x10,
  0x08,
  0x00,
  0x00,
  0x01,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x08,
  0x00, // base: int8, signed
  0x46,
  0x41,
  0x4c,
  0x53,
  0x45,
  0x00,
  0x00,
  0x00, // "FALSE", padded to 8
  0x54,
  0x52,
  0x55,
  0x45,
  0x00,
  0x00,
  0x00,
  0x00, // "TRUE", padded to 8
  0x00,
  0x01, // values
]);

/**
 * Placeholder length: with version 1 attribute messages (fields padded to 8
 * bytes), a string type (8 bytes) and this many data bytes take as much room
 * as the enumeration (38, padded to 40) and its one data byte.
 */
const PLACEHOLDER = 40 + 1 - 8;

function booleanAttribute(
  group: H5Group,
  name: string,
  value: boolean,
  booleans: BooleanMarker[],
): void {
  const text = `ferrovae-bool-${booleans.length}-`.padEnd(PLACEHOLDER, "#");
  booleans.push({ name, value, marker: new TextEncoder().encode(text) });
  group.create_attribute(name, text, null, `A${PLACEHOLDER}`);
}

/**
 * Rewrite each placeholder attribute (version 1 attribute message: version,
 * reserved, name size, datatype size, dataspace size, then name, datatype,
 * dataspace and data, each padded to 8 bytes) as h5py's boolean: the
 * datatype becomes {@linkcode H5PY_BOOL} and the data one byte, in the same
 * number of bytes, so nothing else in the file moves.
 */
function patchBooleans(bytes: Uint8Array, booleans: readonly BooleanMarker[]): void {
  const pad8 = (n: number) => Math.ceil(n / 8) * 8;
  for (const { name, value, marker } of booleans) {
    const at = indexOf(bytes, marker);
    const nameBytes = new TextEncoder().encode(name + "\0");
    const body = at - 8 - 8 - pad8(nameBytes.length) - 8;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const ok = at >= 0 && indexOf(bytes, marker, at + 1) < 0 && body >= 0 &&
      bytes[body] === 1 && view.getUint16(body + 2, true) === nameBytes.length &&
      view.getUint16(body + 4, true) === 8 && view.getUint16(body + 6, true) === 8 &&
      nameBytes.every((b, k) => bytes[body + 8 + k] === b);
    if (!ok) throw new Error(`hspy: the placeholder of boolean "${name}" is not where expected`);
    const type = body + 8 + pad8(nameBytes.length);
    const space = bytes.slice(type + 8, type + 16);
    view.setUint16(body + 4, H5PY_BOOL.length, true);
    bytes.fill(0, type, at + marker.length);
    bytes.set(H5PY_BOOL, type);
    bytes.set(space, type + pad8(H5PY_BOOL.length));
    bytes[type + pad8(H5PY_BOOL.length) + 8] = value ? 1 : 0;
  }
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (
    let i = haystack.indexOf(needle[0], from);
    i >= 0;
    i = haystack.indexOf(needle[0], i + 1)
  ) {
    if (i + needle.length > haystack.length) return -1;
    for (let k = 1; k < needle.length; k++) if (haystack[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

/** The image's two axes in nm when calibrated (origin at the centre of the top-left pixel). */
function imageAxes(
  pixelSize: PixelSize | undefined,
  step = 1,
  origin = 0,
): [HspyAxis, HspyAxis] {
  const pm = pixelSizeInPm(pixelSize);
  const perPixel = pm !== undefined && pm > 0 ? pm / 1000 : 1;
  const units = pm !== undefined && pm > 0 ? "nm" : "";
  const axis = (name: string): HspyAxis => ({
    name,
    units,
    scale: step * perPixel,
    offset: origin * perPixel,
    navigate: false,
  });
  return [axis("y"), axis("x")];
}

/**
 * The image as a calibrated 2-D signal (`Experiments/image`): axes y, x in
 * nm when calibrated, offset 0 at the centre of the top-left pixel.
 *
 * @example
 * ```ts
 * import { imageSignal } from "./hspy_write.ts";
 * const signal = imageSignal({
 *   data: new Float32Array(6),
 *   width: 3,
 *   height: 2,
 *   pixelSize: { value: 0.02, unit: "nm" },
 * });
 * if (signal.shape.join() !== "2,3") throw new Error("rows, columns");
 * if (signal.axes[1].scale !== 0.02 || signal.axes[1].units !== "nm") throw new Error("in nm");
 * ```
 */
export function imageSignal(image: Image, name = "image", title = "image"): HspySignal {
  return {
    name,
    title,
    data: image.data,
    shape: [image.height, image.width],
    axes: imageAxes(image.pixelSize),
    quantity: "intensity",
  };
}

/** A regular grid over an image: cell (r, c) is centred on image pixel (origin + c·step, origin + r·step). */
export interface SiteGrid {
  /** Image pixels per grid cell. */
  step: number;
  /** Image pixel coordinate of the centre of cell 0 (both axes). */
  origin: number;
  /** Cells across. */
  width: number;
  /** Cells down. */
  height: number;
  /** Index of the site each cell shows (the nearest within reach), -1 for none; row-major. */
  site: Int32Array;
}

/** Options of {@linkcode siteGrid}. */
export interface SiteGridOptions {
  /** Image pixels per grid cell, default a third of the typical site spacing (at least 1). */
  step?: number;
  /** A cell farther than this (px) from every site stays empty; default 0.75 of the spacing. */
  reach?: number;
}

/**
 * A regular grid over an image `width` x `height` px whose every cell shows
 * its nearest site (within `reach`): per-site values painted onto it keep
 * their exact values (no interpolation across a domain wall, and angles are
 * never averaged), and load in HyperSpy or napari as a calibrated image.
 *
 * @example
 * ```ts
 * import { siteGrid } from "./hspy_write.ts";
 * const grid = siteGrid({ width: 40, height: 20 }, { x: [10, 30], y: [10, 10] }, { step: 2 });
 * if (grid.width !== 20 || grid.height !== 10) throw new Error("2 px per cell");
 * if (grid.site[5 * 20 + 4] !== 0 || grid.site[5 * 20 + 15] !== 1) throw new Error("nearest site");
 * ```
 */
export function siteGrid(
  image: { width: number; height: number },
  sites: { x: ArrayLike<number>; y: ArrayLike<number> },
  options: SiteGridOptions = {},
): SiteGrid {
  const n = sites.x.length;
  const spacing = Math.sqrt((image.width * image.height) / Math.max(1, n));
  const step = Math.max(1, Math.round(options.step ?? spacing / 3));
  const reach = options.reach ?? 0.75 * spacing;
  const origin = (step - 1) / 2;
  const width = Math.max(1, Math.floor(image.width / step));
  const height = Math.max(1, Math.floor(image.height / step));
  const site = new Int32Array(width * height).fill(-1);
  const best = new Float64Array(width * height).fill(Infinity);
  const cells = Math.ceil(reach / step);
  for (let i = 0; i < n; i++) {
    const sx = sites.x[i], sy = sites.y[i];
    if (!Number.isFinite(sx) || !Number.isFinite(sy)) continue;
    const c0 = Math.round((sx - origin) / step), r0 = Math.round((sy - origin) / step);
    for (let r = Math.max(0, r0 - cells); r <= Math.min(height - 1, r0 + cells); r++) {
      for (let c = Math.max(0, c0 - cells); c <= Math.min(width - 1, c0 + cells); c++) {
        const d = Math.hypot(origin + c * step - sx, origin + r * step - sy);
        const k = r * width + c;
        if (d <= reach && d < best[k]) {
          best[k] = d;
          site[k] = i;
        }
      }
    }
  }
  return { step, origin, width, height, site };
}

/**
 * Per-site `values` painted on `grid` (NaN where no site is near) as a
 * calibrated 2-D signal whose axes share the image's frame: nm when
 * `pixelSize` is a length, offset at the first cell's centre.
 *
 * @example
 * ```ts
 * import { mapSignal, siteGrid } from "./hspy_write.ts";
 * const grid = siteGrid({ width: 40, height: 20 }, { x: [10, 30], y: [10, 10] }, { step: 2 });
 * const signal = mapSignal("latent_z1", "z1", grid, [0.5, -1.5]);
 * if (signal.data[5 * 20 + 4] !== 0.5 || signal.data[5 * 20 + 15] !== -1.5) throw new Error();
 * ```
 */
export function mapSignal(
  name: string,
  quantity: string,
  grid: SiteGrid,
  values: ArrayLike<number>,
  pixelSize?: PixelSize,
): HspySignal {
  const data = new Float32Array(grid.site.length);
  for (let k = 0; k < data.length; k++) {
    const i = grid.site[k];
    data[k] = i >= 0 ? values[i] : NaN;
  }
  return {
    name,
    title: name,
    data,
    shape: [grid.height, grid.width],
    axes: imageAxes(pixelSize, grid.step, grid.origin),
    quantity,
  };
}

/**
 * A table (one row per site, one column per named field) as a signal whose
 * navigation axis is the site and whose signal axis is the field; the field
 * names are in `metadata.ferrovae.columns` (comma-separated, in order).
 *
 * @example
 * ```ts
 * import { tableSignal } from "./hspy_write.ts";
 * const sites = tableSignal("sites", { x: [1, 2], y: [3, 4], angle_deg: [0, 90] });
 * if (sites.shape.join() !== "2,3") throw new Error("2 sites x 3 fields");
 * ```
 */
export function tableSignal(name: string, columns: Record<string, ArrayLike<number>>): HspySignal {
  const keys = Object.keys(columns);
  if (keys.length === 0) throw new RangeError(`hspy: table "${name}" has no columns`);
  const rows = columns[keys[0]].length;
  for (const k of keys) {
    if (columns[k].length !== rows) {
      throw new RangeError(
        `hspy: column "${k}" of "${name}" has ${columns[k].length} rows, not ${rows}`,
      );
    }
  }
  const data = new Float64Array(rows * keys.length);
  keys.forEach((k, j) => {
    const column = columns[k];
    for (let i = 0; i < rows; i++) data[i * keys.length + j] = column[i];
  });
  return {
    name,
    title: name,
    data,
    shape: [rows, keys.length],
    axes: [
      { name: "site", units: "", scale: 1, offset: 0, navigate: true },
      { name: "column", units: "", scale: 1, offset: 0, navigate: false },
    ],
    metadata: { ferrovae: { columns: keys.join(",") } },
  };
}

/** Per-site values to put on the grid: one site set and its named quantities. */
export interface SiteMaps {
  /** The sites (image px). */
  sites: { x: ArrayLike<number>; y: ArrayLike<number> };
  /** One map per quantity: group name, `metadata.Signal.quantity` (with its unit), values per site. */
  maps: { name: string; quantity: string; values: ArrayLike<number> }[];
}

/** What `results.hspy` holds. */
export interface ResultsHspyInput {
  /** The analysed image (first signal, calibrated). */
  image: Image;
  /** Per-site quantities, put on one regular grid (same axes for every map). */
  siteMaps: readonly SiteMaps[];
  /** Tables, one row per site (e.g. `sites`: the B sites with x, y, px, py, …). */
  tables?: Record<string, Record<string, ArrayLike<number>>>;
  /** Image pixels per grid cell, default from the first site set (a third of its spacing). */
  gridStep?: number;
}

/**
 * The signals of `results.hspy`: the image, every per-site quantity on one
 * regular grid over it (axes calibrated like the image's), and the tables.
 *
 * @example
 * ```ts
 * import { encodeHspy, polarizationMaps, resultsSignals } from "./hspy_write.ts";
 * const image = {
 *   data: new Float32Array(40 * 20),
 *   width: 40,
 *   height: 20,
 *   pixelSize: { value: 0.02, unit: "nm" },
 * };
 * const polarization = { x: [10, 30], y: [10, 10], px: [0.2, -0.2], py: [0, 0.1] };
 * const signals = resultsSignals({
 *   image,
 *   siteMaps: [polarizationMaps(polarization, image.pixelSize)],
 *   tables: { sites: { x: polarization.x, y: polarization.y } },
 * });
 * const names = signals.map((s) => s.name);
 * if (names[0] !== "image" || !names.includes("polarization_px") || !names.includes("sites")) {
 *   throw new Error(names.join());
 * }
 * const bytes = await encodeHspy(signals);
 * if (bytes.length === 0) throw new Error("one file");
 * ```
 */
export function resultsSignals(input: ResultsHspyInput): HspySignal[] {
  const { image } = input;
  const signals = [imageSignal(image)];
  let step = input.gridStep;
  for (const { sites, maps } of input.siteMaps) {
    const grid = siteGrid(image, sites, { step });
    step ??= grid.step;
    for (const m of maps) {
      signals.push(mapSignal(m.name, m.quantity, grid, m.values, image.pixelSize));
    }
  }
  for (const [name, columns] of Object.entries(input.tables ?? {})) {
    signals.push(tableSignal(name, columns));
  }
  return signals;
}

/**
 * The polarisation's maps: components `px`, `py`, `magnitude` (pm when the
 * image is calibrated, px otherwise) and `angle` in degrees (atan2(py, px),
 * y down).
 *
 * @example
 * ```ts
 * import { polarizationMaps } from "./hspy_write.ts";
 * const p = { x: [10], y: [10], px: [0], py: [-1] };
 * const { maps } = polarizationMaps(p, { value: 0.02, unit: "nm" });
 * const angle = maps.find((m) => m.name === "polarization_angle")!;
 * if (angle.values[0] !== 270 || maps[0].quantity !== "px (pm)") throw new Error("270°, in pm");
 * ```
 */
export function polarizationMaps(
  p: { x: ArrayLike<number>; y: ArrayLike<number>; px: ArrayLike<number>; py: ArrayLike<number> },
  pixelSize?: PixelSize,
): SiteMaps {
  const pm = pixelSizeInPm(pixelSize);
  const calibrated = pm !== undefined && pm > 0;
  const k = calibrated ? pm : 1, unit = calibrated ? "pm" : "px";
  const n = p.x.length;
  const px = Float64Array.from({ length: n }, (_, i) => p.px[i] * k);
  const py = Float64Array.from({ length: n }, (_, i) => p.py[i] * k);
  const angle = px.map((v, i) => {
    const a = (Math.atan2(py[i], v) * 180) / Math.PI;
    return a < 0 ? a + 360 : a;
  });
  return {
    sites: p,
    maps: [
      { name: "polarization_px", quantity: `px (${unit})`, values: px },
      { name: "polarization_py", quantity: `py (${unit})`, values: py },
      {
        name: "polarization_magnitude",
        quantity: `|p| (${unit})`,
        values: px.map((v, i) => Math.hypot(v, py[i])),
      },
      { name: "polarization_angle", quantity: "angle (°)", values: angle },
    ],
  };
}

/**
 * The rVAE's latents as maps: `latent_angle` (degrees), `latent_dx`,
 * `latent_dy` (px) and `latent_z1` … `latent_zK`.
 *
 * @example
 * ```ts
 * import { latentMaps } from "./hspy_write.ts";
 * const positions = { x: [10, 30], y: [10, 10] };
 * const latents = { angle: [0, Math.PI], shiftPixels: [0, 0, 1, 0], content: [1, 2, 3, 4] };
 * const { maps } = latentMaps(positions, { ...latents, latentDim: 2 });
 * const names = maps.map((m) => m.name).join();
 * if (names !== "latent_angle,latent_dx,latent_dy,latent_z1,latent_z2") throw new Error(names);
 * ```
 */
export function latentMaps(
  sites: { x: ArrayLike<number>; y: ArrayLike<number> },
  latents: {
    angle: ArrayLike<number>;
    shiftPixels: ArrayLike<number>;
    content: ArrayLike<number>;
    latentDim: number;
  },
): SiteMaps {
  const n = latents.angle.length, k = latents.latentDim;
  const column = (f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));
  const maps = [
    {
      name: "latent_angle",
      quantity: "angle (°)",
      values: column((i) => (latents.angle[i] * 180) / Math.PI),
    },
    { name: "latent_dx", quantity: "dx (px)", values: column((i) => latents.shiftPixels[2 * i]) },
    {
      name: "latent_dy",
      quantity: "dy (px)",
      values: column((i) => latents.shiftPixels[2 * i + 1]),
    },
  ];
  for (let j = 0; j < k; j++) {
    maps.push({
      name: `latent_z${j + 1}`,
      quantity: `z${j + 1}`,
      values: column((i) => latents.content[i * k + j]),
    });
  }
  return { sites, maps };
}
