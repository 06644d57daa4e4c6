/**
 * Child process for the hard-kill test: rewrites a few large files in DIR
 * with writeFileAtomic, forever, until it is killed. Each file is 16 MiB: a
 * 4-byte generation number, then one of two fill bytes (by the number's
 * parity), so a reader can tell a complete file from a torn one; the loop
 * only patches the number, so nearly all its time is spent writing.
 *
 * `deno run --allow-read=DIR --allow-write=DIR tests/children/atomic_writer.ts DIR`
 *
 * @module
 */

import { writeFileAtomic } from "../../lib/io/atomic_write.ts";

/** Bytes per file. */
export const FILE_BYTES = 16 << 20;
/** Files rewritten in turn. */
export const FILE_COUNT = 3;

function fill(n: number): number {
  return n % 2 ? 0xaa : 0x55;
}

/** Why `bytes` is not a complete generation, or "" when it is one. */
export function tornReason(bytes: Uint8Array): string {
  if (bytes.length !== FILE_BYTES) return `${bytes.length} bytes, not ${FILE_BYTES}`;
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  for (let i = 4; i < bytes.length; i++) {
    if (bytes[i] !== fill(n)) return `generation ${n} changes at byte ${i}`;
  }
  return "";
}

if (import.meta.main) {
  const dir = Deno.args[0];
  const contents = [0, 1].map((n) => new Uint8Array(FILE_BYTES).fill(fill(n)));
  for (let n = 0;; n++) {
    const bytes = contents[n % 2];
    new DataView(bytes.buffer).setUint32(0, n, true);
    await writeFileAtomic(`${dir}/file${n % FILE_COUNT}.bin`, bytes);
  }
}
