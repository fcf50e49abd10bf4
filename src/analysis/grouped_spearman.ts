/**
 * Spearman correlation between a long list of continuous values and a list of integer codes with known
 * values (the message distances of `message_codes.ts`), without materialising either rank vector.
 *
 * With average ranks, Spearman's rho is Pearson's r of the ranks, and both rank vectors have mean
 * (P + 1)/2. Centred ranks are multiples of ½, so summing the centred meaning ranks per message code is
 * exact in float64 (for P up to about 9·10⁷ pairs); rho is then a sum over the few codes.
 *
 * @example
 * ```ts
 * import { spearmanWithCodes } from "./grouped_spearman.ts";
 * const rho = spearmanWithCodes(new Float64Array([0.1, 0.5, 0.3]), new Uint32Array([0, 2, 1]), new Float64Array([0, 1, 2]));
 * if (rho !== 1) throw new Error("same order");
 * ```
 * @module
 */

import { sortWithPayload } from "./bucket_sort.ts";

/**
 * Spearman rho (ties averaged, as scipy) between `a` and the values `codeValues[codes[p]]`.
 * NaN when either side is constant, as scipy. Sorts `a` and `codes` in place (together).
 */
export function spearmanWithCodes(a: Float64Array, codes: Uint32Array, codeValues: Float64Array): number {
  const total = a.length;
  if (codes.length !== total) {
    throw new RangeError(`Need as many codes as values, got ${codes.length}, ${total}.`);
  }
  const { centred: rankB, sumSquares: varB } = codeRanks(codes, codeValues, total);
  sortWithPayload(a, codes);
  const v = a, c = codes;
  // sumA[code]: sum of the centred ranks of a over the pairs with that code (exact: multiples of ½).
  const sumA = new Float64Array(codeValues.length);
  let varA = 0;
  for (let s = 0; s < total;) {
    let e = s + 1;
    while (e < total && v[e] === v[s]) e++;
    const h = (s + e - total) / 2;
    for (let k = s; k < e; k++) sumA[c[k]] += h;
    varA += (e - s) * h * h;
    s = e;
  }
  let cov = 0;
  for (let code = 0; code < sumA.length; code++) if (sumA[code] !== 0) cov += rankB[code] * sumA[code];
  if (varA === 0 || varB === 0) return NaN;
  return Math.max(-1, Math.min(1, cov / Math.sqrt(varA) / Math.sqrt(varB)));
}

/** Centred average rank of each code's value among all pairs, and the sum of squared centred ranks. */
function codeRanks(codes: Uint32Array, values: Float64Array, total: number) {
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
