/**
 * Runs the planned runs of a sweep, `jobs` at a time, each as its own `deno run -A tasks/train.ts` process
 * writing to `<run>/train.log`. Finished runs (result.json) are skipped; an unfinished folder is handed to
 * train again, which resumes it from its checkpoint; a folder still being trained by a process left over from
 * a killed sweep is waited for (see lock.ts). A failed run does not stop the others.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { exists } from "../io/atomic.ts";
import { runPaths } from "../train/layout.ts";
import { lockHolderAlive, readLock, removeLock, waitForLockHolder, writeLock } from "./lock.ts";
import { type PassThroughFlag, trainArgs } from "./train_args.ts";
import type { RunConfig } from "../config.ts";

/** One run of the sweep: its folder name, folder and configuration. */
export interface PlannedRun {
  name: string;
  dir: string;
  config: RunConfig;
}

/** What happens to a run, for progress lines. */
export type SweepEvent =
  | { type: "skip"; run: PlannedRun }
  | { type: "start"; run: PlannedRun; resumed: boolean }
  | { type: "adopt"; run: PlannedRun; pid: number }
  | { type: "finish"; run: PlannedRun; seconds: number; adopted: boolean }
  | { type: "fail"; run: PlannedRun; seconds: number; code: number; log: string };

/** A run that ended without result.json. */
export interface FailedRun {
  name: string;
  dir: string;
  /** Exit code of train (or -1 when it exited 0 but left no result.json). */
  code: number;
  /** Last lines of its train.log. */
  logTail: string;
}

/** What a sweep did. */
export interface SweepOutcome {
  skipped: string[];
  completed: string[];
  failed: FailedRun[];
  /** True when stopped by the abort signal before every run was tried. */
  aborted: boolean;
}

/** Options of {@link runSweep}. */
export interface SweepOptions {
  runs: PlannedRun[];
  /** Runs at once (>= 1). */
  jobs: number;
  /** Data flags for every run, e.g. `{ features: dir, "limit-train": "2000" }`. */
  data?: Partial<Record<PassThroughFlag, string>>;
  /** The training script (default: tasks/train.ts of this repository). Tests pass a fake one. */
  trainScript?: string;
  /** Extra arguments appended to every run's command line. */
  extraArgs?: string[];
  onEvent?: (event: SweepEvent) => void;
  /** Stop starting runs and send SIGTERM to the running ones. */
  signal?: AbortSignal;
  /** Poll interval when waiting for a leftover trainer (ms). */
  pollMs?: number;
}

const DEFAULT_TRAIN_SCRIPT = fileURLToPath(new URL("../../tasks/train.ts", import.meta.url));

/** True if the run folder holds result.json (the layout's "finished"). */
export function isFinished(dir: string): Promise<boolean> {
  return exists(runPaths(dir).result);
}

/** Runs that still need work, in order; the others are reported as skipped. */
export async function pendingRuns(runs: PlannedRun[]): Promise<PlannedRun[]> {
  const out: PlannedRun[] = [];
  for (const run of runs) if (!(await isFinished(run.dir))) out.push(run);
  return out;
}

async function logTail(path: string, lines = 15): Promise<string> {
  try {
    return (await Deno.readTextFile(path)).trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no train.log)";
  }
}

/**
 * Start train for one run. The child writes its own output to train.log (through `sh -c exec`, so it keeps
 * logging if the sweep dies); on Windows the sweep copies the output.
 */
function spawnTrain(run: PlannedRun, opts: SweepOptions, log: string): Deno.ChildProcess {
  const script = opts.trainScript ?? DEFAULT_TRAIN_SCRIPT;
  const args = [
    "run",
    "-A",
    script,
    ...trainArgs(run.config, run.dir, opts.data ?? {}),
    ...(opts.extraArgs ?? []),
  ];
  if (Deno.build.os === "windows") {
    const child = new Deno.Command(Deno.execPath(), { args, stdin: "null", stdout: "piped", stderr: "piped" })
      .spawn();
    const sink = async (stream: ReadableStream<Uint8Array>) => {
      const f = await Deno.open(log, { append: true, create: true });
      await stream.pipeTo(f.writable);
    };
    sink(child.stdout).catch(() => {});
    sink(child.stderr).catch(() => {});
    return child;
  }
  return new Deno.Command("/bin/sh", {
    args: ["-c", 'exec "$0" "$@" >>"$VCP_TRAIN_LOG" 2>&1', Deno.execPath(), ...args],
    env: { VCP_TRAIN_LOG: log },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

/** Run the sweep; resolves when every run is finished, failed or (on abort) stopped. */
export async function runSweep(opts: SweepOptions): Promise<SweepOutcome> {
  const emit = opts.onEvent ?? (() => {});
  const outcome: SweepOutcome = { skipped: [], completed: [], failed: [], aborted: false };
  const queue: PlannedRun[] = [];
  for (const run of opts.runs) {
    if (await isFinished(run.dir)) {
      const lock = await readLock(run.dir); // left by a sweep killed while this run was finishing
      if (lock && !lockHolderAlive(lock)) await removeLock(run.dir);
      outcome.skipped.push(run.name);
      emit({ type: "skip", run });
    } else queue.push(run);
  }
  const children = new Set<Deno.ChildProcess>();
  const onAbort = () => {
    for (const c of children) {
      try {
        c.kill("SIGTERM");
      } catch { /* already exited */ }
    }
  };
  opts.signal?.addEventListener("abort", onAbort);

  const handle = async (run: PlannedRun) => {
    const t0 = performance.now();
    const seconds = () => (performance.now() - t0) / 1000;
    const lock = await readLock(run.dir);
    if (lock && lockHolderAlive(lock)) {
      emit({ type: "adopt", run, pid: lock.pid });
      await waitForLockHolder(lock, opts.pollMs ?? 1000, opts.signal);
      if (opts.signal?.aborted) return;
      if (await isFinished(run.dir)) {
        await removeLock(run.dir);
        outcome.completed.push(run.name);
        emit({ type: "finish", run, seconds: seconds(), adopted: true });
        return;
      }
    }
    await Deno.mkdir(run.dir, { recursive: true });
    const log = join(run.dir, "train.log");
    const resumed = await exists(runPaths(run.dir).state);
    await Deno.writeTextFile(
      log,
      `# ${new Date().toISOString()} sweep ${Deno.pid} ${resumed ? "resumes" : "starts"} ${run.name}\n`,
      { append: true },
    );
    const child = spawnTrain(run, opts, log);
    children.add(child);
    await writeLock(run.dir, child.pid);
    emit({ type: "start", run, resumed });
    const status = await child.status;
    children.delete(child);
    await removeLock(run.dir);
    if (opts.signal?.aborted && !status.success) return;
    if (status.success && await isFinished(run.dir)) {
      outcome.completed.push(run.name);
      emit({ type: "finish", run, seconds: seconds(), adopted: false });
    } else {
      const failed = {
        name: run.name,
        dir: run.dir,
        code: status.success ? -1 : status.code,
        logTail: await logTail(log),
      };
      outcome.failed.push(failed);
      emit({ type: "fail", run, seconds: seconds(), code: failed.code, log });
    }
  };

  const worker = async () => {
    while (queue.length > 0 && !opts.signal?.aborted) await handle(queue.shift()!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, queue.length)) }, worker));
  opts.signal?.removeEventListener("abort", onAbort);
  outcome.aborted = !!opts.signal?.aborted;
  return outcome;
}
