/**
 * Ranks with ties averaged, as `scipy.stats.rankdata(x, method="average")`: the smallest value has rank 1,
 * and a run of equal values shares the mean of the ranks it spans.
 *
 * @example
 * ```ts
 * import { rankAverage } from "./ranks.ts";
 * if (rankAverage([10, 20, 10, 30]).join() !== "1.5,3,1.5,4") throw new Error("ties share rank 1.5");
 * ```
 * @module
 */

/** Average ranks (1-based) of `x`; throws on NaN, which scipy's spearmanr(nan_policy="raise") rejects. */
export function rankAverage(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(x[i])) throw new RangeError(`rankAverage() got NaN at index ${i}.`);
    order[i] = i;
  }
  order.sort((a, b) => x[a] - x[b]);
  const ranks = new Float64Array(n);
  for (let s = 0; s < n;) {
    let e = s + 1;
    while (e < n && x[order[e]] === x[order[s]]) e++;
    const r = (s + 1 + e) / 2;
    for (let k = s; k < e; k++) ranks[order[k]] = r;
    s = e;
  }
  return ranks;
}
