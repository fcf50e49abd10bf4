/**
 * `deno task report DIR... [--name NAME] [--topsim-games 10000] [--seed 0]`: the paper's tables, statistics,
 * topsim and plots from one or more sweep folders, into `reports/<name>/`.
 *
 * @module
 */
import { type FlagSpec, helpText, numberFlag, parseFlags, runMain, UsageError } from "../src/cli.ts";
import { makeReport } from "../src/report/report.ts";

const FLAGS: Record<string, FlagSpec> = {
  name: { type: "string", help: "Report folder name under --out-root (default: the first folder's name)" },
  "out-root": { type: "string", default: "reports", help: "Parent folder of reports" },
  "topsim-games": {
    type: "string",
    default: "10000",
    help: "Validation games sampled per run for topsim (0: none)",
  },
  seed: { type: "string", default: "0", help: "Seed of the topsim sampling" },
  quiet: { type: "boolean", help: "No progress or warnings on stderr" },
};

const USAGE = "Usage: deno task report SWEEP_DIR... [--name NAME] [--topsim-games N] [--seed S]";

await runMain(async () => {
  const { values, positionals } = parseFlags(Deno.args, FLAGS);
  if (values.help) return console.log(helpText(USAGE, FLAGS));
  if (positionals.length === 0) throw new UsageError(`No sweep folder given.\n${USAGE}`);
  const topsimGames = numberFlag("topsim-games", values["topsim-games"]);
  const seed = numberFlag("seed", values.seed);
  if (!Number.isInteger(topsimGames) || topsimGames < 0) {
    throw new UsageError(`--topsim-games must be an integer >= 0, got ${topsimGames}.`);
  }
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got ${seed}.`);
  const out = await makeReport({
    dirs: positionals,
    name: values.name as string | undefined,
    outRoot: values["out-root"] as string,
    topsimGames,
    seed,
    verbose: !values.quiet,
  });
  console.log(`report: ${out.tables.runs.length} runs -> ${out.dir}/report.md (${out.files.length} files)`);
  if (out.load.damaged.length) {
    console.error(
      `report: ${out.load.damaged.length} damaged runs were skipped (see the notes in report.md).`,
    );
  }
});
