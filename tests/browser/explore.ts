/**
 * Drive a report's latent explorer in headless Chromium (Debian's
 * `/usr/bin/chromium`) from a test: the driver (`explore_report.ts`) runs
 * as a child, brushes the angle-vs-L1 view, hovers the first site of the
 * map, saves a screenshot and reports what it saw.
 *
 * @module
 */

import { assert } from "../assert.ts";
import { runDeno } from "../child.ts";

/** Where the tests expect Chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether Chromium is installed (browser tests are skipped, with a message, when not). */
export async function chromiumAvailable(testName: string): Promise<boolean> {
  const have = await Deno.stat(CHROMIUM).then(() => true, () => false);
  if (!have) console.warn(`${testName} skipped: ${CHROMIUM} is not installed`);
  return have;
}

/** What the browser driver saw (see explore_report.ts). */
export interface ExplorerSeen {
  /** Console errors and uncaught exceptions. */
  errors: string[];
  /** Figures (`<img>` of SVG) on the page. */
  figures: number;
  /** Titles of the figures that did not decode. */
  brokenFigures: string[];
  /** Sites highlighted in the real-space map after the brush. */
  selectedInMap: number;
  /** Sites highlighted in the brushed angle-vs-L1 view. */
  selectedAngles: number;
  /** Sprite tiles in the tooltip (sub-image and decoded). */
  tiles: number;
  /** The tooltip's text. */
  tooltipText: string;
}

/** Run the Chromium driver on `htmlPath` as a child; the screenshot goes to `screenshot`. */
export async function exploreInChromium(
  htmlPath: string,
  screenshot: string,
): Promise<ExplorerSeen> {
  const driver = new URL("./explore_report.ts", import.meta.url).pathname;
  // Playwright probes /proc at start-up, which Deno grants only with --allow-all; this
  // test-only child is the one place that gets it (the scripts themselves never do).
  const out = await runDeno(["run", "--quiet", "--allow-all", driver, htmlPath, screenshot]);
  assert(out.code === 0, `browser driver failed: ${out.stderr}`);
  return JSON.parse(out.stdout.trim().split("\n").at(-1)!);
}
