/**
 * The report's figures: learning curves (mean validation acc per epoch, one line per task x
 * sameClassProb) and best validation acc against noise acc (one point per run, one series per task x
 * sameClassProb). Colour tells the task, dash / marker the sameClassProb.
 *
 * @module
 */
import { lineChart, scatterChart, type Series } from "./svg.ts";
import type { Tables } from "./tables.ts";

const TASK_COLORS: Record<string, string> = {
  standard: "#1f77b4",
  img_clas: "#d62728",
  target_clas: "#2ca02c",
};
const EXTRA_COLORS = ["#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const DASHES = [undefined, "7 4", "2 3", "10 3 2 3"];
const MARKERS = ["circle", "square", "triangle"] as const;

function styler(tables: Tables) {
  const rowColor = new Map<string, string>();
  let extra = 0;
  for (const { row, task } of tables.rows) {
    const base = TASK_COLORS[task];
    const taken = [...rowColor.values()];
    rowColor.set(row, base && !taken.includes(base) ? base : EXTRA_COLORS[extra++ % EXTRA_COLORS.length]);
  }
  return (row: string, p: number) => {
    const k = tables.probs.indexOf(p);
    return {
      color: rowColor.get(row)!,
      dash: DASHES[k % DASHES.length],
      marker: MARKERS[k % MARKERS.length],
    };
  };
}

/** Learning curves: one series per cell. */
export function learningCurvesSvg(tables: Tables): string {
  const style = styler(tables);
  const series: Series[] = tables.cells.map((c) => ({
    label: `${c.row}, p = ${c.p}`,
    ...style(c.row, c.p),
    points: c.curve.map((acc, k) => [k + 1, acc] as [number, number]),
  }));
  return lineChart({
    title: "Validation accuracy per epoch (mean over seeds)",
    xLabel: "epoch",
    yLabel: "validation accuracy",
    series,
    integerX: true,
  });
}

/** Best validation acc against noise acc, one point per run, one series per cell. */
export function accVsNoiseSvg(tables: Tables): string {
  const style = styler(tables);
  const series: Series[] = tables.cells.map((c) => ({
    label: `${c.row}, p = ${c.p}`,
    ...style(c.row, c.p),
    points: c.runs.map((r) => [r.summary.bestAcc, r.summary.noiseAcc ?? NaN] as [number, number]),
  }));
  return scatterChart({
    title: "Best validation accuracy against noise accuracy, per run",
    xLabel: "best validation accuracy",
    yLabel: "noise accuracy",
    series,
  });
}
