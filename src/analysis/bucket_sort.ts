/**
 * Sorting tens of millions of distances together with a 32-bit payload, in expected linear time.
 *
 * Values are spread into about n/4 buckets by a linear map of [min, max]; the map is monotone in floating
 * point (each step rounds correctly), so bucket order is value order and equal values share a bucket.
 * Small buckets are insertion-sorted; a large bucket (a clump) is spread again over its own range, which
 * always separates its smallest and largest values, so the recursion ends. The sort is exact: no value is
 * rounded, only compared.
 *
 * @example
 * ```ts
 * import { sortWithPayload } from "./bucket_sort.ts";
 * const { values, payload } = sortWithPayload(new Float64Array([0.3, 0.1, 0.2]), new Uint32Array([3, 1, 2]));
 * if (values.join() !== "0.1,0.2,0.3" || payload.join() !== "1,2,3") throw new Error("payload follows");
 * ```
 * @module
 */

const INSERTION_MAX = 32;

/** Sorted copies of `values` (ascending, no NaN) and of `payload`, permuted alike. */
export function sortWithPayload(
  values: Float64Array,
  payload: Uint32Array,
): { values: Float64Array; payload: Uint32Array } {
  const n = values.length;
  if (payload.length !== n) {
    throw new RangeError(`sortWithPayload() needs equal lengths, got ${n}, ${payload.length}.`);
  }
  const outV = new Float64Array(n), outP = new Uint32Array(n);
  spread(values, payload, 0, n, outV, outP, 0);
  return { values: outV, payload: outP };
}

/**
 * Bucket `src[s:e]` into `dst[d:d + (e − s)]`, then sort every bucket in place in `dst`.
 * `src` is left untouched.
 */
function spread(
  srcV: Float64Array,
  srcP: Uint32Array,
  s: number,
  e: number,
  dstV: Float64Array,
  dstP: Uint32Array,
  d: number,
): void {
  const m = e - s;
  let min = Infinity, max = -Infinity;
  for (let k = s; k < e; k++) {
    const v = srcV[k];
    if (v < min) min = v;
    if (v > max) max = v;
    if (v !== v) throw new RangeError(`sortWithPayload() got NaN at index ${k}.`);
  }
  const scale = Math.ceil(m / 4) / (max - min);
  if (min === max || !(Number.isFinite(scale) && (max - min) * scale >= 1) || m <= INSERTION_MAX) {
    dstV.set(srcV.subarray(s, e), d);
    dstP.set(srcP.subarray(s, e), d);
    if (min !== max) sortSmall(dstV, dstP, d, d + m);
    return;
  }
  const nb = Math.ceil(m / 4);
  const starts = new Int32Array(nb + 1);
  for (let k = s; k < e; k++) {
    let b = ((srcV[k] - min) * scale) | 0;
    if (b >= nb) b = nb - 1;
    starts[b + 1]++;
  }
  for (let b = 0; b < nb; b++) starts[b + 1] += starts[b];
  const next = starts.slice(0, nb);
  for (let k = s; k < e; k++) {
    const v = srcV[k];
    let b = ((v - min) * scale) | 0;
    if (b >= nb) b = nb - 1;
    const pos = d + next[b]++;
    dstV[pos] = v;
    dstP[pos] = srcP[k];
  }
  let scratchV: Float64Array | undefined, scratchP: Uint32Array | undefined;
  for (let b = 0; b < nb; b++) {
    const lo = d + starts[b], hi = d + starts[b + 1];
    const size = hi - lo;
    if (size <= 1) continue;
    if (size <= INSERTION_MAX) {
      insertionSort(dstV, dstP, lo, hi);
    } else {
      // A clump: copy it out and spread it again over its own range.
      if (!scratchV || scratchV.length < size) {
        scratchV = new Float64Array(size);
        scratchP = new Uint32Array(size);
      }
      scratchV.set(dstV.subarray(lo, hi));
      scratchP!.set(dstP.subarray(lo, hi));
      spread(scratchV, scratchP!, 0, size, dstV, dstP, lo);
    }
  }
}

/** Sort a short segment; falls back to an index sort when the range is too narrow to bucket. */
function sortSmall(v: Float64Array, p: Uint32Array, lo: number, hi: number): void {
  if (hi - lo <= INSERTION_MAX) return insertionSort(v, p, lo, hi);
  const idx = Array.from({ length: hi - lo }, (_, k) => lo + k).sort((a, b) => v[a] - v[b]);
  const vs = idx.map((k) => v[k]), ps = idx.map((k) => p[k]);
  v.set(vs, lo);
  p.set(ps, lo);
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
