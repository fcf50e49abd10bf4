/**
 * Progress for long work: a redrawn bar on a terminal, a periodic plain line otherwise (CI logs, pipes).
 *
 * @module
 */

/** Options of {@link Progress}. */
export interface ProgressOptions {
  /** Label printed before the bar. */
  label: string;
  /** Total units of work. */
  total: number;
  /** Unit name, e.g. "images". */
  unit?: string;
  /** Seconds between plain lines when stderr is not a terminal (default 10). */
  lineEverySeconds?: number;
  /** Set false to print nothing (tests). */
  enabled?: boolean;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** A progress reporter writing to stderr. */
export class Progress {
  #done = 0;
  #start = performance.now();
  #lastDraw = 0;
  #tty: boolean;
  #enabled: boolean;
  #extra = "";

  constructor(readonly options: ProgressOptions) {
    this.#enabled = options.enabled ?? true;
    this.#tty = this.#enabled && Deno.stderr.isTerminal();
  }

  /** Advance by `n` units, with optional extra text (e.g. the current loss). */
  tick(n = 1, extra?: string): void {
    this.#done += n;
    if (extra !== undefined) this.#extra = extra;
    const now = performance.now();
    const every = this.#tty ? 100 : (this.options.lineEverySeconds ?? 10) * 1000;
    // In logs the final line comes from done(); on a terminal the bar is redrawn in place.
    const reached = this.#tty && this.#done >= this.options.total;
    if (now - this.#lastDraw >= every || reached) {
      this.#lastDraw = now;
      this.#draw(false);
    }
  }

  /** Set the absolute amount done. */
  update(done: number, extra?: string): void {
    this.tick(done - this.#done, extra);
  }

  /** Finish the bar with a final line. */
  done(extra?: string): void {
    if (extra !== undefined) this.#extra = extra;
    this.#draw(true);
  }

  #draw(final: boolean): void {
    if (!this.#enabled) return;
    const { label, total, unit = "" } = this.options;
    const elapsed = (performance.now() - this.#start) / 1000;
    const frac = total > 0 ? Math.min(1, this.#done / total) : 1;
    const rate = this.#done / Math.max(elapsed, 1e-9);
    const eta = rate > 0 ? (total - this.#done) / rate : Infinity;
    const stats =
      `${this.#done}/${total} ${unit} ${rate.toFixed(1)} ${unit}/s elapsed ${formatSeconds(elapsed)}` +
      (final ? "" : ` eta ${formatSeconds(eta)}`) + (this.#extra ? ` ${this.#extra}` : "");
    const enc = new TextEncoder();
    if (this.#tty) {
      const width = 30, filled = Math.round(frac * width);
      const bar = "█".repeat(filled) + "░".repeat(width - filled);
      Deno.stderr.writeSync(
        enc.encode(`\r\x1b[2K${label} ${bar} ${(frac * 100).toFixed(0)}% ${stats}${final ? "\n" : ""}`),
      );
    } else {
      Deno.stderr.writeSync(enc.encode(`${label}: ${(frac * 100).toFixed(1)}% ${stats}\n`));
    }
  }
}
