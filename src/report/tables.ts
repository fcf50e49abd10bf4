/**
 * The report's tables as data: runs grouped into cells of task x sameClassProb (mean ± sample std over
 * seeds), the correlation of best validation acc and noise acc over all runs, and the notes a reader needs
 * (missing cells, configurations that differ from the paper's).
 *
 * Runs that differ in other fields than task, sameClassProb and seed (e.g. two numImgs) get separate rows,
 * labelled with those fields.
 *
 * @module
 */
import { mean, pearson, spearman, std } from "../analysis/stats.ts";
import { DEFAULT_CONFIG, type RunConfig, TASKS } from "../config.ts";
import { published, type PublishedCell } from "./published.ts";
import type { RunAnalysis } from "./run_analysis.ts";
import type { RunSummary } from "./summary.ts";

/** One run with its numbers. */
export interface RunRow {
  name: string;
  config: RunConfig;
  /** Row label: the task, plus the fields that tell this row's runs from other rows' (if any). */
  row: string;
  summary: RunSummary;
  analysis: RunAnalysis;
}

/** Mean and sample standard deviation (undefined for one value) of the values present. */
export interface Stat {
  n: number;
  mean: number;
  std?: number;
}

/** Statistic over the values that are defined (and finite); undefined when there is none. */
export function stat(values: readonly (number | undefined)[]): Stat | undefined {
  const v = values.filter((x): x is number => typeof x === "number" && Number.isFinite(x));
  if (v.length === 0) return undefined;
  return { n: v.length, mean: mean(v), std: v.length > 1 ? std(v) : undefined };
}

/** True when some values were computed and none is finite (e.g. topsim of constant messages). */
function allUndefined(values: readonly (number | undefined)[]): boolean {
  const computed = values.filter((x) => x !== undefined);
  return computed.length > 0 && !computed.some(Number.isFinite);
}

/** The runs of one task (row) and sameClassProb, and their statistics. */
export interface Cell {
  row: string;
  task: string;
  p: number;
  runs: RunRow[];
  acc?: Stat;
  imgClassAcc?: Stat;
  trainImgClassAcc?: Stat;
  noiseAcc?: Stat;
  topsim?: Stat;
  topsimEdit?: Stat;
  /** True when topsim was computed but is undefined (NaN: all sampled messages equal) for every run. */
  topsimUndefined: boolean;
  topsimEditUndefined: boolean;
  meanLength?: Stat;
  vocabUsed?: Stat;
  entropy?: Stat;
  /** Mean validation acc per epoch over the runs that reached it (NaN where none did). */
  curve: number[];
  published?: PublishedCell;
}

/** Pearson and Spearman correlation of best validation acc and noise acc over runs. */
export interface Correlation {
  n: number;
  pearson: { r: number; p: number };
  spearman: { rho: number; p: number };
}

/** Everything the report shows. */
export interface Tables {
  /** Row labels in display order, with their task. */
  rows: { row: string; task: string }[];
  /** sameClassProb values in display order. */
  probs: number[];
  cells: Cell[];
  runs: RunRow[];
  /** Undefined when fewer than 3 runs have a noise accuracy. */
  correlation?: Correlation;
  notes: string[];
}

/** The paper's configuration apart from the swept fields. */
export const PAPER_CONFIG: Readonly<RunConfig> = { ...DEFAULT_CONFIG, numImgs: 2, evalNoise: true };
const SWEPT = new Set<keyof RunConfig>(["task", "sameClassProb", "seed"]);

/** Row labels: the task, plus `field=value` for the fields that vary across runs (besides task, p, seed). */
export function rowLabels(configs: readonly RunConfig[]): string[] {
  const varying = (Object.keys(DEFAULT_CONFIG) as (keyof RunConfig)[]).filter((f) =>
    !SWEPT.has(f) && new Set(configs.map((c) => JSON.stringify(c[f]))).size > 1
  );
  return configs.map((c) =>
    varying.length ? `${c.task} (${varying.map((f) => `${f}=${c[f]}`).join(", ")})` : c.task
  );
}

