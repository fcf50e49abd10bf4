/**
 * Run every parity check found in a folder of reference vectors.
 *
 * @module
 */
import { join } from "node:path";
import type { ParityCase } from "./types.ts";
import { resnetParity } from "../vision/parity.ts";
import { gameParity } from "../game/parity.ts";
import { analysisParity } from "../analysis/parity.ts";

/** Error raised when a parity folder holds none of the known fixture files. */
export class ParityInputError extends Error {
  override name = "ParityInputError";
}

const CHECKS: Record<string, { file: string; run: (dir: string) => Promise<ParityCase[]> }> = {
  resnet: { file: "resnet.json", run: resnetParity },
  egg_gs_game: { file: "egg_gs_game.json", run: gameParity },
  analysis: { file: "analysis.json", run: analysisParity },
};

/** Totals of a parity run. */
export interface ParitySummary {
  total: number;
  passed: number;
  failed: number;
  files: string[];
}

/** Check the project against every known fixture file in `dir`, reporting each case through `onCase`. */
export async function runParity(
  dir: string,
  options: { only?: string; onCase?: (c: ParityCase) => void } = {},
): Promise<ParitySummary> {
  const names = options.only ? [options.only] : Object.keys(CHECKS);
  for (const n of names) {
    if (!CHECKS[n]) {
      throw new ParityInputError(
        `Unknown fixture "${n}": expected one of ${Object.keys(CHECKS).join(", ")}.`,
      );
    }
  }
  const summary: ParitySummary = { total: 0, passed: 0, failed: 0, files: [] };
  for (const n of names) {
    const { file, run } = CHECKS[n];
    try {
      await Deno.stat(join(dir, file));
    } catch {
      continue;
    }
    summary.files.push(file);
    for (const c of await run(dir)) {
      summary.total++;
      if (c.ok) summary.passed++;
      else summary.failed++;
      options.onCase?.(c);
    }
  }
  if (summary.files.length === 0) {
    throw new ParityInputError(
      `No reference vectors in ${dir}: expected one of ${
        Object.values(CHECKS).map((c) => c.file).join(", ")
      }.`,
    );
  }
  return summary;
}
