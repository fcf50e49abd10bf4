/**
 * The WebAssembly pair kernels of `kernels.wat` (SIMD), wrapped: cosine distances of all pairs of feature
 * rows, and squared euclidean distances of all pairs of messages. Each returns a pdist-ordered array that is
 * a view of the kernel's own wasm memory (inputs, then all n(n − 1)/2 results).
 *
 * @example
 * ```ts
 * import { cosineDistancesWasm } from "./kernels.ts";
 * const out = cosineDistancesWasm(new Float64Array([1, 0, 0, 1, 1, 1]), 2);
 * if (Math.abs(out[0] - 1) > 1e-15 || out[2] !== out[1]) throw new Error("cosine");
 * ```
 * @module
 */

import { rowNorms } from "./distances.ts";
import { KERNELS_WASM_BASE64 } from "./kernels_wasm.ts";

interface KernelExports {
  cosine_tile(
    i: number,
    from: number,
    to: number,
    dim: number,
    x: number,
    panels: number,
    norms: number,
    out: number,
  ): void;
  sqeuclid_row(i: number, n: number, chunks: number, msgs: number, out: number): void;
}

/** Columns per tile of the cosine kernel: 256 rows of 64-d features (128 KiB) stay in L2 across rows i. */
const TILE = 256;

const kernelModule = new WebAssembly.Module(
  Uint8Array.from(atob(KERNELS_WASM_BASE64), (c) => c.charCodeAt(0)),
);

/** A fresh kernel instance over a memory of at least `bytes` bytes (at most 4 GiB: wasm32). */
function instantiate(bytes: number): { k: KernelExports; memory: WebAssembly.Memory } {
  const pages = Math.ceil(bytes / 65536) + 1;
  if (pages > 65536) throw new RangeError(`Pair kernels need ${bytes} bytes, more than wasm's 4 GiB.`);
  const memory = new WebAssembly.Memory({ initial: pages });
  const instance = new WebAssembly.Instance(kernelModule, { env: { memory } });
  return { k: instance.exports as unknown as KernelExports, memory };
}

/** Index of pair (i, j), i < j, in pdist order over n items. */
function pairIndex(n: number, i: number, j: number): number {
  return (i * (2 * n - i - 1)) / 2 + j - i - 1;
}

const align16 = (bytes: number) => Math.ceil(bytes / 16) * 16;

/**
 * Cosine distances of all pairs i < j of the rows of `x` (n x dim), in pdist order, bit-identical to
 * scipy's pdist(…, "cosine") (same operations in the same order). The result is a view of wasm memory.
 */
export function cosineDistancesWasm(x: Float64Array, dim: number): Float64Array {
  const n = x.length / dim;
  const pairs = (n * (n - 1)) / 2;
  const n8 = Math.ceil(n / 8) * 8;
  const xOff = 0, panelsOff = align16(n * dim * 8), normsOff = panelsOff + n8 * dim * 8;
  const outOff = align16(normsOff + n * 8);
  const { k, memory } = instantiate(outOff + pairs * 8);
  const f64 = new Float64Array(memory.buffer);
  f64.set(x, xOff / 8);
  // panels: rows in groups of 8, each group dim x 8, so a SIMD block reads 8 rows' k-th values at once
  for (let r = 0; r < n; r++) {
    const group = panelsOff / 8 + Math.floor(r / 8) * dim * 8, lane = r % 8;
    for (let c = 0; c < dim; c++) f64[group + c * 8 + lane] = x[r * dim + c];
  }
  f64.set(rowNorms(x, dim), normsOff / 8);
  // Tiles of columns, so the panel rows read for every i come from cache.
  for (let c0 = 0; c0 < n; c0 += TILE) {
    const c1 = Math.min(n, c0 + TILE);
    for (let i = 0; i < c1 - 1; i++) {
      const from = Math.max(i + 1, c0);
      k.cosine_tile(i, from, c1, dim, xOff, panelsOff, normsOff, outOff + 8 * pairIndex(n, i, from));
    }
  }
  return new Float64Array(memory.buffer, outOff, pairs);
}

/**
 * Squared euclidean distances (exact integers) of all pairs i < j of `n` messages of `width` symbols
 * (`symbols` n x width, each in [0, 32767], width·max² < 2³¹), in pdist order, as a view of wasm memory.
 */
export function squaredEuclideanWasm(symbols: Int32Array, width: number): Uint32Array {
  const n = symbols.length / width;
  const pairs = (n * (n - 1)) / 2;
  const chunks = Math.max(1, Math.ceil(width / 8));
  const msgsOff = 0, outOff = align16(n * chunks * 16);
  const { k, memory } = instantiate(outOff + pairs * 4);
  const i16 = new Int16Array(memory.buffer, msgsOff, n * chunks * 8);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < width; c++) i16[r * chunks * 8 + c] = symbols[r * width + c];
  }
  for (let i = 0; i < n - 1; i++) k.sqeuclid_row(i, n, chunks, msgsOff, outOff + 4 * pairIndex(n, i, i + 1));
  return new Uint32Array(memory.buffer, outOff, pairs);
}
