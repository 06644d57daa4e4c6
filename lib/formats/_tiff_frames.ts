/**
 * One page of a multi-page TIFF at a time, reading only that page's bytes:
 * the directory chain is walked through a {@linkcode ByteSource} (a few
 * hundred bytes a page), and a page is read by copying its directory, the
 * values its fields point to and its strips (or tiles) into a small
 * single-page TIFF, which the ordinary decoder (`tiff.ts`) then reads with
 * every check and calibration rule it applies to whole files.
 *
 * @module
 */

import { FormatError } from "../errors.ts";
import type { Image } from "../image.ts";
import { type ByteSource, readExactly } from "./byte_source.ts";
import { decodeTiff } from "./tiff.ts";

/** Bytes per value of each TIFF field type (1 BYTE ... 12 DOUBLE). */
const FIELD_BYTES = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8];
const MAX_PAGES = 1_000_000;
const STRIP_OFFSETS = 273;
const STRIP_BYTE_COUNTS = 279;
const TILE_OFFSETS = 324;
const TILE_BYTE_COUNTS = 325;
/** Fields that point to other directories (SubIFDs, EXIF, GPS, interoperability): not copied. */
const DIRECTORY_POINTERS = new Set([330, 34665, 34853, 40965]);

interface Entry {
  tag: number;
  type: number;
  count: number;
  /** The 4 value bytes as stored (the value itself, or its offset). */
  raw: Uint8Array;
}

/** The directory chain of a TIFF file: byte order and where each page's directory lies. */
export interface TiffLayout {
  /** Byte order of the file. */
  littleEndian: boolean;
  /** Byte offset of each page's directory, in page order. */
  pages: number[];
}

/**
 * Walk the directory chain of the TIFF behind `source` (reading only the
 * directories) and return where each page's directory lies. A loop, a
 * directory past the end or a BigTIFF is a FormatError.
 */
export async function tiffLayout(source: ByteSource): Promise<TiffLayout> {
  const name = source.name;
  const head = await readExactly(source, 0, 8, "TIFF header");
  const little = head[0] === 0x49 && head[1] === 0x49;
  if (!little && !(head[0] === 0x4d && head[1] === 0x4d)) {
    throw new FormatError(name, "not a TIFF file (bad magic number)");
  }
  const view = new DataView(head.buffer, head.byteOffset, 8);
  const magic = view.getUint16(2, little);
  if (magic === 43) throw new FormatError(name, "BigTIFF files are not supported");
  if (magic !== 42) throw new FormatError(name, "not a TIFF file (bad magic number)");
  const pages: number[] = [];
  const seen = new Set<number>();
  let offset = view.getUint32(4, little);
  while (offset !== 0) {
    if (seen.has(offset) || pages.length >= MAX_PAGES) {
      throw new FormatError(name, "corrupt TIFF: its directories form a loop");
    }
    seen.add(offset);
    pages.push(offset);
    const countBytes = await readExactly(source, offset, 2, "TIFF directory");
    const entries = new DataView(countBytes.buffer, countBytes.byteOffset, 2).getUint16(0, little);
    const next = await readExactly(source, offset + 2 + 12 * entries, 4, "TIFF directory");
    offset = new DataView(next.buffer, next.byteOffset, 4).getUint32(0, little);
  }
  if (pages.length === 0) throw new FormatError(name, "TIFF file holds no image");
  return { littleEndian: little, pages };
}

/**
 * Decode page `page` of the TIFF behind `source`, reading only its
 * directory, the values it points to and its pixel data.
 */
export async function readTiffPage(
  source: ByteSource,
  layout: TiffLayout,
  page: number,
): Promise<Image> {
  return decodeTiff(await tiffPageFile(source, layout, page), source.name);
}

