/**
 * Finding and reading the finished runs of one or more sweep folders (or run folders), following the run
 * folder layout of src/train/layout.ts. A run with a damaged metrics.jsonl or result.json is skipped and
 * named; a half-written last line of metrics.jsonl (a crash mid-append) is ignored.
 *
 * @module
 */
import { join } from "node:path";
import { resolveConfig, type RunConfig } from "../config.ts";
import { exists } from "../io/atomic.ts";
import { type MetricLine, runPaths, type RunResult } from "../train/layout.ts";

/** Error for a report that cannot be made (no folder, no finished run). */
export class ReportError extends Error {
  override name = "ReportError";
}

/** Error for a damaged metrics.jsonl or result.json; the run is skipped. */
export class RunFileError extends Error {
  override name = "RunFileError";
}

/** A finished run as read from its folder. */
export interface LoadedRun {
  /** Folder name (the sweep's run name). */
  name: string;
  dir: string;
  config: RunConfig;
  result: RunResult;
  /** metrics.jsonl, one line per epoch and mode (duplicates resolved to the last). */
  metrics: MetricLine[];
  /** Feature folder from manifest.json, if recorded. */
  featuresDir?: string;
}

/** What reading the folders found besides the finished runs. */
export interface LoadOutcome {
  runs: LoadedRun[];
  /** Run folders without result.json. */
  unfinished: string[];
  /** Runs skipped because a file is damaged, with the reason. */
  damaged: { dir: string; reason: string }[];
  /** Runs with the same configuration as an earlier one (e.g. in two shard folders); the first is used. */
  duplicates: { dir: string; sameAs: string }[];
  /** Other remarks (e.g. a repeated metrics line). */
  warnings: string[];
}

const MODES = new Set(["train", "test", "noise"]);

/**
 * Parse metrics.jsonl. Text after the last newline that does not parse is an unfinished line and is
 * ignored; any other bad line throws {@link RunFileError} naming the file and line. A repeated (epoch, mode)
 * keeps the last line and adds a warning.
 */
export function parseMetrics(text: string, source: string, warnings: string[] = []): MetricLine[] {
  const lines = text.split("\n");
  const byKey = new Map<string, MetricLine>();
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k].trim();
    if (line === "") continue;
    const last = k === lines.length - 1; // no newline after it
    let m: MetricLine;
    try {
      m = JSON.parse(line);
    } catch {
      if (last) continue;
      throw new RunFileError(`${source} line ${k + 1} is not JSON: ${JSON.stringify(line.slice(0, 60))}.`);
    }
    const bad = !m || typeof m !== "object" || !Number.isInteger(m.epoch) || m.epoch < 1 ||
      !MODES.has(m.mode) ||
      typeof m.acc !== "number" || !Number.isFinite(m.acc) ||
      (m.img_class_acc !== undefined && typeof m.img_class_acc !== "number");
    if (bad) {
      if (last) continue;
      throw new RunFileError(
        `${source} line ${
          k + 1
        } is not a metrics line (needs an integer epoch >= 1, mode train/test/noise and a ` +
          `numeric acc): ${JSON.stringify(line.slice(0, 80))}.`,
      );
    }
    const key = `${m.mode}:${m.epoch}`;
    if (byKey.has(key)) {
      warnings.push(`${source} has more than one ${m.mode} line for epoch ${m.epoch}; the last is used.`);
    }
    byKey.set(key, m);
  }
  const order = { train: 0, test: 1, noise: 2 } as const;
  return [...byKey.values()].sort((a, b) => a.epoch - b.epoch || order[a.mode] - order[b.mode]);
}

async function readJson(path: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    throw new RunFileError(`${path} (${what}) cannot be read: ${(e as Error).message}.`);
  }
}

/** Read one finished run folder; throws {@link RunFileError} when a file is damaged. */
export async function loadRun(dir: string, warnings: string[] = []): Promise<LoadedRun> {
  const paths = runPaths(dir);
  const raw = await readJson(paths.config, "the run's configuration") as Partial<RunConfig>;
  let config: RunConfig;
  try {
    config = resolveConfig(raw);
  } catch (e) {
    throw new RunFileError(`${paths.config} is not a valid configuration: ${(e as Error).message}`);
  }
  const result = await readJson(paths.result, "the run's result") as RunResult;
  if (!result || result.status !== "complete") {
    throw new RunFileError(`${paths.result} does not say status "complete".`);
  }
  let text: string;
  try {
    text = await Deno.readTextFile(paths.metrics);
  } catch (e) {
    throw new RunFileError(`${paths.metrics} cannot be read: ${(e as Error).message}.`);
  }
  const metrics = parseMetrics(text, paths.metrics, warnings);
  if (!metrics.some((m) => m.mode === "test")) {
    throw new RunFileError(`${paths.metrics} has no validation ("test") line.`);
  }
  let featuresDir: string | undefined;
  try {
    const manifest = JSON.parse(await Deno.readTextFile(paths.manifest));
    if (typeof manifest?.features?.dir === "string") featuresDir = manifest.features.dir;
  } catch { /* no manifest: topsim is left out for this run */ }
  const name = dir.replace(/[\\/]+$/, "").split(/[\\/]/).pop()!;
  return { name, dir, config, result, metrics, featuresDir };
}

/** Run folders under `dir`: itself when it is one (has config.json), else its subfolders that are. */
export async function findRunDirs(dir: string): Promise<string[]> {
  if (!(await exists(dir))) {
    throw new ReportError(`Folder ${dir} does not exist; pass a sweep folder or a run folder.`);
  }
  if (await exists(join(dir, "config.json"))) return [dir];
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory && await exists(join(dir, e.name, "config.json"))) out.push(join(dir, e.name));
  }
  return out.sort();
}

/** Stable identity of a configuration, to find the same run in two folders. */
export function configIdentity(config: RunConfig): string {
  return JSON.stringify(Object.keys(config).sort().map((k) => [k, config[k as keyof RunConfig]]));
}

/** Read every finished run under `dirs`; throws {@link ReportError} when there is none. */
export async function loadRuns(dirs: string[]): Promise<LoadOutcome> {
  if (dirs.length === 0) throw new ReportError("No folder given; pass one or more sweep folders.");
  const out: LoadOutcome = { runs: [], unfinished: [], damaged: [], duplicates: [], warnings: [] };
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    for (const runDir of await findRunDirs(dir)) {
      if (!(await exists(runPaths(runDir).result))) {
        out.unfinished.push(runDir);
        continue;
      }
      let run: LoadedRun;
      const warnings: string[] = [];
      try {
        run = await loadRun(runDir, warnings);
      } catch (e) {
        if (!(e instanceof RunFileError)) throw e;
        out.damaged.push({ dir: runDir, reason: e.message });
        continue;
      }
      const id = configIdentity(run.config);
      const first = seen.get(id);
      if (first) {
        out.duplicates.push({ dir: runDir, sameAs: first });
        continue;
      }
      seen.set(id, runDir);
      out.warnings.push(...warnings);
      out.runs.push(run);
    }
  }
  if (out.runs.length === 0) {
    const found = out.unfinished.length + out.damaged.length;
    throw new ReportError(
      `No finished run in ${dirs.join(", ")}` +
        (found ? ` (${out.unfinished.length} unfinished, ${out.damaged.length} damaged run folders)` : "") +
        "; run `deno task sweep --out DIR` to train or finish the runs, then report on DIR.",
    );
  }
  return out;
}
