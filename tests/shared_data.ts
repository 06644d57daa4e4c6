/**
 * Where the real data and format fixtures live (`../shared/data`, beside the
 * project, never inside it) and a test wrapper that skips, with one clear
 * message, when they are absent (as on a user's fresh clone).
 *
 * @module
 */

/** Absolute path of `../shared/data/` with a trailing slash. */
export const SHARED_DATA: string = new URL("../../shared/data/", import.meta.url).pathname;

function present(): boolean {
  try {
    return Deno.statSync(SHARED_DATA).isDirectory;
  } catch {
    return false;
  }
}

/** True when `../shared/data` is there. */
export const HAVE_SHARED_DATA: boolean = present();

let warned = false;

/** `Deno.test` that is skipped (with a message, once) when `../shared/data` is absent. */
export function testWithSharedData(name: string, fn: () => void | Promise<void>): void {
  if (!HAVE_SHARED_DATA && !warned) {
    warned = true;
    console.warn(
      `skipping tests on ../shared/data: ${SHARED_DATA} is absent ` +
        "(real images and format fixtures ship beside the project, not in it)",
    );
  }
  Deno.test({ name, ignore: !HAVE_SHARED_DATA, fn });
}

/** Read `../shared/data/<relative>`. */
export function sharedBytes(relative: string): Uint8Array {
  return Deno.readFileSync(SHARED_DATA + relative);
}

/** The fixtures' `formats/expected.json`. */
export function expectedFormats(): Record<string, ExpectedFixture> {
  return JSON.parse(new TextDecoder().decode(sharedBytes("formats/expected.json")));
}

/** One record of `formats/expected.json`. */
export interface ExpectedFixture {
  shape?: number[];
  dtype?: string;
  min?: number;
  max?: number;
  mean?: number;
  calibration?: [number, string][];
  images?: (ExpectedFixture & { index: number; name: string })[];
  datasets?: { path: string; shape: number[]; dtype: string }[];
}
