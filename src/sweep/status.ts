/**
 * The sweep's progress line: runs done / running / left, failures, elapsed time and an estimate of the time
 * left (mean duration of the runs trained so far, times the work left, divided by the parallel jobs).
 *
 * @example
 * ```ts
 * import { SweepStatus } from "./status.ts";
 * const s = new SweepStatus(4, 2);
 * s.skip();
 * s.start();
 * if (!s.line().startsWith("sweep: 1/4 done, 1 running, 2 left")) throw new Error(s.line());
 * ```
 * @module
 */

/** Format seconds as `45s`, `3m05s`, `2h10m`. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** Counts of a sweep's runs over time. */
export class SweepStatus {
  done = 0;
  running = 0;
  failed = 0;
  #trainedSeconds: number[] = [];
  #start = performance.now();

  constructor(readonly total: number, readonly jobs: number) {}

  /** A run was already finished. */
  skip(): void {
    this.done++;
  }
  /** A run started (or a leftover trainer was adopted). */
  start(): void {
    this.running++;
  }
  /** A run ended; `seconds` counts toward the estimate when the run was trained by this sweep. */
  end(ok: boolean, seconds?: number): void {
    this.running--;
    if (ok) this.done++;
    else this.failed++;
    if (ok && seconds !== undefined) this.#trainedSeconds.push(seconds);
  }

  /** Runs neither done, running nor failed. */
  get left(): number {
    return this.total - this.done - this.running - this.failed;
  }

  /** Estimated seconds left, or NaN before the first trained run ends. */
  eta(): number {
    const n = this.#trainedSeconds.length;
    if (n === 0) return NaN;
    const mean = this.#trainedSeconds.reduce((a, b) => a + b, 0) / n;
    const work = this.left + this.running / 2;
    return (work * mean) / Math.max(1, Math.min(this.jobs, this.left + this.running));
  }

  /** `sweep: 3/27 done, 2 running, 22 left, elapsed 4m10s, eta 31m`. */
  line(): string {
    const elapsed = (performance.now() - this.#start) / 1000;
    const failed = this.failed ? `, ${this.failed} failed` : "";
    const eta = this.left + this.running > 0 ? `, eta ${formatSeconds(this.eta())}` : "";
    return `sweep: ${this.done}/${this.total} done, ${this.running} running, ${this.left} left${failed}, ` +
      `elapsed ${formatSeconds(elapsed)}${eta}`;
  }
}
