/**
 * Reading images out of HDF5 bytes with npm `h5wasm` (the HDF5 C library
 * compiled to WebAssembly, loaded from JavaScript, so it needs no file
 * permission and works when ferrovae is imported by URL): the bytes go into
 * h5wasm's in-memory file system under a unique name, are opened, read and
 * removed again. This runs inside the worker of `hdf5.ts`, because HDF5 can
 * loop forever on a corrupt file and synchronous WebAssembly cannot be
 * interrupted from its own thread.
 *
 * Layouts recognised, in this order:
 * - Thermo Fisher Velox EMD: `Data/Image/<id>/Data`, stored (y, x, frames);
 *   pixel size from the JSON in `Data/Image/<id>/Metadata` (`BinaryResult`).
 * - HyperSpy `.hspy`/`.hdf5`: `Experiments/<name>/data`, frames first, axis
 *   scale and units in the attributes of `Experiments/<name>/axis-<i>`.
 * - EMD v0.2 (NCEM, rosettasciio): groups with attribute `emd_group_type = 1`
 *   holding `data` and `dim1..dimN` (axis vectors; `units` like `[n_m]`).
 * - Anything else: every numeric dataset with two or more dimensions, frames
 *   first, uncalibrated.
 *
 * @module
 */

import { h5wasm } from "../deps.ts";
import { FormatError } from "../errors.ts";
import type { Image } from "../image.ts";
import {
  type AxisCalibration,
  checkChoice,
  checkPixelCount,
  checkStoredSize,
  type DecodeOptions,
  type ImageEntry,
  MAX_DEFLATE_RATIO,
  normaliseUnit,
  pixelSizeOf,
  trimTrailingNuls,
} from "./samples.ts";

type H5File = InstanceType<typeof h5wasm.File>;
type H5Dataset = InstanceType<typeof h5wasm.Dataset>;
type H5Group = InstanceType<typeof h5wasm.Group>;

/** HDF5's signature; it may follow a user block of 512, 1024, 2048... bytes. */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const MAX_NODES = 10_000;
const MAX_METADATA_BYTES = 16 << 20;
const UNCALIBRATED: AxisCalibration = { scale: 1, unit: "" };

/** Offset of the HDF5 signature (0 or a user-block boundary: 512, 1024, ...), or -1. */
function signatureAt(bytes: Uint8Array): number {
  for (let base = 0; base + 8 <= bytes.length; base = base === 0 ? 512 : base * 2) {
    if (SIGNATURE.every((b, i) => bytes[base + i] === b)) return base;
  }
  return -1;
}

/** True when `bytes` carry the HDF5 signature at offset 0 or at a user-block boundary. */
export function isHdf5(bytes: Uint8Array): boolean {
  return signatureAt(bytes) >= 0;
}

/**
 * Refuse, without starting HDF5, a file that is not HDF5 or is shorter than
 * the end-of-file address its superblock states (a cut download or copy).
 * `bytes` may be only the file's first bytes when `fileBytes` gives its size.
 */
