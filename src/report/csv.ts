/**
 * One CSV file per table of the report (csv-stringify), numbers at full precision, a missing value as an
 * empty field. Every row × sameClassProb appears, also the missing ones.
 *
 * @module
 */
import { stringify } from "csv-stringify/sync";
import { PUBLISHED_CORRELATION, publishedRun } from "./published.ts";
import { cellAt, type Stat, type Tables } from "./tables.ts";

type Value = string | number | undefined;

/** A table as columns and rows of values. */
export interface CsvTable {
  columns: string[];
  rows: Value[][];
}

const diff = (ours: number | undefined, paper: number | undefined) =>
  ours === undefined || paper === undefined ? undefined : ours - paper;
const ms = (s: Stat | undefined): Value[] => [s?.mean, s?.std];

/** Serialise a table with csv-stringify (undefined and NaN as empty fields). */
export function toCsv(t: CsvTable): string {
  const rows = t.rows.map((r) =>
    r.map((v) => (typeof v === "number" && !Number.isFinite(v) ? undefined : v))
  );
  return stringify(rows, { header: true, columns: t.columns });
}

/** The report's tables as CSV data, keyed by file name. */
export function csvTables(tables: Tables): Record<string, CsvTable> {
  const grid = tables.rows.flatMap(({ row }) =>
    tables.probs.map((p) => ({ row, p, cell: cellAt(tables, row, p) }))
  );
  const table1: CsvTable = {
    columns: [
      "task",
      "same_class_prob",
      "seeds",
      "acc_mean",
      "acc_std",
      "img_class_acc_mean",
      "img_class_acc_std",
      "train_img_class_acc_mean",
      "train_img_class_acc_std",
      "paper_acc",
      "acc_diff",
      "paper_train_img_class_acc",
      "train_img_class_acc_diff",
    ],
    rows: grid.map(({ row, p, cell: c }) => [
      row,
      p,
      c?.runs.length ?? 0,
      ...ms(c?.acc),
      ...ms(c?.imgClassAcc),
      ...ms(c?.trainImgClassAcc),
      c?.published?.acc,
      diff(c?.acc?.mean, c?.published?.acc),
      c?.published?.trainImgClassAcc,
      diff(c?.trainImgClassAcc?.mean, c?.published?.trainImgClassAcc),
    ]),
  };
  const table2: CsvTable = {
    columns: [
      "task",
      "seeds",
      "acc_mean",
      "acc_std",
      "noise_acc_mean",
      "noise_acc_std",
      "topsim_mean",
      "topsim_std",
      "topsim_edit_mean",
      "topsim_edit_std",
      "paper_acc",
      "acc_diff",
      "paper_noise_acc",
      "noise_acc_diff",
      "paper_topsim",
      "topsim_diff",
    ],
    rows: tables.rows.map(({ row }) => {
      const c = cellAt(tables, row, 0.5);
      return [
        row,
        c?.runs.length ?? 0,
        ...ms(c?.acc),
        ...ms(c?.noiseAcc),
        ...ms(c?.topsim),
        ...ms(c?.topsimEdit),
        c?.published?.acc,
        diff(c?.acc?.mean, c?.published?.acc),
        c?.published?.noiseAcc,
        diff(c?.noiseAcc?.mean, c?.published?.noiseAcc),
        c?.published?.topsim,
        diff(c?.topsim?.mean, c?.published?.topsim),
      ];
    }),
  };
  const noise: CsvTable = {
    columns: [
      "task",
      "same_class_prob",
      "seeds",
      "noise_acc_mean",
      "noise_acc_std",
      "paper_noise_acc",
      "noise_acc_diff",
    ],
    rows: grid.map(({ row, p, cell: c }) => [
      row,
      p,
      c?.runs.length ?? 0,
      ...ms(c?.noiseAcc),
      c?.published?.noiseAcc,
      diff(c?.noiseAcc?.mean, c?.published?.noiseAcc),
    ]),
  };
  const corr = tables.correlation;
  const correlation: CsvTable = {
    columns: ["statistic", "value", "p_value", "runs", "paper_value", "paper_p_value"],
    rows: [
      [
        "pearson",
        corr?.pearson.r,
        corr?.pearson.p,
        corr?.n ?? 0,
        PUBLISHED_CORRELATION.pearson.r,
        PUBLISHED_CORRELATION.pearson.p,
      ],
      [
        "spearman",
        corr?.spearman.rho,
        corr?.spearman.p,
        corr?.n ?? 0,
        PUBLISHED_CORRELATION.spearman.rho,
        PUBLISHED_CORRELATION.spearman.p,
      ],
    ],
  };
  const language: CsvTable = {
    columns: [
      "task",
      "same_class_prob",
      "seeds",
      "mean_length_mean",
      "mean_length_std",
      "vocab_used_mean",
      "vocab_used_std",
      "entropy_bits_mean",
      "entropy_bits_std",
    ],
    rows: grid.map(({ row, p, cell: c }) => [
      row,
      p,
      c?.runs.length ?? 0,
      ...ms(c?.meanLength),
      ...ms(c?.vocabUsed),
      ...ms(c?.entropy),
    ]),
  };
  const runs: CsvTable = {
    columns: [
      "run",
      "task",
      "same_class_prob",
      "seed",
      "epochs",
      "best_epoch",
      "best_acc",
      "best_img_class_acc",
      "best_train_img_class_acc",
      "noise_acc",
      "topsim",
      "topsim_edit",
      "mean_length",
      "vocab_used",
      "entropy_bits",
      "paper_acc",
      "paper_noise_acc",
    ],
    rows: tables.runs.map((r) => {
      const pub = publishedRun(r.config.task, r.config.sameClassProb, r.config.seed);
      return [
        r.name,
        r.row,
        r.config.sameClassProb,
        r.config.seed,
        r.summary.epochs,
        r.summary.bestEpoch,
        r.summary.bestAcc,
        r.summary.bestImgClassAcc,
        r.summary.bestTrainImgClassAcc,
        r.summary.noiseAcc,
        r.analysis.topsim,
        r.analysis.topsimEdit,
        r.analysis.language?.meanLength,
        r.analysis.language?.vocabUsed,
        r.analysis.language?.entropy,
        pub?.acc,
        pub?.noiseAcc,
      ];
    }),
  };
  const curves: CsvTable = {
    columns: ["task", "same_class_prob", "epoch", "acc_mean", "runs"],
    rows: tables.cells.flatMap((c) =>
      c.curve.map((
        acc,
        k,
      ) => [c.row, c.p, k + 1, acc, c.runs.filter((r) => Number.isFinite(r.summary.curve[k])).length])
    ),
  };
  return {
    "table1.csv": table1,
    "table2.csv": table2,
    "noise_acc.csv": noise,
    "correlation.csv": correlation,
    "language.csv": language,
    "runs.csv": runs,
    "learning_curves.csv": curves,
  };
}
