import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { sampleGames, topsim } from "../src/analysis/topsim.ts";
import { cutAtEos } from "../src/analysis/messages.ts";
import { languageStats } from "../src/analysis/language.ts";
import { resolveConfig, type RunConfig } from "../src/config.ts";
import type { FeatureSplit } from "../src/features/types.ts";
import { writeJsonAtomic } from "../src/io/atomic.ts";
import { missingCells } from "../src/report/complete.ts";
import { fmtStat } from "../src/report/markdown.ts";
import { published, PUBLISHED_RUNS } from "../src/report/published.ts";
import { makeReport } from "../src/report/report.ts";
import { parseMetrics, ReportError, RunFileError } from "../src/report/runs.ts";
import { summarizeRun } from "../src/report/summary.ts";
import { lineChart, scatterChart } from "../src/report/svg.ts";
import { Rng } from "../src/rng.ts";
import { saveInteractions } from "../src/train/interactions.ts";
import type { MetricLine } from "../src/train/layout.ts";
import { runName } from "../src/train/run_name.ts";

const EPS = 1e-12;
const close = (a: number, b: number, what: string, eps = EPS) =>
  assert.ok(Math.abs(a - b) <= eps, `${what}: ${a} vs ${b}`);

/** Validation features shared by the fabricated runs: 12 images of dim 4. */
const FEATURES: FeatureSplit = (() => {
  const rng = new Rng(5);
  const count = 12, dim = 4;
  return {
    count,
    dim,
    features: rng.fillNormal(new Float32Array(count * dim)) as Float32Array,
    fine: new Uint8Array(count),
    coarse: new Uint8Array(count),
  };
})();

interface FakeRun {
  task?: RunConfig["task"];
  p: number;
  seed: number;
  /** Validation acc per epoch. */
  acc: number[];
  /** Validation and training img_class_acc per epoch (pressure tasks). */
  valImg?: number[];
  trainImg?: number[];
  noise?: number;
  /** Write the validation interactions of every epoch (for topsim and language). */
  interactions?: boolean;
  /** Every message is the same (a degenerate language). */
  constantMessages?: boolean;
  /** Extra text appended to metrics.jsonl. */
  tail?: string;
  finished?: boolean;
}

/** A run folder following src/train/layout.ts, with fabricated metrics. */
async function makeRun(root: string, r: FakeRun): Promise<string> {
  const config = resolveConfig({
    task: r.task ?? "standard",
    sameClassProb: r.p,
    seed: r.seed,
    evalNoise: true,
  });
  const dir = join(root, runName(config));
  await writeJsonAtomic(join(dir, "config.json"), config);
  await writeJsonAtomic(join(dir, "manifest.json"), { features: { key: "k", dir: "fake-features" } });
  const lines: MetricLine[] = [];
  r.acc.forEach((acc, k) => {
    const base = { epoch: k + 1, loss: 1, length: 2, temperature: 1, seconds: 1 };
    lines.push({
      ...base,
      mode: "train",
      acc: acc + 0.01,
      ...(r.trainImg ? { img_class_acc: r.trainImg[k] } : {}),
    });
    lines.push({ ...base, mode: "test", acc, ...(r.valImg ? { img_class_acc: r.valImg[k] } : {}) });
  });
  if (r.noise !== undefined) {
    lines.push({ epoch: 1, mode: "noise", loss: 1, acc: r.noise, length: 2, temperature: 1, seconds: 1 });
  }
  await Deno.writeTextFile(
    join(dir, "metrics.jsonl"),
    lines.map((l) => JSON.stringify(l) + "\n").join("") + (r.tail ?? ""),
  );
  if (r.interactions) {
    for (let e = 1; e <= r.acc.length; e++) {
      const n = 8, width = 4;
      const rng = new Rng(r.seed * 100 + e);
      const symbols = new Uint8Array(n * width);
      for (let i = 0; i < n; i++) {
        for (let t = 0; t < width - 1; t++) symbols[i * width + t] = r.constantMessages ? 0 : rng.int(4);
      }
      await saveInteractions(join(dir, "interactions", `test_e${e}.bin`), {
        epoch: e,
        mode: "test",
        n,
        numImgs: 2,
        width,
        symbols,
        length: new Float32Array(n).fill(2 + e),
        targetIndex: Int32Array.from({ length: n }, (_, i) => (i * 5 + r.seed) % FEATURES.count),
        candidates: new Int32Array(n * 2),
        target: new Int32Array(n),
        prediction: new Int32Array(n),
        acc: new Float32Array(n).fill(1),
        targetClass: new Int32Array(n),
      });
    }
  }
  if (r.finished ?? true) {
    await writeJsonAtomic(join(dir, "result.json"), {
      status: "complete",
      bestEpoch: 1 + r.acc.indexOf(Math.max(...r.acc)),
      bestAcc: Math.max(...r.acc),
      noiseAcc: r.noise,
      epochsRun: r.acc.length,
      stoppedEarly: false,
      seconds: 3,
    });
  }
  return dir;
}

