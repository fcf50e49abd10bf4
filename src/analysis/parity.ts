/**
 * Parity of the analysis with the original (EGG's `TopographicSimilarity.compute_topsim`, scipy.stats
 * 1.10's pearsonr and spearmanr) on `analysis.json`: one case per topsim case (absolute 1e-9) and, per
 * correlation case, one for r and rho (absolute 1e-9) and one for the two p-values (relative 1e-6).
 *
 * @module
 */

import { type ParityCase, readFixture } from "../parity/types.ts";
import type { MeaningDistance, MessageDistance } from "./distances.ts";
import { pearson, spearman } from "./stats.ts";
import { topsim } from "./topsim.ts";

interface FixtureTensor {
  shape: number[];
  data: number[];
}

/** The content of analysis.json. */
export interface AnalysisFixture {
  topsim: {
    meaning_distance: MeaningDistance;
    message_distance: MessageDistance;
    meanings: FixtureTensor;
    messages: FixtureTensor;
    topsim: number;
  }[];
  correlation: {
    x: number[];
    y: number[];
    pearson_r: number;
    pearson_p: number;
    spearman_rho: number;
    spearman_p: number;
  }[];
}

const FILE = "analysis.json";
const ABS = 1e-9, REL = 1e-6;

/** Check every case of `<dir>/analysis.json`; [] when the file is absent. */
export async function analysisParity(dir: string): Promise<ParityCase[]> {
  const fixture = await readFixture<AnalysisFixture>(dir, FILE);
  return fixture ? analysisCases(fixture) : [];
}

/** The parity cases of a parsed analysis.json. */
export function analysisCases(fixture: AnalysisFixture): ParityCase[] {
  const cases: ParityCase[] = [];
  fixture.topsim.forEach((c, i) => {
    const [n, dim] = c.meanings.shape;
    const got = topsim(new Float64Array(c.meanings.data), dim, {
      data: c.messages.data,
      width: c.messages.shape[1],
    }, { meaningDistance: c.meaning_distance, messageDistance: c.message_distance });
    cases.push(check(`topsim ${i} (n=${n}, ${c.meaning_distance}/${c.message_distance})`, [
      ["topsim", got, c.topsim],
    ], "abs"));
  });
  fixture.correlation.forEach((c, i) => {
    const p = pearson(c.x, c.y), s = spearman(c.x, c.y);
    const label = `correlation ${i} (n=${c.x.length})`;
    cases.push(
      check(
        `${label}: r, rho`,
        [["pearson r", p.r, c.pearson_r], ["spearman rho", s.rho, c.spearman_rho]],
        "abs",
      ),
    );
    cases.push(
      check(
        `${label}: p-values`,
        [["pearson p", p.p, c.pearson_p], ["spearman p", s.p, c.spearman_p]],
        "rel",
      ),
    );
  });
  return cases;
}

function check(name: string, pairs: [string, number, number][], kind: "abs" | "rel"): ParityCase {
  let maxError = 0, worst = pairs[0][0];
  for (const [what, got, want] of pairs) {
    const err = kind === "abs" ? Math.abs(got - want) : Math.abs(got - want) / Math.abs(want);
    if (!(err <= maxError)) {
      maxError = Number.isNaN(err) ? Infinity : err;
      worst = what;
    }
  }
  const tolerance = kind === "abs" ? ABS : REL;
  return { file: FILE, name, maxError, tolerance, kind, ok: maxError <= tolerance, worst };
}
