/**
 * The tag tree of a Gatan DigitalMicrograph DM3 or DM4 file. Arrays (image
 * data, strings stored as UTF-16 arrays) are not copied: the tree records
 * where they lie, after checking that they lie inside the file.
 *
 * Layout (big-endian structure, values in the byte order the header names):
 * header `version, rootLength, byteOrder`; a tag group is `sorted u8, open u8,
 * count`; each tag is `kind u8 (20 group, 21 data), labelLength u16, label`,
 * in DM4 followed by the tag's byte size, then a group or `"%%%%", infoCount,
 * info[]` and the value. DM3 stores counts as u32, DM4 as u64.
 *
 * @module
 */

import { FormatError } from "../errors.ts";
import { trimTrailingNuls } from "./samples.ts";

/** A group of tags; unnamed entries (lists such as ImageList) have label "". */
export interface DmGroup {
  /** Discriminant. */
  kind: "group";
  /** Entries in file order. */
  entries: { label: string; node: DmNode }[];
}

/** Where an array value lies in the file. */
export interface DmArray {
  /** Discriminant. */
  kind: "array";
  /** Gatan element type code (2 int16 ... 12 uint64; 15 for struct elements). */
  elementType: number;
  /** Bytes per element. */
  elementBytes: number;
  /** Number of elements. */
  count: number;
  /** Byte offset of the first element. */
  offset: number;
}

/** A leaf value: a number, a string, an array, or a struct's fields. */
export type DmValue = number | string | DmArray | number[];

/** A node of the tag tree. */
export type DmNode = DmGroup | { kind: "data"; value: DmValue };

/** A parsed file: the root group plus what is needed to read arrays. */
export interface DmFile {
  /** 3 or 4. */
  version: number;
  /** Byte order of values (the tree structure itself is always big-endian). */
  littleEndian: boolean;
  /** Root tag group. */
  root: DmGroup;
}

/** Gatan tag element types with a fixed size: code to [bytes, NumPy-style name]. */
const SIMPLE_TYPES: Record<number, [number, string]> = {
  2: [2, "int16"],
  3: [4, "int32"],
  4: [2, "uint16"],
  5: [4, "uint32"],
  6: [4, "float32"],
  7: [8, "float64"],
  8: [1, "bool"],
  9: [1, "int8"],
  10: [1, "uint8"],
  11: [8, "int64"],
  12: [8, "uint64"],
};
const STRUCT = 15;
const STRING = 18;
const ARRAY = 20;
const MAX_DEPTH = 64;

class Cursor {
  pos = 0;
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array, readonly name: string, readonly dm4: boolean) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.bytes.length) {
      throw new FormatError(this.name, `truncated DM file (${what} at byte ${this.pos})`);
    }
  }
  u8(): number {
    this.need(1, "tag");
    return this.bytes[this.pos++];
  }
  u16(): number {
    this.need(2, "tag");
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4, "tag");
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }
  /** A count or size: u32 in DM3, u64 in DM4. */
  count(): number {
    if (!this.dm4) return this.u32();
    this.need(8, "tag");
    const v = this.view.getBigUint64(this.pos);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new FormatError(this.name, `corrupt DM file (a count of ${v} at byte ${this.pos - 8})`);
    }
    return Number(v);
  }
}

/** Parse the tag tree of a DM3/DM4 file; `name` is used in error messages. */
export function parseDmTags(bytes: Uint8Array, name: string): DmFile {
  if (bytes.length < 16) throw new FormatError(name, "truncated DM file (no header)");
  const header = new DataView(bytes.buffer, bytes.byteOffset, 16);
  const version = header.getUint32(0);
  if (version !== 3 && version !== 4) {
    throw new FormatError(name, "not a Gatan DM3/DM4 file (bad magic number)");
  }
  const dm4 = version === 4;
  const cursor = new Cursor(bytes, name, dm4);
  cursor.pos = 4;
  cursor.count(); // root length: not needed, the tree delimits itself
  const order = cursor.u32();
  if (order > 1) throw new FormatError(name, `corrupt DM header (byte order ${order})`);
  const littleEndian = order === 1;
  const root = readGroup(cursor, littleEndian, 0);
  return { version, littleEndian, root };
}

function readGroup(c: Cursor, little: boolean, depth: number): DmGroup {
  if (depth > MAX_DEPTH) throw new FormatError(c.name, "corrupt DM file (tags nested too deep)");
  c.u8(); // sorted
  c.u8(); // open
  const count = c.count();
  const entries: DmGroup["entries"] = [];
  for (let i = 0; i < count; i++) {
    const kind = c.u8();
    const labelLength = c.u16();
    c.need(labelLength, "tag label");
    const label = latin1(c.bytes.subarray(c.pos, c.pos + labelLength));
    c.pos += labelLength;
    const end = c.dm4 ? c.count() + c.pos : undefined;
    if (kind === 20) {
      entries.push({ label, node: readGroup(c, little, depth + 1) });
    } else if (kind === 21) {
      entries.push({ label, node: { kind: "data", value: readData(c, little, end) } });
    } else {
      throw new FormatError(c.name, `corrupt DM file (tag kind ${kind} at byte ${c.pos - 3})`);
    }
  }
  return { kind: "group", entries };
}

