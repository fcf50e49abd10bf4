import assert from "node:assert/strict";
import { initBackend } from "../src/backend.ts";
import { type GameType, resolveConfig } from "../src/config.ts";
import { createGame } from "../src/game/mod.ts";
import { oneHotObjects, Rng, toyBatch } from "./game_helpers.ts";

await initBackend("auto");

const N = 6;
const config = (gameType: GameType) =>
  resolveConfig({
    gameType,
    vocabSize: 6,
    maxLen: 3,
    embedSize: 8,
    hiddenSize: 12,
    receiverProjSize: 24,
    numImgs: 3,
    batchSize: 16,
    task: "img_clas",
  });

/** Losses of `steps` training steps of a fresh game from `seed`. */
function losses(gameType: GameType, seed: number, steps: number): number[] {
  const c = config(gameType), rng = new Rng(seed), objects = oneHotObjects(N);
  const game = createGame(c, N, rng.fork("game"));
  const out = Array.from(
    { length: steps },
    () => game.trainStep(toyBatch(rng, objects, N, 16, 3), 1, rng).loss,
  );
  game.dispose();
  return out;
}

for (const gameType of ["gs", "rf", "rf_single"] as const) {
  Deno.test(`createGame("${gameType}") is deterministic: same seed, same losses`, () => {
    const a = losses(gameType, 4, 5);
    assert.deepEqual(losses(gameType, 4, 5), a);
    assert.notDeepEqual(losses(gameType, 5, 5), a);
  });

  Deno.test(`getState()/setState() of "${gameType}" resume training exactly`, () => {
    const c = config(gameType), objects = oneHotObjects(N);
    const a = createGame(c, N, new Rng(1)), b = createGame(c, N, new Rng(2));
    const rng = new Rng(9);
    for (let i = 0; i < 3; i++) a.trainStep(toyBatch(rng, objects, N, 16, 3), 1, rng);
    b.setState(a.getState());
    const batch = toyBatch(new Rng(3), objects, N, 16, 3);
    const la = a.trainStep(batch, 1, new Rng(7)), lb = b.trainStep(batch, 1, new Rng(7));
    assert.equal(lb.loss, la.loss);
    assert.deepEqual(b.getState().params, a.getState().params);
    assert.deepEqual(b.evalStep(batch).symbols, a.evalStep(batch).symbols);
    a.dispose();
    b.dispose();
  });
}

Deno.test("getState() names parameters as the original's state dict", () => {
  const game = createGame(config("gs"), N, new Rng(1));
  const { params, optimizer } = game.getState();
  assert.deepEqual(params["sender.cell.weight_ih"].shape, [36, 8]);
  assert.deepEqual(params["receiver.agent.msg_fc.weight"].shape, [24, 12]);
  assert.deepEqual(params["sender.embedding.weight"].shape, [8, 6]);
  assert.equal(optimizer?.step, 0);
  game.dispose();
});

Deno.test("StepOutput has one row of L + 1 symbols per game, ending with EOS", () => {
  for (const gameType of ["gs", "rf", "rf_single"] as const) {
    const game = createGame(config(gameType), N, new Rng(1));
    const out = game.evalStep(toyBatch(new Rng(2), oneHotObjects(N), N, 16, 3));
    assert.equal(out.symbols.length, 16 * 4);
    for (let b = 0; b < 16; b++) assert.equal(out.symbols[b * 4 + 3], 0);
    assert.equal(out.acc.length, 16);
    assert.equal(out.imgClassAcc?.length, 16);
    for (const l of out.length) assert.ok(l >= 1 && l <= 4);
    game.dispose();
  }
});

Deno.test("trainStep() rejects a batch without the labels its task needs", () => {
  const game = createGame(config("gs"), N, new Rng(1));
  const batch = toyBatch(new Rng(2), oneHotObjects(N), N, 16, 3);
  delete batch.sameClass;
  assert.throws(
    () => game.trainStep(batch, 1, new Rng(3)),
    (e: Error) => e.name === "BatchError" && /sameClass/.test(e.message),
  );
  assert.throws(
    () => game.evalStep({ ...batch, senderInput: new Float32Array(5) }),
    /senderInput has 5 values/,
  );
  game.dispose();
});

Deno.test("the REINFORCE games name parameters as the original's wrappers do", () => {
  const rf = createGame(config("rf"), N, new Rng(1)).getState().params;
  for (
    const n of ["sender.cells.0.weight_ih", "sender.embedding.weight", "receiver.encoder.cell.weight_hh_l0"]
  ) {
    assert.ok(rf[n], n);
  }
  assert.deepEqual(rf["receiver.encoder.embedding.weight"].shape, [6, 8]);
  const single = createGame(config("rf_single"), N, new Rng(1)).getState().params;
  assert.deepEqual(single["sender.agent.fc.weight"].shape, [6, N]);
  assert.deepEqual(single["receiver.agent.embedding.weight"].shape, [6, 8]);
  assert.deepEqual(single["receiver.agent.agent.msg_fc.weight"].shape, [16, 8]);
});
