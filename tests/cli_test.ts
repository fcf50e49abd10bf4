import assert from "node:assert/strict";
import { numberFlag, parseFlags, UsageError } from "../src/cli.ts";

const FLAGS = {
  seed: { type: "string", help: "seed", default: "7" },
  quiet: { type: "boolean", help: "quiet" },
} as const;

Deno.test("parseFlags() fills defaults and reads values", () => {
  assert.equal(parseFlags([], FLAGS).values.seed, "7");
  const { values, positionals } = parseFlags(["--seed", "3", "--quiet", "dir"], FLAGS);
  assert.equal(values.seed, "3");
  assert.equal(values.quiet, true);
  assert.deepEqual(positionals, ["dir"]);
});

Deno.test("parseFlags() rejects an unknown flag with a usage error", () => {
  assert.throws(
    () => parseFlags(["--sed", "3"], FLAGS),
    (e: Error) => e instanceof UsageError && /--sed/.test(e.message),
  );
});

Deno.test("numberFlag() names the flag on bad input", () => {
  assert.equal(numberFlag("seed", "12"), 12);
  assert.throws(() => numberFlag("seed", "abc"), /--seed must be a number, got "abc"/);
});
