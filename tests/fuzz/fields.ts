/**
 * Where the header fields of each format lie in one file, found by walking
 * its structure independently of the readers under test: NPY header length,
 * PNG chunk lengths and IHDR, TIFF directory entries, DM tag counts and
 * sizes, HDF5 superblock and dataspace dimensions. The fuzzer sets these to
 * extremes (0, all ones, the file's length...) to reach the size checks a
 * random bit flip rarely hits.
 *
 * @module
 */

/** One integer field of a file. */
export interface Field {
  /** Byte offset. */
  offset: number;
  /** Width in bytes. */
  width: 1 | 2 | 4 | 8;
  /** Byte order. */
  little: boolean;
  /** What it is, for failure reports (e.g. "TIFF tag 256 value"). */
  label: string;
}

/** Stop walking after this many fields: enough variety, bounded time. */
const MAX_FIELDS = 4000;

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The NPY header length (and version byte). */
export function npyFields(bytes: Uint8Array): Field[] {
  const v2 = bytes[6] >= 2;
  return [
    { offset: 6, width: 1, little: true, label: "NPY major version" },
    { offset: 8, width: v2 ? 4 : 2, little: true, label: "NPY header length" },
  ];
}

/** Every PNG chunk's length, and IHDR's size, depth, colour type and flags. */
export function pngFields(bytes: Uint8Array): Field[] {
  const view = viewOf(bytes);
  const fields: Field[] = [
    { offset: 16, width: 4, little: false, label: "PNG IHDR width" },
    { offset: 20, width: 4, little: false, label: "PNG IHDR height" },
    { offset: 24, width: 1, little: false, label: "PNG IHDR bit depth" },
    { offset: 25, width: 1, little: false, label: "PNG IHDR colour type" },
    { offset: 26, width: 1, little: false, label: "PNG IHDR compression" },
    { offset: 27, width: 1, little: false, label: "PNG IHDR filter" },
    { offset: 28, width: 1, little: false, label: "PNG IHDR interlace" },
  ];
  for (let at = 8; at + 12 <= bytes.length && fields.length < MAX_FIELDS;) {
    fields.push({ offset: at, width: 4, little: false, label: "PNG chunk length" });
    at += 12 + view.getUint32(at);
  }
  return fields;
}

/** Recompute every PNG chunk's CRC, so that mutated fields reach the decoder. */
export function fixPngCrcs(bytes: Uint8Array): void {
  const view = viewOf(bytes);
  for (let at = 8; at + 12 <= bytes.length;) {
    const length = view.getUint32(at);
    const end = at + 8 + length;
    if (end + 4 > bytes.length) return;
    view.setUint32(end, crc32(bytes.subarray(at + 4, end)));
    at = end + 4;
  }
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const TIFF_TYPE_BYTES = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8];

/** The first-directory offset, then per directory its count, entries and next offset. */
export function tiffFields(bytes: Uint8Array): Field[] {
  if (bytes.length < 8) return [];
  const little = bytes[0] === 0x49;
  const view = viewOf(bytes);
  const fields: Field[] = [
    { offset: 2, width: 2, little, label: "TIFF magic" },
    { offset: 4, width: 4, little, label: "TIFF first directory offset" },
  ];
  const seen = new Set<number>();
  let ifd = view.getUint32(4, little);
  while (ifd !== 0 && ifd + 2 <= bytes.length && !seen.has(ifd) && fields.length < MAX_FIELDS) {
    seen.add(ifd);
    const count = view.getUint16(ifd, little);
    fields.push({ offset: ifd, width: 2, little, label: "TIFF directory entry count" });
    const end = ifd + 2 + count * 12;
    if (end + 4 > bytes.length) break;
    for (let e = ifd + 2; e < end; e += 12) {
      const tag = view.getUint16(e, little);
      const type = view.getUint16(e + 2, little);
      const n = view.getUint32(e + 4, little);
      fields.push(
        { offset: e, width: 2, little, label: `TIFF tag ${tag} code` },
        { offset: e + 2, width: 2, little, label: `TIFF tag ${tag} type` },
        { offset: e + 4, width: 4, little, label: `TIFF tag ${tag} count` },
      );
      const size = (TIFF_TYPE_BYTES[type] ?? 0) * n;
      if (size <= 4) {
        const width = type === 3 ? 2 : 4;
        fields.push({ offset: e + 8, width, little, label: `TIFF tag ${tag} value` });
      } else {
        fields.push({ offset: e + 8, width: 4, little, label: `TIFF tag ${tag} value offset` });
        // Array values such as strip offsets and byte counts: the first few elements.
        const at = view.getUint32(e + 8, little);
        const elementBytes = TIFF_TYPE_BYTES[type];
        if (elementBytes === 2 || elementBytes === 4) {
          for (let k = 0; k < Math.min(n, 4) && at + (k + 1) * elementBytes <= bytes.length; k++) {
            fields.push({
              offset: at + k * elementBytes,
              width: elementBytes,
              little,
              label: `TIFF tag ${tag} value ${k}`,
            });
          }
        }
      }
    }
    fields.push({ offset: end, width: 4, little, label: "TIFF next directory offset" });
    ifd = view.getUint32(end, little);
  }
  return fields;
}

/**
 * DM3/DM4: header fields, then per tag its label length, (DM4) byte size,
 * group counts, type-info counts and entries, and simple values (where
 * dimensions and data types live).
 */
