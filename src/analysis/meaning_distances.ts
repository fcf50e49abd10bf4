/**
 * Fast pairwise distances between meanings (n x dim features), all pairs i < j in scipy's pdist order.
 *
 * Cosine follows scipy's C loop term by term (row norms, then a dot product accumulated in index order,
 * then 1 − dot / (|u| |v|) clipped), so the values are bit-identical to scipy's; the speed comes from
 * computing four pairs at once, each with its own in-order accumulator.
 *
 * @example
 * ```ts
 * import { meaningDistances } from "./meaning_distances.ts";
 * const d = meaningDistances(new Float64Array([1, 0, 0, 1, 1, 1]), 2, "cosine");
 * if (Math.abs(d[0] - 1) > 1e-15 || Math.abs(d[1] - (1 - Math.SQRT1_2)) > 1e-15) throw new Error("cosine");
 * ```
 * @module
 */

import { cosineFromDot, type MeaningDistance, rowNorms } from "./distances.ts";

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
  const out = new Float64Array((n * (n - 1)) / 2);
  if (metric === "cosine") cosineAll(f64, n, dim, out);
  else if (metric === "euclidean") euclideanAll(f64, n, dim, out);
  else if (metric === "hamming") hammingAll(f64, n, dim, out);
  else throw new RangeError(`Unknown meaning distance "${metric}"; expected cosine, euclidean or hamming.`);
  return out;
}

function cosineAll(x: Float64Array, n: number, dim: number, out: Float64Array): void {
  const norms = rowNorms(x, dim);
  let p = 0;
  for (let i = 0; i < n; i++) {
    const ui = i * dim, ni = norms[i];
    let j = i + 1;
    for (; j + 3 < n; j += 4) {
      const b0 = j * dim, b1 = b0 + dim, b2 = b1 + dim, b3 = b2 + dim;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < dim; k++) {
        const u = x[ui + k];
        s0 += u * x[b0 + k];
        s1 += u * x[b1 + k];
        s2 += u * x[b2 + k];
        s3 += u * x[b3 + k];
      }
      out[p] = cosineFromDot(s0, ni, norms[j]);
      out[p + 1] = cosineFromDot(s1, ni, norms[j + 1]);
      out[p + 2] = cosineFromDot(s2, ni, norms[j + 2]);
      out[p + 3] = cosineFromDot(s3, ni, norms[j + 3]);
      p += 4;
    }
    for (; j < n; j++) {
      const b = j * dim;
      let s = 0;
      for (let k = 0; k < dim; k++) s += x[ui + k] * x[b + k];
      out[p++] = cosineFromDot(s, ni, norms[j]);
    }
  }
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
