/**
 * Crash-safe writes: every output goes to a temporary file in the same folder
 * and is renamed over its final name only once complete, so a crash or kill
 * never leaves a truncated file under the final name.
 *
 * @module
 */

import { UserError } from "../errors.ts";

/** Options for {@linkcode writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** Called with every final path written, e.g. to list them in `run.json`. */
  onWritten?: (path: string) => void;
}

/** Describe a failed file-system call as a one-line user error about `path`. */
export function fileSystemError(path: string, err: unknown, doing: string): UserError {
  if (err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied) {
    return new UserError(
      path,
      `permission to ${doing} here was not granted (run the script with --allow-${
        doing === "read" ? "read" : "write"
      } covering this path)`,
    );
  }
  if (err instanceof Deno.errors.NotFound) return new UserError(path, "no such file or folder");
  if (err instanceof Deno.errors.IsADirectory) {
    return new UserError(path, "is a folder, not a file");
  }
  if (err instanceof Deno.errors.AlreadyExists) return new UserError(path, "already exists");
  const message = err instanceof Error ? err.message.split("\n")[0] : String(err);
  return new UserError(path, `cannot ${doing}: ${message}`);
}

let counter = 0;

/**
 * Write `data` to `path` through a temporary file and a rename. A stream is
 * written chunk by chunk as it arrives (for outputs too large to hold whole);
 * the final name appears only once the stream has ended.
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string | ReadableStream<Uint8Array>,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const tmp = `${path}.tmp-${Deno.pid}-${counter++}`;
  try {
    await Deno.writeFile(tmp, bytes);
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw fileSystemError(path, err, "write");
  }
  options.onWritten?.(path);
}

/** Create folder `dir` (and its parents); a clear error when that is not allowed. */
export async function ensureDir(dir: string): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (err) {
    throw fileSystemError(dir, err, "write");
  }
}

/** Read a whole file, turning file-system failures into one-line user errors. */
export async function readFileChecked(path: string): Promise<Uint8Array> {
  try {
    const info = await Deno.stat(path);
    if (info.isDirectory) throw new UserError(path, "is a folder, not a file");
    return await Deno.readFile(path);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw fileSystemError(path, err, "read");
  }
}
