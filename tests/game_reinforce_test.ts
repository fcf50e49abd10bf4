import assert from "node:assert/strict";
import { initBackend } from "../src/backend.ts";
import { type Cell, resolveConfig, type Task } from "../src/config.ts";
import type { ParamArrays } from "../src/game/params.ts";
import { RfGame } from "../src/game/reinforce_game.ts";
import { RfSingleGame } from "../src/game/reinforce_single.ts";
import { MeanBaseline } from "../src/game/reinforce_baseline.ts";
import type { GameBatch, StepOutput } from "../src/game/types.ts";
import { Rng } from "../src/rng.ts";

await initBackend("auto");

const D = 3, B = 6, K = 3;

function setup(gameType: "rf" | "rf_single", task: Task, cell: Cell) {
  const config = resolveConfig({
    gameType,
    task,
    cell,
    vocabSize: 5,
    maxLen: 3,
    embedSize: 4,
    hiddenSize: 6,
    receiverProjSize: 12,
    numImgs: K,
    numClasses: 4,
    icLossWeight: 0.7,
    lengthCost: 0.05,
    senderEntropyCoeff: 0.1,
  });
  const rng = new Rng(11);
  const game = gameType === "rf" ? RfGame.create(config, D, rng) : RfSingleGame.create(config, D, rng);
  if (game instanceof RfGame) {
    game.lossBaseline.value = 0.4;
    game.lengthBaseline.value = 0.1;
    game.params["sender.hidden_to_output.bias"][0] += 0.5; // messages of several lengths
  } else {
    game.baseline.value = 0.4;
  }
  const batch: GameBatch = {
    size: B,
    senderInput: Float32Array.from({ length: B * D }, () => rng.normal()),
    receiverInput: Float32Array.from({ length: B * K * D }, () => rng.normal()),
    target: Int32Array.from({ length: B }, () => rng.int(K)),
    sameClass: Float32Array.from({ length: B * K }, () => rng.int(2)),
    targetClass: Int32Array.from({ length: B }, () => rng.int(4)),
  };
  const uniforms = Float64Array.from({ length: B * config.maxLen }, () => rng.float());
  return { game, batch, uniforms, rng };
}

type Result = { output: StepOutput; grads: ParamArrays | null; ell: Float64Array };

/**
 * Central differences with the sampled symbols held fixed: the sender's gradient is that of the optimised
 * surrogate (the task loss enters it detached), the receiver's that of mean(ℓ).
 */
function checkGradients(gameType: "rf" | "rf_single", task: Task, cell: Cell): number {
  const { game, batch, uniforms, rng } = setup(gameType, task, cell);
  const run = (): Result => game.gradients(batch, uniforms) as Result;
  const base = run();
  let worst = 0;
  for (const [name, g] of Object.entries(base.grads!)) {
    const p = game.params[name];
    const value = (r: Result) =>
      name.startsWith("receiver.") ? r.ell.reduce((a, c) => a + c, 0) / B : r.output.loss;
    const entries = [...g.keys()].sort((a, b) => Math.abs(g[b]) - Math.abs(g[a])).slice(0, 3);
    entries.push(rng.int(g.length));
    for (const i of entries) {
      const orig = p[i], eps = 3e-3;
      const bump = (x: number) => {
        p[i] = x;
        game.setState(game.getState()); // new parameter version
        return run();
      };
      const plus = bump(orig + eps), minus = bump(orig - eps);
      bump(orig);
      assert.deepEqual(plus.output.symbols, base.output.symbols, "symbols stay fixed");
      worst = Math.max(worst, Math.abs((value(plus) - value(minus)) / (2 * eps) - g[i]));
    }
  }
  return worst;
}

for (const task of ["standard", "img_clas", "target_clas"] as const) {
  Deno.test(`RfGame.gradients() matches finite differences (${task})`, () => {
    assert.ok(checkGradients("rf", task, "gru") < 1e-4);
  });
  Deno.test(`RfSingleGame.gradients() matches finite differences (${task})`, () => {
    assert.ok(checkGradients("rf_single", task, "gru") < 1e-4);
  });
}

for (const cell of ["lstm", "rnn"] as const) {
  Deno.test(`RfGame.gradients() matches finite differences (${cell} cells)`, () => {
    assert.ok(checkGradients("rf", "img_clas", cell) < 1e-4);
  });
}

Deno.test("RfGame.trainStep() updates the baselines with the batch and checkpoints them", () => {
  const game = setup("rf", "standard", "gru").game as RfGame;
  const { batch } = setup("rf", "standard", "gru");
  game.lossBaseline.value = 0;
  game.lossBaseline.count = 0;
  const out = game.trainStep(batch, 1, new Rng(1));
  assert.ok(Number.isFinite(out.loss));
  assert.equal(game.lossBaseline.count, 1);
  assert.ok(game.lossBaseline.value > 0);
  const state = game.getState();
  assert.equal(state.optimizer?.extra?.lossBaselineCount, 1);
  game.lossBaseline.count = 0;
  game.setState(state);
  assert.equal(game.lossBaseline.count, 1);
});

Deno.test("MeanBaseline averages batch means with equal weight", () => {
  const b = new MeanBaseline();
  b.update([1, 3]);
  b.update([4, 4, 4]);
  b.update([0]);
  assert.equal(b.value, 2);
  assert.equal(b.count, 3);
});
