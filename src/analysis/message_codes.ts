/**
 * Message distances as small integer codes. Messages are short sequences of symbol ids, so their distances
 * take few distinct values: the squared euclidean distance is an integer, hamming counts positions, and the
 * edit distance is a Levenshtein count over a sum of lengths. Each pair gets its integer code in the
 * workspace, and `values[code]` is the distance exactly as EGG/scipy computes it, so ranking the codes by
 * their values ranks the distances exactly, ties included, without sorting the pairs.
 *
 * @example
 * ```ts
 * import { messageDistanceCodes } from "./message_codes.ts";
 * const { codes, values } = messageDistanceCodes([[1, 2], [1, 3], [4, 2]], "euclidean");
 * if (codes.join() !== "1,9,10" || values[9] !== 3) throw new Error("codes are squared distances");
 * ```
 * @module
 */

import type { MessageDistance } from "./distances.ts";
import { levenshtein, MyersPattern } from "./levenshtein.ts";
import { type Messages, type RaggedMessages, toRagged } from "./messages.ts";
import { fillSquaredEuclidean, squaredEuclideanInputBytes } from "./pair_kernels.ts";
import { PairWorkspace } from "./workspace.ts";

/** Largest code table the analysis allocates (codes index a Float64Array). */
const MAX_CODES = 1 << 26;

/** Kernel input bytes the workspace needs for these messages. */
export function messageInputBytes(ragged: RaggedMessages, metric: MessageDistance): number {
  const n = ragged.offsets.length - 1;
  return metric === "euclidean" && n > 0 ? squaredEuclideanInputBytes(n, ragged.offsets[1]) : 0;
}

/**
 * Write the code of every pair i < j into the workspace codes; returns `values`, where `values[code]` is
 * the distance of a pair with that code (NaN for codes that cannot occur).
 */
export function fillMessageCodes(
  ws: PairWorkspace,
  ragged: RaggedMessages,
  metric: MessageDistance,
): Float64Array {
  const n = ragged.offsets.length - 1;
  if (n !== ws.n) throw new RangeError(`Expected ${ws.n} messages, got ${n}.`);
  if (metric === "edit") return editCodes(ragged, ws.codes());
  const width = n > 0 ? ragged.offsets[1] : 0;
  for (let i = 0; i < n; i++) {
    if (ragged.offsets[i + 1] - ragged.offsets[i] !== width) {
      throw new RangeError(`${metric} distance needs messages of equal length; message ${i} differs.`);
    }
  }
  if (metric === "euclidean") return euclideanCodes(ws, ragged.symbols, width);
  if (metric === "hamming") return hammingCodes(ragged.symbols, n, width, ws.codes());
  throw new RangeError(`Unknown message distance "${metric}"; expected euclidean, hamming or edit.`);
}

/** Codes of all pairs i < j of `messages` (a view of a fresh workspace) and the code values. */
export function messageDistanceCodes(messages: Messages, metric: MessageDistance) {
  const ragged = toRagged(messages);
  const ws = new PairWorkspace(ragged.offsets.length - 1, messageInputBytes(ragged, metric));
  const values = fillMessageCodes(ws, ragged, metric);
  return { codes: ws.codes(), values };
}

function codeTable(size: number): Float64Array {
  if (size > MAX_CODES) throw new RangeError(`Message distances need ${size} codes, more than ${MAX_CODES}.`);
  return new Float64Array(size).fill(NaN);
}

function euclideanCodes(ws: PairWorkspace, sym: Int32Array, w: number): Float64Array {
  let maxSym = 0;
  for (let k = 0; k < sym.length; k++) if (sym[k] > maxSym) maxSym = sym[k];
  // The code table bound also keeps the kernel's 32-bit sums of 16-bit differences exact.
  const values = codeTable(w * maxSym * maxSym + 1);
  for (let c = 0; c < values.length; c++) values[c] = Math.sqrt(c);
  fillSquaredEuclidean(ws, sym, w);
  return values;
}

function hammingCodes(sym: Int32Array, n: number, w: number, codes: Uint32Array): Float64Array {
  const values = codeTable(w + 1);
  for (let c = 0; c <= w; c++) values[c] = c / w;
  let p = 0;
  for (let i = 0; i < n; i++) {
    const a = i * w;
    for (let j = i + 1; j < n; j++) {
      const b = j * w;
      let c = 0;
      for (let k = 0; k < w; k++) if (sym[a + k] !== sym[b + k]) c++;
      codes[p++] = c;
    }
  }
  return values;
}

/** code = lev · (2L + 1) + (len_i + len_j), L the longest message; value = lev / ((len_i + len_j) / 2). */
function editCodes({ symbols, offsets }: RaggedMessages, codes: Uint32Array): Float64Array {
  const n = offsets.length - 1;
  let maxLen = 0, maxSym = 0;
  for (let i = 0; i < n; i++) maxLen = Math.max(maxLen, offsets[i + 1] - offsets[i]);
  for (let k = 0; k < symbols.length; k++) maxSym = Math.max(maxSym, symbols[k]);
  const stride = 2 * maxLen + 1;
  const values = codeTable((maxLen + 1) * stride);
  for (let lev = 0; lev <= maxLen; lev++) {
    for (let sum = 1; sum < stride; sum++) values[lev * stride + sum] = lev / (sum / 2);
  }
  const pattern = maxLen <= 32 ? new MyersPattern(maxSym + 1) : undefined;
  let p = 0;
  for (let i = 0; i < n; i++) {
    const a0 = offsets[i], a1 = offsets[i + 1];
    pattern?.set(symbols, a0, a1);
    const rowA = pattern ? undefined : symbols.subarray(a0, a1);
    for (let j = i + 1; j < n; j++) {
      const b0 = offsets[j], b1 = offsets[j + 1];
      const lev = pattern
        ? pattern.distanceTo(symbols, b0, b1)
        : levenshtein(rowA!, symbols.subarray(b0, b1));
      codes[p++] = lev * stride + (a1 - a0) + (b1 - b0);
    }
  }
  return values;
}
