/**
 * The few assertions the tests use (JSR's @std/assert is not reachable here).
 *
 * @module
 */

import { deepStrictEqual } from "node:assert";

/** Fail with `message` unless `condition`. */
export function assert(condition: unknown, message = "assertion failed"): asserts condition {
  if (!condition) throw new Error(message);
}

/** Deep equality, as node:assert's deepStrictEqual. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  deepStrictEqual(actual, expected, message);
}

/** |actual - expected| <= tolerance. */
export function assertAlmostEquals(
  actual: number,
  expected: number,
  tolerance = 1e-7,
  message?: string,
): void {
  if (!(Math.abs(actual - expected) <= tolerance)) {
    throw new Error(message ?? `expected ${expected} ± ${tolerance}, got ${actual}`);
  }
}

/** `fn` throws an instance of `type` whose message includes `includes`. */
export function assertThrows(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  type?: new (...args: any[]) => Error,
  includes?: string,
): Error {
  try {
    fn();
  } catch (err) {
    if (type && !(err instanceof type)) throw new Error(`expected ${type.name}, got ${err}`);
    if (includes && !(err as Error).message.includes(includes)) {
      throw new Error(`expected message to include "${includes}", got "${(err as Error).message}"`);
    }
    return err as Error;
  }
  throw new Error("expected the function to throw");
}

/** Like {@linkcode assertThrows} for a promise. */
export async function assertRejects(
  fn: () => Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  type?: new (...args: any[]) => Error,
  includes?: string,
): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    if (type && !(err instanceof type)) throw new Error(`expected ${type.name}, got ${err}`);
    if (includes && !(err as Error).message.includes(includes)) {
      throw new Error(`expected message to include "${includes}", got "${(err as Error).message}"`);
    }
    return err as Error;
  }
  throw new Error("expected the promise to reject");
}
