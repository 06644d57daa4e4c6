/**
 * A header that claims more pixels than its file holds — 10⁹ of them, or
 * 16 000² (under the pixel cap, far beyond the file's bytes) — is refused at
 * once by every reader with a FormatError, before anything is allocated for
 * it (the readers run under the fuzzer's allocation cap, in a worker).
 */

import { assert, assertEquals } from "./assert.ts";
import type { HostileResult } from "./fuzz/hostile_worker.ts";

Deno.test("huge headers: every reader refuses them at once, allocating nothing for them", async () => {
  const worker = new Worker(new URL("./fuzz/hostile_worker.ts", import.meta.url).href, {
    type: "module",
  });
  try {
    const results = await new Promise<HostileResult[]>((resolve, reject) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => {
        e.preventDefault();
        reject(new Error(e.message));
      };
      worker.postMessage("go");
    });
    assertEquals(results.length, 12);
    for (const r of results) {
      const line = `${r.name}: ${r.outcome} ${r.message} (${r.ms.toFixed(0)} ms)`;
      assertEquals(r.outcome, "FormatError", line);
      assertEquals(r.violations, [], line);
      // Refused for its size, not for a malformed test file.
      assert(/larger than|need|declares|truncated/.test(r.message), line);
    }
  } finally {
    worker.terminate();
  }
});
