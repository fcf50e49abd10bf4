/**
 * report.md: the paper's tables from our runs, the published numbers beside them with the differences,
 * the language statistics, a per-run table, links to the plots and CSV files, and notes on what is missing.
 *
 * @module
 */
import { PUBLISHED_CORRELATION, publishedRun } from "./published.ts";
import { cellAt, type Stat, type Tables } from "./tables.ts";

/** What report.md says besides the tables. */
export interface ReportContext {
  name: string;
  /** The folders the runs were read from (as given). */
  sources: string[];
  topsimGames: number;
  seed: number;
  /** Notes: damaged or unfinished runs, missing cells, configuration differences. */
  notes: string[];
  /** File names of the plots and CSV files, to link. */
  plots: { file: string; caption: string }[];
  csvFiles: string[];
}

const DASH = "–";
/** A statistic that was computed but is undefined (topsim of identical messages). */
const UNDEFINED = "undefined";
const f3 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? DASH : x.toFixed(3));
const f2 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? DASH : x.toFixed(2));
const sgn = (x: number | undefined) =>
  x === undefined || !Number.isFinite(x) ? DASH : `${x >= 0 ? "+" : "-"}${Math.abs(x).toFixed(3)}`;
const d = (
  a: number | undefined,
  b: number | undefined,
) => (a === undefined || b === undefined ? undefined : a - b);
const pv = (p: number | undefined) =>
  p === undefined || !Number.isFinite(p) ? DASH : p < 1e-4 ? p.toExponential(1) : p.toFixed(4);

/** A correlation: 3 decimals, "undefined" when computed over constant values (NaN), "–" when not computed. */
const corrValue = (x: number | undefined) => (x !== undefined && Number.isNaN(x) ? UNDEFINED : f3(x));

