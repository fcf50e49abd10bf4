/**
 * Crash-safe writes: write to a temporary file beside the target, then rename over it. A reader never sees
 * a half-written file, and a crash leaves the previous version (or nothing) in place.
 *
 * @module
 */
import { dirname } from "node:path";

function tempPath(path: string): string {
  return `${path}.${Deno.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`;
}

/** Write bytes to `path` atomically (temp file + fsync + rename). Creates the parent folder. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = tempPath(path);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  try {
    const f = await Deno.open(tmp, { write: true, create: true, truncate: true });
    try {
      let off = 0;
      while (off < bytes.length) off += await f.write(bytes.subarray(off));
      await f.sync();
    } finally {
      f.close();
    }
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/** Synchronous variant of {@link writeFileAtomic}. */
export function writeFileAtomicSync(path: string, data: Uint8Array | string): void {
  Deno.mkdirSync(dirname(path), { recursive: true });
  const tmp = tempPath(path);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  try {
    Deno.writeFileSync(tmp, bytes);
    const f = Deno.openSync(tmp, { read: true, write: true });
    try {
      f.syncSync();
    } finally {
      f.close();
    }
    Deno.renameSync(tmp, path);
  } catch (e) {
    try {
      Deno.removeSync(tmp);
    } catch { /* already gone */ }
    throw e;
  }
}

/** Write a value as pretty JSON atomically. */
export function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  return writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

/**
 * Append one JSON line to a JSONL file. Appends of one short line are atomic in practice on local file
 * systems; readers of JSONL files must still ignore a last line that does not parse (a crash mid-write).
 */
export async function appendJsonLine(path: string, value: unknown): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  await Deno.writeTextFile(path, JSON.stringify(value) + "\n", { append: true });
}

/** True if a file or folder exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Read a file; a missing one throws the error `missing()` makes (naming the file and what to do). */
export async function readFileOr(path: string, missing: () => Error): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    throw e instanceof Deno.errors.NotFound ? missing() : e;
  }
}
