/**
 * Who is training a run folder right now. A sweep writes `<run>/sweep.lock` (the child's pid and the exact
 * `--run-dir` it was given) when it starts a run and removes it when the run ends. A sweep killed with
 * SIGKILL leaves its children running; the next sweep finds their lock, sees that the process is alive, and
 * waits for it instead of starting a second trainer on the same folder.
 *
 * Liveness is read from `/proc/<pid>/cmdline` (Linux): the pid must be a live process whose arguments contain
 * the run folder, so a recycled pid is not mistaken for the trainer. Without `/proc` a lock is treated as
 * stale.
 *
 * @module
 */
import { join } from "node:path";
import { writeJsonAtomic } from "../io/atomic.ts";

/** Content of `<run>/sweep.lock`. */
export interface RunLock {
  pid: number;
  /** The `--run-dir` argument the trainer was started with. */
  runDir: string;
  startedAt: string;
}

/** Path of the lock file of a run folder. */
export function lockPath(runDir: string): string {
  return join(runDir, "sweep.lock");
}

/** Write the lock of a run just started. */
export function writeLock(runDir: string, pid: number): Promise<void> {
  const lock: RunLock = { pid, runDir, startedAt: new Date().toISOString() };
  return writeJsonAtomic(lockPath(runDir), lock);
}

/** The lock of a run folder, or undefined when there is none or it does not parse. */
export async function readLock(runDir: string): Promise<RunLock | undefined> {
  try {
    const lock = JSON.parse(await Deno.readTextFile(lockPath(runDir)));
    return typeof lock?.pid === "number" && typeof lock?.runDir === "string" ? lock : undefined;
  } catch {
    return undefined;
  }
}

/** Remove the lock (no error if it is gone). */
export async function removeLock(runDir: string): Promise<void> {
  await Deno.remove(lockPath(runDir)).catch(() => {});
}

/** True if `lock.pid` is a live (not zombie) process whose command line contains `lock.runDir`. */
export function lockHolderAlive(lock: RunLock): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${lock.pid}/stat`);
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    if (state === "Z" || state === "X") return false;
    const args = Deno.readTextFileSync(`/proc/${lock.pid}/cmdline`).split("\0");
    return args.includes(lock.runDir);
  } catch {
    return false;
  }
}

/** Resolve once the lock holder is gone, checking every `pollMs`. */
export async function waitForLockHolder(lock: RunLock, pollMs = 1000, signal?: AbortSignal): Promise<void> {
  while (lockHolderAlive(lock) && !signal?.aborted) {
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
