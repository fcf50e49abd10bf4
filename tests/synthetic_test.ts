import assert from "node:assert/strict";
import { makeSyntheticDataset } from "../src/data/synthetic.ts";
import type { ImageSplit } from "../src/data/types.ts";

Deno.test("makeSyntheticDataset() gives the same bytes for the same seed and others for another", () => {
  const a = makeSyntheticDataset({ seed: 5, trainPerClass: 3, testPerClass: 1 });
  const b = makeSyntheticDataset({ seed: 5, trainPerClass: 3, testPerClass: 1 });
  const c = makeSyntheticDataset({ seed: 6, trainPerClass: 3, testPerClass: 1 });
  assert.deepEqual(a.train.pixels, b.train.pixels);
  assert.deepEqual(a.test.fine, b.test.fine);
  assert.equal(a.hash, b.hash);
  assert.match(a.hash, /^[0-9a-f]{64}$/);
  assert.notEqual(a.hash, c.hash);
  assert.notDeepEqual(a.train.pixels, c.train.pixels);
  assert.equal(a.name, "synthetic-5");
});

Deno.test("makeSyntheticDataset() has 100 fine classes in 20 coarse groups of 5, with the asked counts", () => {
  const ds = makeSyntheticDataset({ seed: 1 });
  assert.equal(ds.train.count, 5000);
  assert.equal(ds.test.count, 1000);
  assert.equal(ds.train.pixels.length, 5000 * 3072);
  for (const [split, perClass] of [[ds.train, 50], [ds.test, 10]] as const) {
    const counts = new Array(100).fill(0);
    split.fine.forEach((f, i) => {
      counts[f]++;
      assert.equal(split.coarse[i], Math.floor(f / 5));
    });
    assert.deepEqual(counts, new Array(100).fill(perClass));
  }
  assert.notDeepEqual(
    [...ds.train.fine.subarray(0, 10)],
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    "order is shuffled",
  );
  assert.equal(ds.fineNames.length, 100);
  assert.equal(ds.fineNames[17], "shape3_variant2");
  assert.deepEqual([ds.coarseNames.length, ds.coarseNames[3]], [20, "shape3"]);
  assert.throws(
    () => makeSyntheticDataset({ seed: 1, trainPerClass: 0 }),
    /trainPerClass must be a positive integer/,
  );
});

function nearestClassMeanAccuracy(train: ImageSplit, test: ImageSplit): number {
  const D = 3072;
  const means = new Float64Array(100 * D), counts = new Float64Array(100);
  for (let i = 0; i < train.count; i++) {
    counts[train.fine[i]]++;
    for (let d = 0; d < D; d++) means[train.fine[i] * D + d] += train.pixels[i * D + d];
  }
  for (let c = 0; c < 100; c++) for (let d = 0; d < D; d++) means[c * D + d] /= counts[c];
  let correct = 0;
  for (let i = 0; i < test.count; i++) {
    let best = -1, bestDist = Infinity;
    for (let c = 0; c < 100; c++) {
      let dist = 0;
      for (let d = 0; d < D; d++) dist += (test.pixels[i * D + d] - means[c * D + d]) ** 2;
      if (dist < bestDist) [best, bestDist] = [c, dist];
    }
    if (best === test.fine[i]) correct++;
  }
  return correct / test.count;
}

Deno.test("makeSyntheticDataset() carries class structure in pixel space (nearest class mean >> 1% chance)", () => {
  const ds = makeSyntheticDataset({ seed: 2, trainPerClass: 10, testPerClass: 2 });
  const acc = nearestClassMeanAccuracy(ds.train, ds.test);
  assert.ok(acc > 0.5, `nearest-class-mean accuracy ${acc}`);
});