const testFeatures = (dir: string) => {
  assert.equal(dir, "fake-features");
  return Promise.resolve(FEATURES);
};

async function withTmp(f: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = await Deno.makeTempDir({ prefix: "report_test_" });
  try {
    await f(tmp);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

const line = (epoch: number, mode: MetricLine["mode"], acc: number, img?: number): MetricLine => ({
  epoch,
  mode,
  acc,
  loss: 0,
  length: 1,
  temperature: 1,
  seconds: 0,
  ...(img === undefined ? {} : { img_class_acc: img }),
});

Deno.test("summarizeRun() takes the first epoch of highest validation acc and the training img acc there", () => {
  const s = summarizeRun([
    line(1, "train", 0.5, 0.11),
    line(1, "test", 0.7, 0.21),
    line(2, "train", 0.6, 0.12),
    line(2, "test", 0.9, 0.22),
    line(3, "train", 0.7, 0.13),
    line(3, "test", 0.9, 0.23),
    line(3, "noise", 0.4),
  ]);
  assert.deepEqual(
    { ...s, curve: undefined },
    {
      bestEpoch: 2,
      bestAcc: 0.9,
      bestImgClassAcc: 0.22,
      bestTrainImgClassAcc: 0.12,
      noiseAcc: 0.4,
      epochs: 3,
      curve: undefined,
    },
  );
  assert.deepEqual(s.curve, [0.7, 0.9, 0.9]);
  assert.equal(summarizeRun([line(1, "test", 0.5)], 0.33).noiseAcc, 0.33);
});

Deno.test("parseMetrics() ignores an unfinished last line and names a damaged one", () => {
  const ok = JSON.stringify(line(1, "test", 0.5)) + "\n" + '{"epoch": 2, "mo';
  assert.equal(parseMetrics(ok, "m.jsonl").length, 1);
  assert.throws(
    () => parseMetrics('{"epoch": 1, "mode": "test", "acc": 0.5}\nnot json\n', "runs/x/metrics.jsonl"),
    (e: Error) => e instanceof RunFileError && /runs\/x\/metrics.jsonl line 2 is not JSON/.test(e.message),
  );
  assert.throws(
    () => parseMetrics('{"epoch": 0, "mode": "test", "acc": 0.5}\n', "m"),
    /line 1 is not a metrics line/,
  );
  const warnings: string[] = [];
  const twice = [line(1, "test", 0.5), line(1, "test", 0.6)].map((l) => JSON.stringify(l) + "\n").join("");
  assert.deepEqual(parseMetrics(twice, "m", warnings).map((m) => m.acc), [0.6]);
  assert.match(warnings[0], /more than one test line for epoch 1/);
});

Deno.test("fmtStat() prints mean ± std, a single value, or a dash", () => {
  assert.equal(fmtStat({ n: 3, mean: 0.8, std: 0.1 }), "0.800 ± 0.100");
  assert.equal(fmtStat({ n: 1, mean: 0.8 }), "0.800");
  assert.equal(fmtStat(undefined), "–");
});

Deno.test("published() and PUBLISHED_RUNS hold the paper's numbers", () => {
  assert.equal(PUBLISHED_RUNS.length, 27);
  assert.deepEqual(published("target_clas", 0.5), {
    acc: 0.918,
    trainImgClassAcc: 0.455,
    noiseAcc: 0.594,
    topsim: 0.176,
  });
  // The published per-cell acc is the mean of the published runs (to rounding).
  for (const task of ["standard", "img_clas", "target_clas"]) {
    for (const p of [0, 0.5, 1]) {
      const runs = PUBLISHED_RUNS.filter((r) => r.task === task && r.sameClassProb === p);
      const m = runs.reduce((a, r) => a + r.acc, 0) / 3;
      assert.ok(Math.abs(m - published(task, p)!.acc) < 0.0015, `${task} ${p}`);
    }
  }
});

/** A full 2 tasks x 2 p x 3 seeds grid with hand-checkable numbers. */
async function fabricateGrid(root: string): Promise<void> {
  // standard, p = 0: best accs 0.9, 0.8, 0.7 (mean 0.8, sample std 0.1); seed 2 has a tie (epochs 2 and 3).
  await makeRun(root, { p: 0, seed: 1, acc: [0.5, 0.9, 0.6], noise: 0.6, interactions: true });
  await makeRun(root, { p: 0, seed: 2, acc: [0.5, 0.8, 0.8], noise: 0.5, interactions: true });
  await makeRun(root, { p: 0, seed: 3, acc: [0.7, 0.6, 0.65], noise: 0.7, interactions: true });
  await makeRun(root, { p: 0.5, seed: 1, acc: [0.6, 0.62], noise: 0.4, interactions: true });
  await makeRun(root, { p: 0.5, seed: 2, acc: [0.64, 0.6], noise: 0.45, interactions: true });
  await makeRun(root, { p: 0.5, seed: 3, acc: [0.66, 0.63], noise: 0.5, interactions: true });
  // img_clas, p = 0.5: best epochs 2, 1, 1 -> val img 0.32, 0.2, 0.4; train img 0.52, 0.3, 0.6.
  const img = { task: "img_clas" as const, interactions: true };
  await makeRun(root, {
    ...img,
    p: 0.5,
    seed: 1,
    acc: [0.7, 0.75],
    valImg: [0.3, 0.32],
    trainImg: [0.5, 0.52],
    noise: 0.8,
  });
  await makeRun(root, {
    ...img,
    p: 0.5,
    seed: 2,
    acc: [0.75, 0.7],
    valImg: [0.2, 0.25],
    trainImg: [0.3, 0.35],
    noise: 0.7,
  });
  await makeRun(root, {
    ...img,
    p: 0.5,
    seed: 3,
    acc: [0.8, 0.8],
    valImg: [0.4, 0.45],
    trainImg: [0.6, 0.65],
    noise: 0.9,
  });
  await makeRun(root, { ...img, p: 0, seed: 1, acc: [0.9], valImg: [0.1], trainImg: [0.2], noise: 0.3 });
  await makeRun(root, { ...img, p: 0, seed: 2, acc: [0.92], valImg: [0.1], trainImg: [0.2], noise: 0.35 });
  await makeRun(root, { ...img, p: 0, seed: 3, acc: [0.94], valImg: [0.1], trainImg: [0.2], noise: 0.3 });
}

Deno.test("makeReport() computes Table 1, Table 2, noise, correlation and topsim as hand-computed", async () => {
  await withTmp(async (tmp) => {
    await fabricateGrid(join(tmp, "sweep"));
    const out = await makeReport({
      dirs: [join(tmp, "sweep")],
      outRoot: join(tmp, "reports"),
      topsimGames: 20,
      seed: 3,
      verbose: false,
      testFeatures,
    });
    assert.equal(out.dir, join(tmp, "reports", "sweep"));
    const t = out.tables;
    assert.deepEqual(t.rows.map((r) => r.row), ["standard", "img_clas"]);
    assert.deepEqual(t.probs, [0, 0.5]);
    const cell = (row: string, p: number) => t.cells.find((c) => c.row === row && c.p === p)!;
    const s0 = cell("standard", 0);
    close(s0.acc!.mean, 0.8, "mean");
    close(s0.acc!.std!, 0.1, "sample std");
    assert.deepEqual(s0.runs.map((r) => r.summary.bestEpoch), [2, 2, 1], "first epoch on ties");
    close(s0.noiseAcc!.mean, 0.6, "noise mean");
    const i5 = cell("img_clas", 0.5);
    close(i5.acc!.mean, (0.75 + 0.75 + 0.8) / 3, "img_clas acc");
    close(i5.imgClassAcc!.mean, (0.32 + 0.2 + 0.4) / 3, "val img acc");
    close(i5.trainImgClassAcc!.mean, (0.52 + 0.3 + 0.6) / 3, "train img acc");
    const m = (0.52 + 0.3 + 0.6) / 3;
    close(
      i5.trainImgClassAcc!.std!,
      Math.sqrt(((0.52 - m) ** 2 + (0.3 - m) ** 2 + (0.6 - m) ** 2) / 2),
      "train img std",
    );
    assert.equal(s0.imgClassAcc, undefined);
    // Learning curve: mean validation acc per epoch over seeds.
    const want = [[0.5, 0.5, 0.7], [0.9, 0.8, 0.6], [0.6, 0.8, 0.65]].map((v) => (v[0] + v[1] + v[2]) / 3);
    assert.equal(s0.curve.length, 3);
    s0.curve.forEach((x, k) => close(x, want[k], `curve epoch ${k + 1}`));
    // Topsim of a run: the same sampled games as computed directly.
    const run = cell("standard", 0.5).runs[0];
    const games = sampleGames(8, 20, new Rng(3).fork(run.name));
    const rng = new Rng(run.config.seed * 100 + run.summary.bestEpoch);
    const symbols = new Uint8Array(8 * 4);
    for (let i = 0; i < 8; i++) for (let k = 0; k < 3; k++) symbols[i * 4 + k] = rng.int(4);
    const meanings = new Float32Array(20 * 4), msgs = new Uint8Array(20 * 4);
    games.forEach((g, i) => {
      const img = (g * 5 + run.config.seed) % 12;
      meanings.set(FEATURES.features.subarray(img * 4, img * 4 + 4), i * 4);
      msgs.set(symbols.subarray(g * 4, g * 4 + 4), i * 4);
    });
    const block = { data: msgs, width: 4 };
    close(
      run.analysis.topsim!,
      topsim(meanings, 4, block, { meaningDistance: "cosine", messageDistance: "euclidean" }),
      "topsim",
    );
    close(
      run.analysis.topsimEdit!,
      topsim(meanings, 4, cutAtEos(block), { meaningDistance: "cosine", messageDistance: "edit" }),
      "topsim edit",
    );
    const lang = languageStats({ data: symbols, width: 4 });
    close(run.analysis.language!.meanLength, lang.meanLength, "mean length");
    assert.equal(run.analysis.language!.vocabUsed, lang.vocabularyUsed);
    close(run.analysis.language!.entropy, lang.entropyBits, "entropy");
    // Correlation over the 12 runs, against a direct two-pass computation of Pearson's r.
    const x = t.runs.map((r) => r.summary.bestAcc), y = t.runs.map((r) => r.summary.noiseAcc!);
    const mx = x.reduce((a, b) => a + b) / 12, my = y.reduce((a, b) => a + b) / 12;
    const sxy = x.reduce((a, xi, i) => a + (xi - mx) * (y[i] - my), 0);
    const sxx = x.reduce((a, xi) => a + (xi - mx) ** 2, 0), syy = y.reduce((a, yi) => a + (yi - my) ** 2, 0);
    close(t.correlation!.pearson.r, sxy / Math.sqrt(sxx * syy), "pearson r", 1e-9);
    assert.equal(t.correlation!.n, 12);
    assert.deepEqual(missingCells(t), []);
    const md = await Deno.readTextFile(join(out.dir, "report.md"));
    assert.match(md, /\| standard \| 0 \| 3 \| 0\.800 ± 0\.100 \| – \| – \| 0\.976 \| -0\.176 \|/);
    assert.match(md, /img acc \(train\)/);
    assert.match(md, /!\[[^\]]+\]\(learning_curves\.svg\)/);
    assert.match(md, /!\[[^\]]+\]\(acc_vs_noise\.svg\)/);
  });
});

