import assert from "node:assert/strict";
import { initBackend } from "../src/backend.ts";
import { type GameType, resolveConfig, type RunConfig } from "../src/config.ts";
import { createGame } from "../src/game/mod.ts";
import { mean, oneHotObjects, Rng, toyBatch } from "./game_helpers.ts";

await initBackend("auto");

const N = 8;

/**
 * Train on 8 one-hot objects with 4 candidates (fixed seeds); the first check (every 25 steps) at which greedy
 * play is perfect on 64 games, or -1.
 */
function stepsToPerfect(gameType: GameType, overrides: Partial<RunConfig>, maxSteps: number): number {
  const config = resolveConfig({
    gameType,
    vocabSize: 8,
    maxLen: 3,
    embedSize: 16,
    hiddenSize: 32,
    receiverProjSize: 64,
    numImgs: 4,
    batchSize: 32,
    lr: 0.01,
    ...overrides,
  });
  const objects = oneHotObjects(N), rng = new Rng(3);
  const game = createGame(config, N, rng.fork("game"));
  const evalBatch = toyBatch(new Rng(99), objects, N, 64, config.numImgs);
  try {
    for (let step = 1; step <= maxSteps; step++) {
      game.trainStep(toyBatch(rng, objects, N, config.batchSize, config.numImgs), config.temperature, rng);
      if (step % 25 === 0 && mean(game.evalStep(evalBatch).acc) === 1) return step;
    }
    return -1;
  } finally {
    game.dispose();
  }
}

Deno.test("GsGame reaches perfect accuracy on a toy game", () => {
  assert.notEqual(stepsToPerfect("gs", { vocabSize: 16, batchSize: 64 }, 400), -1);
});

Deno.test("RfGame reaches perfect accuracy on a toy game", () => {
  assert.notEqual(stepsToPerfect("rf", { senderEntropyCoeff: 0.1 }, 600), -1);
});

Deno.test("RfSingleGame reaches perfect accuracy on a toy game", () => {
  assert.notEqual(stepsToPerfect("rf_single", { vocabSize: 16 }, 600), -1);
});
