/**
 * Browser driver for the report tests: opens a report in headless Chromium,
 * brushes the angle-vs-L1 view, hovers a site on the map, takes a screenshot
 * and prints what it saw as JSON. Usage: explore_report.ts REPORT.html SHOT.png
 *
 * @module
 */

import { chromium } from "../deps.ts";

const [htmlPath, screenshot] = Deno.args;
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  timeout: 0,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  // Wait for conditions, never for a time: a busy machine is only slower.
  page.setDefaultTimeout(0);
  page.setDefaultNavigationTimeout(0);
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`file://${htmlPath}`);
  await page.waitForSelector("svg[data-view='angle-l1'] circle");
  // Figures are <img> of SVG data URLs: one that does not decode has no natural size.
  const figures = await page.locator("figure.fig img").count();
  const brokenFigures = await page.locator("figure.fig img").evaluateAll((images) =>
    images.flatMap((img) => {
      const image = img as unknown as { naturalWidth: number; alt: string };
      return image.naturalWidth > 0 ? [] : [image.alt];
    })
  );
  // The report opens with the warnings and the methods: bring the explorer into view first
  // (the mouse acts in the viewport).
  await page.locator("svg[data-view='angle-l1']").scrollIntoViewIfNeeded();
  const box = (await page.locator("svg[data-view='angle-l1']").boundingBox())!;
  // Brush from the top-left of the plot to the middle of the angle axis: angles below π.
  await page.mouse.move(box.x + 47, box.y + 25);
  await page.mouse.down();
  await page.mouse.move(box.x + 46 + (box.width - 56) / 2, box.y + box.height - 39, { steps: 5 });
  await page.mouse.up();
  const selectedInMap = await page.locator("svg[data-view='map'] circle.selected").count();
  const selectedAngles = await page.locator("svg[data-view='angle-l1'] circle.selected").count();
  await page.locator("svg[data-view='map'] circle").first().hover({ force: true });
  const tooltip = page.locator("#explorer-tooltip");
  await tooltip.waitFor({ state: "visible" });
  const tiles = await tooltip.locator(".tile").count();
  const tooltipText = (await tooltip.textContent()) ?? "";
  await page.screenshot({ path: screenshot });
  console.log(
    JSON.stringify({
      errors,
      figures,
      brokenFigures,
      selectedInMap,
      selectedAngles,
      tiles,
      tooltipText,
    }),
  );
} finally {
  await browser.close();
}
