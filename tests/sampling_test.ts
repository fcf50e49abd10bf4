import assert from "node:assert/strict";
import { batchesOf, classIndex, drawGames, makeBatch } from "../src/game/sampling.ts";
import { Rng } from "../src/rng.ts";
import { toyFeatureBundle } from "../src/train/toy_features.ts";

const bundle = toyFeatureBundle({ numClasses: 20, trainPerClass: 10, testPerClass: 3, dim: 4 });
const { train } = bundle;
const index = classIndex(train);

Deno.test("classIndex() groups every image under its fine class", () => {
  assert.equal(index.offsets.length, 21);
  assert.equal(index.offsets[20], train.count);
  for (let c = 0; c < 20; c++) {
    const members = index.members.subarray(index.offsets[c], index.offsets[c + 1]);
    assert.equal(members.length, 10);
    for (const i of members) assert.equal(train.fine[i], c);
  }
});

Deno.test("drawGames() makes every image the target exactly once, never a distractor of itself", () => {
  for (const sameClassProb of [0, 0.5, 1]) {
    const draw = drawGames(train, index, { numImgs: 5, sameClassProb, shuffle: true }, new Rng(1));
    assert.deepEqual([...draw.targetIndex].sort((a, b) => a - b), [...Array(train.count).keys()]);
    for (let g = 0; g < draw.n; g++) {
      const row = [...draw.candidates.subarray(g * 5, g * 5 + 5)];
      assert.equal(row[draw.target[g]], draw.targetIndex[g]);
      assert.equal(row.filter((c) => c === draw.targetIndex[g]).length, 1, "target appears once");
    }
  }
});

Deno.test("drawGames() keeps the test order and shuffles the train order", () => {
  const test = drawGames(bundle.test, classIndex(bundle.test), {
    numImgs: 2,
    sameClassProb: 0,
    shuffle: false,
  }, new Rng(2));
  assert.deepEqual([...test.targetIndex], [...Array(bundle.test.count).keys()]);
  const tr = drawGames(train, index, { numImgs: 2, sameClassProb: 0, shuffle: true }, new Rng(2));
  assert.notDeepEqual([...tr.targetIndex], [...Array(train.count).keys()]);
  const limited = drawGames(
    train,
    index,
    { numImgs: 2, sameClassProb: 0, shuffle: true, limit: 7 },
    new Rng(2),
  );
  assert.equal(limited.n, 7);
  assert.deepEqual([...limited.targetIndex], [...tr.targetIndex.subarray(0, 7)]);
});

Deno.test("drawGames() draws same-class distractors with probability sameClassProb", () => {
  for (const p of [0, 0.5, 1]) {
    let same = 0, total = 0;
    const positions = [0, 0, 0];
    for (let epoch = 0; epoch < 20; epoch++) {
      const draw = drawGames(
        train,
        index,
        { numImgs: 3, sameClassProb: p, shuffle: true },
        new Rng(7).fork(`e${epoch}`),
      );
      for (let g = 0; g < draw.n; g++) {
        positions[draw.target[g]]++;
        for (let j = 0; j < 3; j++) {
          if (j === draw.target[g]) continue;
          total++;
          if (train.fine[draw.candidates[g * 3 + j]] === train.fine[draw.targetIndex[g]]) same++;
        }
      }
    }
    // Uniform draws hit the target's class with probability 9 / 199 (the target itself excluded).
    const expected = p + (1 - p) * (9 / 199);
    assert.ok(Math.abs(same / total - expected) < 0.02, `p=${p}: ${same / total} vs ${expected}`);
    // The target's position is uniform over the candidates.
    for (const count of positions) {
      assert.ok(Math.abs(count / (20 * train.count) - 1 / 3) < 0.03, `${positions}`);
    }
  }
});

Deno.test("drawGames() is deterministic in its Rng and differs across forks", () => {
  const opts = { numImgs: 2, sameClassProb: 0.5, shuffle: true };
  const a = drawGames(train, index, opts, new Rng(9).fork("train-e1"));
  const b = drawGames(train, index, opts, new Rng(9).fork("train-e1"));
  const c = drawGames(train, index, opts, new Rng(9).fork("train-e2"));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.candidates, c.candidates);
});

Deno.test("drawGames() rejects a split without distractors and bad options", () => {
  const one = {
    count: 1,
    dim: 1,
    features: new Float32Array(1),
    fine: new Uint8Array(1),
    coarse: new Uint8Array(1),
  };
  assert.throws(
    () => drawGames(one, classIndex(one), { numImgs: 2, sameClassProb: 0, shuffle: false }, new Rng(1)),
    /at least 2/,
  );
  assert.throws(
    () => drawGames(train, index, { numImgs: 1, sameClassProb: 0, shuffle: false }, new Rng(1)),
    /numImgs/,
  );
  assert.throws(
    () => drawGames(train, index, { numImgs: 2, sameClassProb: 2, shuffle: false }, new Rng(1)),
    /sameClassProb/,
  );
});

Deno.test("makeBatch() copies features and builds the labels of each task", () => {
  const draw = drawGames(train, index, { numImgs: 3, sameClassProb: 0.5, shuffle: true }, new Rng(4));
  const { dim, features, fine } = train;
  const std = makeBatch(train, draw, 10, 20, "standard");
  assert.equal(std.size, 10);
  assert.deepEqual(std.target, draw.target.slice(10, 20));
  assert.equal(std.sameClass, undefined);
  assert.equal(std.targetClass, undefined);
  for (let b = 0; b < 10; b++) {
    const t = draw.targetIndex[10 + b];
    assert.deepEqual(
      std.senderInput.subarray(b * dim, (b + 1) * dim),
      features.subarray(t * dim, (t + 1) * dim),
    );
    // The receiver's candidate at the label's position is the sender's target.
    const pos: number = (b * 3 + std.target[b]) * dim;
    assert.deepEqual(std.receiverInput.subarray(pos, pos + dim), features.subarray(t * dim, (t + 1) * dim));
  }
  const ic = makeBatch(train, draw, 10, 20, "img_clas");
  for (let b = 0; b < 10; b++) {
    assert.equal(ic.sameClass![b * 3 + ic.target[b]], 1);
    for (let j = 0; j < 3; j++) {
      const same = fine[draw.candidates[(10 + b) * 3 + j]] === fine[draw.targetIndex[10 + b]];
      assert.equal(ic.sameClass![b * 3 + j], same ? 1 : 0);
    }
  }
  const tc = makeBatch(train, draw, 10, 20, "target_clas");
  assert.deepEqual([...tc.targetClass!], [...draw.targetIndex.subarray(10, 20)].map((t) => fine[t]));
});

Deno.test("batchesOf() covers a draw in batches of batchSize, the last one smaller", () => {
  const draw = drawGames(train, index, { numImgs: 2, sameClassProb: 0, shuffle: true }, new Rng(5));
  const sizes = [...batchesOf(train, draw, 64, "standard")].map(({ start, end, batch }) => {
    assert.equal(batch.size, end - start);
    return batch.size;
  });
  assert.deepEqual(sizes, [64, 64, 64, 8]);
});
