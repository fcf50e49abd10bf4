/**
 * Small games for the game tests: one-hot objects as features, and batches of games over them.
 *
 * @module
 */
import type { GameBatch } from "../src/game/types.ts";
import { Rng } from "../src/rng.ts";

/** N objects as scaled one-hot D-vectors (D = N), object i of class i % classes. */
export function oneHotObjects(n: number, scale = 3): Float32Array {
  const f = new Float32Array(n * n);
  for (let i = 0; i < n; i++) f[i * n + i] = scale;
  return f;
}

/** B games over the objects: a random target, K − 1 distinct distractors, the target at a random position. */
export function toyBatch(
  rng: Rng,
  objects: Float32Array,
  n: number,
  batch: number,
  numImgs: number,
  classes = 4,
): GameBatch {
  const D = objects.length / n;
  const senderInput = new Float32Array(batch * D), receiverInput = new Float32Array(batch * numImgs * D);
  const target = new Int32Array(batch),
    sameClass = new Float32Array(batch * numImgs),
    targetClass = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    const t = rng.int(n);
    target[b] = rng.int(numImgs);
    targetClass[b] = t % classes;
    senderInput.set(objects.subarray(t * D, (t + 1) * D), b * D);
    const used = new Set([t]);
    for (let k = 0; k < numImgs; k++) {
      let i = t;
      if (k !== target[b]) {
        do i = rng.int(n); while (used.has(i));
        used.add(i);
      }
      receiverInput.set(objects.subarray(i * D, (i + 1) * D), (b * numImgs + k) * D);
      sameClass[b * numImgs + k] = i % classes === t % classes ? 1 : 0;
    }
  }
  return { size: batch, senderInput, receiverInput, target, sameClass, targetClass };
}

/** Mean of an array. */
export function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

export { Rng };
