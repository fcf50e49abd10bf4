/**
 * Statistics of the emergent language for the report, on a block of messages (n x width symbol ids, EOS =
 * 0): what the receiver reads is the message up to and including its first EOS.
 *
 * @example
 * ```ts
 * import { languageStats } from "./language.ts";
 * const s = languageStats({ data: new Uint8Array([3, 0, 7, 3, 0, 0, 5, 4, 0]), width: 3 });
 * if (s.meanLength !== 7 / 3 || s.vocabularyUsed !== 3 || s.distinctMessages !== 2) throw new Error("stats");
 * ```
 * @module
 */

import { EOS, type MessageBlock, messageLength } from "./messages.ts";

/** Message statistics of one run (see each field). */
export interface LanguageStats {
  /** Number of messages. */
  count: number;
  /** Mean length, counting symbols up to and including the first EOS (EGG's `find_lengths`). */
  meanLength: number;
  /** Number of distinct non-EOS symbols used before the first EOS of some message. */
  vocabularyUsed: number;
  /** Shannon entropy (bits) of the distribution of whole messages cut at their first EOS. */
  entropyBits: number;
  /** Number of distinct messages cut at their first EOS. */
  distinctMessages: number;
}

/** Symbols of message i up to and including its first EOS. */
function cutRow(block: MessageBlock, i: number): ArrayLike<number> {
  const { data, width } = block;
  const row = Array.prototype.slice.call(data, i * width, (i + 1) * width) as number[];
  return row.slice(0, messageLength(row));
}

/** Mean message length (to and including the first EOS). */
export function meanLength(block: MessageBlock): number {
  const n = rows(block);
  let total = 0;
  for (let i = 0; i < n; i++) total += cutRow(block, i).length;
  return total / n;
}

/** Number of distinct non-EOS symbols that appear before the first EOS of some message. */
export function vocabularyUsed(block: MessageBlock): number {
  const seen = new Set<number>();
  for (let i = 0; i < rows(block); i++) {
    for (const s of Array.from(cutRow(block, i))) if (s !== EOS) seen.add(s);
  }
  return seen.size;
}

/** How many times each distinct message (cut at its first EOS) occurs. */
export function messageCounts(block: MessageBlock): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < rows(block); i++) {
    const key = Array.from(cutRow(block, i)).join(",");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Shannon entropy in bits of the distribution of messages (cut at their first EOS). */
export function messageEntropy(block: MessageBlock): number {
  const counts = messageCounts(block);
  const n = rows(block);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / n;
    h -= p * Math.log2(p);
  }
  return h;
}

/** All the statistics at once. */
export function languageStats(block: MessageBlock): LanguageStats {
  return {
    count: rows(block),
    meanLength: meanLength(block),
    vocabularyUsed: vocabularyUsed(block),
    entropyBits: messageEntropy(block),
    distinctMessages: messageCounts(block).size,
  };
}

function rows(block: MessageBlock): number {
  const n = Math.floor(block.data.length / block.width);
  if (n === 0 || n * block.width !== block.data.length) {
    throw new RangeError(
      `Expected a non-empty n x ${block.width} message block, got ${block.data.length} symbols.`,
    );
  }
  return n;
}
