/**
 * Speed of the paper's game (batch 64, D = E = 64, H = 200, V = 100, L = 10, 2 images, GRU, Gumbel-softmax):
 * `train.ms_per_step_builtin_grad` (the same game's gradients by TensorFlow.js's built-in autodiff, a few
 * steps of a fresh game: the baseline), `train.ms_per_step_first` (the first 20 steps of a fresh game, whole
 * steps with Adam, compared with the baseline), `train.ms_per_step` (steady state at full message length,
 * compared with the first steps), `train.ms_per_step_natural_length` (steady state with the messages the
 * game makes on these features, shorter), `eval.ms_per_step`, and `train.s_per_epoch` estimated from them.
 *
 * Steady state matters: once the agents grow confident, backward passes carry subnormal floats that slow
 * the products several times unless flushed (see linalg.ts), so the bench trains for a few hundred steps
 * (60 with `quick`) on features with class structure (100 class centres, as ResNet features are: non-negative,
 * clustered) and times the second half (`train.ms_per_step_natural_length`). Message length matters too: the
 * backward pass skips positions after each message's first EOS, and on real CIFAR-100 features the messages
 * are nearly full length (mean 8-10 of 11) while these features give short ones. So the same trained game
 * then keeps training with its EOS output bias pushed down, every message L + 1 long, and those steps give
 * `train.ms_per_step` (its `detail.meanLength` is measured).
 *
 * @module
 */
import process from "node:process";
import { activeBackend, initBackend } from "../backend.ts";
import { DEFAULT_CONFIG, resolveConfig } from "../config.ts";
import { autodiffGsGradients } from "../game/autodiff_reference.ts";
import { gumbelNoise } from "../game/gumbel.ts";
import { createGame, GsGame } from "../game/mod.ts";
import type { GameBatch, GameState } from "../game/types.ts";
import { Rng } from "../rng.ts";
import type { Bench, BenchFigure } from "./types.ts";

/** N clustered, non-negative D-d feature vectors with their class: max(0, centre + 0.5 · noise). */
function clusteredFeatures(rng: Rng, n: number, dim: number, classes: number) {
  const centres = Float32Array.from({ length: classes * dim }, () => Math.abs(rng.normal()));
  const features = new Float32Array(n * dim), label = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = (label[i] = rng.int(classes));
    for (let j = 0; j < dim; j++) {
      features[i * dim + j] = Math.max(0, centres[c * dim + j] + 0.5 * rng.normal());
    }
  }
  return { features, label };
}

/** A batch of games with uniform distractors. */
function randomBatch(
  rng: Rng,
  data: { features: Float32Array; label: Int32Array },
  batch: number,
  numImgs: number,
  dim: number,
): GameBatch {
  const n = data.label.length;
  const senderInput = new Float32Array(batch * dim), receiverInput = new Float32Array(batch * numImgs * dim);
  const target = new Int32Array(batch), sameClass = new Float32Array(batch * numImgs);
  const targetClass = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    const t = rng.int(n);
    senderInput.set(data.features.subarray(t * dim, (t + 1) * dim), b * dim);
    target[b] = rng.int(numImgs);
    targetClass[b] = data.label[t];
    for (let k = 0; k < numImgs; k++) {
      const i = k === target[b] ? t : rng.int(n);
      receiverInput.set(data.features.subarray(i * dim, (i + 1) * dim), (b * numImgs + k) * dim);
      sameClass[b * numImgs + k] = data.label[i] === data.label[t] ? 1 : 0;
    }
  }
  return { size: batch, senderInput, receiverInput, target, sameClass, targetClass };
}

const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;