Deno.test("makeReport() correlation equals the reference values of a 4-run sweep", async () => {
  await withTmp(async (tmp) => {
    const root = join(tmp, "s");
    const noise = [0.1, 0.3, 0.2, 0.4];
    for (let k = 0; k < 4; k++) {
      await makeRun(root, { p: 0, seed: k + 1, acc: [0.1 * (k + 1)], noise: noise[k] });
    }
    const out = await makeReport({ dirs: [root], outRoot: tmp, topsimGames: 0, verbose: false });
    // x = 0.1..0.4, y = 0.1, 0.3, 0.2, 0.4: r = rho = 0.8, and with n = 4, p = 1 - |r| = 0.2.
    close(out.tables.correlation!.pearson.r, 0.8, "r", 1e-9);
    close(out.tables.correlation!.pearson.p, 0.2, "p", 1e-9);
    close(out.tables.correlation!.spearman.rho, 0.8, "rho", 1e-9);
    close(out.tables.correlation!.spearman.p, 0.2, "p", 1e-9);
    const rows = parse(await Deno.readTextFile(join(out.dir, "correlation.csv")), {
      columns: true,
    }) as Record<string, string>[];
    assert.equal(rows[0].statistic, "pearson");
    close(Number(rows[0].value), 0.8, "csv r", 1e-9);
    assert.equal(rows[0].paper_value, "0.083");
  });
});

