/**
 * One training run, as the original's main.py: epochs of training games and validation games, temperature
 * decay, best-epoch checkpoint, early stop, optional noise evaluation, all written to a run folder
 * (layout.ts) so that a killed run resumes where it stopped and produces the metrics of an uninterrupted one.
 *
 * @module
 */
import { dirname } from "node:path";
import type { BackendInfo } from "../backend.ts";
import { ConfigError, type RunConfig, validateConfig } from "../config.ts";
import type { FeatureBundle, FeatureSplit } from "../features/types.ts";
import { classIndex, drawGames } from "../game/sampling.ts";
import { createGame } from "../game/mod.ts";
import type { Game } from "../game/types.ts";
import { appendJsonLine, exists, writeJsonAtomic } from "../io/atomic.ts";
import { Rng } from "../rng.ts";
import { loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
import { evalPass, type PassMetrics, trainPass } from "./epoch.ts";
import { saveInteractions } from "./interactions.ts";
import { type MetricLine, runPaths, type RunResult } from "./layout.ts";
import { buildManifest } from "./manifest.ts";
import { readRunState, type RunState, truncateJsonl, writeRunState } from "./state.ts";

/** Builds the game of a run (src/game's `createGame` by default; tests pass small fakes). */
export type GameFactory = (config: RunConfig, featureDim: number, rng: Rng) => Game | Promise<Game>;

/** Options of {@link trainRun}. */
export interface TrainOptions {
  config: RunConfig;
  features: FeatureBundle;
  /** Run folder; created if missing. */
  runDir: string;
  /** The backend that runs the game, recorded in the manifest. */
  backend: BackendInfo;
  /** Play only the first N training games of each epoch (quick runs). */
  limitTrain?: number;
  /** Play only the first N validation games (and N noise games). */
  limitTest?: number;
  /** Progress lines on stderr (default false). */
  progress?: boolean;
  /** Extra fields for manifest.json (e.g. the command line). */
  manifestExtra?: Record<string, unknown>;
  /** Game constructor; defaults to src/game's `createGame`. */
  createGame?: GameFactory;
  /** Return after this many epochs of this call without finishing the run (tests of resuming). */
  stopAfterEpochs?: number;
  /** Called after every finished epoch with its train and test lines (printing, sweeps). */
  onEpoch?: (lines: MetricLine[]) => void;
}

/** Error for a run folder that holds a different run. */
export class RunFolderError extends Error {
  override name = "RunFolderError";
}

function checkSplit(split: FeatureSplit, name: string, dim: number): void {
  if (split.count < 2) {
    throw new ConfigError(`Feature split "${name}" has ${split.count} images; games need at least 2.`);
  }
  if (split.dim !== dim) {
    throw new ConfigError(`Feature split "${name}" has dim ${split.dim}, train has ${dim}.`);
  }
  if (split.features.length !== split.count * dim || split.fine.length !== split.count) {
    throw new ConfigError(
      `Feature split "${name}" is inconsistent: ${split.count} images of dim ${dim} expected.`,
    );
  }
}

function checkLimit(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
    throw new ConfigError(`Invalid ${name}: got ${value}, expected an integer >= 1.`);
  }
}

/** Everything that can be checked before a file is written: bad input writes nothing. */
function validate(opts: TrainOptions): void {
  const { config, features } = opts;
  validateConfig(config);
  const dim = features.train.dim;
  checkSplit(features.train, "train", dim);
  checkSplit(features.test, "test", dim);
  if (config.evalNoise) checkSplit(features.noise, "noise", dim);
  if (config.task === "target_clas") {
    let maxClass = 0;
    for (const c of features.train.fine) maxClass = Math.max(maxClass, c);
    for (const c of features.test.fine) maxClass = Math.max(maxClass, c);
    if (maxClass >= config.numClasses) {
      throw new ConfigError(
        `Invalid numClasses: got ${config.numClasses}, but the features have fine class ${maxClass}; ` +
          `set it to at least ${maxClass + 1}.`,
      );
    }
  }
  checkLimit("limitTrain (--limit-train)", opts.limitTrain);
  checkLimit("limitTest (--limit-test)", opts.limitTest);
}

