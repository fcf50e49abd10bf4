/**
 * Average ranks of tens of millions of distances, summed per code, without sorting them.
 *
 * Spearman's rho only needs, for each message-distance code, the sum of the centred meaning-distance
 * ranks (rank − (P + 1)/2, a multiple of ½, so the sums are exact) of its pairs, and the sum of squared
 * centred ranks. `rank_sums.wat` computes both: values are spread into buckets by the linear map
 * b = ⌊(x − min)·scale⌋, which is monotone in floating point (each step rounds correctly), so every value of
 * a bucket ranks after every value of the buckets before it and equal values share a bucket. The top level
 * permutes in place (American flag sort) into at most 2048 buckets, each of which fits in cache; each is
 * spread again into buckets of about 4 values, whose ranks are counted directly (how many are smaller, how
 * many are equal). A clump is spread again over its own range, which always separates its smallest and
 * largest values, so the recursion ends; a range too narrow for the map (values a few ulps apart near the
 * smallest doubles) is ranked here, by a sort. Values are only compared, never rounded.
 *
 * @example
 * ```ts
 * import { rankSums } from "./rank_sums.ts";
 * import { PairWorkspace } from "./workspace.ts";
 * const ws = new PairWorkspace(3, 0);
 * ws.values().set([0.2, 0.3, 0.1]);
 * ws.codes().set([0, 1, 0]);
 * // ranks 2, 3, 1 → centred 0, +1, −1; codes 0, 1, 0 → sums −1, +1
 * const { sums, sumSquares } = rankSums(ws, 2);
 * if (sums.join() !== "-1,1" || sumSquares !== 2) throw new Error("centred rank sums");
 * ```
 * @module
 */

import { rankAverage } from "./ranks.ts";
import type { PairWorkspace } from "./workspace.ts";

/** Per code, the sum of centred ranks; and the sum of all squared centred ranks. */
export interface RankSums {
  /** sums[c] = Σ over pairs with code c of (average rank − (P + 1)/2); exact (multiples of ½). */
  sums: Float64Array;
  /** Σ over all pairs of (average rank − (P + 1)/2)². */
  sumSquares: number;
}

/**
 * Centred average ranks (ties averaged, as scipy's rankdata) of the workspace values, summed per code
 * (codes in [0, codeCount)). Permutes values and codes together. Throws on NaN.
 */
export function rankSums(ws: PairWorkspace, codeCount: number): RankSums {
  const k = ws.rankKernels;
  ws.rankFallback = (v, c, lo, hi, base) => fallback(ws, v, c, lo, hi, base);
  if (k.has_nan(ws.valuesOffset, ws.pairs)) {
    throw new RangeError("Distances contain NaN (a zero feature vector?).");
  }
  const sumsOffset = ws.scratchOffset;
  ws.ensure(sumsOffset + codeCount * 8);
  new Float64Array(ws.memory.buffer, sumsOffset, codeCount).fill(0);
  k.rank_sums(ws.valuesOffset, ws.codesOffset, ws.pairs, sumsOffset, align8(sumsOffset + codeCount * 8));
  return {
    sums: new Float64Array(ws.memory.buffer, sumsOffset, codeCount).slice(),
    sumSquares: k.sum_squares(),
  };
}

const align8 = (bytes: number) => Math.ceil(bytes / 8) * 8;

/** Ranks of values[lo:hi] by a sort (the kernel's fallback); adds to the sums, returns Σ squared ranks. */
function fallback(ws: PairWorkspace, v: number, c: number, lo: number, hi: number, base: number): number {
  const buffer = ws.memory.buffer;
  const values = new Float64Array(buffer, v + lo * 8, hi - lo),
    codes = new Uint32Array(buffer, c + lo * 4, hi - lo);
  const sums = new Float64Array(buffer, ws.scratchOffset);
  const mid = (ws.pairs + 1) / 2;
  const ranks = rankAverage(values);
  let sq = 0;
  for (let k = 0; k < ranks.length; k++) {
    const h = base + ranks[k] - mid;
    sums[codes[k]] += h;
    sq += h * h;
  }
  return sq;
}
