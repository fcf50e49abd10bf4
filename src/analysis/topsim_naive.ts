/**
 * The straightforward topographic similarity, as EGG/scipy compute it: both pdist lists materialised,
 * each ranked by an index sort with tie averaging, then Pearson's r of the ranks. The reference the fast
 * {@link import("./topsim.ts").topsim} is tested and benchmarked against.
 *
 * @example
 * ```ts
 * import { topsimNaive } from "./topsim_naive.ts";
 * const t = topsimNaive(new Float64Array([0, 1, 3]), 1, [[0], [2], [6]], { meaningDistance: "euclidean", messageDistance: "euclidean" });
 * if (Math.abs(t - 1) > 1e-12) throw new Error("same structure");
 * ```
 * @module
 */

import { pdist, pdistRows } from "./distances.ts";
import { asRows, type Messages } from "./messages.ts";
import { rankAverage } from "./ranks.ts";
import { pearsonR } from "./stats.ts";
import type { TopsimOptions } from "./topsim.ts";

/** Topographic similarity by the textbook route (O(P log P) comparator sorts on P = n(n − 1)/2 pairs). */
export function topsimNaive(
  meanings: ArrayLike<number>,
  meaningDim: number,
  messages: Messages,
  opts: TopsimOptions,
): number {
  const a = pdist(meanings, meaningDim, opts.meaningDistance);
  const b = pdistRows(asRows(messages), opts.messageDistance);
  return pearsonR(rankAverage(a), rankAverage(b));
}
