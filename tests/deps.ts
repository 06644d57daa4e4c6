/**
 * Third-party modules only the tests use (never loaded by `mod.ts`).
 *
 * @module
 */

export { chromium } from "npm:playwright-core@1.65.1";
