import assert from "node:assert/strict";
import { ConfigError, DEFAULT_CONFIG, resolveConfig } from "../src/config.ts";

Deno.test("resolveConfig() defaults to the paper's configuration", () => {
  const c = resolveConfig();
  assert.equal(c.vocabSize, 100);
  assert.equal(c.maxLen, 10);
  assert.equal(c.hiddenSize, 200);
  assert.equal(c.batchSize, 64);
  assert.equal(c.numImgs, 2);
  assert.equal(c.earlyStopAcc, 0.97);
  assert.equal(c.temperatureDecay, 0.9);
  assert.deepEqual(c, { ...DEFAULT_CONFIG });
});

Deno.test("resolveConfig() rejects invalid values naming the field", () => {
  assert.throws(
    () => resolveConfig({ numImgs: 1 }),
    (e: Error) => e instanceof ConfigError && /numImgs/.test(e.message),
  );
  assert.throws(() => resolveConfig({ sameClassProb: 1.5 }), /sameClassProb.*\[0, 1\]/);
  assert.throws(() => resolveConfig({ task: "foo" as never }), /task/);
  assert.throws(() => resolveConfig({ bogus: 1 } as never), /Unknown config field "bogus"/);
});

Deno.test("resolveConfig() keeps valid overrides", () => {
  const c = resolveConfig({ task: "img_clas", sameClassProb: 0.5, icLossWeight: 0.3 });
  assert.equal(c.task, "img_clas");
  assert.equal(c.sameClassProb, 0.5);
  assert.equal(c.icLossWeight, 0.3);
});
