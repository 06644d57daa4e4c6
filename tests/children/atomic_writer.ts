/**
 * Child process for the hard-kill test. It writes generations 0, 1, 2, … of
 * FILE_COUNT files in turn with writeFileAtomic (generation n goes to file
 * n % FILE_COUNT), complete up to generation PAUSE. Generation PAUSE is
 * streamed: its first half reaches the temporary file, then the child prints
 * `mid-write <temporary name>` on stdout and waits, so that a kill sent after
 * that line lands in the middle of a write by construction. Each file is a
 * 4-byte generation number, then one of two fill bytes (by the number's
 * parity), so a reader can tell a complete file from a torn one.
 *
 * `deno run --allow-read=DIR --allow-write=DIR tests/children/atomic_writer.ts DIR PAUSE`
 *
 * @module
 */

import { writeFileAtomic } from "../../lib/io/atomic_write.ts";

/** Bytes per file. */
export const FILE_BYTES = 4 << 20;
/** Files rewritten in turn. */
export const FILE_COUNT = 3;

function fill(n: number): number {
  return n % 2 ? 0xaa : 0x55;
}

/** Generation `n`'s bytes. */
function generation(n: number): Uint8Array {
  const bytes = new Uint8Array(FILE_BYTES).fill(fill(n));
  new DataView(bytes.buffer).setUint32(0, n, true);
  return bytes;
}

/** The generation number a complete file holds, or why it is not a complete generation. */
export function readGeneration(bytes: Uint8Array): number | string {
  if (bytes.length !== FILE_BYTES) return `${bytes.length} bytes, not ${FILE_BYTES}`;
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  for (let i = 4; i < bytes.length; i++) {
    if (bytes[i] !== fill(n)) return `generation ${n} changes at byte ${i}`;
  }
  return n;
}

/** Size of the temporary file in `dir`, or -1 when there is none. */
async function temporarySize(dir: string): Promise<{ name: string; size: number }> {
  for await (const e of Deno.readDir(dir)) {
    if (e.name.includes(".tmp-")) {
      return { name: e.name, size: (await Deno.stat(`${dir}/${e.name}`)).size };
    }
  }
  return { name: "", size: -1 };
}

/** A stream of `bytes` that stops after its first half: announces, then never goes on. */
function halfThenWait(dir: string, bytes: Uint8Array): ReadableStream<Uint8Array> {
  const half = bytes.length / 2;
  let pulls = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (pulls++ === 0) {
        controller.enqueue(bytes.slice(0, half));
        return;
      }
      // Announce only once the first half is in the temporary file.
      let temporary = await temporarySize(dir);
      while (temporary.size < half) {
        await new Promise((r) => setTimeout(r, 5));
        temporary = await temporarySize(dir);
      }
      console.log(`mid-write ${temporary.name}`);
      // Keep the event loop alive until the kill.
      await new Promise((r) => setTimeout(r, 3_600_000));
    },
  }, { highWaterMark: 0 });
}

if (import.meta.main) {
  const [dir, pause] = [Deno.args[0], Number(Deno.args[1])];
  for (let n = 0; n < pause; n++) {
    await writeFileAtomic(`${dir}/file${n % FILE_COUNT}.bin`, generation(n));
  }
  await writeFileAtomic(
    `${dir}/file${pause % FILE_COUNT}.bin`,
    halfThenWait(dir, generation(pause)),
  );
}
