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
import { type FlagSpec, helpText, numberFlag, parseFlags, runMain, UsageError } from "../src/cli.ts";
import { runProfile } from "../src/sweep/pipeline.ts";
import { type Profile, PROFILES } from "../src/sweep/profiles.ts";
import { formatSeconds } from "../src/sweep/status.ts";

const FLAGS: Record<string, FlagSpec> = {
  profile: {
    type: "string",
    help: "paper (the 27 runs; reproduce's default), small (9 short runs, for CI) or demo (demo's default)",
  },
  dataset: { type: "string", help: "cifar100 or synthetic (small: CIFAR-100 when found, else synthetic)" },
  cifar: { type: "string", help: "CIFAR-100 copy (else $VCP_CIFAR_DIR, then data/)" },
  weights: { type: "string", help: "ResNet weights name or path (else $VCP_WEIGHTS, then the paper's)" },
  backend: { type: "string", help: "TensorFlow.js backend for features and runs" },
  jobs: { type: "string", help: "Runs at once (default: number of cores)" },
  out: { type: "string", help: "Sweep folder (default: the profile's, e.g. runs/sweep-paper)" },
  name: { type: "string", help: "Report name under reports/ (default: the profile's)" },
  "topsim-games": { type: "string", help: "topsim games per run (default: the profile's)" },
};

const USAGE =
  "Usage: deno task reproduce [--profile paper|small|demo] [--dataset cifar100|synthetic] [--jobs N]";

/** Parse the shared flags of `reproduce` and `demo`, run the profile, and exit non-zero on failure. */
export async function reproduceMain(
  args: string[],
  defaultProfile: Profile["name"],
  usage = USAGE,
): Promise<void> {
  const { values } = parseFlags(args, FLAGS);
  if (values.help) return console.log(helpText(usage, FLAGS));
  const profile = PROFILES[(values.profile as Profile["name"] | undefined) ?? defaultProfile];
  if (!profile) throw new UsageError(`--profile must be paper, small or demo, got "${values.profile}".`);
  const jobs = values.jobs === undefined ? navigator.hardwareConcurrency : numberFlag("jobs", values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) {
    throw new UsageError(`--jobs must be an integer >= 1, got ${jobs}.`);
  }
  const result = await runProfile(profile, {
    dataset: values.dataset as string | undefined,
    cifar: values.cifar as string | undefined,
    weights: values.weights as string | undefined,
    backend: values.backend as string | undefined,
    jobs,
    out: values.out as string | undefined,
    name: values.name as string | undefined,
    topsimGames: values["topsim-games"] === undefined
      ? undefined
      : numberFlag("topsim-games", values["topsim-games"]),
    download: profile.name === "demo",
  });
  if (profile.requireComplete && result.missing.length > 0) {
    console.error(
      `${profile.name}: the report is incomplete; empty cells:\n  ${result.missing.join("\n  ")}`,
    );
    Deno.exit(1);
  }
  if (result.sweep.failed.length > 0) Deno.exit(1);
  console.log(`${profile.name}: report in ${result.report.dir}/report.md`);
  console.log(`${profile.name}: finished in ${formatSeconds(result.seconds)} on ${result.dataset}`);
}

if (import.meta.main) await runMain(() => reproduceMain(Deno.args, "paper"));
