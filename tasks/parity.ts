/**
 * `deno task parity DIR`: check the project against a folder of reference vectors produced by the original
 * PyTorch + EGG code (any of resnet.json, egg_gs_game.json, analysis.json, with the .pth files they name).
 * Prints one JSON line per case, then a summary line; exits non-zero if any case fails.
 *
 * @module
 */
import { helpText, parseFlags, runMain, UsageError } from "../src/cli.ts";
import { type BackendChoice, initBackend } from "../src/backend.ts";
import { runParity } from "../src/parity/run.ts";

const FLAGS = {
  backend: { type: "string", help: "TensorFlow.js backend: auto, wasm, cpu or tensorflow", default: "auto" },
  only: { type: "string", help: "Check one fixture file only: resnet, egg_gs_game or analysis" },
} as const;

await runMain(async () => {
  const { values, positionals } = parseFlags(Deno.args, FLAGS);
  if (values.help) {
    console.log(helpText("Usage: deno task parity DIR [--backend B] [--only NAME]", FLAGS));
    return;
  }
  const dir = positionals[0];
  if (!dir) {
    throw new UsageError("Give the folder of reference vectors, e.g. deno task parity ../shared/fixtures.");
  }
  const backend = await initBackend(values.backend as BackendChoice);
  const summary = await runParity(dir, {
    only: values.only as string | undefined,
    onCase: (c) => console.log(JSON.stringify(c)),
  });
  console.log(JSON.stringify({ summary: true, backend: backend.name, ...summary }));
  if (summary.failed > 0 || summary.total === 0) Deno.exit(1);
});
