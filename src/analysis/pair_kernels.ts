/**
 * The SIMD pair kernels of `pair_kernels.wat`, filling a {@link PairWorkspace}: cosine distances between
 * feature rows (bit-identical to the in-order C loop of scipy's pdist source, sixteen pairs at once
 * in separate lanes), and squared euclidean distances between messages (exact integers).
 *
 * @example
 * ```ts
 * import { fillCosine, cosineInputBytes } from "./pair_kernels.ts";
 * import { PairWorkspace } from "./workspace.ts";
 * const ws = new PairWorkspace(3, cosineInputBytes(3, 2));
 * fillCosine(ws, new Float64Array([1, 0, 0, 1, 1, 1]), 2);
 * const d = ws.values();
 * if (Math.abs(d[0] - 1) > 1e-15 || d[2] !== d[1]) throw new Error("cosine");
 * ```
 * @module
 */

import { rowNorms } from "./distances.ts";
import { align16, pairIndex, type PairWorkspace } from "./workspace.ts";

/** Columns per tile of the cosine kernel: 256 rows of 64-d features (128 KiB) stay in L2 across rows i. */
const TILE = 256;

function cosineLayout(n: number, dim: number) {
  const n8 = Math.ceil(n / 8) * 8;
  const x = 0, panels = align16(n * dim * 8), norms = panels + n8 * dim * 8;
  return { x, panels, norms, end: norms + n * 8 };
}

/** Input bytes {@link fillCosine} needs. */
export function cosineInputBytes(n: number, dim: number): number {
  return cosineLayout(n, dim).end;
}

/** Cosine distances of all pairs of rows of `x` (n x dim) into the workspace values. */
export function fillCosine(ws: PairWorkspace, x: Float64Array, dim: number): void {
  const n = ws.n;
  if (x.length !== n * dim) {
    throw new RangeError(`fillCosine() needs ${n} x ${dim} features, got ${x.length}.`);
  }
  const at = cosineLayout(n, dim);
  if (ws.valuesOffset < at.end) {
    throw new RangeError("fillCosine() needs a workspace with room for its inputs.");
  }
  const f64 = new Float64Array(ws.memory.buffer);
  f64.set(x, at.x / 8);
  // panels: rows in groups of 8, each group dim x 8, so a SIMD block reads 8 rows' k-th values at once
  for (let r = 0; r < n; r++) {
    const group = at.panels / 8 + Math.floor(r / 8) * dim * 8, lane = r % 8;
    for (let c = 0; c < dim; c++) f64[group + c * 8 + lane] = x[r * dim + c];
  }
  f64.set(rowNorms(x, dim), at.norms / 8);
  // Tiles of columns, so the panel rows read for every i come from cache.
  for (let c0 = 0; c0 < n; c0 += TILE) {
    const c1 = Math.min(n, c0 + TILE);
    for (let i = 0; i < c1 - 1; i++) {
      const from = Math.max(i + 1, c0);
      const out = ws.valuesOffset + 8 * pairIndex(n, i, from);
      ws.pairKernels.cosine_tile(i, from, c1, dim, at.x, at.panels, at.norms, out);
    }
  }
}

/** Input bytes {@link fillSquaredEuclidean} needs. */
export function squaredEuclideanInputBytes(n: number, width: number): number {
  return n * Math.max(1, Math.ceil(width / 8)) * 16;
}

/**
 * Squared euclidean distances of all pairs of messages (`symbols` n x width, each in [0, 32767],
 * width·max² < 2³¹) into the workspace codes.
 */
export function fillSquaredEuclidean(ws: PairWorkspace, symbols: Int32Array, width: number): void {
  const n = ws.n;
  const chunks = Math.max(1, Math.ceil(width / 8));
  if (ws.valuesOffset < squaredEuclideanInputBytes(n, width)) {
    throw new RangeError("fillSquaredEuclidean() needs a workspace with room for its inputs.");
  }
  const i16 = new Int16Array(ws.memory.buffer, 0, n * chunks * 8);
  i16.fill(0);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < width; c++) i16[r * chunks * 8 + c] = symbols[r * width + c];
  }
  for (let i = 0; i < n - 1; i++) {
    ws.pairKernels.sqeuclid_row(i, n, chunks, 0, ws.codesOffset + 4 * pairIndex(n, i, i + 1));
  }
}
