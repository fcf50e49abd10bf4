/**
 * Benchmark figures: `deno task bench` prints one JSON line per figure.
 *
 * @module
 */

/** One figure, e.g. `{ name: "train.ms_per_step", value: 92.1, unit: "ms" }`. */
export interface BenchFigure {
  /** Stable name: `features.images_per_s`, `train.ms_per_step`, `topsim.s_n10000`, … */
  name: string;
  value: number;
  unit: string;
  /** Name of the baseline this figure is compared with, measured in the same run. */
  baseline?: string;
  /** The baseline's value, same unit. */
  baselineValue?: number;
  /** value / baselineValue. */
  ratio?: number;
  /** Free-form details (batch size, backend, counts). */
  detail?: Record<string, unknown>;
}

/** A benchmark: measures and returns its figures (the baseline first, if any). */
export interface Bench {
  /** Figure names this bench produces (for `--only`). */
  names: string[];
  run(options: { quick: boolean }): Promise<BenchFigure[]>;
}
