import assert from "node:assert/strict";
import { initBackend } from "../src/backend.ts";
import { autodiffGsGradients } from "../src/game/autodiff_reference.ts";
import { fixtureBatch, fixtureGame, type GsFixtureCase } from "../src/game/parity.ts";
import { maxAbsDiff } from "../src/parity/types.ts";

await initBackend("auto");

const cases =
  (JSON.parse(await Deno.readTextFile(new URL("./fixtures/egg_gs_game.json", import.meta.url))) as {
    cases: GsFixtureCase[];
  }).cases;

Deno.test("autodiffGsGradients() (tf autodiff) agrees with the hand-written backward pass on the GRU cases", () => {
  let checked = 0;
  for (const c of cases.filter((c) => c.config.cell === "gru")) {
    const game = fixtureGame(c), batch = fixtureBatch(c);
    const noise = Float32Array.from(c.train.gumbel.data);
    const manual = game.gradients(batch, c.config.temperature, noise);
    const auto = autodiffGsGradients(game.dims, game.params, batch, c.config.temperature, noise);
    assert.ok(Math.abs(auto.loss - manual.output.loss) <= 1e-5 * Math.abs(manual.output.loss));
    assert.deepEqual(Object.keys(auto.grads).sort(), Object.keys(manual.grads).sort());
    for (const [name, g] of Object.entries(manual.grads)) {
      assert.ok(maxAbsDiff(g, auto.grads[name]).max < 1e-5, `${name}`);
    }
    game.dispose();
    checked++;
  }
  assert.equal(checked, 7);
});
