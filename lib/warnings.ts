/**
 * Warnings as data: what a stage found doubtful about its input or its own
 * result, as a code a program can test and one sentence a person can act
 * on. Every stage may produce them; `run.json`, the one-screen summary and
 * the top of `report.html` print them.
 *
 * @module
 */

/** The warning codes ferrovae emits (other stages may add their own). */
export type WarningCode =
  | "uniform-offset"
  | "below-noise"
  | "incoherent-domains"
  | "not-perovskite"
  | "anisotropic-lattice"
  | "uncalibrated"
  | "no-reference-region"
  | "rvae-disagrees"
  | (string & Record<never, never>);

/** One warning: a stable code and a one-line message with the measured numbers. */
export interface Warning {
  /** Stable identifier, e.g. "uniform-offset". */
  code: WarningCode;
  /** One sentence for the user: what was measured and what to do. */
  message: string;
}

/**
 * A warning with `code` and `message`.
 *
 * @example
 * ```ts
 * import { warning } from "./warnings.ts";
 * const w = warning("uncalibrated", "the image has no pixel size; give --pixel-size NM");
 * if (w.code !== "uncalibrated") throw new Error("a code and a message");
 * ```
 */
export function warning(code: WarningCode, message: string): Warning {
  return { code, message };
}

/**
 * The warnings as lines `warning: <code>: <message>`, in order, each code
 * once (the first message kept).
 *
 * @example
 * ```ts
 * import { formatWarnings, warning } from "./warnings.ts";
 * const lines = formatWarnings([
 *   warning("below-noise", "72 % of vectors are below 3 standard errors"),
 *   warning("below-noise", "the same code again"),
 * ]);
 * if (lines.length !== 1 || !lines[0].startsWith("warning: below-noise: 72 %")) throw new Error();
 * ```
 */
export function formatWarnings(warnings: readonly Warning[]): string[] {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const w of warnings) {
    if (seen.has(w.code)) continue;
    seen.add(w.code);
    lines.push(`warning: ${w.code}: ${w.message}`);
  }
  return lines;
}