/** A config saved in an existing run folder must be the one asked for: never resume a different run. */
async function checkSameRun(path: string, config: RunConfig, featuresKey: string, manifestPath: string) {
  const saved = JSON.parse(await Deno.readTextFile(path)) as Record<string, unknown>;
  for (const [field, value] of Object.entries(config)) {
    if (field === "evalNoise") continue; // an evaluation added at the end, not a different run
    const was = JSON.stringify(saved[field]), now = JSON.stringify(value);
    if (was !== now) {
      throw new RunFolderError(
        `Run folder ${dirname(path)} holds a run with ${field} = ${was}, not ${now}; ` +
          "choose another --run-dir or delete that folder.",
      );
    }
  }
  if (await exists(manifestPath)) {
    const key = JSON.parse(await Deno.readTextFile(manifestPath))?.features?.key;
    if (key !== undefined && key !== featuresKey) {
      throw new RunFolderError(
        `Run folder ${dirname(path)} was trained on features ${key}, not ${featuresKey}; ` +
          "choose another --run-dir or delete that folder.",
      );
    }
  }
}

function line(epoch: number, mode: MetricLine["mode"], m: PassMetrics, temperature: number): MetricLine {
  return {
    epoch,
    mode,
    loss: m.loss,
    acc: m.acc,
    ...(m.imgClassAcc !== undefined ? { img_class_acc: m.imgClassAcc } : {}),
    length: m.length,
    temperature,
    seconds: m.seconds,
  };
}

/**
 * Train (or resume, or just return) the run in `runDir`. Returns the {@link RunResult} also written to
 * result.json; when `stopAfterEpochs` interrupts the run, returns undefined.
 */
