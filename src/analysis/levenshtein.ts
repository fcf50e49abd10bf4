/**
 * Levenshtein distance (unit cost insert, delete, substitute), as the `editdistance` package that EGG uses:
 * a plain dynamic programme, and Myers' bit-parallel algorithm for the many-pairs case (one pattern against
 * many texts, pattern length ≤ 32).
 *
 * @example
 * ```ts
 * import { levenshtein, MyersPattern } from "./levenshtein.ts";
 * if (levenshtein([1, 2, 3], [1, 3]) !== 1) throw new Error("one deletion");
 * const p = new MyersPattern(8);
 * p.set([1, 2, 3]);
 * if (p.distanceTo([3, 2, 1], 0, 3) !== 2) throw new Error("two substitutions");
 * ```
 * @module
 */

/** Levenshtein distance between two symbol sequences (O(|a| |b|) dynamic programme). */
export function levenshtein(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const m = a.length, n = b.length;
  let prev = new Int32Array(n + 1), cur = new Int32Array(n + 1);
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const sub = prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur[j] = Math.min(sub, prev[j] + 1, cur[j - 1] + 1);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[n];
}

/**
 * One pattern prepared for Myers' bit-parallel edit distance (Hyyrö's formulation for global distance):
 * O(|text|) word operations per pair. Symbols must be integers in [0, vocabSize).
 */
export class MyersPattern {
  #peq: Int32Array;
  #pattern: number[] = [];
  #length = 0;

  /** A reusable pattern for symbols in [0, vocabSize). */
  constructor(vocabSize: number) {
    this.#peq = new Int32Array(vocabSize);
  }

  /** Make `a` (at most 32 symbols) the pattern. */
  set(a: ArrayLike<number>, start = 0, end = a.length): void {
    for (const s of this.#pattern) this.#peq[s] = 0;
    this.#pattern = [];
    const m = end - start;
    if (m > 32) throw new RangeError(`MyersPattern handles at most 32 symbols, got ${m}.`);
    for (let k = 0; k < m; k++) {
      const s = a[start + k];
      this.#peq[s] |= 1 << k;
      this.#pattern.push(s);
    }
    this.#length = m;
  }

  /** Levenshtein distance between the pattern and `b[start:end]`. */
  distanceTo(b: ArrayLike<number>, start: number, end: number): number {
    const m = this.#length;
    if (m === 0) return end - start;
    const peq = this.#peq;
    const high = 1 << (m - 1);
    let pv = m === 32 ? -1 : (1 << m) - 1, mv = 0, score = m;
    for (let k = start; k < end; k++) {
      const eq = peq[b[k]];
      const xv = eq | mv;
      const xh = ((((eq & pv) + pv) | 0) ^ pv) | eq;
      let ph = mv | ~(xh | pv);
      let mh = pv & xh;
      if (ph & high) score++;
      else if (mh & high) score--;
      // Row 0 of the table grows by one per text symbol: shift a 1 into the horizontal deltas.
      ph = (ph << 1) | 1;
      mh = mh << 1;
      pv = mh | ~(xv | ph);
      mv = ph & xv;
    }
    return score;
  }
}
