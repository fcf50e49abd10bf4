/**
 * A whole sweep: grid -> run folders -> (features once) -> runs in parallel, with a progress line.
 * `tasks/sweep.ts` and `tasks/reproduce.ts` call {@link sweep}.
 *
 * @module
 */
import { resolve } from "node:path";
import type { BackendChoice } from "../backend.ts";
import type { ImageDataset } from "../data/types.ts";
import { expandGrid, type GridSpec } from "./grid.ts";
import { planRuns, writeSweepFile } from "./plan.ts";
import { pendingRuns, type PlannedRun, runSweep, type SweepEvent, type SweepOutcome } from "./runner.ts";
import { type Shard, shardOf } from "./shard.ts";
import { formatSeconds, SweepStatus } from "./status.ts";
import type { PassThroughFlag } from "./train_args.ts";

/** Options of {@link sweep}. */
export interface SweepTaskOptions {
  grid: GridSpec;
  /** Sweep folder; each run in `<out>/<runName(config)>`. */
  out: string;
  shard?: Shard;
  jobs: number;
  /** Data flags passed to every run. Without `features`, features are made once here first. */
  data: Partial<Record<PassThroughFlag, string>>;
  /** Print nothing but failures. */
  quiet?: boolean;
  signal?: AbortSignal;
  /** The training script (tests pass a fake one). */
  trainScript?: string;
  /** Seconds between progress lines while nothing happens (default 30). */
  statusEverySeconds?: number;
}

/** The runs of the sweep (this shard's) and what happened to them. */
export interface SweepReport extends SweepOutcome {
  runs: PlannedRun[];
  /** Features folder the runs used, when this sweep made or checked it. */
  featuresDir?: string;
}

/** What else {@link prepareFeatures} may take: an already loaded (e.g. subset) dataset, a noise count. */
export interface FeatureExtras {
  images?: ImageDataset;
  noiseCount?: number;
}

/** Make sure the features exist once, before parallel runs would race to extract them; returns the folder. */
export async function prepareFeatures(
  data: Partial<Record<PassThroughFlag, string>>,
  quiet = false,
  extras: FeatureExtras = {},
): Promise<string> {
  // Imported here: a sweep given --features (and the tests) never loads the data layer and tfjs.
  const { ensureFeatures } = await import("../features/cache.ts");
  const bundle = await ensureFeatures({
    dataset: (data.dataset ?? "cifar100") as "cifar100" | "synthetic",
    cifar: data.cifar,
    syntheticSeed: data["synthetic-seed"] === undefined ? undefined : Number(data["synthetic-seed"]),
    weights: data.weights,
    augment: data.augment !== undefined && data.augment !== "false",
    backend: (data.backend ?? "auto") as BackendChoice,
    progress: !quiet,
    ...extras,
  });
  if (!bundle.dir) throw new Error("ensureFeatures() returned a bundle without its folder (dir).");
  return resolve(bundle.dir);
}

/** Run a sweep (or one shard of it). Resolves with the outcome; never throws for a failed run. */
export async function sweep(opts: SweepTaskOptions): Promise<SweepReport> {
  const say = (line: string) => {
    if (!opts.quiet) console.error(line);
  };
  const all = planRuns(expandGrid(opts.grid), opts.out);
  const names = opts.shard ? new Set(shardOf(all.map((r) => r.name), opts.shard)) : undefined;
  const runs = names ? all.filter((r) => names.has(r.name)) : all;
  await Deno.mkdir(opts.out, { recursive: true });
  await writeSweepFile(opts.out, { grid: opts.grid, runs: all.map((r) => r.name), data: opts.data });
  const shardText = opts.shard ? ` (shard ${opts.shard.index}/${opts.shard.count} of ${all.length})` : "";
  say(`sweep: ${runs.length} runs${shardText} in ${opts.out}, ${opts.jobs} at a time`);

  const data = { ...opts.data };
  if (!data.features && (await pendingRuns(runs)).length > 0) {
    say("sweep: making sure the features exist before starting runs");
    data.features = await prepareFeatures(data, opts.quiet);
  }

  const status = new SweepStatus(runs.length, opts.jobs);
  const onEvent = (e: SweepEvent) => {
    if (e.type === "skip") status.skip();
    else if (e.type === "start" || e.type === "adopt") status.start();
    else status.end(e.type === "finish", e.type === "finish" && !e.adopted ? e.seconds : undefined);
    const what = e.type === "skip"
      ? undefined
      : e.type === "start"
      ? `${e.resumed ? "resumed" : "started"} ${e.run.name}`
      : e.type === "adopt"
      ? `waiting for ${e.run.name}, still trained by pid ${e.pid} (from an earlier sweep)`
      : e.type === "finish"
      ? `finished ${e.run.name} in ${formatSeconds(e.seconds)}`
      : `FAILED ${e.run.name} (exit ${e.code}), see ${e.log}`;
    if (e.type === "fail") console.error(`sweep: ${what}`);
    else if (what) say(`sweep: ${what}`);
    if (e.type !== "skip") say(status.line());
  };
  const timer = setInterval(() => say(status.line()), (opts.statusEverySeconds ?? 30) * 1000);
  try {
    const outcome = await runSweep({
      runs,
      jobs: opts.jobs,
      data,
      onEvent,
      signal: opts.signal,
      trainScript: opts.trainScript,
    });
    return { ...outcome, runs, featuresDir: data.features };
  } finally {
    clearInterval(timer);
  }
}
