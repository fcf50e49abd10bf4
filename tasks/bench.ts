/**
 * `deno task bench`: print one JSON line per figure (`{"name", "value", "unit", ...}`), each with the baseline
 * it is a ratio to when there is one in the same run. `--only NAME` runs the bench that produces NAME.
 *
 * @module
 */
import { helpText, parseFlags, runMain, UsageError } from "../src/cli.ts";
import { type BackendChoice, initBackend } from "../src/backend.ts";
import type { Bench } from "../src/bench/types.ts";
import { featuresBench } from "../src/bench/features_bench.ts";
import { gameBench } from "../src/bench/game_bench.ts";
import { topsimBench } from "../src/bench/topsim_bench.ts";

const BENCHES: Bench[] = [featuresBench, gameBench, topsimBench];

const FLAGS = {
  only: { type: "string", help: "Run only the bench producing this figure name (e.g. train.ms_per_step)" },
  quick: { type: "boolean", help: "Fewer repetitions (a smoke run; figures are rougher)", default: false },
  backend: { type: "string", help: "TensorFlow.js backend: auto, wasm, cpu or tensorflow", default: "auto" },
} as const;

await runMain(async () => {
  const { values } = parseFlags(Deno.args, FLAGS);
  if (values.help) {
    const names = BENCHES.flatMap((b) => b.names).join(", ");
    console.log(helpText(`Usage: deno task bench [--only NAME] [--quick]\n\nFigures: ${names}`, FLAGS));
    return;
  }
  const only = values.only as string | undefined;
  const selected = only ? BENCHES.filter((b) => b.names.includes(only)) : BENCHES;
  if (selected.length === 0) {
    throw new UsageError(
      `No bench produces "${only}"; known figures: ${BENCHES.flatMap((b) => b.names).join(", ")}.`,
    );
  }
  const backend = await initBackend(values.backend as BackendChoice);
  console.error(`backend: ${backend.name}${backend.simd ? " (simd)" : ""}`);
  for (const bench of selected) {
    const figures = await bench.run({ quick: Boolean(values.quick) });
    const wanted = only ? figures.find((f) => f.name === only) : undefined;
    for (const fig of figures) {
      // with --only, print the figure and the baseline it is compared with
      if (wanted && fig !== wanted && fig.name !== wanted.baseline) continue;
      console.log(JSON.stringify({ ...fig, backend: backend.name }));
    }
  }
});
