/**
 * From a grid to the sweep's run list: one folder `<out>/<runName(config)>` per configuration, sorted by
 * name, and `<out>/sweep.json` describing the grid.
 *
 * @module
 */
import { join } from "node:path";
import type { RunConfig } from "../config.ts";
import { writeJsonAtomic } from "../io/atomic.ts";
import { runName } from "../train/run_name.ts";
import { GridError, type GridSpec } from "./grid.ts";
import type { PlannedRun } from "./runner.ts";
import type { PassThroughFlag } from "./train_args.ts";

/** Runs of `configs` in `outDir`, sorted by folder name; identical configurations are run once. */
export function planRuns(
  configs: readonly RunConfig[],
  outDir: string,
  nameOf: (c: RunConfig) => string = runName,
): PlannedRun[] {
  const byName = new Map<string, PlannedRun>();
  for (const config of configs) {
    const name = nameOf(config);
    const seen = byName.get(name);
    if (seen && JSON.stringify(seen.config) !== JSON.stringify(config)) {
      throw new GridError(
        `Two configurations of the grid get the same run folder name "${name}"; ` +
          `runName() must tell them apart (${JSON.stringify(seen.config)} vs ${JSON.stringify(config)}).`,
      );
    }
    byName.set(name, { name, dir: join(outDir, name), config });
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Content of `<out>/sweep.json`. */
export interface SweepFile {
  grid: GridSpec;
  /** Every run folder name of the whole grid (all shards), sorted. */
  runs: string[];
  /** Data flags passed to every run. */
  data: Partial<Record<PassThroughFlag, string>>;
}

/** Write `<out>/sweep.json` (atomically). Shards of one grid write the same content. */
export function writeSweepFile(outDir: string, file: SweepFile): Promise<void> {
  return writeJsonAtomic(join(outDir, "sweep.json"), file);
}
