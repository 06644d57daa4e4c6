/**
 * The valid files the fuzzer mutates, per format: the shared fixtures and
 * real data in `../shared/data` (when present) plus small files the project
 * itself writes (encodeNpy, encodePng, encodeTiff) or builds for tests
 * (buildDm, buildTiff, buildHdf5), so that every reader is fuzzed even on a
 * fresh clone without the shared data.
 *
 * @module
 */

import { encodeNpy } from "../../lib/formats/npy.ts";
import { encodePng } from "../../lib/formats/png.ts";
import { encodeTiff } from "../../lib/formats/tiff_write.ts";
import { listHdf5ImagesHere } from "../../lib/formats/hdf5_reader.ts";
import { Random } from "../../lib/random.ts";
import { buildDm, buildHdf5, buildTiff, dmTree, leBytes } from "../format_builders.ts";
import { HAVE_SHARED_DATA, SHARED_DATA } from "../shared_data.ts";
import { dmFields, fixPngCrcs, hdf5Fields, npyFields, pngFields, tiffFields } from "./fields.ts";
import type { SeedFile } from "./mutate.ts";

/** The formats the fuzzer covers, one per reader. */
export const FUZZ_FORMATS = ["npy", "png", "tiff", "dm", "hdf5"] as const;
/** One of {@linkcode FUZZ_FORMATS}. */
export type FuzzFormat = typeof FUZZ_FORMATS[number];

/** Shared fixtures and real files per format, relative to `../shared/data/`. */
const SHARED_SEEDS: Record<FuzzFormat, RegExp> = {
  npy: /^real\/.*\.npy$/,
  png: /^$/,
  tiff: /^formats\/tiff\/.*\.tif$/,
  dm: /^(formats\/dm\/.*\.dm[34]|real\/.*\.dm[34])$/,
  hdf5: /^(formats\/emd\/.*\.emd|real\/.*\.(hspy|hdf5))$/,
};

