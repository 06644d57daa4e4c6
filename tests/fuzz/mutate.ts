/**
 * Seeded mutations of a valid file: bit flips, byte overwrites,
 * truncations, inserted, deleted and duplicated bytes, header fields set to
 * extremes, and (NPY) rewritten header text. Each input is a pure function of
 * the seed file and a {@linkcode Random}, so a failure is reproduced from
 * its index alone.
 *
 * @module
 */

import type { Random } from "../../lib/random.ts";
import type { Field } from "./fields.ts";

/** A valid file to mutate, with what the fuzzer knows of its structure. */
export interface SeedFile {
  /** File name (its extension matters to format detection). */
  name: string;
  /** The valid file. */
  bytes: Uint8Array;
  /** Integer header fields (see fields.ts). */
  fields: Field[];
  /** Repair checksums after a mutation (PNG CRCs), so that the change reaches the parser. */
  fixChecksums?: (bytes: Uint8Array) => void;
  /** Text header rewrites (NPY): returns a new file or undefined when not applicable. */
  rewriteHeader?: (bytes: Uint8Array, random: Random) => { bytes: Uint8Array; how: string };
}

/** One fuzz input. */
export interface Mutant {
  /** The mutated bytes. */
  bytes: Uint8Array;
  /** The mutations applied, for the failure report. */
  how: string;
}

type Mutation = (bytes: Uint8Array, seed: SeedFile, random: Random) => Mutant;

/** Where to aim a byte-level mutation: the header (first 512 bytes) half the time. */
function position(length: number, random: Random): number {
  if (length === 0) return 0;
  return random.uniform() < 0.5 ? random.int(Math.min(length, 512)) : random.int(length);
}

const flipBits: Mutation = (bytes, _seed, random) => {
  const out = bytes.slice();
  const n = 1 + random.int(16);
  for (let k = 0; k < n && out.length > 0; k++) {
    out[position(out.length, random)] ^= 1 << random.int(8);
  }
  return { bytes: out, how: `flip ${n} bits` };
};

const SPECIAL_BYTES = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe];

const setBytes: Mutation = (bytes, _seed, random) => {
  const out = bytes.slice();
  const n = 1 + random.int(4);
  const at = position(out.length, random);
  for (let k = 0; k < n && at + k < out.length; k++) {
    out[at + k] = random.uniform() < 0.5 ? SPECIAL_BYTES[random.int(6)] : random.int(256);
  }
  return { bytes: out, how: `set ${n} bytes at ${at}` };
};

const truncate: Mutation = (bytes, _seed, random) => {
  const length = random.uniform() < 0.3
    ? random.int(Math.min(bytes.length, 256))
    : random.int(bytes.length);
  return { bytes: bytes.slice(0, length), how: `truncate to ${length}` };
};

const insert: Mutation = (bytes, _seed, random) => {
  const at = position(bytes.length + 1, random);
  const n = 1 + random.int(random.uniform() < 0.8 ? 16 : 4096);
  const fill = Uint8Array.from({ length: n }, () => random.int(256));
  const out = new Uint8Array(bytes.length + n);
  out.set(bytes.subarray(0, at));
  out.set(fill, at);
  out.set(bytes.subarray(at), at + n);
  return { bytes: out, how: `insert ${n} bytes at ${at}` };
};

const remove: Mutation = (bytes, _seed, random) => {
  const at = position(bytes.length, random);
  const n = Math.min(1 + random.int(random.uniform() < 0.8 ? 16 : 4096), bytes.length - at);
  const out = new Uint8Array(bytes.length - n);
  out.set(bytes.subarray(0, at));
  out.set(bytes.subarray(at + n), at);
  return { bytes: out, how: `delete ${n} bytes at ${at}` };
};

const duplicate: Mutation = (bytes, _seed, random) => {
  const out = bytes.slice();
  const n = 1 + random.int(256);
  const from = random.int(Math.max(1, bytes.length - n));
  const to = position(bytes.length, random);
  out.set(bytes.subarray(from, from + Math.min(n, out.length - to)), to);
  return { bytes: out, how: `copy ${n} bytes from ${from} to ${to}` };
};

