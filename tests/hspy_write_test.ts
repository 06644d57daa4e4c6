/**
 * `results.hspy`: read back by ferrovae's own HDF5 reader (in its worker)
 * with the values and calibration written, and laid out as HyperSpy lays out
 * its own files: every group and attribute HyperSpy writes for a 2-D signal
 * (in a file it wrote: HyperSpy 1.7.3's fixture, and the HyperSpy 1.6 file in
 * `../shared/data`) is present with the same HDF5 type.
 */

import { h5wasm } from "../lib/deps.ts";
import { decodeHdf5, listHdf5Images } from "../lib/formats/hdf5.ts";
import {
  encodeHspy,
  HSPY_FORMAT_VERSION,
  latentMaps,
  polarizationMaps,
  resultsSignals,
  siteGrid,
} from "../lib/formats/hspy_write.ts";
import type { Image } from "../lib/image.ts";
import { assert, assertAlmostEquals, assertEquals } from "./assert.ts";
import { sharedBytes, testWithSharedData } from "./shared_data.ts";

/** A small calibrated image with a 3 x 3 lattice of sites (none in its right quarter) and known per-site values. */
function fixture() {
  const width = 80, height = 60;
  const image: Image = {
    data: Float32Array.from({ length: width * height }, (_, i) => Math.sin(i / 7) * 100),
    width,
    height,
    pixelSize: { value: 0.025, unit: "nm" },
  };
  const x: number[] = [], y: number[] = [];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) (x.push(10 + 20 * c), y.push(10 + 20 * r));
  }
  const n = x.length;
  const px = Float64Array.from({ length: n }, (_, i) => 0.1 * (i + 1));
  const py = Float64Array.from({ length: n }, (_, i) => -0.05 * i);
  const latents = {
    angle: Float64Array.from({ length: n }, (_, i) => (i * Math.PI) / 6),
    shiftPixels: Float64Array.from({ length: 2 * n }, (_, k) => k / 10),
    content: Float64Array.from({ length: 2 * n }, (_, k) => k - 5),
    latentDim: 2,
  };
  return { image, x, y, px, py, latents };
}

async function writeFixture() {
  const { image, x, y, px, py, latents } = fixture();
  const signals = resultsSignals({
    image,
    siteMaps: [polarizationMaps({ x, y, px, py }, image.pixelSize), latentMaps({ x, y }, latents)],
    tables: { sites: { x, y, px, py } },
    gridStep: 4,
  });
  return {
    bytes: await encodeHspy(signals, { packageVersion: "test", originalFilename: "image.tif" }),
    signals,
  };
}

Deno.test("results.hspy round trip through ferrovae's HDF5 reader: values and calibration", async () => {
  const { image, x, y, px } = fixture();
  const { bytes, signals } = await writeFixture();
  const entries = await listHdf5Images(bytes, "results.hspy");
  // HDF5 lists groups by name (and hs.load returns them in that order).
  assertEquals(
    entries.map((e) => e.name),
    signals.map((s) => `Experiments/${s.name}/data`).sort(),
  );
  // The image: every value, and the pixel size.
  const back = await decodeHdf5(bytes, "results.hspy", {
    index: entries.findIndex((e) => e.name === "Experiments/image/data"),
  });
  assertEquals([back.width, back.height], [image.width, image.height]);
  assertEquals(Array.from(back.data), Array.from(image.data));
  assertEquals(back.pixelSize, { value: 0.025, unit: "nm" });
  // A map: 20 x 15 cells of 4 px; the cell over each site holds that site's value, in pm.
  const k = entries.findIndex((e) => e.name === "Experiments/polarization_px/data");
  const map = await decodeHdf5(bytes, "results.hspy", { index: k });
  assertEquals([map.width, map.height], [20, 15]);
  assertAlmostEquals(map.pixelSize!.value, 4 * 0.025, 1e-12);
  for (let i = 0; i < x.length; i++) {
    const c = Math.round((x[i] - 1.5) / 4), r = Math.round((y[i] - 1.5) / 4);
    assertAlmostEquals(map.data[r * 20 + c], px[i] * 25, 1e-4);
  }
  // Every cell holds its nearest site's value, or NaN beyond reach (0.75 of the typical spacing).
  let empty = 0;
  for (let r = 0; r < 15; r++) {
    for (let c = 0; c < 20; c++) {
      const cx = 1.5 + 4 * c, cy = 1.5 + 4 * r;
      const d = x.map((xi, i) => Math.hypot(xi - cx, y[i] - cy));
      const i = d.indexOf(Math.min(...d));
      const got = map.data[r * 20 + c];
      if (d[i] > 0.75 * Math.sqrt((80 * 60) / 9)) {
        assert(Number.isNaN(got), `cell ${c},${r} is beyond reach`);
        empty++;
      } else assertAlmostEquals(got, px[i] * 25, 1e-4);
    }
  }
  assert(empty > 0, "some cells are beyond reach");
  const entry = entries[k];
  assertEquals(entry.calibration.map((c) => c.unit), ["nm", "nm"]);
});

Deno.test("siteGrid: each cell shows its nearest site within reach", () => {
  const grid = siteGrid({ width: 30, height: 10 }, { x: [4, 20], y: [4, 4] }, {
    step: 2,
    reach: 6,
  });
  assertEquals([grid.width, grid.height, grid.origin], [15, 5, 0.5]);
  // Cell centres at x 0.5, 2.5, …, y 4.5: within 6 px of site 0 up to x 8.5, of site 1 from 14.5 to 24.5.
  const row = Array.from(grid.site.subarray(2 * 15, 3 * 15));
  assertEquals(row, [0, 0, 0, 0, 0, -1, -1, 1, 1, 1, 1, 1, 1, -1, -1]);
});