function sharedFiles(pattern: RegExp): { name: string; bytes: Uint8Array }[] {
  if (!HAVE_SHARED_DATA) return [];
  const out: { name: string; bytes: Uint8Array }[] = [];
  for (const folder of ["formats/dm", "formats/emd", "formats/tiff", "real"]) {
    for (const entry of Deno.readDirSync(SHARED_DATA + folder)) {
      const name = `${folder}/${entry.name}`;
      if (entry.isFile && pattern.test(name)) {
        out.push({ name, bytes: Deno.readFileSync(SHARED_DATA + name) });
      }
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

function ramp(n: number, random: Random, scale = 1): number[] {
  return Array.from({ length: n }, (_, i) => Math.round((i + 10 * random.uniform()) * scale));
}

function npySeeds(random: Random): { name: string; bytes: Uint8Array }[] {
  const v2 = encodeNpy(Float32Array.from(ramp(35, random)), [5, 7]);
  // Version 2: a 4-byte header length.
  const header = v2.subarray(10);
  const asV2 = new Uint8Array(v2.length + 2);
  asV2.set(v2.subarray(0, 8));
  asV2[6] = 2;
  new DataView(asV2.buffer).setUint32(8, new DataView(v2.buffer).getUint16(8, true), true);
  asV2.set(header, 12);
  const text = "{'descr': '>i2', 'fortran_order': True, 'shape': (6, 4), }";
  const padded = text + " ".repeat(128 - 10 - text.length - 1) + "\n";
  const bigEndian = new Uint8Array(128 + 48);
  bigEndian.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(bigEndian.buffer).setUint16(8, padded.length, true);
  bigEndian.set(new TextEncoder().encode(padded), 10);
  bigEndian.set(ramp(48, random).map((v) => v & 0xff), 128);
  return [
    { name: "f32.npy", bytes: encodeNpy(Float32Array.from(ramp(192, random, 0.5)), [12, 16]) },
    { name: "u16_stack.npy", bytes: encodeNpy(Uint16Array.from(ramp(192, random)), [3, 8, 8]) },
    { name: "f64.npy", bytes: encodeNpy(Float64Array.from(ramp(100, random, 0.1)), [10, 10]) },
    { name: "i8.npy", bytes: encodeNpy(Int8Array.from(ramp(42, random)), [6, 7]) },
    { name: "rgb.npy", bytes: encodeNpy(Uint8Array.from(ramp(192, random)), [8, 8, 3]) },
    { name: "v2.npy", bytes: asV2 },
    { name: "fortran_be.npy", bytes: bigEndian },
  ];
}

function pngSeeds(random: Random): { name: string; bytes: Uint8Array }[] {
  const png = (
    name: string,
    width: number,
    height: number,
    channels: 1 | 2 | 3 | 4,
    deep: boolean,
  ) => {
    const n = width * height * channels;
    const values = ramp(n, random, deep ? 97 : 0.7);
    const data = deep ? Uint16Array.from(values) : Uint8Array.from(values.map((v) => v & 0xff));
    return { name, bytes: encodePng({ data, width, height, channels }) };
  };
  return [
    png("gray8.png", 24, 16, 1, false),
    png("gray16.png", 17, 9, 1, true),
    png("gray_alpha.png", 9, 13, 2, false),
    png("rgb8.png", 12, 10, 3, false),
    png("rgba16.png", 7, 5, 4, true),
    png("noise.png", 64, 48, 1, false),
    png("one.png", 1, 1, 1, false),
  ];
}

function tiffSeeds(random: Random): { name: string; bytes: Uint8Array }[] {
  const image = {
    data: Float32Array.from(ramp(300, random, 0.25)),
    width: 20,
    height: 15,
    pixelSize: { value: 0.0125, unit: "nm" },
  };
  const rgb = buildTiff([{
    width: 6,
    height: 5,
    bits: 8,
    format: 1,
    samplesPerPixel: 3,
    bytes: Uint8Array.from(ramp(90, random).map((v) => v & 0xff)),
  }]);
  const pages = buildTiff([
    {
      width: 8,
      height: 6,
      bits: 16,
      format: 2,
      bytes: leBytes(ramp(48, random).map((v) => v - 20), "i16"),
      description: "two pages",
      xResolution: 50,
      resolutionUnit: 3,
    },
    { width: 5, height: 4, bits: 32, format: 1, bytes: leBytes(ramp(20, random), "u32") },
  ]);
  return [
    { name: "float32.tif", bytes: encodeTiff(image) },
    { name: "rgb.tif", bytes: rgb },
    { name: "pages.tif", bytes: pages },
  ];
}

function dmSeeds(random: Random): { name: string; bytes: Uint8Array }[] {
  const images = [
    {
      name: "thumb",
      dataType: 6,
      elementType: 10,
      dims: [4, 4],
      bytes: Uint8Array.from(ramp(16, random)),
    },
    {
      name: "data",
      dataType: 2,
      elementType: 6,
      dims: [6, 5, 2],
      bytes: leBytes(ramp(60, random, 0.5), "f32"),
      scale: 0.02,
      unit: "nm",
    },
  ];
  return [
    { name: "built.dm3", bytes: buildDm(3, dmTree(images, [0])) },
    { name: "built.dm4", bytes: buildDm(4, dmTree(images, [0])) },
  ];
}

async function hdf5Seeds(random: Random): Promise<{ name: string; bytes: Uint8Array }[]> {
  const generic = await buildHdf5((f) => {
    f.create_group("entry");
    f.create_dataset({
      name: "entry/image",
      data: Float32Array.from(ramp(48, random, 0.5)),
      shape: [6, 8],
    });
  });
  const chunked = await buildHdf5((f) => {
    f.create_group("Experiments");
    f.create_group("Experiments/stack");
    f.create_dataset({
      name: "Experiments/stack/data",
      data: Uint16Array.from(ramp(192, random)),
      shape: [3, 8, 8],
      chunks: [1, 8, 8],
      compression: "gzip",
    });
    const axis = f.create_group("Experiments/stack/axis-2");
    axis.create_attribute("scale", 0.05);
    axis.create_attribute("units", "nm");
  });
  return [
    { name: "generic.h5", bytes: generic },
    { name: "chunked.hspy", bytes: chunked },
  ];
}

/** Shapes of the datasets of a valid HDF5 file, in stored order, for the dimension fields. */
async function hdf5Shapes(bytes: Uint8Array, name: string): Promise<number[][]> {
  const entries = await listHdf5ImagesHere(bytes, name);
  // listImages reports frames first; Velox stores them last, so try both orders.
  return entries.flatMap((e) => [e.shape, [...e.shape.slice(-2), ...e.shape.slice(0, -2)]]);
}

const NPY_SHAPES = [
  "(100000, 10000)",
  "(1000000000,)",
  "(16384, 16385)",
  "(65536, 65536)",
  "(0, 0)",
  "(0, 5)",
  "(-1, 4)",
  "(4, -3)",
  "(2**31, 2)",
  "(9007199254740993, 1)",
  "(1e9, 1)",
  "(3, 4, 5, 6, 7, 8, 9, 10)",
  "()",
  "(1, 1)",
  "(100000, 1)",
  "(1, 100000)",
  "(5, 5, 3)",
  "(2, 2, 2, 2)",
  "(NaN, 2)",
  "(4,,4)",
  "(4 4)",
];
const NPY_DESCRS = [
  "<f4",
  "<f8",
  ">f4",
  "|u1",
  "|i1",
  "<i8",
  ">u8",
  "|b1",
  "<f2",
  "<c8",
  "<U8",
  "|O",
  "<V4",
  "<f16",
  "f4",
  "<i3",
  "<f0",
  "<f99999999999",
];

/** Rewrite an NPY header's text: extreme shapes, other dtypes, malformed syntax. */
function rewriteNpyHeader(bytes: Uint8Array, random: Random): { bytes: Uint8Array; how: string } {
  const v2 = bytes[6] >= 2;
  const start = v2 ? 12 : 10;
  if (bytes.length < start) return { bytes, how: "no header to rewrite" };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = v2 ? view.getUint32(8, true) : view.getUint16(8, true);
  const end = Math.min(bytes.length, start + length);
  let text = new TextDecoder("latin1").decode(bytes.subarray(start, end));
  const choice = random.int(5);
  let how: string;
  if (choice === 0) {
    const shape = NPY_SHAPES[random.int(NPY_SHAPES.length)];
    text = text.replace(/\([^)]*\)/, shape);
    how = `shape ${shape}`;
  } else if (choice === 1) {
    const descr = NPY_DESCRS[random.int(NPY_DESCRS.length)];
    text = text.replace(/'descr'\s*:\s*'[^']*'/, `'descr': '${descr}'`);
    how = `descr ${descr}`;
  } else if (choice === 2) {
    text = text.includes("False") ? text.replace("False", "True") : text.replace("True", "False");
    how = "fortran order swapped";
  } else if (choice === 3) {
    const cut = random.int(text.length + 1);
    text = text.slice(0, cut) + text.slice(cut + 1 + random.int(8));
    how = `header text cut at ${cut}`;
  } else {
    text = text.replace(
      /\(([^)]*)\)/,
      (_, dims: string) =>
        `(${
          dims.split(",").filter((d) => d.trim()).map((d) => Number(d) * (2 + random.int(3))).join(
            ", ",
          )
        })`,
    );
    how = "shape grown";
  }
  const encoded = Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
  const out = new Uint8Array(start + encoded.length + (bytes.length - end));
  out.set(bytes.subarray(0, start));
  out.set(encoded, start);
  out.set(bytes.subarray(end), start + encoded.length);
  const outView = new DataView(out.buffer);
  // Usually keep the length field true, so the parser reaches the new text.
  if (random.uniform() < 0.9) {
    if (v2) outView.setUint32(8, encoded.length, true);
    else outView.setUint16(8, Math.min(encoded.length, 0xffff), true);
  }
  return { bytes: out, how: `NPY header: ${how}` };
}

/** Every seed file of `format`, with its fields located. */
export async function seedFiles(format: FuzzFormat, seed = 1): Promise<SeedFile[]> {
  const random = new Random(seed);
  const made = {
    npy: () => npySeeds(random),
    png: () => pngSeeds(random),
    tiff: () => tiffSeeds(random),
    dm: () => dmSeeds(random),
    hdf5: () => hdf5Seeds(random),
  }[format];
  const files = [...sharedFiles(SHARED_SEEDS[format]), ...(await made())];
  const seeds: SeedFile[] = [];
  for (const { name, bytes } of files) {
    switch (format) {
      case "npy":
        seeds.push({ name, bytes, fields: npyFields(bytes), rewriteHeader: rewriteNpyHeader });
        break;
      case "png":
        seeds.push({ name, bytes, fields: pngFields(bytes), fixChecksums: fixPngCrcs });
        break;
      case "tiff":
        seeds.push({ name, bytes, fields: tiffFields(bytes) });
        break;
      case "dm":
        seeds.push({ name, bytes, fields: dmFields(bytes) });
        break;
      case "hdf5":
        seeds.push({ name, bytes, fields: hdf5Fields(bytes, await hdf5Shapes(bytes, name)) });
        break;
    }
  }
  return seeds;
}