/** Values an integer field of `width` bytes is set to: limits, the file's size, neighbours. */
function extremeValue(field: Field, original: bigint, fileLength: number, random: Random): bigint {
  const bits = BigInt(field.width * 8);
  const max = (1n << bits) - 1n;
  const half = 1n << (bits - 1n);
  const length = BigInt(fileLength);
  const choices = [
    0n,
    1n,
    max,
    max - 1n,
    half,
    half - 1n,
    length,
    length + 1n,
    length - 1n,
    original + 1n,
    original - 1n,
    original * 2n,
    original * 1000n,
    original / 2n,
    BigInt(random.int(16)),
    BigInt(random.int(65536)),
    BigInt(random.nextUint32()),
    1_000_000_000n,
    46_341n, // 46341² > 2³¹
    65_536n,
  ];
  return ((choices[random.int(choices.length)] % (max + 1n)) + (max + 1n)) % (max + 1n);
}

function readField(view: DataView, f: Field): bigint {
  switch (f.width) {
    case 1:
      return BigInt(view.getUint8(f.offset));
    case 2:
      return BigInt(view.getUint16(f.offset, f.little));
    case 4:
      return BigInt(view.getUint32(f.offset, f.little));
    default:
      return view.getBigUint64(f.offset, f.little);
  }
}

function writeField(view: DataView, f: Field, value: bigint): void {
  switch (f.width) {
    case 1:
      return view.setUint8(f.offset, Number(value));
    case 2:
      return view.setUint16(f.offset, Number(value), f.little);
    case 4:
      return view.setUint32(f.offset, Number(value), f.little);
    default:
      return view.setBigUint64(f.offset, value, f.little);
  }
}

const extremeFields: Mutation = (bytes, seed, random) => {
  if (seed.fields.length === 0) return flipBits(bytes, seed, random);
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  const n = random.uniform() < 0.7 ? 1 : 2 + random.int(3);
  const done: string[] = [];
  for (let k = 0; k < n; k++) {
    const field = seed.fields[random.int(seed.fields.length)];
    if (field.offset + field.width > out.length) continue;
    const value = extremeValue(field, readField(view, field), out.length, random);
    writeField(view, field, value);
    done.push(`${field.label} @${field.offset} = ${value}`);
  }
  return { bytes: out, how: `set ${done.join("; ")}` };
};

const rewriteHeader: Mutation = (bytes, seed, random) =>
  seed.rewriteHeader ? seed.rewriteHeader(bytes, random) : extremeFields(bytes, seed, random);

/** Mutations with their weights. */
const MUTATIONS: [Mutation, number][] = [
  [flipBits, 3],
  [setBytes, 2],
  [truncate, 2],
  [insert, 1],
  [remove, 1],
  [duplicate, 1],
  [extremeFields, 4],
  [rewriteHeader, 1],
];
const TOTAL_WEIGHT = MUTATIONS.reduce((s, [, w]) => s + w, 0);

function pick(random: Random): Mutation {
  let r = random.uniform() * TOTAL_WEIGHT;
  for (const [m, w] of MUTATIONS) {
    r -= w;
    if (r < 0) return m;
  }
  return MUTATIONS[0][0];
}

/** One mutated input: one to three mutations, then (usually) repaired checksums. */
export function mutate(seed: SeedFile, random: Random): Mutant {
  let bytes = seed.bytes;
  const steps: string[] = [];
  const count = random.uniform() < 0.7 ? 1 : 2 + random.int(2);
  for (let k = 0; k < count; k++) {
    const m = pick(random)(bytes, seed, random);
    bytes = m.bytes;
    steps.push(m.how);
  }
  if (seed.fixChecksums && random.uniform() < 0.8) {
    if (bytes === seed.bytes) bytes = bytes.slice();
    seed.fixChecksums(bytes);
    steps.push("fix checksums");
  }
  return { bytes, how: steps.join(", then ") };
}
