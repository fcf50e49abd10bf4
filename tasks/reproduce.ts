/**
 * `deno task reproduce --profile paper|small`: data -> features -> sweep -> report in one command.
 *
 * `paper` runs the paper's 27 runs on CIFAR-100 (stopping with the data layer's error when it is missing,
 * unless `--dataset synthetic`). `small` runs 9 short runs for continuous integration, on CIFAR-100 when it
 * is found (`--cifar`, `VCP_CIFAR_DIR` or data/) and on the synthetic dataset otherwise, then fails unless
 * every cell of the report is filled.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type FlagSpec, helpText, numberFlag, parseFlags, runMain, UsageError } from "../src/cli.ts";
import { loadDataset, locateCifar } from "../src/data/load.ts";
import { DEFAULT_WEIGHTS } from "../src/features/cache.ts";
import { missingCells } from "../src/report/complete.ts";
import { makeReport } from "../src/report/report.ts";
import { type Profile, PROFILES } from "../src/sweep/profiles.ts";
import { formatSeconds } from "../src/sweep/status.ts";
import { firstImages } from "../src/sweep/subset.ts";
import { prepareFeatures, sweep } from "../src/sweep/sweep.ts";
import type { PassThroughFlag } from "../src/sweep/train_args.ts";
import { resolveWeights } from "../src/vision/weights.ts";

const FLAGS: Record<string, FlagSpec> = {
  profile: { type: "string", default: "paper", help: "paper (the 27 runs) or small (9 short runs, for CI)" },
  dataset: { type: "string", help: "cifar100 or synthetic (small: CIFAR-100 when found, else synthetic)" },
  cifar: { type: "string", help: "CIFAR-100 copy (else $VCP_CIFAR_DIR, then data/)" },
  weights: { type: "string", help: "ResNet weights name or path (else $VCP_WEIGHTS, then the paper's)" },
  backend: { type: "string", help: "TensorFlow.js backend for features and runs" },
  jobs: { type: "string", help: "Runs at once (default: number of cores)" },
  out: {
    type: "string",
    help: "Sweep folder (default: the profile's, runs/sweep-paper or runs/reproduce-small)",
  },
  name: { type: "string", help: "Report name under reports/ (default: the profile's, paper or small)" },
  "topsim-games": { type: "string", help: "topsim games per run (default: 10000 for paper, 1000 for small)" },
};

const USAGE = "Usage: deno task reproduce [--profile paper|small] [--dataset cifar100|synthetic] [--jobs N]";
const RANDOM_WEIGHTS = fileURLToPath(
  new URL("../tests/fixtures/resnet20_random_legacy.pth", import.meta.url),
);

/** The dataset of the run: the flag, else (small profile) CIFAR-100 when found, else synthetic. */
async function chooseDataset(profile: Profile, flag: string | undefined, cifar: string | undefined) {
  if (flag !== undefined) {
    if (flag !== "cifar100" && flag !== "synthetic") {
      throw new UsageError(`--dataset must be cifar100 or synthetic, got "${flag}".`);
    }
    return flag;
  }
  if (!profile.allowSynthetic) return "cifar100";
  const found = await locateCifar({ cifar });
  console.error(
    found
      ? `reproduce: CIFAR-100 found at ${found}`
      : "reproduce: CIFAR-100 not found; using the synthetic dataset",
  );
  return found ? "cifar100" : "synthetic";
}

/** The weights: the flag or $VCP_WEIGHTS or the paper's; for the small profile random weights when missing. */
async function chooseWeights(profile: Profile, flag: string | undefined): Promise<string | undefined> {
  if (!profile.allowSynthetic) return flag;
  const wanted = flag ?? Deno.env.get("VCP_WEIGHTS") ?? DEFAULT_WEIGHTS;
  try {
    await resolveWeights(wanted);
    return flag;
  } catch (e) {
    if (flag !== undefined || !existsSync(RANDOM_WEIGHTS)) throw e;
    console.error(
      `reproduce: no pretrained weights (${
        (e as Error).message.split(". ")[0]
      }); the small profile uses the ` +
        `random-weight ResNet-20 of the test fixtures: it checks the pipeline, its numbers mean nothing.`,
    );
    return RANDOM_WEIGHTS;
  }
}

await runMain(async () => {
  const { values } = parseFlags(Deno.args, FLAGS);
  if (values.help) return console.log(helpText(USAGE, FLAGS));
  const profile = PROFILES[values.profile as Profile["name"]];
  if (!profile) throw new UsageError(`--profile must be paper or small, got "${values.profile}".`);
  const jobs = values.jobs === undefined ? navigator.hardwareConcurrency : numberFlag("jobs", values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) {
    throw new UsageError(`--jobs must be an integer >= 1, got ${jobs}.`);
  }
  const topsimGames = values["topsim-games"] === undefined
    ? profile.topsimGames
    : numberFlag("topsim-games", values["topsim-games"]);
  const out = (values.out as string | undefined) ?? profile.out;
  const start = performance.now();
  const elapsed = () => formatSeconds((performance.now() - start) / 1000);
  console.error(`reproduce: profile ${profile.name}: ${profile.description}`);

  // --- 1. Data and features, once for all runs ---------------------------------------------------------------
  const cifar = values.cifar as string | undefined;
  const data: Partial<Record<PassThroughFlag, string>> = {
    dataset: await chooseDataset(profile, values.dataset as string | undefined, cifar),
    ...(cifar ? { cifar } : {}),
    ...(values.backend ? { backend: values.backend as string } : {}),
  };
  const weights = await chooseWeights(profile, values.weights as string | undefined);
  if (weights) data.weights = weights;
  const images = profile.subset
    ? firstImages(
      await loadDataset({ dataset: data.dataset as "cifar100" | "synthetic", cifar }),
      profile.subset.train,
      profile.subset.test,
    )
    : undefined;
  data.features = await prepareFeatures(data, false, { images, noiseCount: profile.noiseCount });
  console.error(`reproduce: features ready in ${data.features} (${elapsed()})`);

  // --- 2. Sweep ------------------------------------------------------------------------------------------------
  const result = await sweep({ grid: profile.grid, out, jobs, data });
  console.error(
    `reproduce: sweep done (${elapsed()}): ${result.completed.length} trained, ` +
      `${result.skipped.length} already finished, ${result.failed.length} failed`,
  );
  for (const f of result.failed) console.error(`\nFAILED ${f.name} (exit ${f.code}):\n${f.logTail}`);

  // --- 3. Report -----------------------------------------------------------------------------------------------
  const report = await makeReport({
    dirs: [out],
    name: (values.name as string | undefined) ?? profile.report,
    topsimGames,
  });
  console.log(`reproduce: report in ${report.dir}/report.md (${elapsed()})`);
  const missing = missingCells(report.tables);
  if (profile.requireComplete && missing.length > 0) {
    console.error(`reproduce: the report is incomplete; empty cells:\n  ${missing.join("\n  ")}`);
    Deno.exit(1);
  }
  if (result.failed.length > 0) Deno.exit(1);
  console.log(`reproduce: profile ${profile.name} finished in ${elapsed()}`);
});
