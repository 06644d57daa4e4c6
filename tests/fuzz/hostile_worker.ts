/**
 * Worker for the hostile-header test: files whose headers claim far more
 * pixels than they hold (10⁹ pixels, or 16 000² under the pixel cap but
 * beyond the file's bytes), one per reader and trick, decoded under the
 * fuzzer's allocation cap. Posts, per file, how decoding ended, how long it
 * took and any allocation the cap refused.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { installAllocationGuard } from "./allocation_guard.ts";

/** One hostile file's outcome. */
export interface HostileResult {
  name: string;
  /** Error class name, or "decoded". */
  outcome: string;
  message: string;
  ms: number;
  violations: string[];
}

/** The cap: a tenth of what the smallest claim below would need. */
export const HOSTILE_CAP_BYTES = 16 << 20;

self.onmessage = async () => {
  const guard = installAllocationGuard(HOSTILE_CAP_BYTES);
  const { deflateSync } = await import("node:zlib");
  const { encodeNpy } = await import("../../lib/formats/npy.ts");
  const { decodeImage } = await import("../../lib/formats/decode.ts");
  const { decodeHdf5Here } = await import("../../lib/formats/hdf5_reader.ts");
  const { buildDm, buildTiff, claimedHdf5, dmTree } = await import("../format_builders.ts");
  const { fixPngCrcs, tiffFields } = await import("./fields.ts");

  const npy = (shape: string, descr = "<f4") => {
    const bytes = encodeNpy(new Float32Array(4), [2, 2]);
    const text = new TextDecoder().decode(bytes.subarray(10, 10 + 118));
    const header = text.replace("(2, 2)", shape).replace("<f4", descr).padEnd(117) + "\n";
    return Uint8Array.from([...bytes.subarray(0, 10), ...new TextEncoder().encode(header)]);
  };
  const png = (width: number, height: number) => {
    const out = Uint8Array.from([
      0x89,
      0x50,
      0x4e,
      0x47,
      0x0d,
      0x0a,
      0x1a,
      0x0a, // signature
      0,
      0,
      0,
      13,
      0x49,
      0x48,
      0x44,
      0x52,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      8,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      11,
      0x49,
      0x44,
      0x41,
      0x54,
      ...deflateSync(new Uint8Array(64)).subarray(0, 11),
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0x49,
      0x45,
      0x4e,
      0x44,
      0,
      0,
      0,
      0,
    ]);
    new DataView(out.buffer).setUint32(16, width);
    new DataView(out.buffer).setUint32(20, height);
    fixPngCrcs(out);
    return out;
  };
  const tiff = (width: number, height: number, bits: number, format: number, compression = 1) => {
    const strip = compression === 8
      ? new Uint8Array(deflateSync(new Uint8Array(4096)))
      : new Uint8Array(64);
    const bytes = buildTiff([{ width: 4, height: 4, bits, format, bytes: strip }]);
    const view = new DataView(bytes.buffer);
    for (const f of tiffFields(bytes)) {
      if (f.label === "TIFF tag 256 value") view.setUint32(f.offset, width, true);
      if (f.label === "TIFF tag 257 value" || f.label === "TIFF tag 278 value") {
        view.setUint32(f.offset, height, true);
      }
      if (f.label === "TIFF tag 259 value") view.setUint16(f.offset, compression, true);
    }
    return bytes;
  };
  const dm = (version: 3 | 4, dims: number[], count?: number) =>
    buildDm(
      version,
      dmTree([{
        name: "huge",
        dataType: 2,
        elementType: 6,
        dims,
        bytes: new Uint8Array(64),
        count,
      }], []),
    );
  const files: [string, Uint8Array | Promise<Uint8Array>][] = [
    ["npy-1e9.npy", npy("(100000, 10000)")],
    ["npy-16000sq-f8.npy", npy("(16000, 16000)", "<f8")],
    ["png-1e9.png", png(40_000, 25_000)],
    ["png-16000sq.png", png(16_000, 16_000)],
    ["tiff-1e9.tif", tiff(40_000, 25_000, 32, 3)],
    ["tiff-16000sq.tif", tiff(16_000, 16_000, 8, 1)],
    ["tiff-16000sq-deflate.tif", tiff(16_000, 16_000, 32, 3, 8)],
    ["dm3-1e9.dm3", dm(3, [40_000, 25_000])],
    ["dm4-16000sq.dm4", dm(4, [16_000, 16_000])],
    ["dm4-count-1e12.dm4", dm(4, [4, 4], 1e12)],
    ["hdf5-1e9.h5", claimedHdf5([100_000, 10_000])],
    ["hdf5-16000sq.h5", claimedHdf5([16_000, 16_000])],
  ];
  const results: HostileResult[] = [];
  for (const [name, made] of files) {
    const bytes = await made;
    guard.violations.length = 0;
    const started = performance.now();
    let outcome = "decoded";
    let message = "";
    try {
      if (name.startsWith("hdf5")) await decodeHdf5Here(bytes, name);
      else await decodeImage(bytes, name);
    } catch (err) {
      outcome = (err as Error).name;
      message = (err as Error).message;
    }
    const ms = performance.now() - started;
    results.push({ name, outcome, message, ms, violations: [...guard.violations] });
  }
  self.postMessage(results);
};
