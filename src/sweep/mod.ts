/**
 * Sweeps: a grid of training runs, resumable, in parallel, in shards. `tasks/sweep.ts` and
 * `tasks/reproduce.ts` are thin layers over {@link sweep}.
 *
 * @module
 */
export { configField, expandGrid, GridError, gridFromArgs, type GridSpec, PAPER_GRID } from "./grid.ts";
export { planRuns, type SweepFile, writeSweepFile } from "./plan.ts";
export { type Profile, PROFILES } from "./profiles.ts";
export { isFinished, type PlannedRun, runSweep, type SweepEvent, type SweepOutcome } from "./runner.ts";
export { parseShard, type Shard, shardOf } from "./shard.ts";
export { firstImages } from "./subset.ts";
export { prepareFeatures, sweep, type SweepReport, type SweepTaskOptions } from "./sweep.ts";
export { configFlags, PASS_THROUGH_FLAGS, trainArgs } from "./train_args.ts";
