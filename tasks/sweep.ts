/**
 * `deno task sweep`: run a grid of training runs, resumable, in parallel, optionally one shard of it.
 *
 * ```
 * deno task sweep                                   # the paper's 27 runs into runs/sweep-paper
 * deno task sweep --grid task=standard --grid seed=7,122 --set epochs=3 --out runs/try
 * deno task sweep --shard 1/2 --jobs 2              # half of the grid
 * ```
 * @module
 */
import { type FlagSpec, helpText, numberFlag, parseFlags, runMain, UsageError } from "../src/cli.ts";
import { ConfigError } from "../src/config.ts";
import { expandGrid, GridError, gridFromArgs } from "../src/sweep/grid.ts";
import { parseShard } from "../src/sweep/shard.ts";
import { sweep } from "../src/sweep/sweep.ts";
import { PASS_THROUGH_FLAGS, type PassThroughFlag } from "../src/sweep/train_args.ts";

const FLAGS: Record<string, FlagSpec> = {
  grid: {
    type: "string",
    multiple: true,
    help:
      "Sweep a RunConfig field: key=v1,v2 (camelCase or kebab-case); replaces that axis of the paper's grid",
  },
  set: {
    type: "string",
    multiple: true,
    help: "Fix a RunConfig field for every run: key=value (drops its axis)",
  },
  out: { type: "string", default: "runs/sweep-paper", help: "Sweep folder; each run in <out>/<run name>" },
  jobs: { type: "string", help: "Runs at once, each its own process (default: number of cores)" },
  shard: { type: "string", help: "Run only the i-th of n slices of the sorted run list: i/n" },
  dataset: { type: "string", help: "Passed to train: cifar100 or synthetic" },
  cifar: { type: "string", help: "Passed to train: CIFAR-100 folder" },
  weights: { type: "string", help: "Passed to train: ResNet weights name or path" },
  features: { type: "string", help: "Passed to train: feature folder (skips the features step)" },
  "limit-train": { type: "string", help: "Passed to train: use the first N training images" },
  "limit-test": { type: "string", help: "Passed to train: use the first N validation images" },
  backend: { type: "string", help: "Passed to train: tfjs backend" },
  "synthetic-seed": { type: "string", help: "Passed to train: seed of the synthetic dataset" },
  augment: { type: "boolean", help: "Passed to train: features of augmented images (crop + flip once)" },
  quiet: { type: "boolean", help: "Print only failures and the summary" },
};

const USAGE =
  "Usage: deno task sweep [--grid key=v1,v2]... [--set key=value]... [--out DIR] [--jobs N] [--shard i/n]";

await runMain(async () => {
  const { values } = parseFlags(Deno.args, FLAGS);
  if (values.help) return console.log(helpText(USAGE, FLAGS));
  const jobs = values.jobs === undefined ? navigator.hardwareConcurrency : numberFlag("jobs", values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) {
    throw new UsageError(`--jobs must be an integer >= 1, got ${jobs}.`);
  }
  const data: Partial<Record<PassThroughFlag, string>> = {};
  for (const f of PASS_THROUGH_FLAGS) {
    if (typeof values[f] === "string") data[f] = values[f] as string;
    else if (values[f] === true) data[f] = "true";
  }

  const abort = new AbortController();
  const stop = (signal: Deno.Signal) => () => {
    console.error(
      `sweep: ${signal}, stopping the running runs (they resume when the sweep is started again)`,
    );
    abort.abort();
  };
  const listeners: [Deno.Signal, () => void][] = [["SIGINT", stop("SIGINT")], ["SIGTERM", stop("SIGTERM")]];
  if (Deno.build.os !== "windows") { for (const [s, f] of listeners) Deno.addSignalListener(s, f); }

  let grid, shard;
  try {
    shard = values.shard ? parseShard(values.shard as string) : undefined;
    grid = gridFromArgs((values.grid as string[]) ?? [], (values.set as string[]) ?? []);
    expandGrid(grid); // validates every configuration before anything is written
  } catch (e) {
    if (e instanceof GridError || e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
  const result = await sweep({
    grid,
    out: values.out as string,
    shard,
    jobs,
    data,
    quiet: !!values.quiet,
    signal: abort.signal,
  });
  if (Deno.build.os !== "windows") { for (const [s, f] of listeners) Deno.removeSignalListener(s, f); }

  console.error(
    `sweep: ${result.completed.length} trained, ${result.skipped.length} already finished, ` +
      `${result.failed.length} failed of ${result.runs.length} runs in ${values.out}`,
  );
  for (const f of result.failed) {
    console.error(`\nFAILED ${f.name} (exit ${f.code}); last lines of ${f.dir}/train.log:\n${f.logTail}`);
  }
  if (result.aborted) Deno.exit(130);
  if (result.failed.length > 0) {
    console.error(
      `\nsweep: ${result.failed.length} runs failed; fix the cause and run the same command again.`,
    );
    Deno.exit(1);
  }
});
