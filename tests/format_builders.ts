/**
 * Tiny writers for hand-made test files: DM3/DM4, TIFF and HDF5 with exactly the
 * structure a test needs (a thumbnail larger than the data, a signed type, a
 * header that lies about its size...). Test-only; ferrovae never writes these.
 *
 * @module
 */

import { h5wasm } from "../lib/deps.ts";

class ByteWriter {
  private chunks: number[] = [];
  get length(): number {
    return this.chunks.length;
  }
  u8(v: number): this {
    this.chunks.push(v & 0xff);
    return this;
  }
  u16(v: number, little = false): this {
    const b = [(v >> 8) & 0xff, v & 0xff];
    this.chunks.push(...(little ? b.reverse() : b));
    return this;
  }
  u32(v: number, little = false): this {
    const b = [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
    this.chunks.push(...(little ? b.reverse() : b));
    return this;
  }
  u64(v: number): this {
    return this.u32(Math.floor(v / 2 ** 32)).u32(v >>> 0);
  }
  bytes(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.chunks.push(b[i]);
    return this;
  }
  text(s: string): this {
    return this.bytes(new TextEncoder().encode(s));
  }
  patchU32(at: number, v: number, little = false): void {
    const b = [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
    (little ? b.reverse() : b).forEach((x, i) => (this.chunks[at + i] = x));
  }
  done(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

/** Little-endian bytes of typed values. */
export function leBytes(
  values: ArrayLike<number>,
  type: "i8" | "u8" | "i16" | "u16" | "i32" | "u32" | "f32" | "f64",
): Uint8Array {
  const Ctor = {
    i8: Int8Array,
    u8: Uint8Array,
    i16: Int16Array,
    u16: Uint16Array,
    i32: Int32Array,
    u32: Uint32Array,
    f32: Float32Array,
    f64: Float64Array,
  }[type];
  const typed = Ctor.from(values as ArrayLike<number>);
  return new Uint8Array(typed.buffer);
}

// ---------------------------------------------------------------- DM3 / DM4

/** A DM tag: a group of tags or one value. */
export type DmTag =
  | { label: string; group: DmTag[] }
  | { label: string; simple: number; value: number }
  | { label: string; array: number; count: number; bytes: Uint8Array };

/** One image for {@linkcode buildDm}. */
export interface DmImageSpec {
  name: string;
  /** Gatan image data type (1 int16, 2 float32, 3 complex64, 6 uint8, 7 int32, 23 RGBA...). */
  dataType: number;
  /** Tag element type of the stored array (2 int16, 3 int32, 4 uint16, 6 float32, 10 uint8...). */
  elementType: number;
  /** Dimensions, x first. */
  dims: number[];
  /** Raw little-endian sample bytes. */
  bytes: Uint8Array;
  /** Elements in the array tag (defaults to bytes / element size). */
  count?: number;
  scale?: number;
  unit?: string;
}

const ELEMENT_BYTES: Record<number, number> = { 2: 2, 3: 4, 4: 2, 5: 4, 6: 4, 7: 8, 9: 1, 10: 1 };

function utf16Array(label: string, text: string): DmTag {
  const codes = [...text].map((c) => c.charCodeAt(0));
  return { label, array: 4, count: codes.length, bytes: leBytes(codes, "u16") };
}

/** The tag tree of a DM file holding `images`, with `thumbnails` naming preview indices. */
export function dmTree(images: DmImageSpec[], thumbnails: number[]): DmTag[] {
  const imageList = images.map((im): DmTag => ({
    label: "",
    group: [
      {
        label: "ImageData",
        group: [
          {
            label: "Calibrations",
            group: [{
              label: "Dimension",
              group: im.dims.map((): DmTag => ({
                label: "",
                group: [
                  { label: "Origin", simple: 6, value: 0 },
                  { label: "Scale", simple: 6, value: im.scale ?? 1 },
                  utf16Array("Units", im.unit ?? ""),
                ],
              })),
            }],
          },
          {
            label: "Data",
            array: im.elementType,
            count: im.count ?? im.bytes.length / ELEMENT_BYTES[im.elementType],
            bytes: im.bytes,
          },
          { label: "DataType", simple: 3, value: im.dataType },
          {
            label: "Dimensions",
            group: im.dims.map((d): DmTag => ({ label: "", simple: 5, value: d })),
          },
        ],
      },
      utf16Array("Name", im.name),
    ],
  }));
  return [
    { label: "ImageList", group: imageList },
    {
      label: "Thumbnails",
      group: thumbnails.map((i): DmTag => ({
        label: "",
        group: [{ label: "ImageIndex", simple: 5, value: i }],
      })),
    },
  ];
}

/** Serialise a tag tree as a DM3 or DM4 file (values little-endian). */
export function buildDm(version: 3 | 4, tags: DmTag[]): Uint8Array {
  const w = new ByteWriter();
  const count = (n: number) => (version === 4 ? w.u64(n) : w.u32(n));
  w.u32(version);
  count(0); // root length, patched below for DM3 (readers ignore it)
  w.u32(1); // little-endian values
  const writeGroup = (entries: DmTag[]) => {
    w.u8(0).u8(1);
    count(entries.length);
    for (const tag of entries) {
      w.u8("group" in tag ? 20 : 21).u16(tag.label.length).text(tag.label);
      // DM4 states each tag's size; write a placeholder and patch it.
      let sizeAt = -1;
      if (version === 4) {
        sizeAt = w.length;
        w.u64(0);
      }
      const start = w.length;
      if ("group" in tag) {
        writeGroup(tag.group);
      } else if ("simple" in tag) {
        w.text("%%%%");
        count(1);
        count(tag.simple);
        const value = tag.simple === 3
          ? leBytes([tag.value], "i32")
          : tag.simple === 5
          ? leBytes([tag.value], "u32")
          : leBytes([tag.value], "f32");
        w.bytes(value);
      } else {
        w.text("%%%%");
        count(3);
        count(20);
        count(tag.array);
        count(tag.count);
        w.bytes(tag.bytes);
      }
      if (sizeAt >= 0) w.patchU32(sizeAt + 4, w.length - start);
    }
  };
  writeGroup(tags);
  w.u32(0).u32(0);
  return w.done();
}

// ---------------------------------------------------------------- TIFF

/** One page for {@linkcode buildTiff}. */
export interface TiffPageSpec {
  width: number;
  height: number;
  bits: number;
  /** 1 unsigned, 2 signed, 3 float. */
  format: number;
  samplesPerPixel?: number;
  /** 1 gray, 2 RGB. */
  photometric?: number;
  /** Raw little-endian samples, row-major, interleaved. */
  bytes: Uint8Array;
  description?: string;
  /** Pixels per resolution unit. */
  xResolution?: number;
  /** 1 none, 2 inch, 3 centimetre. */
  resolutionUnit?: number;
}

/** Serialise little-endian, uncompressed, one strip per page. */
export function buildTiff(pages: TiffPageSpec[]): Uint8Array {
  const w = new ByteWriter();
  w.text("II").u16(42, true).u32(0, true);
  let previousNext = 4;
  for (const page of pages) {
    const spp = page.samplesPerPixel ?? 1;
    const stripOffset = w.length;
    w.bytes(page.bytes);
    const extra: { at: number; bytes: Uint8Array }[] = [];
    type Entry = [tag: number, type: number, count: number, value: number | Uint8Array];
    const entries: Entry[] = [
      [256, 4, 1, page.width],
      [257, 4, 1, page.height],
      [258, 3, spp, spp === 1 ? page.bits : leBytes(Array(spp).fill(page.bits), "u16")],
      [259, 3, 1, 1],
      [262, 3, 1, page.photometric ?? (spp >= 3 ? 2 : 1)],
      [273, 4, 1, stripOffset],
      [277, 3, 1, spp],
      [278, 4, 1, page.height],
      [279, 4, 1, page.bytes.length],
      [339, 3, spp, spp === 1 ? page.format : leBytes(Array(spp).fill(page.format), "u16")],
    ];
    if (page.description !== undefined) {
      const text = new TextEncoder().encode(page.description + "\0");
      entries.push([270, 2, text.length, text]);
    }
    if (page.xResolution !== undefined) {
      const rational = leBytes([Math.round(page.xResolution * 1000), 1000], "u32");
      entries.push([282, 5, 1, rational], [283, 5, 1, rational]);
    }
    if (page.resolutionUnit !== undefined) entries.push([296, 3, 1, page.resolutionUnit]);
    entries.sort((a, b) => a[0] - b[0]);
    if (w.length % 2) w.u8(0);
    const ifdAt = w.length;
    w.patchU32(previousNext, ifdAt, true);
    w.u16(entries.length, true);
    for (const [tag, type, count, value] of entries) {
      w.u16(tag, true).u16(type, true).u32(count, true);
      if (typeof value === "number") {
        if (type === 3) w.u16(value, true).u16(0, true);
        else w.u32(value, true);
      } else if (value.length <= 4) {
        w.bytes(value).bytes(new Uint8Array(4 - value.length));
      } else {
        extra.push({ at: w.length, bytes: value });
        w.u32(0, true);
      }
    }
    previousNext = w.length;
    w.u32(0, true);
    for (const e of extra) {
      w.patchU32(e.at, w.length, true);
      w.bytes(e.bytes);
      if (w.length % 2) w.u8(0);
    }
  }
  return w.done();
}

// ---------------------------------------------------------------- HDF5

/** An h5wasm file open for writing, as {@linkcode buildHdf5} hands it over. */
export type H5File = InstanceType<typeof h5wasm.File>;

/** Build an HDF5 file with h5wasm in its in-memory file system and return its bytes. */
export async function buildHdf5(fill: (file: H5File) => void): Promise<Uint8Array> {
  const module = await h5wasm.ready;
  const path = `/test-${crypto.randomUUID()}.h5`;
  const file = new h5wasm.File(path, "w");
  try {
    fill(file);
  } finally {
    file.close();
  }
  const bytes = module.FS.readFile(path);
  module.FS.unlink(path);
  return bytes;
}

/**
 * An HDF5 file whose chunked dataset `image` claims `shape` but holds next to
 * nothing: a reader must refuse it before allocating.
 */
export function claimedHdf5(shape: number[]): Promise<Uint8Array> {
  return buildHdf5((f) => {
    const d = f.create_dataset({
      name: "image",
      data: new Uint8Array(1),
      shape: [1, 1],
      maxshape: [null, null],
      chunks: [64, 64],
    });
    d.resize(shape);
  });
}
