/**
 * Distances between two meanings or two messages, as scipy.spatial.distance and EGG compute them, and
 * `pdist`: all pairs i < j in scipy's order (row 0 against 1, 2, …, then row 1 against 2, …).
 *
 * @example
 * ```ts
 * import { pdist } from "./distances.ts";
 * const d = pdist(new Float64Array([0, 0, 3, 4, 6, 8]), 2, "euclidean");
 * if (d.join() !== "5,10,5") throw new Error("pdist order is (0,1), (0,2), (1,2)");
 * ```
 * @module
 */

import { levenshtein } from "./levenshtein.ts";

/** Distance between meanings (target image features, n x dim). */
export type MeaningDistance = "cosine" | "euclidean" | "hamming";
/** Distance between messages (symbol ids). */
export type MessageDistance = "euclidean" | "hamming" | "edit";

/** Row norms as scipy's `_row_norms`: sqrt of the sum of squares accumulated in order. `x` is n x dim. */
export function rowNorms(x: ArrayLike<number>, dim: number): Float64Array {
  const n = x.length / dim;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = i * dim; k < (i + 1) * dim; k++) s += x[k] * x[k];
    out[i] = Math.sqrt(s);
  }
  return out;
}

/** 1 − u·v / (|u| |v|), with the cosine clipped to [−1, 1] like scipy's `pdist(…, "cosine")`. */
export function cosineFromDot(dot: number, normU: number, normV: number): number {
  let c = dot / (normU * normV);
  if (Math.abs(c) > 1) c = c > 0 ? 1 : -1;
  return 1 - c;
}

/** Cosine distance between rows i and j of `x` (n x dim), given their norms from {@link rowNorms}. */
export function cosineDistance(x: ArrayLike<number>, dim: number, i: number, j: number, norms: Float64Array) {
  let dot = 0;
  for (let k = 0; k < dim; k++) dot += x[i * dim + k] * x[j * dim + k];
  return cosineFromDot(dot, norms[i], norms[j]);
}

/** Euclidean distance between two vectors. */
export function euclideanDistance(u: ArrayLike<number>, v: ArrayLike<number>): number {
  if (u.length !== v.length) {
    throw new RangeError(`euclidean needs equal lengths, got ${u.length}, ${v.length}.`);
  }
  let s = 0;
  for (let k = 0; k < u.length; k++) {
    const d = u[k] - v[k];
    s += d * d;
  }
  return Math.sqrt(s);
}

/** Hamming distance as scipy: the fraction of positions that differ. */
export function hammingDistance(u: ArrayLike<number>, v: ArrayLike<number>): number {
  if (u.length !== v.length) {
    throw new RangeError(`hamming needs equal lengths, got ${u.length}, ${v.length}.`);
  }
  let c = 0;
  for (let k = 0; k < u.length; k++) if (u[k] !== v[k]) c++;
  return c / u.length;
}

/** EGG's edit distance: `editdistance.eval(x, y) / ((len(x) + len(y)) / 2)`. */
export function editDistance(u: ArrayLike<number>, v: ArrayLike<number>): number {
  return levenshtein(u, v) / ((u.length + v.length) / 2);
}

/**
 * All pairwise distances i < j of the rows of `x` (n x dim, row-major), in scipy's pdist order:
 * a Float64Array of n(n − 1)/2. The straightforward reference; `topsim` has the fast path.
 */
export function pdist(
  x: ArrayLike<number>,
  dim: number,
  metric: MeaningDistance | MessageDistance,
): Float64Array {
  const n = Math.floor(x.length / dim);
  if (n * dim !== x.length) {
    throw new RangeError(`pdist() needs length ${x.length} to be a multiple of ${dim}.`);
  }
  const rows = Array.from({ length: n }, (_, i) => Array.prototype.slice.call(x, i * dim, (i + 1) * dim));
  if (metric === "cosine") {
    const norms = rowNorms(x, dim);
    return pairwise(n, (i, j) => cosineDistance(x, dim, i, j, norms));
  }
  return pdistRows(rows, metric);
}

/** Like {@link pdist} on a list of rows (which may differ in length for `edit`). */
export function pdistRows(rows: ArrayLike<number>[], metric: "euclidean" | "hamming" | "edit"): Float64Array {
  const f = metric === "euclidean"
    ? euclideanDistance
    : metric === "hamming"
    ? hammingDistance
    : editDistance;
  return pairwise(rows.length, (i, j) => f(rows[i], rows[j]));
}

function pairwise(n: number, f: (i: number, j: number) => number): Float64Array {
  const out = new Float64Array((n * (n - 1)) / 2);
  let p = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out[p++] = f(i, j);
  return out;
}
