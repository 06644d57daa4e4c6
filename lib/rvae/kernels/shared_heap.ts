/**
 * tfjs's wasm heap as shared memory, so that helper threads can run parts
 * of a product directly on the tensors: while the backend initialises, its
 * module (the single-threaded SIMD build) is rewritten to import its memory
 * (`env.memory`, shared, up to 4 GiB) instead of defining it, and is given a
 * `SharedArrayBuffer`-backed `WebAssembly.Memory`. The code is unchanged;
 * the module still exports the memory under its own name, so tfjs's loader
 * sees no difference (it grows the heap from JavaScript, which shared
 * memories allow).
 *
 * @module
 */

const MAX_PAGES = 65536;
/** An export only tfjs's wasm module has. */
const TFJS_MARKER = "register_tensor";

function readUleb(bytes: Uint8Array, at: number): [number, number] {
  let value = 0, shift = 0, byte: number;
  do {
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

const nameBytes = (text: string) => {
  const b = new TextEncoder().encode(text);
  return [...uleb(b.length), ...b];
};

function exportNames(payload: Uint8Array): string[] {
  const names: string[] = [];
  let [count, at] = readUleb(payload, 0);
  for (; count > 0; count--) {
    const [length, start] = readUleb(payload, at);
    names.push(new TextDecoder().decode(payload.subarray(start, start + length)));
    [, at] = readUleb(payload, start + length + 1);
  }
  return names;
}

/**
 * `bytes` (a module defining exactly one memory, importing something and
 * exporting `marker`) rewritten to import that memory as shared
 * `env.memory`; null when the module does not have that shape (other
 * modules instantiated meanwhile are left alone). Returns the memory's
 * initial pages.
 *
 * @example
 * ```ts
 * import { importSharedMemory } from "./shared_heap.ts";
 * console.log(importSharedMemory(new Uint8Array(8), "register_tensor")); // null
 * ```
 */
export function importSharedMemory(
  bytes: Uint8Array,
  marker: string,
): { bytes: Uint8Array; pages: number } | null {
  if (bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) return null;
  const sections: { id: number; payload: Uint8Array }[] = [];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, start] = readUleb(bytes, at + 1);
    sections.push({ id, payload: bytes.subarray(start, start + size) });
    at = start + size;
  }
  const memory = sections.find((s) => s.id === 5);
  const imports = sections.find((s) => s.id === 2);
  const exports = sections.find((s) => s.id === 7);
  if (!memory || !imports || !exports || !exportNames(exports.payload).includes(marker)) {
    return null;
  }
  const [count, limitsAt] = readUleb(memory.payload, 0);
  if (count !== 1) return null;
  const [pages] = readUleb(memory.payload, limitsAt + 1);
  const [importCount, entriesAt] = readUleb(imports.payload, 0);
  const entry = [
    ...nameBytes("env"),
    ...nameBytes("memory"),
    0x02,
    0x03,
    ...uleb(pages),
    ...uleb(
      MAX_PAGES,
    ),
  ];
  const newImports = new Uint8Array([
    ...uleb(importCount + 1),
    ...imports.payload.subarray(entriesAt),
    ...entry,
  ]);
  const parts: number[][] = [[...bytes.subarray(0, 8)]];
  for (const s of sections) {
    if (s.id === 5) continue;
    const payload = s.id === 2 ? newImports : s.payload;
    parts.push([s.id, ...uleb(payload.length)]);
    parts.push(payload as unknown as number[]);
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return { bytes: out, pages };
}

/**
 * Run `init` (which instantiates tfjs's wasm module through
 * `WebAssembly.instantiate`) with the module's memory made shared; returns
 * that memory, or null when the module could not be rewritten (then it is
 * instantiated unchanged).
 */
export async function withSharedHeap(
  init: () => Promise<unknown>,
): Promise<WebAssembly.Memory | null> {
  const original = WebAssembly.instantiate;
  let memory: WebAssembly.Memory | null = null;
  const patched = (source: unknown, imports?: WebAssembly.Imports) => {
    const env = imports?.env as Record<string, unknown> | undefined;
    if (memory === null && env && (source instanceof ArrayBuffer || ArrayBuffer.isView(source))) {
      const view = source instanceof ArrayBuffer
        ? new Uint8Array(source)
        : new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
      const rewritten = importSharedMemory(view, TFJS_MARKER);
      if (rewritten) {
        memory = new WebAssembly.Memory({
          initial: rewritten.pages,
          maximum: MAX_PAGES,
          shared: true,
        });
        env.memory = memory;
        return original(rewritten.bytes as BufferSource, imports);
      }
    }
    return (original as (s: unknown, i?: WebAssembly.Imports) => Promise<unknown>)(
      source,
      imports,
    );
  };
  (WebAssembly as { instantiate: unknown }).instantiate = patched;
  try {
    await init();
  } finally {
    (WebAssembly as { instantiate: unknown }).instantiate = original;
  }
  return memory;
}