/** The state with hidden_to_output.bias[EOS] at −30: the sender never ends a message early. */
function suppressEos(state: GameState): GameState {
  state.params["sender.hidden_to_output.bias"].data[0] = -30;
  return state;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** The game benchmark. */
export const gameBench: Bench = {
  names: [
    "train.ms_per_step_builtin_grad",
    "train.ms_per_step_first",
    "train.ms_per_step",
    "train.ms_per_step_natural_length",
    "eval.ms_per_step",
    "train.s_per_epoch",
  ],
  async run({ quick }): Promise<BenchFigure[]> {
    if (!activeBackend()) await initBackend("auto");
    const config = resolveConfig({ ...DEFAULT_CONFIG });
    const D = 64, B = config.batchSize;
    const rng = new Rng(1);
    const data = clusteredFeatures(rng.fork("data"), 5000, D, 100);
    // Baseline: tf's autodiff of the same loss, on a fresh game's first batches (gradients only, no update)
    const reference = GsGame.create(config, D, rng.fork("game"));
    const builtinMs: number[] = [];
    for (let s = 0; s < (quick ? 3 : 5) + 1; s++) {
      const batch = randomBatch(rng, data, B, config.numImgs, D);
      const noise = gumbelNoise(rng, B * config.maxLen * config.vocabSize);
      const w0 = performance.now();
      autodiffGsGradients(reference.dims, reference.params, batch, config.temperature, noise);
      if (s > 0) builtinMs.push(performance.now() - w0);
    }
    reference.dispose();
    const game = createGame(config, D, rng.fork("game"));
    const steps = quick ? 60 : 400,
      first = 20,
      steadyFrom = Math.floor(steps / 2),
      evalSteps = quick ? 10 : 40;
    const wall: number[] = [], cpu: number[] = [], lengths: number[] = [];
    let acc = 0;
    for (let s = 0; s < steps; s++) {
      const batch = randomBatch(rng, data, B, config.numImgs, D);
      const w0 = performance.now(), c0 = cpuMs();
      const out = game.trainStep(batch, config.temperature, rng);
      wall.push(performance.now() - w0);
      cpu.push(cpuMs() - c0);
      lengths.push(mean(Array.from(out.length)));
      if (s >= steadyFrom) acc += mean(Array.from(out.acc)) / (steps - steadyFrom);
    }
    const evalWall: number[] = [], evalCpu: number[] = [];
    for (let s = 0; s < evalSteps; s++) {
      const batch = randomBatch(rng, data, B, config.numImgs, D);
      const w0 = performance.now(), c0 = cpuMs();
      game.evalStep(batch);
      evalWall.push(performance.now() - w0);
      evalCpu.push(cpuMs() - c0);
    }
    const meanLength = mean(lengths.slice(steadyFrom));
    // The same trained game at full length: EOS never chosen (its output bias pushed down once; Adam moves
    // it by about lr per step), so every message has L + 1 positions
    game.setState(suppressEos(game.getState()));
    const fullWall: number[] = [], fullCpu: number[] = [], fullLengths: number[] = [];
    const fullSteps = quick ? 10 : 60;
    for (let s = 0; s < fullSteps + 3; s++) {
      const batch = randomBatch(rng, data, B, config.numImgs, D);
      const w0 = performance.now(), c0 = cpuMs();
      const out = game.trainStep(batch, config.temperature, rng);
      if (s >= 3) {
        fullWall.push(performance.now() - w0);
        fullCpu.push(cpuMs() - c0);
        fullLengths.push(mean(Array.from(out.length)));
      }
    }
    game.dispose();
    const firstMs = mean(wall.slice(0, first)), naturalMs = mean(wall.slice(steadyFrom));
    const steadyMs = mean(fullWall);
    const evalMs = mean(evalWall);
    const backend = activeBackend()?.name;
    const setup = {
      batch: B,
      hidden: config.hiddenSize,
      vocab: config.vocabSize,
      maxLen: config.maxLen,
      cell: config.cell,
      backend,
    };
    return [
      {
        name: "train.ms_per_step_builtin_grad",
        value: mean(builtinMs),
        unit: "ms",
        detail: {
          ...setup,
          steps: builtinMs.length,
          note: "forward and backward only (no Adam), tf.valueAndGrads",
        },
      },
      {
        name: "train.ms_per_step_first",
        value: firstMs,
        unit: "ms",
        baseline: "train.ms_per_step_builtin_grad",
        baselineValue: mean(builtinMs),
        ratio: firstMs / mean(builtinMs),
        detail: {
          ...setup,
          steps: `1-${first}`,
          cpuMs: mean(cpu.slice(0, first)),
          note: "whole steps, Adam included",
        },
      },
      {
        name: "train.ms_per_step",
        value: steadyMs,
        unit: "ms",
        baseline: "train.ms_per_step_first",
        baselineValue: firstMs,
        ratio: steadyMs / firstMs,
        detail: {
          ...setup,
          steps: `${steps + 4}-${steps + fullSteps + 3}`,
          cpuMs: mean(fullCpu),
          meanLength: mean(fullLengths),
          note: `steady state at full message length: the game trained ${steps} steps, then its EOS bias ` +
            "pushed down; wall-clock mean, cpuMs is process CPU time",
        },
      },
      {
        name: "train.ms_per_step_natural_length",
        value: naturalMs,
        unit: "ms",
        detail: {
          ...setup,
          steps: `${steadyFrom + 1}-${steps}`,
          cpuMs: mean(cpu.slice(steadyFrom)),
          trainAcc: acc,
          meanLength,
          note: "steady state with the game's own (short) messages on clustered features: wall-clock mean " +
            "over the second half of the steps",
        },
      },
      {
        name: "eval.ms_per_step",
        value: evalMs,
        unit: "ms",
        detail: { ...setup, steps: evalSteps, cpuMs: mean(evalCpu) },
      },
      {
        name: "train.s_per_epoch",
        value: ((50000 / B) * steadyMs + (10000 / B) * evalMs) / 1000,
        unit: "s",
        detail: {
          estimate:
            "(50000 / 64) steady full-length train steps + (10000 / 64) eval steps, from the figures " +
            "above; excludes game sampling, logging and checkpoints",
        },
      },
    ];
  },
};
