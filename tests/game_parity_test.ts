import assert from "node:assert/strict";
import { initBackend } from "../src/backend.ts";
import { gameParity } from "../src/game/parity.ts";

await initBackend("auto");

Deno.test("gameParity() matches the original implementation on all 19 fixture cases", async () => {
  const cases = await gameParity(new URL("./fixtures", import.meta.url).pathname);
  assert.equal(cases.length, 19 * 7);
  const failed = cases.filter((c) => !c.ok).map((c) => `${c.name}: ${c.maxError} (${c.worst ?? ""})`);
  assert.deepEqual(failed, []);
  for (const c of cases) assert.ok(c.maxError <= c.tolerance);
});

Deno.test("gameParity() returns no cases when the fixture is absent", async () => {
  assert.deepEqual(await gameParity(Deno.makeTempDirSync()), []);
});
