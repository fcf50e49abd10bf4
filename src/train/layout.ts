/**
 * The layout of a run folder, shared by `train` (writes), `sweep` (skips finished runs, resumes others) and
 * `report` (reads).
 *
 * ```
 * <run>/config.json         the resolved RunConfig (written first)
 * <run>/manifest.json       versions, backend, git commit, hashes of data, weights and features, feature dir
 * <run>/metrics.jsonl       one MetricLine per epoch and mode ("train", "test"), then "noise" at the end
 * <run>/state.json          resume point after each finished epoch (written atomically)
 * <run>/checkpoint/best.bin parameters + optimizer state of the best validation epoch (atomic)
 * <run>/checkpoint/last.bin parameters + optimizer state after the last finished epoch (atomic)
 * <run>/interactions/test_e<k>.bin  validation interactions of epoch k (see interactions.ts)
 * <run>/interactions/noise.bin      noise-game interactions of the best checkpoint
 * <run>/result.json         written last, atomically: the run is finished iff this file exists
 * ```
 *
 * @module
 */
import { join } from "node:path";

/** One line of metrics.jsonl. */
export interface MetricLine {
  /** 1-based epoch; the noise line carries the best epoch. */
  epoch: number;
  mode: "train" | "test" | "noise";
  loss: number;
  acc: number;
  /** Present for the pressure tasks. */
  img_class_acc?: number;
  length: number;
  /** Temperature used during this epoch. */
  temperature: number;
  seconds: number;
}

/** Summary written when a run finishes. */
export interface RunResult {
  status: "complete";
  /** Epoch (1-based) with the highest validation acc (first one on ties, as the original's strict ">"). */
  bestEpoch: number;
  bestAcc: number;
  /** Validation img_class_acc at the best epoch (pressure tasks). */
  bestImgClassAcc?: number;
  /** Training img_class_acc at the best epoch (what the original's notebook reported as "img acc"). */
  bestTrainImgClassAcc?: number;
  /** acc of the best checkpoint on the noise games, when --eval-noise. */
  noiseAcc?: number;
  epochsRun: number;
  stoppedEarly: boolean;
  seconds: number;
}

/** Paths inside a run folder. */
export function runPaths(dir: string) {
  return {
    dir,
    config: join(dir, "config.json"),
    manifest: join(dir, "manifest.json"),
    metrics: join(dir, "metrics.jsonl"),
    state: join(dir, "state.json"),
    best: join(dir, "checkpoint", "best.bin"),
    last: join(dir, "checkpoint", "last.bin"),
    interactions: (epoch: number) => join(dir, "interactions", `test_e${epoch}.bin`),
    noiseInteractions: join(dir, "interactions", "noise.bin"),
    result: join(dir, "result.json"),
  };
}
