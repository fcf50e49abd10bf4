/**
 * Pairwise distances between meanings (n x dim features), all pairs i < j in scipy's pdist order, written
 * into a {@link PairWorkspace}. Cosine runs in the SIMD kernel and follows scipy's C source term by term
 * (row norms, then the dot product summed in index order, 1 − dot / (|u| |v|) clipped); euclidean and
 * hamming are plain loops.
 *
 * Bit-level note: how scipy's compiled wheels sum those terms depends on the build. The scipy 1.17 wheel
 * sums even and odd terms separately (vectorized), so its cosines differ from the in-order sums here in
 * the last bit for most pairs. Only the order of distances within an ulp of each other can change, which
 * moves topsim far below 1e-9 (the analysis.json cases agree to 1e-17).
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
import { cosineInputBytes, fillCosine } from "./pair_kernels.ts";
import { PairWorkspace } from "./workspace.ts";

/** Kernel input bytes the workspace needs for this meaning distance. */
export function meaningInputBytes(n: number, dim: number, metric: MeaningDistance): number {
  return metric === "cosine" ? cosineInputBytes(n, dim) : 0;
}

/** Write the n(n − 1)/2 distances between the rows of `x` (n x dim) into the workspace values. */
export function fillMeaningDistances(
  ws: PairWorkspace,
  x: Float64Array | Float32Array | ArrayLike<number>,
  dim: number,
  metric: MeaningDistance,
): void {
  const n = ws.n;
  if (!(dim > 0) || n * dim !== x.length) {
    throw new RangeError(`Meanings of length ${x.length} are not ${n} rows of ${dim}.`);
  }
  const f64 = x instanceof Float64Array ? x : Float64Array.from(x);
  if (metric === "cosine") return fillCosine(ws, f64, dim);
  const out = ws.values();
  if (metric === "euclidean") euclideanAll(f64, n, dim, out);
  else if (metric === "hamming") hammingAll(f64, n, dim, out);
  else throw new RangeError(`Unknown meaning distance "${metric}"; expected cosine, euclidean or hamming.`);
}

/** The distances between the rows of `x` as a Float64Array in pdist order (a view of a fresh workspace). */
export function meaningDistances(
  x: Float64Array | Float32Array | ArrayLike<number>,
  dim: number,
  metric: MeaningDistance,
): Float64Array {
  const n = Math.floor(x.length / dim);
  const ws = new PairWorkspace(n, meaningInputBytes(n, dim, metric));
  fillMeaningDistances(ws, x, dim, metric);
  return ws.values();
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