export function dmFields(bytes: Uint8Array): Field[] {
  if (bytes.length < 16) return [];
  const view = viewOf(bytes);
  const dm4 = view.getUint32(0) === 4;
  const countWidth = dm4 ? 8 : 4;
  const little = view.getUint32(dm4 ? 12 : 8) === 1;
  const fields: Field[] = [
    { offset: 0, width: 4, little: false, label: "DM version" },
    { offset: 4, width: countWidth, little: false, label: "DM root length" },
    { offset: dm4 ? 12 : 8, width: 4, little: false, label: "DM byte order" },
  ];
  const readCount = (at: number): number =>
    dm4 ? Number(view.getBigUint64(at)) : view.getUint32(at);
  const simpleBytes: Record<number, number> = {
    2: 2,
    3: 4,
    4: 2,
    5: 4,
    6: 4,
    7: 8,
    8: 1,
    9: 1,
    10: 1,
    11: 8,
    12: 8,
  };
  // An explicit stack instead of recursion: a tag tree is walked as far as it parses.
  let pos = dm4 ? 16 : 12;
  const groups: number[] = []; // tags left in each open group
  const open = (): boolean => {
    if (pos + 2 + countWidth > bytes.length) return false;
    fields.push({ offset: pos + 2, width: countWidth, little: false, label: "DM group count" });
    groups.push(readCount(pos + 2));
    pos += 2 + countWidth;
    return true;
  };
  if (!open()) return fields;
  while (groups.length > 0 && fields.length < MAX_FIELDS) {
    if (groups[groups.length - 1] === 0) {
      groups.pop();
      continue;
    }
    groups[groups.length - 1]--;
    if (pos + 3 > bytes.length) break;
    const kind = bytes[pos];
    const labelLength = view.getUint16(pos + 1);
    fields.push({ offset: pos + 1, width: 2, little: false, label: "DM label length" });
    pos += 3 + labelLength;
    if (dm4) {
      if (pos + 8 > bytes.length) break;
      fields.push({ offset: pos, width: 8, little: false, label: "DM tag size" });
      pos += 8;
    }
    if (kind === 20) {
      if (!open()) break;
      continue;
    }
    if (kind !== 21 || pos + 4 + countWidth > bytes.length) break;
    pos += 4; // %%%%
    const infoCount = readCount(pos);
    fields.push({ offset: pos, width: countWidth, little: false, label: "DM type-info count" });
    pos += countWidth;
    if (pos + infoCount * countWidth > bytes.length || infoCount > 64) break;
    const info: number[] = [];
    for (let i = 0; i < infoCount; i++) {
      fields.push({ offset: pos, width: countWidth, little: false, label: `DM type info ${i}` });
      info.push(readCount(pos));
      pos += countWidth;
    }
    const size = dataBytes(info, simpleBytes);
    if (size === undefined) break;
    if (info.length === 1 && (size === 2 || size === 4 || size === 8)) {
      fields.push({ offset: pos, width: size, little, label: "DM simple value" });
    }
    pos += size;
  }
  return fields;
}

/** Byte size of a DM tag's value from its type info, when the walker understands it. */
function dataBytes(info: number[], simple: Record<number, number>): number | undefined {
  const [type] = info;
  if (info.length === 1) return simple[type];
  if (type === 18 && info.length >= 2) return 2 * info[1];
  if (type === 15 && info.length >= 3) {
    let size = 0;
    for (let f = 0; f < info[2]; f++) size += simple[info[4 + 2 * f]] ?? NaN;
    return Number.isNaN(size) ? undefined : size;
  }
  if (type === 20 && info.length === 3) return (simple[info[1]] ?? NaN) * info[2] || undefined;
  if (type === 20 && info[1] === 15 && info.length >= 5) {
    const fields = info[3];
    let size = 0;
    for (let f = 0; f < fields; f++) size += simple[info[5 + 2 * f]] ?? NaN;
    const total = size * info[4 + 2 * fields];
    return Number.isFinite(total) ? total : undefined;
  }
  return undefined;
}

/**
 * HDF5 (superblock version 0 or 1, as every fixture uses): each superblock
 * byte, its addresses, and wherever `shapes` (dataset dimensions, e.g. from
 * the unmutated file) occur as consecutive 64-bit little-endian numbers,
 * which is how a dataspace message stores them.
 */
export function hdf5Fields(bytes: Uint8Array, shapes: number[][]): Field[] {
  const fields: Field[] = [];
  for (let i = 8; i < 24 && i < bytes.length; i++) {
    fields.push({ offset: i, width: 1, little: true, label: `HDF5 superblock byte ${i}` });
  }
  const addresses: [number, string][] = [
    [24, "base address"],
    [32, "free-space address"],
    [40, "end-of-file address"],
    [48, "driver-information address"],
    [56, "root link-name offset"],
    [64, "root object-header address"],
    [80, "root B-tree address"],
    [88, "root heap address"],
  ];
  for (const [offset, what] of addresses) {
    if (offset + 8 <= bytes.length) {
      fields.push({ offset, width: 8, little: true, label: `HDF5 superblock ${what}` });
    }
  }
  const view = viewOf(bytes);
  for (const shape of shapes) {
    if (shape.length === 0) continue;
    for (let at = 0; at + 8 * shape.length <= bytes.length && fields.length < MAX_FIELDS; at++) {
      if (!shape.every((d, k) => view.getBigUint64(at + 8 * k, true) === BigInt(d))) continue;
      shape.forEach((_, k) =>
        fields.push({
          offset: at + 8 * k,
          width: 8,
          little: true,
          label: `HDF5 dataspace dimension ${k} of (${shape.join(", ")})`,
        })
      );
    }
  }
  return fields;
}
