/**
 * The profiles of `deno task reproduce` and `deno task demo`: the paper's full grid, a small one that runs in
 * minutes on two cores for continuous integration (one seed, fewer games, three epochs), and the demo's one run
 * per task.
 *
 * @example
 * ```ts
 * import { expandGrid } from "./grid.ts";
 * import { PROFILES } from "./profiles.ts";
 * if (expandGrid(PROFILES.small.grid).length !== 9) throw new Error("3 tasks x 3 probabilities x 1 seed");
 * ```
 * @module
 */
import { TASKS } from "../config.ts";
import { type GridSpec, PAPER_GRID } from "./grid.ts";

/** A named reproduction setting. */
export interface Profile {
  name: "paper" | "small" | "demo";
  description: string;
  grid: GridSpec;
  /** Sweep folder. */
  out: string;
  /** Report name (reports/<report>/). */
  report: string;
  /** Use only the first images of each split, features included (undefined: all). */
  subset?: { train: number; test: number };
  /** Gaussian-noise images to extract (undefined: the paper's 10,000). */
  noiseCount?: number;
  /** topsim games per run. */
  topsimGames: number;
  /** Fall back to the synthetic dataset (and random weights) when CIFAR-100 (or the weights) are missing. */
  allowSynthetic: boolean;
  /** Fail unless every table cell of the report is filled. */
  requireComplete: boolean;
}

/** The two profiles. */
export const PROFILES: Readonly<Record<Profile["name"], Profile>> = {
  paper: {
    name: "paper",
    description: "the paper's 27 runs: 3 tasks x sameClassProb 0, 0.5, 1 x seeds 7, 122, 809, on CIFAR-100",
    grid: PAPER_GRID,
    out: "runs/sweep-paper",
    report: "paper",
    topsimGames: 10_000,
    allowSynthetic: false,
    requireComplete: false,
  },
  small: {
    name: "small",
    description: "9 short runs: 3 tasks x sameClassProb 0, 0.5, 1, seed 7, 3 epochs, on the first 10,000 " +
      "training and 2,000 validation images and 1,000 noise images",
    grid: {
      axes: { task: [...TASKS], sameClassProb: [0, 0.5, 1] },
      fixed: { seed: 7, numImgs: 2, evalNoise: true, epochs: 3 },
    },
    out: "runs/reproduce-small",
    report: "small",
    subset: { train: 10_000, test: 2000 },
    noiseCount: 1000,
    topsimGames: 2000,
    allowSynthetic: true,
    requireComplete: true,
  },
  demo: {
    name: "demo",
    description:
      "one short run per task (sameClassProb 0.5, seed 7, 3 epochs) on the first 10,000 training " +
      "and 2,000 validation images and 1,000 noise images",
    grid: {
      axes: { task: [...TASKS] },
      fixed: { sameClassProb: 0.5, seed: 7, numImgs: 2, evalNoise: true, epochs: 3 },
    },
    out: "runs/demo",
    report: "demo",
    subset: { train: 10_000, test: 2000 },
    noiseCount: 1000,
    topsimGames: 2000,
    allowSynthetic: true,
    requireComplete: false,
  },
};
