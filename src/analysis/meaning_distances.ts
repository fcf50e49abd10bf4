/**
 * Fast pairwise distances between meanings (n x dim features), all pairs i < j in scipy's pdist order.
 *
 * Cosine follows scipy's C loop term by term (row norms, then a dot product accumulated in index order,
 * then 1 − dot / (|u| |v|) clipped), so the values are bit-identical to scipy's; it runs in the SIMD
 * kernel of `kernels.wat`, sixteen pairs at once, each with its own in-order accumulator.
 *
 * @example
 * ```ts
 * import { meaningDistances } from "./meaning_distances.ts";
 * const d = meaningDistances(new Float64Array([1, 0, 0, 1, 1, 1]), 2, "cosine");
 * if (Math.abs(d[0] - 1) > 1e-15 || Math.abs(d[1] - (1 - Math.SQRT1_2)) > 1e-15) throw new Error("cosine");
 * ```
 * @module
 */

import type { MeaningDistance } from "./distances.ts";
import { cosineDistancesWasm } from "./kernels.ts";

/** The n(n − 1)/2 distances between the rows of `x` (n x dim), as a Float64Array in pdist order. */
export function meaningDistances(
  x: Float64Array | Float32Array | ArrayLike<number>,
  dim: number,
  metric: MeaningDistance,
): Float64Array {
  const n = Math.floor(x.length / dim);
  if (!(dim > 0) || n * dim !== x.length) {
    throw new RangeError(`Meanings of length ${x.length} are not a whole number of rows of ${dim}.`);
  }
  const f64 = x instanceof Float64Array ? x : Float64Array.from(x);
  if (metric === "cosine") return cosineDistancesWasm(f64, dim);
  const out = new Float64Array((n * (n - 1)) / 2);
  if (metric === "euclidean") euclideanAll(f64, n, dim, out);
  else if (metric === "hamming") hammingAll(f64, n, dim, out);
  else throw new RangeError(`Unknown meaning distance "${metric}"; expected cosine, euclidean or hamming.`);
  return out;
}

function euclideanAll(x: Float64Array, n: number, dim: number, out: Float64Array): void {
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) {
        const d = x[i * dim + k] - x[j * dim + k];
        s += d * d;
      }
      out[p++] = Math.sqrt(s);
    }
  }
}

function hammingAll(x: Float64Array, n: number, dim: number, out: Float64Array): void {
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let c = 0;
      for (let k = 0; k < dim; k++) if (x[i * dim + k] !== x[j * dim + k]) c++;
      out[p++] = c / dim;
    }
  }
}
