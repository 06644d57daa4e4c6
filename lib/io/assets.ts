/**
 * Files that ship inside npm packages and get inlined into outputs, e.g.
 * d3's browser bundle for the self-contained report.
 *
 * @module
 */

import { D3_ENTRY_URL } from "../deps.ts";
import { readFileChecked } from "./atomic_write.ts";
import { UserError } from "../errors.ts";

/** Read d3's UMD browser bundle (`dist/d3.min.js`) from the pinned npm package. */
export async function readD3Bundle(): Promise<string> {
  // The package's exports hide dist/, so go from its entry module to the folder beside it.
  const url = new URL("../dist/d3.min.js", D3_ENTRY_URL);
  if (url.protocol !== "file:") {
    throw new UserError("d3", "its browser bundle is not a local file here; run from a checkout");
  }
  return new TextDecoder().decode(await readFileChecked(decodeURIComponent(url.pathname)));
}