/** Fields (besides task, p, seed) where runs differ from the paper's configuration, as `field=value`. */
export function differencesFromPaper(configs: readonly RunConfig[]): string[] {
  const out: string[] = [];
  for (const f of Object.keys(PAPER_CONFIG) as (keyof RunConfig)[]) {
    if (SWEPT.has(f)) continue;
    const values = [...new Set(configs.map((c) => c[f]))].filter((v) => v !== PAPER_CONFIG[f]);
    if (values.length) out.push(`${f}=${values.join("/")} (paper: ${PAPER_CONFIG[f]})`);
  }
  return out;
}

function taskOrder(task: string): number {
  const k = TASKS.indexOf(task as RunConfig["task"]);
  return k < 0 ? TASKS.length : k;
}

function meanCurve(runs: RunRow[]): number[] {
  const len = Math.max(0, ...runs.map((r) => r.summary.curve.length));
  return Array.from({ length: len }, (_, k) => stat(runs.map((r) => r.summary.curve[k]))?.mean ?? NaN);
}

/** Correlation over runs with a noise accuracy; undefined below 3 runs. */
export function correlation(runs: readonly RunRow[]): Correlation | undefined {
  const with_ = runs.filter((r) =>
    typeof r.summary.noiseAcc === "number" && Number.isFinite(r.summary.noiseAcc)
  );
  if (with_.length < 3) return undefined;
  const x = with_.map((r) => r.summary.bestAcc), y = with_.map((r) => r.summary.noiseAcc!);
  return { n: with_.length, pearson: pearson(x, y), spearman: spearman(x, y) };
}

/** Group runs into cells and compute every statistic. */
export function buildTables(runs: RunRow[]): Tables {
  const sorted = [...runs].sort((a, b) =>
    taskOrder(a.config.task) - taskOrder(b.config.task) || (a.row < b.row ? -1 : a.row > b.row ? 1 : 0) ||
    a.config.sameClassProb - b.config.sameClassProb || a.config.seed - b.config.seed ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  );
  const rows: { row: string; task: string }[] = [];
  for (const r of sorted) {
    if (!rows.some((x) => x.row === r.row)) rows.push({ row: r.row, task: r.config.task });
  }
  const probs = [...new Set(sorted.map((r) => r.config.sameClassProb))].sort((a, b) => a - b);
  const cells: Cell[] = [];
  const notes: string[] = [];
  const seedCounts: number[] = [];
  for (const { row, task } of rows) {
    for (const p of probs) {
      const rs = sorted.filter((r) => r.row === row && r.config.sameClassProb === p);
      if (rs.length === 0) {
        notes.push(`No finished run for ${row} at sameClassProb ${p}: its cells show "–".`);
        continue;
      }
      seedCounts.push(rs.length);
      cells.push({
        row,
        task,
        p,
        runs: rs,
        acc: stat(rs.map((r) => r.summary.bestAcc)),
        imgClassAcc: stat(rs.map((r) => r.summary.bestImgClassAcc)),
        trainImgClassAcc: stat(rs.map((r) => r.summary.bestTrainImgClassAcc)),
        noiseAcc: stat(rs.map((r) => r.summary.noiseAcc)),
        topsim: stat(rs.map((r) => r.analysis.topsim)),
        topsimEdit: stat(rs.map((r) => r.analysis.topsimEdit)),
        topsimUndefined: allUndefined(rs.map((r) => r.analysis.topsim)),
        topsimEditUndefined: allUndefined(rs.map((r) => r.analysis.topsimEdit)),
        meanLength: stat(rs.map((r) => r.analysis.language?.meanLength)),
        vocabUsed: stat(rs.map((r) => r.analysis.language?.vocabUsed)),
        entropy: stat(rs.map((r) => r.analysis.language?.entropy)),
        curve: meanCurve(rs),
        published: published(task, p),
      });
    }
  }
  const maxSeeds = Math.max(0, ...seedCounts);
  for (const c of cells) {
    if (c.runs.length < maxSeeds) {
      notes.push(`${c.row} at sameClassProb ${c.p} has ${c.runs.length} of ${maxSeeds} seeds.`);
    }
  }
  const corr = correlation(sorted);
  if (!corr) notes.push("Fewer than 3 runs have a noise accuracy: no correlation.");
  return { rows, probs, cells, runs: sorted, correlation: corr, notes };
}

/** The cell of `row` at `p`, if it has runs. */
export function cellAt(tables: Tables, row: string, p: number): Cell | undefined {
  return tables.cells.find((c) => c.row === row && c.p === p);
}
