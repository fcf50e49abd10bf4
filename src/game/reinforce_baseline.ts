/**
 * EGG's MeanBaseline: the running mean of the batch-mean losses seen in training, b ← b + (mean ℓ − b) / n.
 * The game reads it (predict) before updating it with the current batch.
 *
 * @example
 * ```ts
 * import { MeanBaseline } from "./reinforce_baseline.ts";
 * const b = new MeanBaseline();
 * b.update([1, 3]);
 * b.update([4]);
 * if (b.value !== 3) throw new Error("mean of the batch means 2 and 4");
 * ```
 * @module
 */

/** Running mean of batch-mean losses. */
export class MeanBaseline {
  /** Current baseline (0 before the first update). */
  value = 0;
  /** Batches seen. */
  count = 0;

  /** Fold in one batch of losses. */
  update(losses: ArrayLike<number>): void {
    let mean = 0;
    for (let i = 0; i < losses.length; i++) mean += losses[i];
    mean /= losses.length;
    this.count++;
    this.value += (mean - this.value) / this.count;
  }
}