Deno.test("makeReport() CSV files parse back to the same numbers", async () => {
  await withTmp(async (tmp) => {
    await fabricateGrid(join(tmp, "sweep"));
    const out = await makeReport({
      dirs: [join(tmp, "sweep")],
      outRoot: tmp,
      name: "r",
      topsimGames: 20,
      verbose: false,
      testFeatures,
    });
    const read = async (f: string) =>
      parse(await Deno.readTextFile(join(out.dir, f)), { columns: true }) as Record<string, string>[];
    const t1 = await read("table1.csv");
    assert.equal(t1.length, 4);
    for (const row of t1) {
      const c = out.tables.cells.find((c) => c.row === row.task && c.p === Number(row.same_class_prob))!;
      assert.equal(Number(row.acc_mean), c.acc!.mean);
      assert.equal(Number(row.acc_std), c.acc!.std);
      assert.equal(
        row.img_class_acc_mean === "" ? undefined : Number(row.img_class_acc_mean),
        c.imgClassAcc?.mean,
      );
      assert.equal(Number(row.paper_acc), published(c.task, c.p)!.acc);
      assert.equal(Number(row.acc_diff), c.acc!.mean - published(c.task, c.p)!.acc);
    }
    const runs = await read("runs.csv");
    assert.equal(runs.length, 12);
    for (const row of runs) {
      const r = out.tables.runs.find((r) => r.name === row.run)!;
      assert.equal(Number(row.best_acc), r.summary.bestAcc);
      assert.equal(Number(row.best_epoch), r.summary.bestEpoch);
      assert.equal(Number(row.noise_acc), r.summary.noiseAcc);
      assert.equal(Number(row.topsim), r.analysis.topsim);
      assert.equal(Number(row.topsim_edit), r.analysis.topsimEdit);
    }
    const t2 = await read("table2.csv");
    assert.deepEqual(t2.map((r) => r.task), ["standard", "img_clas"]);
    assert.equal(
      Number(t2[1].noise_acc_mean),
      out.tables.cells.find((c) => c.row === "img_clas" && c.p === 0.5)!.noiseAcc!.mean,
    );
    assert.equal(Number(t2[0].paper_topsim), 0.119);
    const noise = await read("noise_acc.csv");
    assert.equal(noise.length, 4);
    const curves = await read("learning_curves.csv");
    assert.equal(curves.length, 3 + 2 + 2 + 1);
    assert.ok((await read("language.csv")).every((r) => r.mean_length_mean !== ""));
  });
});

