/**
 * Sharding: the i-th of n deterministic slices of a sweep's sorted run list, so that a grid can be spread over
 * machines (a Slurm job array, a CI matrix) and reported together.
 *
 * Slices are taken round-robin over the runs sorted by name (run k goes to shard k mod n), which balances the
 * tasks and seeds over the shards better than contiguous blocks.
 *
 * @example
 * ```ts
 * import { parseShard, shardOf } from "./shard.ts";
 * const s = parseShard("2/3");
 * if (shardOf(["a", "b", "c", "d"], s).join() !== "b") throw new Error("round-robin");
 * ```
 * @module
 */
import { GridError } from "./grid.ts";

/** Shard `index` (1-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** Parse `i/n` with 1 <= i <= n; throws {@link GridError}. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN, count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new GridError(`--shard "${text}" must look like i/n with 1 <= i <= n, e.g. 1/2.`);
  }
  return { index, count };
}

/** The shard's part of `names` (sorted first; the input order does not matter). */
export function shardOf(names: readonly string[], shard: Shard): string[] {
  return [...names].sort().filter((_, k) => k % shard.count === shard.index - 1);
}
