/**
 * `deno task train`: one training run of the signaling game on cached ResNet-56 features.
 *
 * Every RunConfig field is a kebab-case flag with the paper's value as default; data flags choose the
 * features; the run goes to `runs/<runName(config)>` unless `--run-dir` says otherwise, and resumes there if
 * it was interrupted.
 *
 * @module
 */
import { join } from "node:path";
import { BACKEND_CHOICES, type BackendChoice, initBackend } from "../src/backend.ts";
import { type FlagSpec, helpText, numberFlag, parseFlags, runMain, UsageError } from "../src/cli.ts";
import {
  CELLS,
  ConfigError,
  DEFAULT_CONFIG,
  GAME_TYPES,
  resolveConfig,
  type RunConfig,
  TASKS,
} from "../src/config.ts";
import { DEFAULT_WEIGHTS, ensureFeatures, loadFeatureBundle } from "../src/features/cache.ts";
import type { MetricLine } from "../src/train/layout.ts";
import { runName } from "../src/train/run_name.ts";
import { trainRun } from "../src/train/train.ts";

/** Help of each RunConfig field, in the paper's words. */
const CONFIG_HELP: Record<keyof RunConfig, string> = {
  task: `Game task: ${TASKS.join(", ")} (the paper's baseline and its two pressures)`,
  gameType: `Channel training: ${GAME_TYPES.join(", ")} (Gumbel-softmax, REINFORCE, single-symbol REINFORCE)`,
  icLossWeight: "Weight of the image-classification loss (img_clas, target_clas)",
  numImgs: "Candidates shown to the receiver, target included (>= 2)",
  sameClassProb: "Probability that a distractor comes from the target's fine class, in [0, 1]",
  seed: "Seed of every random draw of the run",
  epochs: "Maximum number of epochs",
  batchSize: "Games per optimisation step",
  vocabSize: "Vocabulary size (symbol 0 ends the message)",
  maxLen: "Maximum message length (an end symbol is appended)",
  embedSize: "Symbol embedding size of both agents",
  hiddenSize: "RNN hidden size of both agents",
  receiverProjSize: "Size of the receiver's joint image/message space",
  cell: `Recurrent cell: ${CELLS.join(", ")}`,
  temperature: "Initial Gumbel-softmax temperature",
  temperatureDecay: "Temperature factor after each training epoch",
  minTemperature: "Temperature floor",
  earlyStopAcc: "Stop once validation acc reaches this (1.0001 never stops)",
  lr: "Adam learning rate (the original always used PyTorch's default, 1e-3)",
  lengthCost: "Cost per symbol in the GS loss",
  senderEntropyCoeff: "REINFORCE: sender entropy coefficient",
  receiverEntropyCoeff: "REINFORCE: receiver entropy coefficient",
  numClasses: "Fine classes predicted by target_clas",
  evalNoise: "Evaluate the best checkpoint on the Gaussian-noise games at the end",
};

const kebab = (field: string) => field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

const CONFIG_FLAGS: Record<string, FlagSpec> = Object.fromEntries(
  (Object.keys(DEFAULT_CONFIG) as (keyof RunConfig)[]).map((field) => {
    const value = DEFAULT_CONFIG[field];
    const spec: FlagSpec = typeof value === "boolean"
      ? { type: "boolean", help: CONFIG_HELP[field] }
      : { type: "string", help: `${CONFIG_HELP[field]} (default: ${value})` };
    return [kebab(field), spec];
  }),
);

const DATA_FLAGS: Record<string, FlagSpec> = {
  dataset: { type: "string", help: "Images: cifar100 or synthetic", default: "cifar100" },
  cifar: { type: "string", help: "CIFAR-100 copy (binary tarball or folder, or cifar-100-python)" },
  weights: {
    type: "string",
    help: `ResNet-56 weights: a known name or a path (default: $VCP_WEIGHTS, else ${DEFAULT_WEIGHTS})`,
  },
  features: {
    type: "string",
    help: "Use an existing feature cache folder (skips --dataset/--cifar/--weights)",
  },
  augment: { type: "boolean", help: "Features of images with the paper's random crop + flip, applied once" },
  "synthetic-seed": { type: "string", help: "Seed of the synthetic dataset" },
  backend: { type: "string", help: `TensorFlow.js backend: ${BACKEND_CHOICES.join(", ")}`, default: "auto" },
  "run-dir": { type: "string", help: "Run folder (default: runs/<name from the config>)" },
  "limit-train": { type: "string", help: "Play only the first N training games per epoch (quick runs)" },
  "limit-test": { type: "string", help: "Play only the first N validation (and noise) games" },
  quiet: { type: "boolean", help: "No progress bars" },
};

