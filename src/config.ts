/**
 * The one typed configuration of a training run, with the paper's defaults, validated in one place and
 * written whole into every run folder.
 *
 * @module
 */

/** The game's task: the paper's baseline and its two visual pressures. */
export type Task = "standard" | "img_clas" | "target_clas";
/** Recurrent cell of both agents. */
export type Cell = "gru" | "lstm" | "rnn";
/** How the channel is trained: Gumbel-softmax (the paper) or EGG's REINFORCE games. */
export type GameType = "gs" | "rf" | "rf_single";

export const TASKS: readonly Task[] = ["standard", "img_clas", "target_clas"];
export const CELLS: readonly Cell[] = ["gru", "lstm", "rnn"];
export const GAME_TYPES: readonly GameType[] = ["gs", "rf", "rf_single"];

/** Everything that decides what a run computes. */
export interface RunConfig {
  task: Task;
  gameType: GameType;
  /** Weight of the image-classification loss (`img_clas`, `target_clas`). */
  icLossWeight: number;
  /** Candidates shown to the receiver, target included (>= 2). */
  numImgs: number;
  /** Probability that a distractor is drawn from the target's fine class. */
  sameClassProb: number;
  seed: number;
  epochs: number;
  batchSize: number;
  vocabSize: number;
  maxLen: number;
  /** Symbol embedding size of both agents. */
  embedSize: number;
  /** RNN hidden size of both agents. */
  hiddenSize: number;
  /** Size of the receiver's joint image/message space (the paper's 400). */
  receiverProjSize: number;
  cell: Cell;
  temperature: number;
  /** After each training epoch, temperature <- max(minTemperature, temperature * temperatureDecay). */
  temperatureDecay: number;
  minTemperature: number;
  /** Stop once validation acc reaches this value. */
  earlyStopAcc: number;
  lr: number;
  /** Cost per symbol in the GS loss (EGG's length_cost; 0 in the paper). */
  lengthCost: number;
  /** REINFORCE games: entropy coefficients and receiver embedding. */
  senderEntropyCoeff: number;
  receiverEntropyCoeff: number;
  /** Number of fine classes predicted by `target_clas`. */
  numClasses: number;
  /** Evaluate the best checkpoint on Gaussian-noise games at the end. */
  evalNoise: boolean;
}

/** The paper's configuration. */
export const DEFAULT_CONFIG: Readonly<RunConfig> = Object.freeze({
  task: "standard",
  gameType: "gs",
  icLossWeight: 1,
  numImgs: 2,
  sameClassProb: 0,
  seed: 7,
  epochs: 10,
  batchSize: 64,
  vocabSize: 100,
  maxLen: 10,
  embedSize: 64,
  hiddenSize: 200,
  receiverProjSize: 400,
  cell: "gru",
  temperature: 1,
  temperatureDecay: 0.9,
  minTemperature: 0.1,
  earlyStopAcc: 0.97,
  lr: 1e-3,
  lengthCost: 0,
  senderEntropyCoeff: 0,
  receiverEntropyCoeff: 0,
  numClasses: 100,
  evalNoise: false,
});

/** Error for an invalid configuration value; names the field and what was expected. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

function check(ok: boolean, field: string, value: unknown, expected: string): void {
  if (!ok) throw new ConfigError(`Invalid ${field}: got ${JSON.stringify(value)}, expected ${expected}.`);
}

const isInt = (x: unknown): x is number => typeof x === "number" && Number.isInteger(x);

/** Merge overrides into the defaults and validate; throws {@link ConfigError} on the first bad field. */
export function resolveConfig(
  overrides: Partial<RunConfig> = {},
  base: Readonly<RunConfig> = DEFAULT_CONFIG,
): RunConfig {
  const known = new Set(Object.keys(DEFAULT_CONFIG));
  for (const key of Object.keys(overrides)) {
    if (!known.has(key)) {
      throw new ConfigError(`Unknown config field "${key}"; known fields: ${[...known].join(", ")}.`);
    }
  }
  const c: RunConfig = { ...base, ...overrides };
  validateConfig(c);
  return c;
}

/** Validate a complete configuration. */
export function validateConfig(c: RunConfig): void {
  check(TASKS.includes(c.task), "task", c.task, `one of ${TASKS.join(", ")}`);
  check(
    GAME_TYPES.includes(c.gameType),
    "gameType (--game-type)",
    c.gameType,
    `one of ${GAME_TYPES.join(", ")}`,
  );
  check(CELLS.includes(c.cell), "cell", c.cell, `one of ${CELLS.join(", ")}`);
  check(isInt(c.numImgs) && c.numImgs >= 2, "numImgs (--num-imgs)", c.numImgs, "an integer >= 2");
  check(
    typeof c.sameClassProb === "number" && c.sameClassProb >= 0 && c.sameClassProb <= 1,
    "sameClassProb (--same-class-prob)",
    c.sameClassProb,
    "a number in [0, 1]",
  );
  check(
    typeof c.icLossWeight === "number" && c.icLossWeight >= 0 && Number.isFinite(c.icLossWeight),
    "icLossWeight (--ic-loss-weight)",
    c.icLossWeight,
    "a finite number >= 0",
  );
  check(isInt(c.seed), "seed", c.seed, "an integer");
  check(isInt(c.epochs) && c.epochs >= 1, "epochs", c.epochs, "an integer >= 1");
  check(isInt(c.batchSize) && c.batchSize >= 1, "batchSize (--batch-size)", c.batchSize, "an integer >= 1");
  check(
    isInt(c.vocabSize) && c.vocabSize >= 2,
    "vocabSize (--vocab-size)",
    c.vocabSize,
    "an integer >= 2 (symbol 0 is end of message)",
  );
  check(isInt(c.maxLen) && c.maxLen >= 1, "maxLen (--max-len)", c.maxLen, "an integer >= 1");
  for (const f of ["embedSize", "hiddenSize", "receiverProjSize", "numClasses"] as const) {
    check(isInt(c[f]) && c[f] >= 1, f, c[f], "an integer >= 1");
  }
  check(c.temperature > 0 && Number.isFinite(c.temperature), "temperature", c.temperature, "a number > 0");
  check(
    c.temperatureDecay > 0 && c.temperatureDecay <= 1,
    "temperatureDecay",
    c.temperatureDecay,
    "a number in (0, 1]",
  );
  check(c.minTemperature > 0, "minTemperature", c.minTemperature, "a number > 0");
  check(
    c.earlyStopAcc > 0 && c.earlyStopAcc <= 1.0001,
    "earlyStopAcc",
    c.earlyStopAcc,
    "a number in (0, 1] (use 1.0001 to never stop early)",
  );
  check(c.lr > 0 && Number.isFinite(c.lr), "lr", c.lr, "a number > 0");
  check(c.lengthCost >= 0, "lengthCost", c.lengthCost, "a number >= 0");
  check(typeof c.evalNoise === "boolean", "evalNoise", c.evalNoise, "true or false");
}
