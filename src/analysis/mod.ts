/**
 * The analysis of the paper's notebook: topographic similarity (exact, fast), correlations with p-values,
 * summary statistics and message statistics.
 *
 * @example
 * ```ts
 * import { pearson, topsim } from "./mod.ts";
 * const t = topsim(new Float64Array([0, 1, 3]), 1, [[0], [1], [3]], {
 *   meaningDistance: "euclidean",
 *   messageDistance: "euclidean",
 * });
 * if (Math.abs(t - 1) > 1e-12 || !(pearson([1, 2, 3], [1, 2, 4]).r > 0.9)) throw new Error("analysis");
 * ```
 * @module
 */

export { sampleGames, topsim, type TopsimOptions } from "./topsim.ts";
export { topsimNaive } from "./topsim_naive.ts";
export {
  cosineDistance,
  editDistance,
  euclideanDistance,
  hammingDistance,
  type MeaningDistance,
  type MessageDistance,
  pdist,
  pdistRows,
} from "./distances.ts";
export { cutAtEos, EOS, type MessageBlock, messageLength, type Messages } from "./messages.ts";
export { correlationPValue, mean, pearson, spearman, std } from "./stats.ts";
export { rankAverage } from "./ranks.ts";
export { type LanguageStats, languageStats, meanLength, messageEntropy, vocabularyUsed } from "./language.ts";
export { analysisParity } from "./parity.ts";
