/**
 * A run's numbers for the tables, from its metrics: the best epoch is the one with the highest validation
 * acc, the first one on ties (the original saved its best checkpoint on a strict ">").
 *
 * @example
 * ```ts
 * import { summarizeRun } from "./summary.ts";
 * const line = (epoch: number, mode: "train" | "test", acc: number) =>
 *   ({ epoch, mode, acc, loss: 0, length: 1, temperature: 1, seconds: 0 });
 * const s = summarizeRun([line(1, "test", 0.8), line(2, "test", 0.9), line(3, "test", 0.9)]);
 * if (s.bestEpoch !== 2 || s.bestAcc !== 0.9) throw new Error("first of the tied epochs");
 * ```
 * @module
 */
import type { MetricLine } from "../train/layout.ts";

/** What the tables take from one run. */
export interface RunSummary {
  bestEpoch: number;
  /** Validation acc at the best epoch. */
  bestAcc: number;
  /** Validation img_class_acc at the best epoch (pressure tasks). */
  bestImgClassAcc?: number;
  /** Training img_class_acc at the best epoch: the original notebook's "img acc". */
  bestTrainImgClassAcc?: number;
  /** Accuracy of the best checkpoint on the noise games. */
  noiseAcc?: number;
  /** Validation epochs logged. */
  epochs: number;
  /** Validation acc per epoch: curve[k] is epoch k + 1 (NaN for a missing epoch). */
  curve: number[];
}

/** Summarise metrics (as from parseMetrics); `fallbackNoiseAcc` is used when there is no noise line. */
export function summarizeRun(metrics: readonly MetricLine[], fallbackNoiseAcc?: number): RunSummary {
  const test = metrics.filter((m) => m.mode === "test").sort((a, b) => a.epoch - b.epoch);
  if (test.length === 0) throw new RangeError("summarizeRun() needs at least one validation (test) line.");
  let best = test[0];
  for (const m of test) if (m.acc > best.acc) best = m;
  const train = metrics.find((m) => m.mode === "train" && m.epoch === best.epoch);
  const noise = metrics.find((m) => m.mode === "noise");
  const epochs = test[test.length - 1].epoch;
  const curve = new Array<number>(epochs).fill(NaN);
  for (const m of test) curve[m.epoch - 1] = m.acc;
  return {
    bestEpoch: best.epoch,
    bestAcc: best.acc,
    bestImgClassAcc: best.img_class_acc,
    bestTrainImgClassAcc: train?.img_class_acc,
    noiseAcc: noise?.acc ?? fallbackNoiseAcc,
    epochs,
    curve,
  };
}