/** Check that tags nest and close: a small XML well-formedness check, enough for our SVG. */
function wellFormed(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)([^>]*?)(\/?)>/g)) {
    const [, close, name, , self] = m;
    if (self) continue;
    if (close) {
      if (stack.pop() !== name) return false;
    } else stack.push(name);
  }
  return stack.length === 0;
}

Deno.test("SVG plots are well-formed with one series per task x sameClassProb", async () => {
  await withTmp(async (tmp) => {
    await fabricateGrid(join(tmp, "sweep"));
    const out = await makeReport({
      dirs: [join(tmp, "sweep")],
      outRoot: tmp,
      name: "r",
      topsimGames: 0,
      verbose: false,
    });
    for (const f of ["learning_curves.svg", "acc_vs_noise.svg"]) {
      const svg = await Deno.readTextFile(join(out.dir, f));
      assert.ok(svg.startsWith("<svg"), f);
      assert.ok(svg.trimEnd().endsWith("</svg>"), f);
      assert.ok(wellFormed(svg), `${f} is well-formed`);
      assert.equal(svg.split('class="series"').length - 1, 4, f);
      assert.ok(svg.includes('data-label="img_clas, p = 0.5"'), f);
    }
    const scatter = await Deno.readTextFile(join(out.dir, "acc_vs_noise.svg"));
    const points = [...scatter.matchAll(/<g class="series"[^>]*>([\s\S]*?)<\/g>/g)].map((m) =>
      (m[1].match(/<circle|<rect|<polygon/g) ?? []).length
    );
    assert.deepEqual(points, [3, 3, 3, 3], "one marker per run");
    assert.ok(wellFormed(lineChart({ title: "a<b & c", xLabel: "x", yLabel: "y", series: [] })));
    assert.ok(
      scatterChart({ title: "t", xLabel: "x", yLabel: "y", series: [] }).includes("<title>t</title>"),
    );
  });
});