export async function trainRun(
  opts: TrainOptions & { stopAfterEpochs: number },
): Promise<RunResult | undefined>;
export async function trainRun(opts: TrainOptions): Promise<RunResult>;
export async function trainRun(opts: TrainOptions): Promise<RunResult | undefined> {
  const { config, features } = opts;
  const paths = runPaths(opts.runDir);
  validate(opts);
  if (await exists(paths.result)) {
    if (await exists(paths.config)) {
      await checkSameRun(paths.config, config, features.meta.key, paths.manifest);
    }
    const done = JSON.parse(await Deno.readTextFile(paths.result)) as RunResult;
    // A finished run asked for a noise evaluation it did not have goes on to evaluate its best checkpoint.
    if (!config.evalNoise || done.noiseAcc !== undefined) return done;
  }

  // --- Start or resume -------------------------------------------------------------------------------------
  let state = await readRunState(paths.state);
  if (state) {
    await checkSameRun(paths.config, config, features.meta.key, paths.manifest);
    await truncateJsonl(paths.metrics, state.metricsLines);
    await writeJsonAtomic(paths.config, config); // evalNoise may have been switched on
  } else {
    if (await exists(paths.config)) {
      await checkSameRun(paths.config, config, features.meta.key, paths.manifest);
    }
    await writeJsonAtomic(paths.config, config);
    const manifest = await buildManifest({
      backend: opts.backend,
      features,
      limitTrain: opts.limitTrain,
      limitTest: opts.limitTest,
      extra: opts.manifestExtra,
    });
    await writeJsonAtomic(paths.manifest, manifest);
    await truncateJsonl(paths.metrics, 0); // an earlier attempt killed in its first epoch
    state = {
      epochsDone: 0,
      temperature: config.temperature,
      bestEpoch: 0,
      bestAcc: null,
      trainingDone: false,
      stoppedEarly: false,
      metricsLines: 0,
      seconds: 0,
    };
  }

  // Every random stream is forked from the seed by a label, so a resumed epoch draws what it would have drawn.
  const seed = new Rng(config.seed);
  const factory = opts.createGame ?? createGame;
  const game = await factory(config, features.train.dim, seed.fork("game"));
  try {
    if (state.epochsDone > 0) game.setState(await loadCheckpoint(paths.last));
    const trainIndex = classIndex(features.train), testIndex = classIndex(features.test);
    const width = config.maxLen + 1, wideSymbols = config.vocabSize > 256;
    const pressure = config.task !== "standard";
    let epochsThisCall = 0;

    // --- Epochs: train on shuffled games, validate on the test split, checkpoint ---------------------------
    while (!state.trainingDone) {
      if (opts.stopAfterEpochs !== undefined && epochsThisCall >= opts.stopAfterEpochs) return undefined;
      const epoch = state.epochsDone + 1;
      const temperature = state.temperature;
      const label = (mode: string) => (opts.progress ? `epoch ${epoch} ${mode}` : undefined);

      const trainDraw = drawGames(
        features.train,
        trainIndex,
        {
          numImgs: config.numImgs,
          sameClassProb: config.sameClassProb,
          shuffle: true,
          limit: opts.limitTrain,
        },
        seed.fork(`train-e${epoch}`),
      );
      const trainMetrics = trainPass(game, {
        split: features.train,
        draw: trainDraw,
        task: config.task,
        batchSize: config.batchSize,
        temperature,
        rng: seed.fork(`gumbel-e${epoch}`),
        progressLabel: label("train"),
      });

      const testDraw = drawGames(
        features.test,
        testIndex,
        {
          numImgs: config.numImgs,
          sameClassProb: config.sameClassProb,
          shuffle: false,
          limit: opts.limitTest,
        },
        seed.fork(`test-e${epoch}`),
      );
      const { metrics: testMetrics, interactions } = evalPass(game, {
        split: features.test,
        draw: testDraw,
        task: config.task,
        batchSize: config.batchSize,
        epoch,
        mode: "test",
        width,
        wideSymbols,
        progressLabel: label("test"),
      });

      const lines = [
        line(epoch, "train", trainMetrics, temperature),
        line(epoch, "test", testMetrics, temperature),
      ];
      await saveInteractions(paths.interactions(epoch), interactions);
      for (const l of lines) await appendJsonLine(paths.metrics, l);

      // The original checkpoints when validation acc is strictly above the best so far.
      const next: RunState = { ...state };
      if (state.bestAcc === null || testMetrics.acc > state.bestAcc) {
        await saveCheckpoint(paths.best, game.getState());
        next.bestEpoch = epoch;
        next.bestAcc = testMetrics.acc;
        next.bestTemperature = temperature;
        if (pressure) {
          next.bestImgClassAcc = testMetrics.imgClassAcc;
          next.bestTrainImgClassAcc = trainMetrics.imgClassAcc;
        }
      }
      next.epochsDone = epoch;
      next.temperature = Math.max(config.minTemperature, temperature * config.temperatureDecay);
      next.stoppedEarly = testMetrics.acc >= config.earlyStopAcc;
      next.trainingDone = next.stoppedEarly || epoch >= config.epochs;
      next.metricsLines = state.metricsLines + lines.length;
      next.seconds = state.seconds + trainMetrics.seconds + testMetrics.seconds;
      await saveCheckpoint(paths.last, game.getState());
      await writeRunState(paths.state, next);
      state = next;
      epochsThisCall++;
      opts.onEpoch?.(lines);
    }

    // --- Noise evaluation of the best checkpoint ------------------------------------------------------------
    let noiseAcc: number | undefined;
    if (config.evalNoise) {
      const t0 = performance.now();
      game.setState(await loadCheckpoint(paths.best));
      // Uniform distractors, as the original's noise games.
      const noiseDraw = drawGames(
        features.noise,
        classIndex(features.noise),
        { numImgs: config.numImgs, sameClassProb: 0, shuffle: false, limit: opts.limitTest },
        seed.fork("noise"),
      );
      const { metrics, interactions } = evalPass(game, {
        split: features.noise,
        draw: noiseDraw,
        task: config.task,
        batchSize: config.batchSize,
        epoch: state.bestEpoch,
        mode: "noise",
        width,
        wideSymbols,
        progressLabel: opts.progress ? "noise" : undefined,
      });
      await saveInteractions(paths.noiseInteractions, interactions);
      const noiseLine = line(state.bestEpoch, "noise", metrics, state.bestTemperature ?? state.temperature);
      await appendJsonLine(paths.metrics, noiseLine);
      opts.onEpoch?.([noiseLine]);
      noiseAcc = metrics.acc;
      state.seconds += (performance.now() - t0) / 1000;
    }

    const result: RunResult = {
      status: "complete",
      bestEpoch: state.bestEpoch,
      bestAcc: state.bestAcc ?? NaN,
      ...(state.bestImgClassAcc !== undefined ? { bestImgClassAcc: state.bestImgClassAcc } : {}),
      ...(state.bestTrainImgClassAcc !== undefined
        ? { bestTrainImgClassAcc: state.bestTrainImgClassAcc }
        : {}),
      ...(noiseAcc !== undefined ? { noiseAcc } : {}),
      epochsRun: state.epochsDone,
      stoppedEarly: state.stoppedEarly,
      seconds: state.seconds,
    };
    await writeJsonAtomic(paths.result, result);
    return result;
  } finally {
    game.dispose();
  }
}
