/**
 * `deno task report`: from sweep folders to `reports/<name>/` (report.md, one CSV per table, SVG plots),
 * every file written atomically.
 *
 * @module
 */
import { basename, join } from "node:path";
import type { FeatureSplit } from "../features/types.ts";
import { writeFileAtomic } from "../io/atomic.ts";
import { Progress } from "../io/progress.ts";
import { csvTables, toCsv } from "./csv.ts";
import { renderMarkdown } from "./markdown.ts";
import { accVsNoiseSvg, learningCurvesSvg } from "./plots.ts";
import { analyzeRun, featureLoader } from "./run_analysis.ts";
import { type LoadOutcome, loadRuns } from "./runs.ts";
import { summarizeRun } from "./summary.ts";
import { buildTables, differencesFromPaper, rowLabels, type RunRow, type Tables } from "./tables.ts";

/** Options of {@link makeReport}. */
export interface ReportOptions {
  /** Sweep folders (or run folders). */
  dirs: string[];
  /** Report folder name under `outRoot` (default: the first folder's name). */
  name?: string;
  /** Parent of report folders (default "reports"). */
  outRoot?: string;
  /** Games sampled for topsim per run (default 10,000, the paper's); 0 skips topsim. */
  topsimGames?: number;
  /** Seed of the topsim sampling (default 0). */
  seed?: number;
  /** Show progress and warnings on stderr (default true). */
  verbose?: boolean;
  /** Loader of a feature folder's validation features (default: the feature cache; tests pass their own). */
  testFeatures?: (dir: string) => Promise<FeatureSplit>;
}

/** What {@link makeReport} wrote and found. */
export interface ReportOutput {
  /** The report folder. */
  dir: string;
  tables: Tables;
  notes: string[];
  /** File names written in `dir`. */
  files: string[];
  load: LoadOutcome;
}

const PLOTS = [
  {
    file: "learning_curves.svg",
    caption: "Validation accuracy per epoch, mean over seeds",
    make: learningCurvesSvg,
  },
  {
    file: "acc_vs_noise.svg",
    caption: "Best validation accuracy against noise accuracy, one point per run",
    make: accVsNoiseSvg,
  },
];

async function plannedRuns(dirs: string[]): Promise<string[]> {
  const names = new Set<string>();
  for (const dir of dirs) {
    try {
      const sweep = JSON.parse(await Deno.readTextFile(join(dir, "sweep.json")));
      for (const n of sweep?.runs ?? []) if (typeof n === "string") names.add(n);
    } catch { /* not a sweep folder, or no sweep.json */ }
  }
  return [...names].sort();
}

/** Read the runs, compute the tables and write the report. */
export async function makeReport(opts: ReportOptions): Promise<ReportOutput> {
  const verbose = opts.verbose ?? true;
  const topsimGames = opts.topsimGames ?? 10_000;
  const seed = opts.seed ?? 0;
  const load = await loadRuns(opts.dirs);
  const notes: string[] = [];
  for (const { dir, reason } of load.damaged) {
    const note = `Run ${dir} was skipped: ${reason}`;
    notes.push(note);
    if (verbose) console.error(`report: warning: ${note}`);
  }
  if (load.unfinished.length) {
    notes.push(
      `${load.unfinished.length} unfinished runs were left out: ${
        load.unfinished.map((d) => basename(d)).join(", ")
      }.`,
    );
  }
  const finished = new Set(load.runs.map((r) => r.name));
  const missing = (await plannedRuns(opts.dirs)).filter((n) => !finished.has(n));
  if (missing.length) {
    notes.push(`${missing.length} runs of the sweep grid have no finished folder: ${missing.join(", ")}.`);
  }
  for (const dup of load.duplicates) {
    notes.push(`Run ${dup.dir} repeats the configuration of ${dup.sameAs}; the first is used.`);
  }
  notes.push(...load.warnings);

  const labels = rowLabels(load.runs.map((r) => r.config));
  const progress = new Progress({
    label: "report: topsim",
    total: load.runs.length,
    unit: "runs",
    enabled: verbose,
  });
  const testFeatures = opts.testFeatures ?? featureLoader();
  const rows: RunRow[] = [];
  for (const [k, run] of load.runs.entries()) {
    const summary = summarizeRun(run.metrics, run.result.noiseAcc);
    if (run.result.bestEpoch !== undefined && run.result.bestEpoch !== summary.bestEpoch) {
      notes.push(
        `${run.name}: result.json says best epoch ${run.result.bestEpoch}, metrics.jsonl gives ${summary.bestEpoch}; ` +
          "the report uses metrics.jsonl.",
      );
    }
    const analysis = await analyzeRun(run, summary.bestEpoch, { topsimGames, seed, testFeatures });
    rows.push({ name: run.name, config: run.config, row: labels[k], summary, analysis });
    progress.tick();
  }
  progress.done();
  const tables = buildTables(rows);
  notes.push(...tables.notes, ...tables.runs.flatMap((r) => r.analysis.notes));
  const diffs = differencesFromPaper(load.runs.map((r) => r.config));
  if (diffs.length) notes.push(`These runs differ from the paper's configuration: ${diffs.join(", ")}.`);

  const name = opts.name ?? basename(opts.dirs[0].replace(/[\\/]+$/, ""));
  const dir = join(opts.outRoot ?? "reports", name);
  const files: string[] = [];
  const csv = csvTables(tables);
  for (const [file, data] of Object.entries(csv)) {
    await writeFileAtomic(join(dir, file), toCsv(data));
    files.push(file);
  }
  for (const p of PLOTS) {
    await writeFileAtomic(join(dir, p.file), p.make(tables));
    files.push(p.file);
  }
  const md = renderMarkdown(tables, {
    name,
    sources: opts.dirs,
    topsimGames,
    seed,
    notes,
    plots: PLOTS.map(({ file, caption }) => ({ file, caption })),
    csvFiles: Object.keys(csv),
  });
  await writeFileAtomic(join(dir, "report.md"), md);
  files.push("report.md");
  return { dir, tables, notes, files, load };
}
