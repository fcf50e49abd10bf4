/**
 * Games from features: which image is the target, which are the distractors, and in which order the receiver
 * sees them. As the original dataset code: every epoch each image of the split is the target once; each of
 * the `numImgs - 1` distractors comes from the target's fine class with probability `sameClassProb`, else
 * uniformly from the split, and is never the target itself; the candidates are shuffled. Games are redrawn
 * every epoch. All randomness comes from the {@link Rng} passed in (the trainer forks one per split and
 * epoch, so a resumed run draws exactly the games of an uninterrupted one).
 *
 * Shapes: N = images in the split, K = numImgs, D = feature size, B = batch size.
 *
 * @module
 */
import type { Task } from "../config.ts";
import type { FeatureSplit } from "../features/types.ts";
import type { Rng } from "../rng.ts";
import type { GameBatch } from "./types.ts";

/** Images of a split grouped by fine class (CSR layout), for O(1) same-class draws. */
export interface ClassIndex {
  /** Image indices sorted by class, N. */
  members: Int32Array;
  /** Class c owns members[offsets[c] .. offsets[c + 1]), (numClasses + 1). */
  offsets: Int32Array;
}

/** The games of one pass over a split. */
export interface GameDraw {
  /** Games, n (= N, or fewer with a limit). */
  n: number;
  numImgs: number;
  /** Split index of each game's target, in play order, n. */
  targetIndex: Int32Array;
  /** Split indices of the candidates in the receiver's order, n x K. */
  candidates: Int32Array;
  /** Position of the target among its candidates, n. */
  target: Int32Array;
}

/** How to draw the games of one pass. */
export interface DrawOptions {
  numImgs: number;
  /** Probability that a distractor comes from the target's fine class (0 for the noise games). */
  sameClassProb: number;
  /** Shuffle the order of the targets (train) or keep the split's order (test, noise). */
  shuffle: boolean;
  /** Play only the first `limit` targets (after shuffling): quick runs and tests. */
  limit?: number;
}

/** Group a split's images by fine class. */
export function classIndex(split: FeatureSplit): ClassIndex {
  let numClasses = 0;
  for (let i = 0; i < split.count; i++) numClasses = Math.max(numClasses, split.fine[i] + 1);
  const offsets = new Int32Array(numClasses + 1);
  for (let i = 0; i < split.count; i++) offsets[split.fine[i] + 1]++;
  for (let c = 0; c < numClasses; c++) offsets[c + 1] += offsets[c];
  const fill = offsets.slice(0, numClasses);
  const members = new Int32Array(split.count);
  for (let i = 0; i < split.count; i++) members[fill[split.fine[i]]++] = i;
  return { members, offsets };
}

/** One distractor for `target`: never the target itself (a split of one image has no distractor). */
function drawDistractor(split: FeatureSplit, index: ClassIndex, target: number, p: number, rng: Rng): number {
  const n = split.count;
  if (n < 2) {
    throw new RangeError(`A split of ${n} image(s) cannot provide distractors; it needs at least 2.`);
  }
  // One coin per distractor, drawn even when p is 0 or 1, so the stream does not depend on p's value.
  const sameClass = rng.float() < p;
  if (sameClass) {
    const c = split.fine[target];
    const start = index.offsets[c], size = index.offsets[c + 1] - start;
    if (size >= 2) {
      // Uniform over the class without the target: draw among size - 1 slots, the target's slot maps to the last.
      const pick = index.members[start + rng.int(size - 1)];
      return pick === target ? index.members[start + size - 1] : pick;
    }
    // A class of one image has no same-class distractor: fall back to a uniform draw.
  }
  const j = rng.int(n - 1);
  return j >= target ? j + 1 : j;
}

/** Draw the games of one pass over `split` (see the module doc). */
export function drawGames(split: FeatureSplit, index: ClassIndex, opts: DrawOptions, rng: Rng): GameDraw {
  const { numImgs: k, sameClassProb: p } = opts;
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`numImgs must be an integer >= 2, got ${k}.`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`sameClassProb must be in [0, 1], got ${p}.`);
  const order = opts.shuffle
    ? rng.permutation(split.count)
    : Int32Array.from({ length: split.count }, (_, i) => i);
  const n = Math.min(split.count, opts.limit ?? split.count);
  const targetIndex = order.slice(0, n);
  const candidates = new Int32Array(n * k);
  const target = new Int32Array(n);
  const row = new Int32Array(k);
  for (let g = 0; g < n; g++) {
    const t = targetIndex[g];
    row[0] = t;
    for (let d = 1; d < k; d++) row[d] = drawDistractor(split, index, t, p, rng);
    rng.shuffle(row);
    // The target's position is the first slot holding it (a distractor is never the target, so it is unique).
    target[g] = row.indexOf(t);
    candidates.set(row, g * k);
  }
  return { n, numImgs: k, targetIndex, candidates, target };
}

/**
 * The batch of games `start .. end` of a draw, with the labels of `task`: the target's position always,
 * plus per-candidate same-class flags (`img_clas`, the target's own flag is 1) or the target's fine class
 * (`target_clas`).
 */
export function makeBatch(
  split: FeatureSplit,
  draw: GameDraw,
  start: number,
  end: number,
  task: Task,
): GameBatch {
  const { dim, features, fine } = split;
  const k = draw.numImgs, size = end - start;
  const senderInput = new Float32Array(size * dim);
  const receiverInput = new Float32Array(size * k * dim);
  for (let b = 0; b < size; b++) {
    const t = draw.targetIndex[start + b];
    senderInput.set(features.subarray(t * dim, (t + 1) * dim), b * dim);
    for (let j = 0; j < k; j++) {
      const c = draw.candidates[(start + b) * k + j];
      receiverInput.set(features.subarray(c * dim, (c + 1) * dim), (b * k + j) * dim);
    }
  }
  const batch: GameBatch = { size, senderInput, receiverInput, target: draw.target.slice(start, end) };
  if (task === "img_clas") {
    const sameClass = new Float32Array(size * k);
    for (let b = 0; b < size; b++) {
      const c0 = fine[draw.targetIndex[start + b]];
      for (let j = 0; j < k; j++) {
        sameClass[b * k + j] = fine[draw.candidates[(start + b) * k + j]] === c0 ? 1 : 0;
      }
    }
    batch.sameClass = sameClass;
  } else if (task === "target_clas") {
    batch.targetClass = Int32Array.from({ length: size }, (_, b) => fine[draw.targetIndex[start + b]]);
  }
  return batch;
}

/** The batches of a draw in play order: batchSize games each, the last one smaller. */
export function* batchesOf(
  split: FeatureSplit,
  draw: GameDraw,
  batchSize: number,
  task: Task,
): Generator<{ start: number; end: number; batch: GameBatch }> {
  for (let start = 0; start < draw.n; start += batchSize) {
    const end = Math.min(draw.n, start + batchSize);
    yield { start, end, batch: makeBatch(split, draw, start, end, task) };
  }
}