Deno.test("makeReport() skips a run with a damaged metrics file, names it and goes on", async () => {
  await withTmp(async (tmp) => {
    const root = join(tmp, "s");
    await makeRun(root, { p: 0, seed: 1, acc: [0.5, 0.6], noise: 0.5 });
    await makeRun(root, { p: 0, seed: 2, acc: [0.5, 0.7], noise: 0.5, tail: '{"epoch": 3, "mode": "te' });
    await makeRun(root, { p: 0, seed: 3, acc: [0.5, 0.8], noise: 0.5 });
    const bad = await makeRun(root, { p: 0, seed: 4, acc: [0.5, 0.9], noise: 0.5 });
    await Deno.writeTextFile(
      join(bad, "metrics.jsonl"),
      "garbage\n" + (await Deno.readTextFile(join(bad, "metrics.jsonl"))),
    );
    await makeRun(root, { p: 0, seed: 5, acc: [0.5], finished: false });
    const out = await makeReport({ dirs: [root], outRoot: tmp, topsimGames: 0, verbose: false });
    assert.equal(out.tables.runs.length, 3, "the unfinished last line is fine");
    assert.equal(out.load.damaged.length, 1);
    assert.match(out.load.damaged[0].reason, /standard_p0_s4\/metrics.jsonl line 1 is not JSON/);
    const md = await Deno.readTextFile(join(out.dir, "report.md"));
    assert.match(md, /Run .*standard_p0_s4 was skipped: .*metrics\.jsonl line 1 is not JSON/);
    assert.match(md, /1 unfinished runs were left out: standard_p0_s5/);
    close(out.tables.cells[0].acc!.mean, 0.7, "mean of the good runs");
  });
});