export function checkHdf5Length(
  bytes: Uint8Array,
  name: string,
  fileBytes: number = bytes.length,
): void {
  const base = signatureAt(bytes);
  if (base < 0) throw new FormatError(name, "not an HDF5 file (bad magic number)");
  const version = bytes[base + 8];
  // Superblock v0/v1: offset size at +13, addresses from +24 (v0) or +28 (v1);
  // v2/v3: offset size at +9, addresses from +12. End of file is the third address.
  const offsetSize = version <= 1 ? bytes[base + 13] : bytes[base + 9];
  const addresses = base + (version === 0 ? 24 : version === 1 ? 28 : 12);
  const at = addresses + 2 * offsetSize;
  if (version > 3 || (offsetSize !== 4 && offsetSize !== 8) || at + offsetSize > bytes.length) {
    throw new FormatError(name, "truncated or corrupt HDF5 superblock");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = offsetSize === 4 ? view.getUint32(at, true) : Number(view.getBigUint64(at, true));
  const undefinedAddress = offsetSize === 4 ? 0xffffffff : 2 ** 64 - 1;
  if (end !== undefinedAddress && base + end > fileBytes) {
    throw new FormatError(
      name,
      `truncated HDF5 file (holds ${fileBytes} bytes, its header says ${base + end})`,
    );
  }
}

interface Candidate {
  path: string;
  dataset: H5Dataset;
  /** Velox stores frames on the last axis; every other layout on the first ones. */
  framesLast: boolean;
  /** Calibration of each stored axis, in stored order. */
  axes: AxisCalibration[];
}

/** Options of {@linkcode decodeHdf5Here}: which image, and a look at the frame's size. */
export interface Hdf5HereOptions extends DecodeOptions {
  /**
   * Called with the bytes of the frame about to be read, once its size has
   * passed every check (the worker raises the library's memory cap by it).
   */
  onFrameBytes?: (bytes: number) => void;
}

/** List the images of an HDF5 file (EMD, HyperSpy or generic), in this thread. */
export function listHdf5ImagesHere(bytes: Uint8Array, name = "image.h5"): Promise<ImageEntry[]> {
  return withFile(bytes, name, (file) => entriesOf(findImages(file)));
}

/**
 * Decode one image of an HDF5 file in this thread: `options.index` (from
 * {@linkcode listHdf5ImagesHere}) or by default the largest 2-D image, and
 * `options.frame` of a stack (default 0).
 */
export function decodeHdf5Here(
  bytes: Uint8Array,
  name = "image.h5",
  options: Hdf5HereOptions = {},
): Promise<Image> {
  return withFile(bytes, name, (file) => {
    const candidates = findImages(file);
    if (candidates.length === 0) {
      throw new FormatError(name, "HDF5 file holds no numeric dataset with 2 or more dimensions");
    }
    const entries = entriesOf(candidates);
    // With no readable candidate, the first one explains the refusal.
    const index = options.index ?? Math.max(0, entries.findIndex((e) => e.isDefault));
    checkChoice(name, "HDF5 image", index, candidates.length);
    return readFrame(candidates[index], entries[index], name, {
      frame: options.frame ?? 0,
      fileBytes: bytes.length,
      onFrameBytes: options.onFrameBytes,
    });
  });
}

/** The images of an open HDF5 file, and one frame of any of them at a time. */
export interface Hdf5Images {
  /** Every image, as {@linkcode listHdf5ImagesHere} lists them. */
  entries: ImageEntry[];
  /** Frame `frame` of image `index` (an HDF5 hyperslab: only that frame is read). */
  read(index: number, frame: number): Image;
}

/**
 * The images of `file` (an h5wasm file already open, e.g. one whose bytes
 * are read on demand: `hdf5_frames.ts`), read one frame at a time.
 * `fileBytes` is the file's size, against which frame sizes are checked.
 * HDF5 failures become FormatErrors naming `name`.
 */
export function hdf5Images(file: H5File, name: string, fileBytes: number): Hdf5Images {
  const guard = <T>(work: () => T): T => {
    try {
      return work();
    } catch (err) {
      if (err instanceof FormatError) throw err;
      throw new FormatError(name, hdf5Problem(err));
    }
  };
  const candidates = guard(() => findImages(file));
  const entries = guard(() => entriesOf(candidates));
  return {
    entries,
    read: (index, frame) =>
      guard(() => {
        checkChoice(name, "HDF5 image", index, candidates.length);
        return readFrame(candidates[index], entries[index], name, { frame, fileBytes });
      }),
  };
}

async function withFile<T>(bytes: Uint8Array, name: string, use: (file: H5File) => T): Promise<T> {
  checkHdf5Length(bytes, name);
  const module = await h5wasm.ready;
  const path = `/ferrovae-${crypto.randomUUID()}.h5`;
  let file: H5File | undefined;
  try {
    // Make HDF5 failures JavaScript errors instead of diagnostics printed to stderr.
    // Inside the try: after a crash on an earlier file of this thread, even this fails.
    module.activate_throwing_error_handler();
    module.FS.writeFile(path, bytes);
    file = new h5wasm.File(path, "r");
    return use(file);
  } catch (err) {
    if (err instanceof FormatError) throw err;
    throw new FormatError(name, hdf5Problem(err));
  } finally {
    try {
      file?.close();
    } catch { /* already failed; the error above says why */ }
    try {
      module.FS.unlink(path);
    } catch { /* never written */ }
  }
}

/** The most specific line of an HDF5 error stack, e.g. "truncated file: eof = 100...". */
function hdf5Problem(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  // A WebAssembly trap: the C library crashed (a corrupt file drove it out of bounds).
  // Its memory may be damaged since, which is why hdf5.ts gives every file its own worker.
  if (err instanceof WebAssembly.RuntimeError) {
    return `corrupt HDF5 file: the HDF5 library crashed on it (${text.split("\n")[0]})`;
  }
  const lines = [...text.matchAll(/#\d+: .* in [\w.]+\(\): (.*)$/gm)].map((m) => m[1]);
  const last = lines.at(-1) ?? text.split("\n")[0];
  const truncated = /truncated file: eof = (\d+).*stored_eof = (\d+)/.exec(last);
  if (truncated) {
    return `truncated HDF5 file (holds ${truncated[1]} bytes, its header says ${truncated[2]})`;
  }
  return `corrupt HDF5 file: ${last}`;
}

function findImages(file: H5File): Candidate[] {
  const found = [...veloxImages(file), ...hyperspyImages(file), ...emdImages(file)];
  return found.length > 0 ? found : genericImages(file);
}

function groupAt(file: H5File, path: string): H5Group | undefined {
  const node = file.get(path);
  return node instanceof h5wasm.Group ? node : undefined;
}

function datasetAt(file: H5File, path: string): H5Dataset | undefined {
  const node = file.get(path);
  return node instanceof h5wasm.Dataset ? node : undefined;
}

function attr(node: H5Group | H5Dataset, key: string): unknown {
  return node.attrs[key]?.value;
}

function veloxImages(file: H5File): Candidate[] {
  const images = groupAt(file, "Data/Image");
  if (!images) return [];
  const out: Candidate[] = [];
  for (const id of images.keys()) {
    const path = `Data/Image/${id}/Data`;
    const dataset = datasetAt(file, path);
    if (!dataset || (dataset.shape?.length ?? 0) < 2) continue;
    const pixel = veloxPixelSize(datasetAt(file, `Data/Image/${id}/Metadata`));
    const axes = dataset.shape!.map((_, i) => (i < 2 ? pixel : UNCALIBRATED));
    out.push({ path, dataset, framesLast: true, axes });
  }
  return out;
}

/** Pixel size from the JSON of the first frame's metadata column. */
function veloxPixelSize(metadata: H5Dataset | undefined): AxisCalibration {
  const shape = metadata?.shape;
  if (!metadata || !shape || shape.length !== 2 || shape[0] > MAX_METADATA_BYTES) {
    return UNCALIBRATED;
  }
  const column = metadata.slice([[0, shape[0]], [0, 1]]);
  if (!(column instanceof Uint8Array)) return UNCALIBRATED;
  try {
    const text = trimTrailingNuls(new TextDecoder().decode(column));
    const result = JSON.parse(text).BinaryResult;
    const scale = Number(result?.PixelSize?.width);
    const unit = String(result?.PixelUnitX ?? "");
    if (!(scale > 0) || !Number.isFinite(scale)) return UNCALIBRATED;
    // Velox states metres; microscopists think in nanometres.
    return unit === "m" ? { scale: scale * 1e9, unit: "nm" } : { scale, unit: normaliseUnit(unit) };
  } catch {
    return UNCALIBRATED;
  }
}

function hyperspyImages(file: H5File): Candidate[] {
  const experiments = groupAt(file, "Experiments");
  if (!experiments) return [];
  const out: Candidate[] = [];
  for (const key of experiments.keys()) {
    const path = `Experiments/${key}/data`;
    const dataset = datasetAt(file, path);
    if (!dataset || (dataset.shape?.length ?? 0) < 2) continue;
    const axes = dataset.shape!.map((_, i) => {
      const axis = groupAt(file, `Experiments/${key}/axis-${i}`);
      if (!axis) return UNCALIBRATED;
      const scale = Number(attr(axis, "scale") ?? 1);
      const units = attr(axis, "units");
      const unit = typeof units === "string" && units !== "<undefined>" ? normaliseUnit(units) : "";
      return { scale: Number.isFinite(scale) ? scale : 1, unit };
    });
    out.push({ path, dataset, framesLast: false, axes });
  }
  return out;
}

function emdImages(file: H5File): Candidate[] {
  const out: Candidate[] = [];
  visitGroups(file, "", (group, path) => {
    if (Number(attr(group, "emd_group_type")) !== 1) return;
    const dataPath = path ? `${path}/data` : "data";
    const dataset = datasetAt(file, dataPath);
    if (!dataset || (dataset.shape?.length ?? 0) < 2) return;
    const axes = dataset.shape!.map((_, i) => {
      const dim = datasetAt(file, path ? `${path}/dim${i + 1}` : `dim${i + 1}`);
      const values = dim?.shape?.length === 1 && dim.shape[0] >= 2 ? dim.slice([[0, 2]]) : null;
      const scale = values && typeof values === "object" && "length" in values
        ? Number(values[1]) - Number(values[0])
        : 1;
      const units = dim ? attr(dim, "units") : undefined;
      // EMD writes units as e.g. "[n_m]": brackets around, underscores between letters.
      const unit = typeof units === "string" ? normaliseUnit(units.replace(/[[\]_]/g, "")) : "";
      return { scale: Number.isFinite(scale) && scale !== 0 ? scale : 1, unit };
    });
    out.push({ path: dataPath, dataset, framesLast: false, axes });
  });
  return out;
}

function genericImages(file: H5File): Candidate[] {
  const out: Candidate[] = [];
  visitGroups(file, "", (group, path) => {
    for (const key of group.keys()) {
      const full = path ? `${path}/${key}` : key;
      const dataset = datasetAt(file, full);
      if (dataset && (dataset.shape?.length ?? 0) >= 2 && sampleName(dataset) !== undefined) {
        out.push({
          path: full,
          dataset,
          framesLast: false,
          axes: dataset.shape!.map(() => UNCALIBRATED),
        });
      }
    }
  });
  return out;
}

/** Call `visit` on every group (breadth-first, at most MAX_NODES of them). */
function visitGroups(file: H5File, root: string, visit: (g: H5Group, path: string) => void): void {
  const queue: [H5Group, string][] = [[file, root]];
  for (let seen = 0; queue.length > 0 && seen < MAX_NODES; seen++) {
    const [group, path] = queue.shift()!;
    visit(group, path);
    for (const key of group.keys()) {
      const full = path ? `${path}/${key}` : key;
      const child = groupAt(file, full);
      if (child) queue.push([child, full]);
    }
  }
}

/** NumPy-style name of a dataset's type if ferrovae reads it, else undefined. */
function sampleName(dataset: H5Dataset): string | undefined {
  const m = dataset.metadata;
  if (m.type === 0 && [1, 2, 4, 8].includes(m.size)) {
    return `${m.signed ? "int" : "uint"}${m.size * 8}`;
  }
  if (m.type === 1 && (m.size === 4 || m.size === 8)) return `float${m.size * 8}`;
  return undefined;
}

function dtypeOf(dataset: H5Dataset): string {
  const known = sampleName(dataset);
  if (known) return known;
  const m = dataset.metadata;
  const members = m.compound_type?.members;
  if (m.type === 6 && members?.length === 2 && members.every((x) => x.type === 1)) {
    return `complex${m.size * 8}`;
  }
  if (m.type === 1) return `float${m.size * 8}`;
  return `HDF5 type ${dataset.dtype}`;
}

function entriesOf(candidates: Candidate[]): ImageEntry[] {
  let best = -1;
  let bestArea = 0;
  const entries = candidates.map((c, index) => {
    const stored = c.dataset.shape!;
    // Report frames first whatever the storage order, as for every other format.
    const order = c.framesLast ? [...stored.keys()].slice(2).concat([0, 1]) : [...stored.keys()];
    const shape = order.map((i) => stored[i]);
    const area = shape.at(-1)! * shape.at(-2)!;
    if (area > bestArea && sampleName(c.dataset) !== undefined) {
      best = index;
      bestArea = area;
    }
    return {
      index,
      name: c.path,
      shape,
      dtype: dtypeOf(c.dataset),
      calibration: order.map((i) => c.axes[i]),
      thumbnail: false,
      isDefault: false,
    };
  });
  if (best >= 0) entries[best].isDefault = true;
  return entries;
}

function readFrame(
  candidate: Candidate,
  entry: ImageEntry,
  name: string,
  { frame, fileBytes, onFrameBytes }: {
    frame: number;
    fileBytes: number;
    onFrameBytes?: (bytes: number) => void;
  },
): Image {
  const { dataset, framesLast } = candidate;
  if (sampleName(dataset) === undefined) {
    throw new FormatError(
      name,
      `dataset ${entry.name} has type ${entry.dtype}, which ferrovae does not read`,
    );
  }
  const shape = entry.shape;
  const width = shape.at(-1)!;
  const height = shape.at(-2)!;
  checkPixelCount(name, width, height);
  const frameShape = shape.slice(0, -2);
  const frames = frameShape.reduce((a, b) => a * b, 1);
  checkChoice(name, "frame", frame, frames);
  // A corrupt dataspace can declare more than the file holds; HDF5 would then
  // allocate it all and return fill values. Compressed chunks expand at most
  // as much as deflate does.
  const frameBytes = width * height * dataset.metadata.size;
  checkStoredSize(name, frameBytes, fileBytes, {
    maxRatio: dataset.filters.length > 0 ? MAX_DEFLATE_RATIO : 1,
    what: `frame of dataset ${entry.name}`,
  });
  onFrameBytes?.(frameBytes);
  // Unravel the frame number over the leading (frame) axes, C order.
  const frameIndex: number[] = [];
  let rest = frame;
  for (let d = frameShape.length - 1; d >= 0; d--) {
    frameIndex.unshift(rest % frameShape[d]);
    rest = Math.floor(rest / frameShape[d]);
  }
  const frameRanges = frameIndex.map((i): [number, number] => [i, i + 1]);
  const ranges: [number, number][] = framesLast
    ? [[0, height], [0, width], ...frameRanges]
    : [...frameRanges, [0, height], [0, width]];
  const values = dataset.slice(ranges);
  if (!values || typeof values !== "object" || !("length" in values)) {
    throw new FormatError(name, `cannot read dataset ${entry.name}`);
  }
  if ((values as ArrayLike<unknown>).length !== width * height) {
    throw new FormatError(name, `dataset ${entry.name} returned the wrong number of values`);
  }
  const data = values instanceof BigInt64Array || values instanceof BigUint64Array
    ? Float32Array.from(values, (v) => Number(v))
    : Float32Array.from(values as ArrayLike<number>);
  const image: Image = { data, width, height };
  const pixelSize = pixelSizeOf(entry.calibration.at(-1)!);
  if (pixelSize) image.pixelSize = pixelSize;
  return image;
}
