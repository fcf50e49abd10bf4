/**
 * Topographic similarity as EGG's `TopographicSimilarity.compute_topsim`: the Spearman correlation (ties
 * averaged) between the distances of all meaning pairs i < j and the distances of the same message pairs.
 *
 * The paper's setting: 10,000 games drawn with replacement from the validation interactions
 * ({@link sampleGames}), meanings = 64-d target features with cosine distance, messages = the symbol ids of
 * all 11 positions (after the EOS too) with euclidean distance. The paper's edit-distance variant uses
 * messages cut at the first EOS (`cutAtEos`, which keeps the EOS).
 *
 * @example
 * ```ts
 * import { topsim } from "./topsim.ts";
 * const meanings = new Float64Array([0, 0, 1, 0, 3, 0, 6, 0]);
 * const messages = [[0], [1], [3], [6]];
 * const t = topsim(meanings, 2, messages, { meaningDistance: "euclidean", messageDistance: "euclidean" });
 * if (Math.abs(t - 1) > 1e-12) throw new Error("identical structure gives topsim 1");
 * ```
 * @module
 */

import type { MeaningDistance, MessageDistance } from "./distances.ts";
import { spearmanWithCodes } from "./grouped_spearman.ts";
import { fillMeaningDistances, meaningInputBytes } from "./meaning_distances.ts";
import { fillMessageCodes, messageInputBytes } from "./message_codes.ts";
import { messageCount, type Messages, toRagged } from "./messages.ts";
import { PairWorkspace } from "./workspace.ts";
import type { Rng } from "../rng.ts";

/** Which distance to use on each side. */
export interface TopsimOptions {
  meaningDistance: MeaningDistance;
  messageDistance: MessageDistance;
}

/**
 * Topographic similarity of n games: `meanings` is n x meaningDim (row-major), `messages` n symbol
 * sequences. NaN when all meaning or all message distances are equal (as scipy).
 */
export function topsim(
  meanings: Float64Array | Float32Array,
  meaningDim: number,
  messages: Messages,
  opts: TopsimOptions,
): number {
  const n = meanings.length / meaningDim;
  if (messageCount(messages) !== n) {
    throw new RangeError(`topsim() needs one message per meaning, got ${messageCount(messages)} and ${n}.`);
  }
  const ragged = toRagged(messages);
  const inputBytes = Math.max(
    meaningInputBytes(n, meaningDim, opts.meaningDistance),
    messageInputBytes(ragged, opts.messageDistance),
  );
  const ws = new PairWorkspace(n, inputBytes);
  fillMeaningDistances(ws, meanings, meaningDim, opts.meaningDistance);
  const codeValues = fillMessageCodes(ws, ragged, opts.messageDistance);
  return spearmanWithCodes(ws, codeValues);
}

/** Indices of `count` games drawn uniformly with replacement from `n` (the notebook's sampling, seeded). */
export function sampleGames(n: number, count: number, rng: Rng): Int32Array {
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = rng.int(n);
  return out;
}