/** `0.955 ± 0.014`, `0.955` for one value, `–` for none. */
export function fmtStat(s: Stat | undefined, digits = 3): string {
  if (!s) return DASH;
  return s.std === undefined
    ? s.mean.toFixed(digits)
    : `${s.mean.toFixed(digits)} ± ${s.std.toFixed(digits)}`;
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** Render report.md. */
export function renderMarkdown(t: Tables, ctx: ReportContext): string {
  const out: string[] = [];
  const seeds = [...new Set(t.runs.map((r) => r.config.seed))].sort((a, b) => a - b);
  out.push(
    `# Report: ${ctx.name}`,
    "",
    `${t.runs.length} finished runs (${t.rows.length} tasks × ${t.probs.length} sameClassProb values; ` +
      `seeds ${seeds.join(", ")}) from ${ctx.sources.map((s) => `\`${s}\``).join(", ")}.`,
    "Each cell is the mean ± sample standard deviation (n − 1) over seeds; a cell with one run shows its value.",
    'The best epoch of a run is the one with the highest validation accuracy (the first on ties). "–" marks a',
    "missing value. Paper: the published numbers (three seeds, CIFAR-100); Δ = ours − paper.",
    "",
  );
  if (ctx.notes.length) out.push("## Notes", "", ...ctx.notes.map((n) => `- ${n}`), "");

  out.push(
    "## Table 1: best validation accuracy",
    "",
    "`img_class_acc (val)` is the validation image-classification accuracy at the best epoch. `img acc (train)` is",
    'what the original notebook reported as "img acc" in Table 1: the *training* img_class_acc at the best',
    "epoch; the paper's column is compared with it.",
    "",
    table(
      [
        "task",
        "p",
        "seeds",
        "acc",
        "img_class_acc (val)",
        "img acc (train)",
        "paper acc",
        "Δ acc",
        "paper img acc",
        "Δ img acc",
      ],
      t.rows.flatMap(({ row }) =>
        t.probs.map((p) => {
          const c = cellAt(t, row, p);
          return [
            row,
            String(p),
            String(c?.runs.length ?? 0),
            fmtStat(c?.acc),
            fmtStat(c?.imgClassAcc),
            fmtStat(c?.trainImgClassAcc),
            f3(c?.published?.acc),
            sgn(d(c?.acc?.mean, c?.published?.acc)),
            f3(c?.published?.trainImgClassAcc),
            sgn(d(c?.trainImgClassAcc?.mean, c?.published?.trainImgClassAcc)),
          ];
        })
      ),
    ),
    "",
  );

  out.push(
    "## Table 2: sameClassProb 0.5",
    "",
    `topsim: ${ctx.topsimGames} validation games of the best epoch, sampled with replacement (seed ${ctx.seed});`,
    "cosine distance of the 64-d target features against euclidean distance of the symbol ids of all message",
    "positions (the paper's). topsim (edit): Levenshtein distance / mean length of the messages cut after",
    'their first EOS. "undefined": every sampled message is the same, so the correlation has no value.',
    "",
    table(
      [
        "task",
        "seeds",
        "acc",
        "noise acc",
        "topsim",
        "topsim (edit)",
        "paper acc / noise / topsim",
        "Δ acc",
        "Δ noise",
        "Δ topsim",
      ],
      t.rows.map(({ row }) => {
        const c = cellAt(t, row, 0.5), pub = c?.published;
        return [
          row,
          String(c?.runs.length ?? 0),
          fmtStat(c?.acc),
          fmtStat(c?.noiseAcc),
          c?.topsimUndefined ? UNDEFINED : fmtStat(c?.topsim),
          c?.topsimEditUndefined ? UNDEFINED : fmtStat(c?.topsimEdit),
          pub ? `${f3(pub.acc)} / ${f3(pub.noiseAcc)} / ${f3(pub.topsim)}` : DASH,
          sgn(d(c?.acc?.mean, pub?.acc)),
          sgn(d(c?.noiseAcc?.mean, pub?.noiseAcc)),
          sgn(d(c?.topsim?.mean, pub?.topsim)),
        ];
      }),
    ),
    "",
  );

  out.push(
    "## Noise accuracy for every sameClassProb",
    "",
    "Accuracy of the best checkpoint on games between Gaussian-noise images (uniform distractors).",
    "",
    table(
      ["task", ...t.probs.map((p) => `p = ${p}`), ...t.probs.map((p) => `paper p = ${p} (Δ)`)],
      t.rows.map(({ row }) => [
        row,
        ...t.probs.map((p) => fmtStat(cellAt(t, row, p)?.noiseAcc)),
        ...t.probs.map((p) => {
          const c = cellAt(t, row, p), pub = c?.published?.noiseAcc;
          return pub === undefined ? DASH : `${f3(pub)} (${sgn(d(c?.noiseAcc?.mean, pub))})`;
        }),
      ]),
    ),
    "",
  );

  const corr = t.correlation;
  out.push(
    "## Correlation of best validation accuracy and noise accuracy",
    "",
    `Over ${corr?.n ?? 0} runs; two-sided p-values (t distribution with n − 2 degrees of freedom, as scipy).`,
    "",
    table(
      ["statistic", "ours", "p-value", "paper", "paper p-value"],
      [
        [
          "Pearson r",
          corrValue(corr?.pearson.r),
          pv(corr?.pearson.p),
          PUBLISHED_CORRELATION.pearson.r.toFixed(4),
          String(PUBLISHED_CORRELATION.pearson.p),
        ],
        [
          "Spearman ρ",
          corrValue(corr?.spearman.rho),
          pv(corr?.spearman.p),
          PUBLISHED_CORRELATION.spearman.rho.toFixed(4),
          String(PUBLISHED_CORRELATION.spearman.p),
        ],
      ],
    ),
    "",
  );

  out.push(
    "## Language of each task",
    "",
    "From the best epoch's validation messages, each cut after its first EOS: mean length (counting the EOS),",
    "distinct symbols used (EOS excluded) and the entropy in bits of the distribution of whole messages.",
    "",
    table(
      ["task", "p", "seeds", "mean length", "vocabulary used", "message entropy (bits)"],
      t.rows.flatMap(({ row }) =>
        t.probs.map((p) => {
          const c = cellAt(t, row, p);
          return [
            row,
            String(p),
            String(c?.runs.length ?? 0),
            fmtStat(c?.meanLength, 2),
            fmtStat(c?.vocabUsed, 1),
            fmtStat(c?.entropy, 2),
          ];
        })
      ),
    ),
    "",
  );

  out.push("## Figures", "");
  for (const p of ctx.plots) {
    out.push(`![${p.caption}](${p.file})`, "", `*${p.caption}* ([${p.file}](${p.file}))`, "");
  }

  out.push(
    "## Every run",
    "",
    table(
      [
        "run",
        "task",
        "p",
        "seed",
        "epochs",
        "best epoch",
        "acc",
        "img (val)",
        "img (train)",
        "noise acc",
        "topsim",
        "topsim (edit)",
        "length",
        "vocab",
        "entropy",
        "paper acc / noise",
      ],
      t.runs.map((r) => {
        const pub = publishedRun(r.config.task, r.config.sameClassProb, r.config.seed);
        const s = r.summary, a = r.analysis;
        return [
          r.name,
          r.row,
          String(r.config.sameClassProb),
          String(r.config.seed),
          String(s.epochs),
          String(s.bestEpoch),
          f3(s.bestAcc),
          f3(s.bestImgClassAcc),
          f3(s.bestTrainImgClassAcc),
          f3(s.noiseAcc),
          a.topsim !== undefined && Number.isNaN(a.topsim) ? UNDEFINED : f3(a.topsim),
          a.topsimEdit !== undefined && Number.isNaN(a.topsimEdit) ? UNDEFINED : f3(a.topsimEdit),
          f2(a.language?.meanLength),
          a.language ? String(a.language.vocabUsed) : DASH,
          f2(a.language?.entropy),
          pub ? `${f3(pub.acc)} / ${f3(pub.noiseAcc)}` : DASH,
        ];
      }),
    ),
    "",
    "## Files",
    "",
    ...ctx.csvFiles.map((f) => `- [${f}](${f})`),
    "",
  );
  return out.join("\n");
}