Deno.test("makeReport() throws a clear error when no folder holds a finished run", async () => {
  await withTmp(async (tmp) => {
    const root = join(tmp, "s");
    await makeRun(root, { p: 0, seed: 1, acc: [0.5], finished: false });
    await assert.rejects(
      () => makeReport({ dirs: [root], outRoot: tmp, verbose: false }),
      (e: Error) =>
        e instanceof ReportError && /No finished run in .*\/s \(1 unfinished, 0 damaged/.test(e.message),
    );
    await assert.rejects(
      () => makeReport({ dirs: [join(tmp, "nope")], outRoot: tmp, verbose: false }),
      /does not exist/,
    );
    await Deno.mkdir(join(tmp, "empty"));
    await assert.rejects(
      () => makeReport({ dirs: [join(tmp, "empty")], outRoot: tmp, verbose: false }),
      /No finished run/,
    );
  });
});

Deno.test("makeReport() shows missing cells of a partial grid as dashes, with a note", async () => {
  await withTmp(async (tmp) => {
    const root = join(tmp, "s");
    await makeRun(root, { p: 0, seed: 1, acc: [0.5], noise: 0.5 });
    await makeRun(root, { p: 0.5, seed: 1, acc: [0.6], noise: 0.5 });
    await makeRun(root, { p: 0.5, seed: 2, acc: [0.7], noise: 0.5 });
    await makeRun(root, {
      task: "target_clas",
      p: 0,
      seed: 1,
      acc: [0.6],
      valImg: [0.1],
      trainImg: [0.2],
      noise: 0.4,
    });
    await writeJsonAtomic(join(root, "sweep.json"), { runs: ["standard_p0_s1", "standard_p1_s1"] });
    const out = await makeReport({ dirs: [root], outRoot: tmp, topsimGames: 0, verbose: false });
    const md = await Deno.readTextFile(join(out.dir, "report.md"));
    assert.match(md, /No finished run for target_clas at sameClassProb 0\.5: its cells show "–"/);
    assert.match(md, /standard at sameClassProb 0 has 1 of 2 seeds/);
    assert.match(md, /1 runs of the sweep grid have no finished folder: standard_p1_s1/);
    assert.match(md, /\| target_clas \| 0\.5 \| 0 \| – \| – \| – \|/);
    assert.ok(missingCells(out.tables).includes("target_clas at p = 0.5: no run"));
    const t1 = parse(await Deno.readTextFile(join(out.dir, "table1.csv")), { columns: true }) as Record<
      string,
      string
    >[];
    assert.deepEqual(t1.find((r) => r.task === "target_clas" && r.same_class_prob === "0.5")?.acc_mean, "");
  });
});

Deno.test("makeReport() shows the topsim of identical messages as undefined, a filled cell", async () => {
  await withTmp(async (tmp) => {
    const root = join(tmp, "s");
    for (const seed of [1, 2, 3]) {
      await makeRun(root, {
        p: 0.5,
        seed,
        acc: [0.5],
        noise: 0.1 * seed,
        interactions: true,
        constantMessages: true,
      });
    }
    const out = await makeReport({
      dirs: [root],
      outRoot: tmp,
      topsimGames: 20,
      verbose: false,
      testFeatures,
    });
    const c = out.tables.cells[0];
    assert.equal(c.topsim, undefined);
    assert.ok(c.topsimUndefined && c.topsimEditUndefined);
    assert.ok(out.tables.runs.every((r) => Number.isNaN(r.analysis.topsim)));
    assert.deepEqual(missingCells(out.tables), []);
    const md = await Deno.readTextFile(join(out.dir, "report.md"));
    assert.match(md, /\| standard \| 3 \| 0\.500 ± 0\.000 \| 0\.200 ± 0\.100 \| undefined \| undefined \|/);
    assert.match(md, /standard_p0\.5_s1: topsim is undefined: all sampled messages are the same/);
    assert.match(md, /\| Pearson r \| undefined \|/, "constant accuracies: no correlation");
  });
});
