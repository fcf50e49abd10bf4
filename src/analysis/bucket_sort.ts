/**
 * Sorting tens of millions of distances together with a 32-bit payload, in place, in expected linear time.
 *
 * Values are spread into buckets by a linear map of [min, max]; the map is monotone in floating point
 * (each step rounds correctly), so bucket order is value order and equal values share a bucket. The top
 * level permutes in place (American flag sort) into at most 2048 buckets, so each bucket fits in cache;
 * each bucket is then spread again into about size/4 buckets, and those are insertion-sorted. A clump
 * (a bucket much larger than average) is spread again over its own range, which always separates its
 * smallest and largest values, so the recursion ends. The sort is exact: values are only compared.
 *
 * @example
 * ```ts
 * import { sortWithPayload } from "./bucket_sort.ts";
 * const values = new Float64Array([0.3, 0.1, 0.2]), payload = new Uint32Array([3, 1, 2]);
 * sortWithPayload(values, payload);
 * if (values.join() !== "0.1,0.2,0.3" || payload.join() !== "1,2,3") throw new Error("payload follows");
 * ```
 * @module
 */

const INSERTION_MAX = 32;
const TOP_FANOUT = 2048;

/** Sort `values` ascending in place (no NaN), permuting `payload` alike. */
export function sortWithPayload(values: Float64Array, payload: Uint32Array): void {
  const n = values.length;
  if (payload.length !== n) {
    throw new RangeError(`sortWithPayload() needs equal lengths, got ${n}, ${payload.length}.`);
  }
  const range = rangeOf(values, 0, n);
  if (range.min === range.max) return;
  const nb = Math.min(TOP_FANOUT, Math.ceil(n / 4));
  const scale = bucketScale(range.min, range.max, nb);
  if (scale === 0 || n <= INSERTION_MAX) return fallbackSort(values, payload, 0, n);
  const starts = bucketStarts(values, 0, n, range.min, scale, nb);
  permuteInPlace(values, payload, starts, range.min, scale, nb);
  const scratch = new Scratch();
  for (let b = 0; b < nb; b++) sortSegment(values, payload, starts[b], starts[b + 1], scratch);
}

class Scratch {
  values = new Float64Array(0);
  payload = new Uint32Array(0);
  ensure(size: number): void {
    if (this.values.length >= size) return;
    this.values = new Float64Array(size);
    this.payload = new Uint32Array(size);
  }
}

function rangeOf(v: Float64Array, s: number, e: number): { min: number; max: number } {
  let min = Infinity, max = -Infinity;
  for (let k = s; k < e; k++) {
    const x = v[k];
    if (x < min) min = x;
    if (x > max) max = x;
    if (x !== x) throw new RangeError(`sortWithPayload() got NaN at index ${k}.`);
  }
  return { min, max };
}

/** Scale mapping [min, max] onto [0, nb]; 0 when the range is too narrow (or wide) to map reliably. */
function bucketScale(min: number, max: number, nb: number): number {
  const scale = nb / (max - min);
  return Number.isFinite(scale) && (max - min) * scale >= 1 ? scale : 0;
}

function bucketOf(v: number, min: number, scale: number, nb: number): number {
  const b = ((v - min) * scale) | 0;
  return b >= nb ? nb - 1 : b;
}

/** Start offsets (length nb + 1, absolute) of each bucket of `v[s:e]`. */
function bucketStarts(v: Float64Array, s: number, e: number, min: number, scale: number, nb: number) {
  const starts = new Int32Array(nb + 1);
  for (let k = s; k < e; k++) starts[bucketOf(v[k], min, scale, nb) + 1]++;
  starts[0] = s;
  for (let b = 0; b < nb; b++) starts[b + 1] += starts[b];
  return starts;
}

/** American flag sort step: move every element into its bucket, in place (cycle leader). */
function permuteInPlace(
  v: Float64Array,
  p: Uint32Array,
  starts: Int32Array,
  min: number,
  scale: number,
  nb: number,
): void {
  const head = starts.slice(0, nb);
  for (let b = 0; b < nb; b++) {
    const end = starts[b + 1];
    while (head[b] < end) {
      let x = v[head[b]], y = p[head[b]];
      let d = bucketOf(x, min, scale, nb);
      while (d !== b) {
        const pos = head[d]++;
        const tx = v[pos], ty = p[pos];
        v[pos] = x;
        p[pos] = y;
        x = tx;
        y = ty;
        d = bucketOf(x, min, scale, nb);
      }
      v[head[b]] = x;
      p[head[b]++] = y;
    }
  }
}

/** Sort `v[s:e]` (with payload): spread out of place via scratch into ~size/4 buckets, recursively. */
function sortSegment(v: Float64Array, p: Uint32Array, s: number, e: number, scratch: Scratch): void {
  const m = e - s;
  if (m <= 1) return;
  if (m <= INSERTION_MAX) return insertionSort(v, p, s, e);
  const { min, max } = rangeOf(v, s, e);
  if (min === max) return;
  const nb = Math.ceil(m / 4);
  const scale = bucketScale(min, max, nb);
  if (scale === 0) return fallbackSort(v, p, s, e);
  scratch.ensure(m);
  const sv = scratch.values, sp = scratch.payload;
  sv.set(v.subarray(s, e));
  sp.set(p.subarray(s, e));
  const starts = bucketStarts(sv, 0, m, min, scale, nb);
  const next = starts.slice(0, nb);
  for (let k = 0; k < m; k++) {
    const x = sv[k];
    const pos = s + next[bucketOf(x, min, scale, nb)]++;
    v[pos] = x;
    p[pos] = sp[k];
  }
  for (let b = 0; b < nb; b++) {
    const lo = s + starts[b], hi = s + starts[b + 1];
    if (hi - lo <= INSERTION_MAX) insertionSort(v, p, lo, hi);
    else sortSegment(v, p, lo, hi, scratch);
  }
}

/** Index sort, for ranges too narrow to bucket (values a few ulps apart). */
function fallbackSort(v: Float64Array, p: Uint32Array, s: number, e: number): void {
  const idx = Array.from({ length: e - s }, (_, k) => s + k).sort((a, b) => v[a] - v[b]);
  const vs = idx.map((k) => v[k]), ps = idx.map((k) => p[k]);
  v.set(vs, s);
  p.set(ps, s);
}

function insertionSort(v: Float64Array, p: Uint32Array, lo: number, hi: number): void {
  for (let k = lo + 1; k < hi; k++) {
    const x = v[k], y = p[k];
    let j = k - 1;
    while (j >= lo && v[j] > x) {
      v[j + 1] = v[j];
      p[j + 1] = p[j];
      j--;
    }
    v[j + 1] = x;
    p[j + 1] = y;
  }
}
