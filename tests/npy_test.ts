import { assertEquals, assertThrows } from "./assert.ts";
import { decodeNpy, encodeNpy } from "../lib/formats/npy.ts";
import { FormatError } from "../lib/errors.ts";

Deno.test("npy: float32 round trip keeps shape and values", () => {
  const data = new Float32Array([1, 2.5, -3, 4, 5, 6]);
  const bytes = encodeNpy(data, [2, 3]);
  assertEquals((10 + new DataView(bytes.buffer).getUint16(8, true)) % 64, 0);
  const back = decodeNpy(bytes);
  assertEquals(back.shape, [2, 3]);
  assertEquals(back.dtype, "<f4");
  assertEquals(Array.from(back.data), [1, 2.5, -3, 4, 5, 6]);
});

Deno.test("npy: Fortran order is reordered to C order", () => {
  const c = encodeNpy(new Int16Array([1, 2, 3, 4, 5, 6]), [2, 3]);
  const f = c.slice();
  const at = new TextDecoder("latin1").decode(c).indexOf("False");
  f.set(new TextEncoder().encode("True "), at);
  // Fortran bytes [1,2,3,4,5,6] for shape (2,3) mean columns (1,2), (3,4), (5,6).
  assertEquals(Array.from(decodeNpy(f).data), [1, 3, 5, 2, 4, 6]);
});

Deno.test("npy: bad magic and truncation are format errors", () => {
  assertThrows(() => decodeNpy(new Uint8Array([1, 2, 3]), "x.npy"), FormatError, "magic");
  const bytes = encodeNpy(new Float32Array(100), [10, 10]);
  assertThrows(
    () => decodeNpy(bytes.subarray(0, bytes.length - 4), "x.npy"),
    FormatError,
    "truncated",
  );
});