function readData(c: Cursor, little: boolean, end: number | undefined): DmValue {
  c.need(4, "tag data");
  if (latin1(c.bytes.subarray(c.pos, c.pos + 4)) !== "%%%%") {
    throw new FormatError(c.name, `corrupt DM file (no %%%% tag marker at byte ${c.pos})`);
  }
  c.pos += 4;
  const start = c.pos;
  const infoCount = c.count();
  c.need(infoCount * (c.dm4 ? 8 : 4), "tag type info");
  const info: number[] = [];
  for (let i = 0; i < infoCount; i++) info.push(c.count());
  const unsupported = (): DmValue => {
    // DM4 states every tag's size, so an encoding we do not know is skipped;
    // DM3 does not, so the rest of the file cannot be found.
    if (end !== undefined && end >= start && end <= c.bytes.length) {
      c.pos = end;
      return NaN;
    }
    throw new FormatError(c.name, `unsupported DM tag encoding [${info.join(", ")}]`);
  };
  const type = info[0];
  if (infoCount === 1 && SIMPLE_TYPES[type]) return readSimple(c, type, little);
  if (type === STRING && infoCount >= 2) {
    const length = info[1];
    c.need(length * 2, "string");
    const text = utf16(c.bytes.subarray(c.pos, c.pos + length * 2), little);
    c.pos += length * 2;
    return text;
  }
  if (type === STRUCT && infoCount >= 3) {
    const fields = info[2];
    if (infoCount !== 3 + 2 * fields) return unsupported();
    const values: number[] = [];
    for (let f = 0; f < fields; f++) {
      const fieldType = info[4 + 2 * f];
      if (!SIMPLE_TYPES[fieldType]) return unsupported();
      values.push(readSimple(c, fieldType, little));
    }
    return values;
  }
  if (type === ARRAY && infoCount >= 3) {
    let elementType = info[1];
    let elementBytes: number;
    let count: number;
    if (SIMPLE_TYPES[elementType] && infoCount === 3) {
      elementBytes = SIMPLE_TYPES[elementType][0];
      count = info[2];
    } else if (elementType === STRUCT && infoCount >= 5) {
      const fields = info[3];
      if (infoCount !== 5 + 2 * fields) return unsupported();
      elementBytes = 0;
      for (let f = 0; f < fields; f++) {
        const fieldType = info[5 + 2 * f];
        if (!SIMPLE_TYPES[fieldType]) return unsupported();
        elementBytes += SIMPLE_TYPES[fieldType][0];
      }
      count = info[4 + 2 * fields];
      elementType = STRUCT;
    } else {
      return unsupported();
    }
    c.need(elementBytes * count, `array of ${count} values`);
    const array: DmArray = { kind: "array", elementType, elementBytes, count, offset: c.pos };
    c.pos += elementBytes * count;
    return array;
  }
  return unsupported();
}

function readSimple(c: Cursor, type: number, little: boolean): number {
  const [size] = SIMPLE_TYPES[type];
  c.need(size, "value");
  const v = c.view;
  const o = c.pos;
  c.pos += size;
  switch (type) {
    case 2:
      return v.getInt16(o, little);
    case 3:
      return v.getInt32(o, little);
    case 4:
      return v.getUint16(o, little);
    case 5:
      return v.getUint32(o, little);
    case 6:
      return v.getFloat32(o, little);
    case 7:
      return v.getFloat64(o, little);
    case 8:
    case 10:
      return v.getUint8(o);
    case 9:
      return v.getInt8(o);
    case 11:
      return Number(v.getBigInt64(o, little));
    default:
      return Number(v.getBigUint64(o, little));
  }
}

function latin1(bytes: Uint8Array): string {
  return new TextDecoder("latin1").decode(bytes);
}

function utf16(bytes: Uint8Array, little: boolean): string {
  return trimTrailingNuls(new TextDecoder(little ? "utf-16le" : "utf-16be").decode(bytes));
}

/** The child of `group` called `label`, if any. */
export function child(group: DmNode | undefined, label: string): DmNode | undefined {
  if (group?.kind !== "group") return undefined;
  return group.entries.find((e) => e.label === label)?.node;
}

/** Follow a path of labels, e.g. `at(root, "ImageData", "Calibrations")`. */
export function at(node: DmNode | undefined, ...labels: string[]): DmNode | undefined {
  return labels.reduce<DmNode | undefined>((n, label) => child(n, label), node);
}

/** The entries of a group in order (an unnamed list such as ImageList). */
export function items(node: DmNode | undefined): DmNode[] {
  return node?.kind === "group" ? node.entries.map((e) => e.node) : [];
}

/** A numeric tag value, if `node` is one. */
export function numberOf(node: DmNode | undefined): number | undefined {
  return node?.kind === "data" && typeof node.value === "number" && !Number.isNaN(node.value)
    ? node.value
    : undefined;
}

/**
 * A text tag: DM stores most text as an array of UTF-16 code units (element
 * type 4), some as a string.
 */
export function textOf(file: DmFile, bytes: Uint8Array, node: DmNode | undefined): string {
  if (node?.kind !== "data") return "";
  const value = node.value;
  if (typeof value === "string") return value;
  if (typeof value === "object" && !Array.isArray(value) && value.elementType === 4) {
    const raw = bytes.subarray(value.offset, value.offset + value.count * 2);
    return utf16(raw, file.littleEndian);
  }
  return "";
}
