/**
 * The whole pipeline of a profile: data → features → sweep → report. `deno task reproduce` and
 * `deno task demo` are this function with different profiles.
 *
 * @module
 */
import { UsageError } from "../cli.ts";
import { loadDataset, locateCifar } from "../data/load.ts";
import { DEFAULT_WEIGHTS } from "../features/cache.ts";
import { missingCells } from "../report/complete.ts";
import { makeReport, type ReportOutput } from "../report/report.ts";
import { parseRandomWeightsName } from "../vision/random_weights.ts";
import { resolveWeights } from "../vision/weights.ts";
import type { Profile } from "./profiles.ts";
import { formatSeconds } from "./status.ts";
import { firstImages } from "./subset.ts";
import { prepareFeatures, sweep, type SweepReport } from "./sweep.ts";
import type { PassThroughFlag } from "./train_args.ts";

/** Options of {@link runProfile}: the command-line choices of `reproduce` and `demo`. */
export interface PipelineOptions {
  /** "cifar100" or "synthetic"; undefined: CIFAR-100 when found (profiles that allow synthetic data). */
  dataset?: string;
  cifar?: string;
  weights?: string;
  backend?: string;
  jobs: number;
  /** Sweep folder (default: the profile's). */
  out?: string;
  /** Report name (default: the profile's). */
  name?: string;
  /** topsim games per run (default: the profile's). */
  topsimGames?: number;
  /** Try to download CIFAR-100 when it is not found (the demo). */
  download?: boolean;
}

/** What {@link runProfile} did. */
export interface PipelineResult {
  dataset: string;
  sweep: SweepReport;
  report: ReportOutput;
  /** Empty cells of the report (a profile with `requireComplete` fails on any). */
  missing: string[];
  seconds: number;
}

/** Stand-in weights when no pretrained ones can be had: a seeded He-initialised ResNet-56. */
const RANDOM_WEIGHTS = "random-resnet56:0";

/** The dataset of the run: the flag, else (profiles allowing synthetic data) CIFAR-100 when found, else synthetic. */
async function chooseDataset(profile: Profile, opts: PipelineOptions): Promise<string> {
  if (opts.dataset !== undefined) {
    if (opts.dataset !== "cifar100" && opts.dataset !== "synthetic") {
      throw new UsageError(`--dataset must be cifar100 or synthetic, got "${opts.dataset}".`);
    }
    return opts.dataset;
  }
  if (!profile.allowSynthetic) return "cifar100";
  let found: string | undefined;
  try {
    found = await locateCifar({ cifar: opts.cifar, download: opts.download, progress: true });
  } catch (e) {
    if (opts.cifar !== undefined) throw e;
    console.error(`${profile.name}: ${(e as Error).message}`);
  }
  console.error(
    found
      ? `${profile.name}: using the real CIFAR-100 at ${found}`
      : `${profile.name}: CIFAR-100 not found; using the synthetic dataset. For the real one: ` +
        "`deno task data` (downloads it), or --cifar PATH / VCP_CIFAR_DIR pointing at a copy.",
  );
  return found ? "cifar100" : "synthetic";
}

/** The weights: the flag, $VCP_WEIGHTS or the paper's; random weights when missing and the profile allows it. */
async function chooseWeights(profile: Profile, flag: string | undefined): Promise<string | undefined> {
  if (!profile.allowSynthetic) return flag;
  const wanted = flag ?? Deno.env.get("VCP_WEIGHTS") ?? DEFAULT_WEIGHTS;
  if (parseRandomWeightsName(wanted)) return flag;
  try {
    await resolveWeights(wanted, { download: true });
    return flag;
  } catch (e) {
    if (flag !== undefined) throw e;
    console.error(
      `${profile.name}: no pretrained weights (${(e as Error).message.split(". ")[0]}); using a seeded ` +
        "random-weight ResNet-56 (random-resnet56:0): the pipeline runs and the agents learn, but these are " +
        "not the paper's features. Pass --weights PATH or set VCP_WEIGHTS for the real ones.",
    );
    return RANDOM_WEIGHTS;
  }
}

/** Run a profile end to end and write its report. */
export async function runProfile(profile: Profile, opts: PipelineOptions): Promise<PipelineResult> {
  const start = performance.now();
  const elapsed = () => formatSeconds((performance.now() - start) / 1000);
  const say = (line: string) => console.error(`${profile.name}: ${line}`);
  say(profile.description);

  // --- 1. Data and features, once for all runs ---------------------------------------------------------------
  const data: Partial<Record<PassThroughFlag, string>> = {
    dataset: await chooseDataset(profile, opts),
    ...(opts.cifar ? { cifar: opts.cifar } : {}),
    ...(opts.backend ? { backend: opts.backend } : {}),
  };
  const weights = await chooseWeights(profile, opts.weights);
  if (weights) data.weights = weights;
  const images = profile.subset
    ? firstImages(
      await loadDataset({ dataset: data.dataset as "cifar100" | "synthetic", cifar: opts.cifar }),
      profile.subset.train,
      profile.subset.test,
    )
    : undefined;
  data.features = await prepareFeatures(data, false, { images, noiseCount: profile.noiseCount });
  say(`features ready in ${data.features} (${elapsed()})`);

  // --- 2. Sweep ------------------------------------------------------------------------------------------------
  const out = opts.out ?? profile.out;
  const result = await sweep({ grid: profile.grid, out, jobs: opts.jobs, data });
  say(
    `sweep done (${elapsed()}): ${result.completed.length} trained, ${result.skipped.length} already ` +
      `finished, ${result.failed.length} failed`,
  );
  for (const f of result.failed) console.error(`\nFAILED ${f.name} (exit ${f.code}):\n${f.logTail}`);

  // --- 3. Report -----------------------------------------------------------------------------------------------
  const report = await makeReport({
    dirs: [out],
    name: opts.name ?? profile.report,
    topsimGames: opts.topsimGames ?? profile.topsimGames,
  });
  say(`report in ${report.dir}/report.md (${elapsed()})`);
  return {
    dataset: data.dataset!,
    sweep: result,
    report,
    missing: missingCells(report.tables),
    seconds: (performance.now() - start) / 1000,
  };
}