const FLAGS = { ...CONFIG_FLAGS, ...DATA_FLAGS };

type FlagValues = Record<string, string | boolean | string[] | undefined>;

/** The config overrides given on the command line; a number flag that is not a number is a UsageError. */
function configFromFlags(values: FlagValues): Partial<RunConfig> {
  const overrides: Record<string, unknown> = {};
  for (const field of Object.keys(DEFAULT_CONFIG) as (keyof RunConfig)[]) {
    const raw = values[kebab(field)];
    if (raw === undefined) continue;
    const kind = typeof DEFAULT_CONFIG[field];
    if (kind === "boolean") overrides[field] = Boolean(raw);
    else if (kind === "number") overrides[field] = numberFlag(kebab(field), raw);
    else overrides[field] = raw;
  }
  return overrides as Partial<RunConfig>;
}

function optionalInt(values: FlagValues, name: string): number | undefined {
  if (values[name] === undefined) return undefined;
  const n = numberFlag(name, values[name]);
  if (!Number.isInteger(n) || n < 1) {
    throw new UsageError(`--${name} must be an integer >= 1, got "${values[name]}".`);
  }
  return n;
}

function formatLine(l: MetricLine): string {
  return JSON.stringify({
    ...l,
    loss: +l.loss.toFixed(6),
    acc: +l.acc.toFixed(6),
    seconds: +l.seconds.toFixed(1),
  });
}

await runMain(async () => {
  const { values, positionals } = parseFlags(Deno.args, FLAGS);
  if (positionals.length > 0) {
    throw new UsageError(
      `Unexpected argument "${positionals[0]}": every setting is a flag; run with --help.`,
    );
  }
  if (values.help) {
    console.log(helpText("Usage: deno task train [flags]\n\nTrain one run of the signaling game.", FLAGS));
    return;
  }

  // --- Everything that can be wrong on the command line is checked before anything is written ---------------
  let config: RunConfig;
  try {
    config = resolveConfig(configFromFlags(values));
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
  const dataset = values.dataset as string;
  if (dataset !== "cifar100" && dataset !== "synthetic") {
    throw new UsageError(`--dataset must be cifar100 or synthetic, got "${dataset}".`);
  }
  const backendChoice = values.backend as BackendChoice;
  if (!BACKEND_CHOICES.includes(backendChoice)) {
    throw new UsageError(`--backend must be one of ${BACKEND_CHOICES.join(", ")}, got "${backendChoice}".`);
  }
  const limitTrain = optionalInt(values, "limit-train");
  const limitTest = optionalInt(values, "limit-test");
  const syntheticSeed = values["synthetic-seed"] === undefined
    ? undefined
    : numberFlag("synthetic-seed", values["synthetic-seed"]);
  const runDir = (values["run-dir"] as string | undefined) ?? join("runs", runName(config));
  const progress = !values.quiet;

  console.log(`run dir: ${runDir}`);
  console.log(`config: ${JSON.stringify(config)}`);

  // --- Backend and features ----------------------------------------------------------------------------------
  const backend = await initBackend(backendChoice);
  const features = values.features
    ? await loadFeatureBundle(values.features as string)
    : await ensureFeatures({
      dataset,
      cifar: values.cifar as string | undefined,
      syntheticSeed,
      weights: values.weights as string | undefined,
      augment: Boolean(values.augment),
      backend: backendChoice,
      progress,
    });
  console.log(
    `backend: ${backend.name}${backend.simd ? " (simd)" : ""}; features: ${features.meta.dataset} ` +
      `${features.meta.key.slice(0, 16)} (${features.train.count} train, ${features.test.count} test, ` +
      `${features.noise.count} noise)${features.dir ? ` in ${features.dir}` : ""}`,
  );

  // --- Train ---------------------------------------------------------------------------------------------------
  const result = await trainRun({
    config,
    features,
    runDir,
    backend,
    limitTrain,
    limitTest,
    progress,
    manifestExtra: { command: ["deno", "task", "train", ...Deno.args] },
    onEpoch: (lines) => lines.forEach((l) => console.log(formatLine(l))),
  });

  const parts = [
    `best epoch ${result.bestEpoch}: acc ${result.bestAcc.toFixed(4)}`,
    result.bestImgClassAcc !== undefined ? `img_class_acc ${result.bestImgClassAcc.toFixed(4)}` : "",
    result.noiseAcc !== undefined ? `noise acc ${result.noiseAcc.toFixed(4)}` : "",
    `${result.epochsRun} epochs${result.stoppedEarly ? " (stopped early)" : ""}`,
    `${result.seconds.toFixed(0)} s`,
  ].filter(Boolean);
  console.log(`summary: ${parts.join(", ")}; results in ${runDir}`);
});
