/**
 * Messages as the analysis takes them: either a list of symbol sequences (possibly of different lengths) or
 * a dense n x width block of symbol ids. The end-of-sequence symbol is 0, as in EGG.
 *
 * @example
 * ```ts
 * import { cutAtEos } from "./messages.ts";
 * const cut = cutAtEos({ data: new Uint8Array([3, 0, 5, 4, 1, 2]), width: 3 });
 * if (JSON.stringify(cut) !== "[[3,0],[4,1,2]]") throw new Error("cut after the first 0, EOS kept");
 * ```
 * @module
 */

/** The end-of-sequence symbol. */
export const EOS = 0;

/** A dense block of messages: `data` is n x width, row-major. */
export interface MessageBlock {
  data: ArrayLike<number>;
  width: number;
}

/** Messages: a list of symbol sequences, or a dense n x width block. */
export type Messages = ArrayLike<number>[] | MessageBlock;

/** Messages flattened: message i is `symbols[offsets[i] : offsets[i + 1]]`. */
export interface RaggedMessages {
  symbols: Int32Array;
  offsets: Int32Array;
}

/** Number of messages. */
export function messageCount(messages: Messages): number {
  return Array.isArray(messages) ? messages.length : Math.floor(messages.data.length / messages.width);
}

/** Flatten messages; symbols must be non-negative integers. */
export function toRagged(messages: Messages): RaggedMessages {
  const rows = asRows(messages);
  const offsets = new Int32Array(rows.length + 1);
  for (let i = 0; i < rows.length; i++) offsets[i + 1] = offsets[i] + rows[i].length;
  const symbols = new Int32Array(offsets[rows.length]);
  let p = 0;
  for (const row of rows) {
    for (let k = 0; k < row.length; k++) {
      const s = row[k];
      if (!(Number.isInteger(s) && s >= 0)) {
        throw new RangeError(`Message symbols must be integers >= 0, got ${s}.`);
      }
      symbols[p++] = s;
    }
  }
  return { symbols, offsets };
}

/** Messages as a list of rows (views into the block when given one). */
export function asRows(messages: Messages): ArrayLike<number>[] {
  if (Array.isArray(messages)) return messages;
  const { data, width } = messages as MessageBlock;
  const n = messageCount(messages);
  if (n * width !== data.length) {
    throw new RangeError(`Message block length ${data.length} is not a multiple of width ${width}.`);
  }
  return Array.from({ length: n }, (_, i) => Array.prototype.slice.call(data, i * width, (i + 1) * width));
}

/**
 * Length of a message as EGG's `find_lengths`: up to and including the first EOS, or the whole message
 * when it has none.
 */
export function messageLength(row: ArrayLike<number>): number {
  for (let k = 0; k < row.length; k++) if (row[k] === EOS) return k + 1;
  return row.length;
}

/**
 * Cut every message after its first EOS, keeping the EOS: the message the receiver reads, of EGG's message
 * length. Keeping it means an immediately-ended message has length 1, so the edit distance's mean-length
 * denominator is never 0.
 */
export function cutAtEos(messages: Messages): number[][] {
  return asRows(messages).map((row) => Array.prototype.slice.call(row, 0, messageLength(row)));
}
