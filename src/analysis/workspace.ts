/**
 * The memory that topographic similarity works in: one WebAssembly memory holding the inputs, the
 * distances of all P = n(n − 1)/2 pairs (f64, pdist order) and their message-distance codes (u32), then
 * the per-code sums and the scratch of the rank computation. The kernels (`pair_kernels.wat`,
 * `rank_sums.wat`) share it, so 50 million pairs are never copied between them.
 *
 * @example
 * ```ts
 * import { PairWorkspace } from "./workspace.ts";
 * const ws = new PairWorkspace(4, 0);
 * ws.values().set([1, 2, 3, 4, 5, 6]);
 * if (ws.pairs !== 6 || ws.values()[5] !== 6) throw new Error("a view of the pair values");
 * ```
 * @module
 */

import { PAIR_KERNELS_WASM, RANK_SUMS_WASM } from "./kernels_wasm.ts";

/** Exports of pair_kernels.wat. */
export interface PairKernelExports {
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

/** Exports of rank_sums.wat. */
export interface RankSumExports {
  rank_sums(values: number, codes: number, n: number, sums: number, scratch: number): void;
  has_nan(values: number, n: number): number;
  sum_squares(): number;
}

/** Ranks of values[lo:hi] for the ranks kernel, done in JavaScript; returns the sum of squared ranks. */
export type RankFallback = (values: number, codes: number, lo: number, hi: number, base: number) => number;

const decode = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const pairModule = new WebAssembly.Module(decode(PAIR_KERNELS_WASM));
const rankModule = new WebAssembly.Module(decode(RANK_SUMS_WASM));

/** Round a byte count up to a multiple of 16. */
export const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/** Pairs i < j of n items, and the index of pair (i, j) in pdist order. */
export function pairIndex(n: number, i: number, j: number): number {
  return (i * (2 * n - i - 1)) / 2 + j - i - 1;
}

/** One memory for the pair distances of n items; see the module doc for the layout. */
export class PairWorkspace {
  /** Number of pairs, n(n − 1)/2. */
  readonly pairs: number;
  /** Byte offsets of the regions. */
  readonly inputsOffset = 0;
  readonly valuesOffset: number;
  readonly codesOffset: number;
  readonly scratchOffset: number;
  readonly memory: WebAssembly.Memory;
  readonly pairKernels: PairKernelExports;
  readonly rankKernels: RankSumExports;
  /** What the rank kernel calls for a range it cannot bucket (set by `rankSums`). */
  rankFallback: RankFallback = noFallback;

  /** A workspace for `n` items with `inputBytes` of room for kernel inputs. */
  constructor(readonly n: number, inputBytes: number) {
    this.pairs = (n * (n - 1)) / 2;
    this.valuesOffset = align16(inputBytes);
    this.codesOffset = align16(this.valuesOffset + this.pairs * 8);
    this.scratchOffset = align16(this.codesOffset + this.pairs * 4);
    const pages = Math.ceil(this.scratchOffset / 65536) + 1;
    if (pages > 65536) {
      throw new RangeError(
        `Topsim over ${n} items needs ${this.scratchOffset} bytes, more than wasm's 4 GiB.`,
      );
    }
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: 65536 });
    const env = {
      memory: this.memory,
      fallback: (...a: Parameters<RankFallback>) => this.rankFallback(...a),
    };
    this.pairKernels = new WebAssembly.Instance(pairModule, { env }).exports as unknown as PairKernelExports;
    this.rankKernels = new WebAssembly.Instance(rankModule, { env }).exports as unknown as RankSumExports;
  }

  /** The pair values (f64, pdist order); a fresh view, valid until the memory grows. */
  values(): Float64Array {
    return new Float64Array(this.memory.buffer, this.valuesOffset, this.pairs);
  }

  /** The pair codes (u32, pdist order); a fresh view, valid until the memory grows. */
  codes(): Uint32Array {
    return new Uint32Array(this.memory.buffer, this.codesOffset, this.pairs);
  }

  /** Make sure the memory holds at least `bytes` bytes. */
  ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / 65536));
  }
}

function noFallback(): number {
  throw new Error("This workspace has no rank fallback.");
}
