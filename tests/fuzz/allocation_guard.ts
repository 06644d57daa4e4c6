/**
 * A memory cap for the fuzz worker: every typed array, ArrayBuffer and
 * Array constructed with a length is checked, and one larger than the cap is
 * recorded and refused with a RangeError before any memory is taken. A
 * reader that trusts a header's size shows up here even when it would catch
 * the error and report a format error.
 *
 * Install it in a worker (it replaces global constructors there) before the
 * code under test is imported, so that every module binds the guarded ones.
 *
 * @module
 */

/** The allocations refused so far (cleared by the caller after each input). */
export interface AllocationGuard {
  /** One line per refused allocation: constructor, bytes. */
  violations: string[];
  /** The cap, in bytes (the caller may change it between inputs). */
  capBytes: number;
}

const TYPED: [string, number][] = [
  ["Int8Array", 1],
  ["Uint8Array", 1],
  ["Uint8ClampedArray", 1],
  ["Int16Array", 2],
  ["Uint16Array", 2],
  ["Int32Array", 4],
  ["Uint32Array", 4],
  ["Float32Array", 4],
  ["Float64Array", 8],
  ["BigInt64Array", 8],
  ["BigUint64Array", 8],
  ["ArrayBuffer", 1],
  ["SharedArrayBuffer", 1],
  // A JavaScript array of numbers takes at least 8 bytes per element once filled.
  ["Array", 8],
];

/** Length of the requested allocation, if the arguments ask for one by size. */
function requestedLength(name: string, args: unknown[]): number | undefined {
  const [first] = args;
  if (typeof first === "number") return name === "Array" && args.length !== 1 ? undefined : first;
  // TypedArray.from({ length }) and new TypedArray({ length }) ask for `length` elements.
  if (first && typeof first === "object" && !ArrayBuffer.isView(first)) {
    const length = (first as { length?: unknown }).length;
    if (typeof length === "number" && !Array.isArray(first)) return length;
  }
  return undefined;
}

/** Replace the global constructors with capped ones; returns the record of refusals. */
export function installAllocationGuard(capBytes: number): AllocationGuard {
  const guard: AllocationGuard = { violations: [], capBytes };
  const globals = globalThis as unknown as Record<string, unknown>;
  for (const [name, elementBytes] of TYPED) {
    const original = globals[name] as (new (...args: unknown[]) => unknown) | undefined;
    if (typeof original !== "function") continue;
    const check = (args: unknown[]) => {
      const length = requestedLength(name, args);
      if (length !== undefined && length * elementBytes > guard.capBytes) {
        const line = `new ${name}(${length}) asks for ${length * elementBytes} bytes`;
        guard.violations.push(line);
        throw new RangeError(`fuzz memory cap: ${line} (cap ${guard.capBytes})`);
      }
    };
    globals[name] = new Proxy(original, {
      construct(target, args, newTarget) {
        check(args);
        return Reflect.construct(target, args, newTarget === globals[name] ? target : newTarget);
      },
      apply(target, self, args) {
        // Array(n) without `new` allocates too.
        if (name === "Array") check(args);
        return Reflect.apply(target, self, args);
      },
    });
  }
  return guard;
}
