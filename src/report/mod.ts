/**
 * Reports: the paper's tables, statistics, topsim and plots from run folders. `tasks/report.ts` is a thin
 * layer over {@link makeReport}.
 *
 * @module
 */
export { missingCells } from "./complete.ts";
export { csvTables, toCsv } from "./csv.ts";
export { renderMarkdown } from "./markdown.ts";
export { accVsNoiseSvg, learningCurvesSvg } from "./plots.ts";
export { published, PUBLISHED_CORRELATION, PUBLISHED_RUNS, publishedRun } from "./published.ts";
export { makeReport, type ReportOptions, type ReportOutput } from "./report.ts";
export { analyzeRun, type RunAnalysis } from "./run_analysis.ts";
export { type LoadedRun, loadRuns, parseMetrics, ReportError, RunFileError } from "./runs.ts";
export { type RunSummary, summarizeRun } from "./summary.ts";
export { lineChart, scatterChart } from "./svg.ts";
export { buildTables, type Cell as TableCell, type Tables } from "./tables.ts";