/** Page `page` as the bytes of a single-page TIFF file (same byte order). */
export async function tiffPageFile(
  source: ByteSource,
  layout: TiffLayout,
  page: number,
): Promise<Uint8Array> {
  const name = source.name;
  const little = layout.littleEndian;
  const offset = layout.pages[page];
  if (offset === undefined) {
    throw new FormatError(
      name,
      `TIFF page ${page} does not exist (the file has ${layout.pages.length})`,
    );
  }
  const countBytes = await readExactly(source, offset, 2, "TIFF directory");
  const n = new DataView(countBytes.buffer, countBytes.byteOffset, 2).getUint16(0, little);
  const table = await readExactly(source, offset + 2, 12 * n, "TIFF directory");
  const tv = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const entries: Entry[] = [];
  for (let i = 0; i < n; i++) {
    const tag = tv.getUint16(12 * i, little);
    if (DIRECTORY_POINTERS.has(tag)) continue;
    entries.push({
      tag,
      type: tv.getUint16(12 * i + 2, little),
      count: tv.getUint32(12 * i + 4, little),
      raw: table.slice(12 * i + 8, 12 * i + 12),
    });
  }
  // Out-of-line values of every field, read where they lie.
  const values = new Map<number, Uint8Array>();
  for (const e of entries) {
    const size = (FIELD_BYTES[e.type] ?? 0) * e.count;
    if (size <= 4) continue;
    const at = new DataView(e.raw.buffer).getUint32(0, little);
    values.set(e.tag, await readExactly(source, at, size, `the values of TIFF tag ${e.tag}`));
  }
  const numbersOf = (tag: number): number[] | undefined => {
    const e = entries.find((x) => x.tag === tag);
    if (!e) return undefined;
    const bytes = values.get(tag) ?? e.raw;
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const width = e.type === 3 ? 2 : e.type === 4 || e.type === 13 ? 4 : 0;
    if (width === 0) throw new FormatError(name, `corrupt TIFF: tag ${tag} has type ${e.type}`);
    return Array.from(
      { length: e.count },
      (_, i) => width === 2 ? dv.getUint16(i * 2, little) : dv.getUint32(i * 4, little),
    );
  };
  const tiled = entries.some((e) => e.tag === TILE_OFFSETS);
  const offsetTag = tiled ? TILE_OFFSETS : STRIP_OFFSETS;
  const countTag = tiled ? TILE_BYTE_COUNTS : STRIP_BYTE_COUNTS;
  const partOffsets = numbersOf(offsetTag);
  const partCounts = numbersOf(countTag);
  if (!partOffsets || partOffsets.length === 0) {
    throw new FormatError(name, `TIFF page ${page} has no ${tiled ? "tile" : "strip"} offsets`);
  }
  if (!partCounts || partCounts.length !== partOffsets.length) {
    throw new FormatError(
      name,
      `TIFF page ${page} does not state its ${tiled ? "tile" : "strip"} sizes, so it cannot be ` +
        "read on its own (convert the file, e.g. resave it with ImageJ)",
    );
  }
  const parts = await readParts(source, partOffsets, partCounts);

  // Lay out the new file: header, directory, out-of-line values, pixel data.
  const kept = entries.filter((e) => e.tag !== offsetTag && e.tag !== countTag);
  const offsetsEntry: Entry = {
    tag: offsetTag,
    type: 4,
    count: parts.length,
    raw: new Uint8Array(4),
  };
  const countsEntry: Entry = {
    tag: countTag,
    type: 4,
    count: parts.length,
    raw: new Uint8Array(4),
  };
  const all = [...kept, offsetsEntry, countsEntry].sort((a, b) => a.tag - b.tag);
  const directoryBytes = 2 + 12 * all.length + 4;
  let cursor = 8 + directoryBytes;
  const align = () => (cursor += cursor & 1);
  const valueAt = new Map<Entry, number>();
  const outOfLine = new Map<Entry, Uint8Array>();
  for (const e of kept) {
    const bytes = values.get(e.tag);
    if (bytes) outOfLine.set(e, bytes);
  }
  const partArray = (list: number[]) => {
    const bytes = new Uint8Array(4 * list.length);
    const dv = new DataView(bytes.buffer);
    list.forEach((v, i) => dv.setUint32(4 * i, v, little));
    return bytes;
  };
  const sizes = parts.map((p) => p.length);
  // Offsets are known only once the values are placed; place the arrays first with placeholders.
  outOfLine.set(countsEntry, partArray(sizes));
  if (parts.length > 1) outOfLine.set(offsetsEntry, partArray(sizes.map(() => 0)));
  for (const [e, bytes] of outOfLine) {
    if (bytes.length <= 4) continue;
    align();
    valueAt.set(e, cursor);
    cursor += bytes.length;
  }
  align();
  const partStarts: number[] = [];
  for (const p of parts) {
    partStarts.push(cursor);
    cursor += p.length;
  }
  if (parts.length > 1) outOfLine.set(offsetsEntry, partArray(partStarts));
  else new DataView(offsetsEntry.raw.buffer).setUint32(0, partStarts[0], little);
  if (parts.length === 1) new DataView(countsEntry.raw.buffer).setUint32(0, sizes[0], little);

  const out = new Uint8Array(cursor);
  const dv = new DataView(out.buffer);
  out[0] = out[1] = little ? 0x49 : 0x4d;
  dv.setUint16(2, 42, little);
  dv.setUint32(4, 8, little);
  dv.setUint16(8, all.length, little);
  all.forEach((e, i) => {
    const at = 10 + 12 * i;
    dv.setUint16(at, e.tag, little);
    dv.setUint16(at + 2, e.type, little);
    dv.setUint32(at + 4, e.count, little);
    const place = valueAt.get(e);
    const bytes = outOfLine.get(e);
    if (place !== undefined && bytes) {
      dv.setUint32(at + 8, place, little);
      out.set(bytes, place);
    } else if (bytes) {
      out.set(bytes, at + 8);
    } else {
      out.set(e.raw, at + 8);
    }
  });
  dv.setUint32(10 + 12 * all.length, 0, little);
  parts.forEach((p, i) => out.set(p, partStarts[i]));
  return out;
}

/** Read the strips (or tiles): one read when they lie back to back, as most writers put them. */
async function readParts(
  source: ByteSource,
  offsets: number[],
  counts: number[],
): Promise<Uint8Array[]> {
  const contiguous = offsets.every((o, i) => i === 0 || o === offsets[i - 1] + counts[i - 1]);
  if (contiguous) {
    const total = counts.reduce((a, b) => a + b, 0);
    const bytes = await readExactly(source, offsets[0], total, "TIFF pixel data");
    let at = 0;
    return counts.map((c) => bytes.subarray(at, at += c));
  }
  const parts: Uint8Array[] = [];
  for (let i = 0; i < offsets.length; i++) {
    parts.push(await readExactly(source, offsets[i], counts[i], `TIFF strip ${i}`));
  }
  return parts;
}