interface Node {
  kind: "group" | "dataset";
  attrs: Record<string, string>;
  dtype?: string;
}

/** Every group and dataset under `root` with its attributes' HDF5 types (class, and vlen for strings). */
async function layout(bytes: Uint8Array, root: string): Promise<Map<string, Node>> {
  const module = await h5wasm.ready;
  const path = `/layout-${crypto.randomUUID()}.h5`;
  module.FS.writeFile(path, bytes);
  const file = new h5wasm.File(path, "r");
  const out = new Map<string, Node>();
  const typeOf = (m: { type: number; vlen?: boolean; enum_type?: unknown }) =>
    m.type === 3 ? (m.vlen ? "string" : "fixed string") : String(m.type);
  const attrs = (node: InstanceType<typeof h5wasm.Group> | InstanceType<typeof h5wasm.Dataset>) =>
    Object.fromEntries(
      Object.entries(node.attrs).map(([k, a]) => [k, typeOf(a.metadata as { type: number })]),
    );
  const walk = (p: string, rel: string) => {
    const node = p === "/" ? file : file.get(p);
    if (node instanceof h5wasm.Group) {
      out.set(rel || "/", { kind: "group", attrs: attrs(node) });
      for (const key of node.keys()) {
        walk(`${p === "/" ? "" : p}/${key}`, rel ? `${rel}/${key}` : key);
      }
    } else if (node instanceof h5wasm.Dataset) {
      out.set(rel, { kind: "dataset", attrs: attrs(node), dtype: String(node.metadata.type) });
    }
  };
  walk(root, "");
  file.close();
  module.FS.unlink(path);
  return out;
}

/** What of HyperSpy's file describes the acquisition or HyperSpy's own I/O, not a 2-D signal. */
function acquisitionSpecific(path: string): boolean {
  return /^original_metadata[/@]./.test(path) || /^metadata\/Acquisition_instrument/.test(path) ||
    /^metadata\/Signal\/Noise_properties/.test(path) || /^metadata\/General\/FileIO/.test(path) ||
    /^metadata\/General@(date|time|time_zone)$/.test(path);
}

async function assertSameLayout(
  reference: Uint8Array,
  experiment: string,
  options: { skipAttrs?: string[] } = {},
) {
  const { bytes } = await writeFixture();
  const theirs = await layout(reference, `/Experiments/${experiment}`);
  const ours = await layout(bytes, "/Experiments/image");
  const missing: string[] = [];
  for (const [path, node] of theirs) {
    if (acquisitionSpecific(path)) continue;
    const mine = ours.get(path);
    if (!mine || mine.kind !== node.kind || mine.dtype !== node.dtype) {
      missing.push(`${path} (${node.kind})`);
      continue;
    }
    for (const [name, type] of Object.entries(node.attrs)) {
      const where = `${path}@${name}`;
      if (options.skipAttrs?.includes(where) || acquisitionSpecific(where)) continue;
      if (mine.attrs[name] !== type) missing.push(`${where}: ${type}, ours ${mine.attrs[name]}`);
    }
  }
  assertEquals(
    missing,
    [],
    "groups and attributes HyperSpy writes that ours lacks or types differently",
  );
  // And the file itself.
  const [theirRoot, ourRoot] = [await layout(reference, "/"), await layout(bytes, "/")];
  assertEquals(ourRoot.get("/")!.attrs, theirRoot.get("/")!.attrs);
}

Deno.test("results.hspy has the layout of HyperSpy 1.7.3's own file, types included", async () => {
  const reference = await Deno.readFile(
    new URL("./fixtures/hyperspy_1.7.3_signal2d.hspy", import.meta.url),
  );
  await assertSameLayout(reference, "image");
  const { bytes } = await writeFixture();
  const module = await h5wasm.ready;
  module.FS.writeFile("/v.h5", bytes);
  const file = new h5wasm.File("/v.h5", "r");
  assertEquals(file.attrs["file_format_version"].value, HSPY_FORMAT_VERSION);
  // Booleans are h5py's: an enumeration FALSE/TRUE that reads as 0/1.
  const axis = file.get("Experiments/sites/axis-0") as InstanceType<typeof h5wasm.Group>;
  assertEquals(axis.attrs["navigate"].metadata.type, 8);
  assertEquals(Number(axis.attrs["navigate"].value), 1);
  assertEquals(
    (file.get("Experiments/image/axis-1") as InstanceType<typeof h5wasm.Group>).attrs["units"]
      .value,
    "nm",
  );
  file.close();
  module.FS.unlink("/v.h5");
});

testWithSharedData(
  "results.hspy has the layout of the HyperSpy file in ../shared/data, types included",
  async () => {
    // HyperSpy 1.6 (format 3.0) kept `binned` in metadata.Signal; format 3.1 moved it to each
    // axis's `is_binned` (which HyperSpy 1.7 warns about finding in the old place).
    await assertSameLayout(sharedBytes("real/pto_sro_haadf.hspy"), "HAADF", {
      skipAttrs: ["metadata/Signal@binned"],
    });
  },
);
