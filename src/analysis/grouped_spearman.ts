/**
 * Spearman correlation between the pair values and the pair codes of a {@link PairWorkspace} (meaning
 * distances and message-distance codes with known values), without materialising either rank vector.
 *
 * With average ranks, Spearman's rho is Pearson's r of the ranks, and both rank vectors have mean
 * (P + 1)/2. The centred meaning ranks summed per message code come from `rankSums` (exact); the message
 * ranks follow from the code counts; rho is then a sum over the few codes.
 *
 * @example
 * ```ts
 * import { spearmanWithCodes } from "./grouped_spearman.ts";
 * import { PairWorkspace } from "./workspace.ts";
 * const ws = new PairWorkspace(3, 0);
 * ws.values().set([0.1, 0.5, 0.3]);
 * ws.codes().set([0, 2, 1]);
 * if (Math.abs(spearmanWithCodes(ws, new Float64Array([0, 1, 2])) - 1) > 1e-12) throw new Error("same order");
 * ```
 * @module
 */

import { rankSums } from "./rank_sums.ts";
import type { PairWorkspace } from "./workspace.ts";

/**
 * Spearman rho (ties averaged, as scipy) between the workspace values and `codeValues[code]` of the
 * workspace codes. NaN when either side is constant, as scipy. Permutes the workspace pairs.
 */
export function spearmanWithCodes(ws: PairWorkspace, codeValues: Float64Array): number {
  const { centred: rankB, sumSquares: varB } = codeRanks(ws.codes(), codeValues);
  const { sums: sumA, sumSquares: varA } = rankSums(ws, codeValues.length);
  let cov = 0;
  for (let code = 0; code < sumA.length; code++) if (sumA[code] !== 0) cov += rankB[code] * sumA[code];
  if (varA === 0 || varB === 0) return NaN;
  return Math.max(-1, Math.min(1, cov / Math.sqrt(varA) / Math.sqrt(varB)));
}

/** Centred average rank of each code's value among all pairs, and the sum of squared centred ranks. */
function codeRanks(codes: Uint32Array, values: Float64Array) {
  const total = codes.length;
  const counts = new Float64Array(values.length);
  for (let p = 0; p < total; p++) counts[codes[p]]++;
  const used: number[] = [];
  for (let code = 0; code < counts.length; code++) {
    if (counts[code] > 0) {
      if (Number.isNaN(values[code])) throw new RangeError(`Code ${code} has no distance value.`);
      used.push(code);
    }
  }
  used.sort((x, y) => values[x] - values[y]);
  const centred = new Float64Array(values.length);
  let sumSquares = 0, s = 0;
  for (let g = 0; g < used.length;) {
    let h = g, t = 0;
    while (h < used.length && values[used[h]] === values[used[g]]) t += counts[used[h++]];
    const r = (2 * s + t - total) / 2;
    for (let k = g; k < h; k++) centred[used[k]] = r;
    sumSquares += t * r * r;
    s += t;
    g = h;
  }
  return { centred, sumSquares };
}
