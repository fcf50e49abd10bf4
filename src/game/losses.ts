/**
 * The original's per-position losses (loss.py) on one row of receiver output, as the original
 * concatenates it: K candidate scores, then K same-class logits (`img_clas`) or C class logits
 * (`target_clas`).
 *
 * - `standard`: cross-entropy of the scores against the target's position.
 * - `img_clas`: (CE + w · mean_k BCE-with-logits(same-class flags)) / 2; img_class_acc = mean_k of
 *   [σ(logit_k) > 0.5] == flag_k.
 * - `target_clas`: (CE + w · CE(class logits, target class)) / 2; img_class_acc = [argmax == class].
 *
 * The "/ 2" is the original's (a mean over the two terms), not the paper's formula.
 *
 * @module
 */
import type { Task } from "../config.ts";
import type { GameBatch } from "./types.ts";

/** Loss and metrics of one row. */
export interface RowLoss {
  loss: number;
  acc: number;
  /** 0 for `standard`. */
  imgClassAcc: number;
}

/** Width of a receiver output row: K, 2K or K + C. */
export function outputWidth(task: Task, numImgs: number, numClasses: number): number {
  return task === "standard" ? numImgs : task === "img_clas" ? 2 * numImgs : numImgs + numClasses;
}

function argmax(a: Float32Array | Float64Array, o: number, n: number): number {
  let best = 0, bv = a[o];
  for (let i = 1; i < n; i++) {
    if (a[o + i] > bv) {
      bv = a[o + i];
      best = i;
    }
  }
  return best;
}

/** log Σ exp over a[o .. o + n). */
function logSumExp(a: Float32Array | Float64Array, o: number, n: number): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (a[o + i] > max) max = a[o + i];
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(a[o + i] - max);
  return max + Math.log(s);
}

/** The task's loss over rows of receiver output, with labels read from a {@link GameBatch}. */
export class TaskLoss {
  /** Row width (see {@link outputWidth}). */
  readonly width: number;

  constructor(
    readonly task: Task,
    readonly numImgs: number,
    readonly numClasses: number,
    readonly icLossWeight: number,
  ) {
    this.width = outputWidth(task, numImgs, numClasses);
  }

  /** Loss and metrics of sample `b` on the row `out[o .. o + width)`. */
  row(out: Float32Array | Float64Array, o: number, batch: GameBatch, b: number): RowLoss {
    const K = this.numImgs, w = this.icLossWeight;
    const target = batch.target[b];
    const ce = logSumExp(out, o, K) - out[o + target];
    const acc = argmax(out, o, K) === target ? 1 : 0;
    if (this.task === "standard") return { loss: ce, acc, imgClassAcc: 0 };
    if (this.task === "img_clas") {
      const flags = batch.sameClass!;
      let bce = 0, correct = 0;
      for (let k = 0; k < K; k++) {
        const x = out[o + K + k], y = flags[b * K + k];
        bce += Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));
        if ((x > 0 ? 1 : 0) === (y > 0.5 ? 1 : 0)) correct++;
      }
      return { loss: (ce + (w * bce) / K) / 2, acc, imgClassAcc: correct / K };
    }
    const C = this.numClasses, cls = batch.targetClass![b];
    const ceClass = logSumExp(out, o + K, C) - out[o + K + cls];
    return { loss: (ce + w * ceClass) / 2, acc, imgClassAcc: argmax(out, o + K, C) === cls ? 1 : 0 };
  }

  /** Gradient of `scale` · loss of sample `b` with respect to the row, written into `d[0 .. width)`. */
  rowGrad(
    out: Float32Array | Float64Array,
    o: number,
    batch: GameBatch,
    b: number,
    scale: number,
    d: Float64Array,
  ): void {
    const K = this.numImgs, w = this.icLossWeight;
    const half = this.task === "standard" ? scale : scale / 2;
    softmaxGrad(out, o, K, batch.target[b], half, d, 0);
    if (this.task === "img_clas") {
      const flags = batch.sameClass!;
      for (let k = 0; k < K; k++) {
        const x = out[o + K + k];
        d[K + k] = (half * w * (1 / (1 + Math.exp(-x)) - flags[b * K + k])) / K;
      }
    } else if (this.task === "target_clas") {
      softmaxGrad(out, o + K, this.numClasses, batch.targetClass![b], half * w, d, K);
    }
  }
}

/** d[off + i] = scale · (softmax(a[o ..])_i − [i = label]). */
function softmaxGrad(
  a: Float32Array | Float64Array,
  o: number,
  n: number,
  label: number,
  scale: number,
  d: Float64Array,
  off: number,
): void {
  const lse = logSumExp(a, o, n);
  for (let i = 0; i < n; i++) d[off + i] = scale * (Math.exp(a[o + i] - lse) - (i === label ? 1 : 0));
}
