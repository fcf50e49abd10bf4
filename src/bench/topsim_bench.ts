/**
 * Topographic similarity at the paper's scale: 10,000 games (≈ 50 million pairs), cosine distance on 64-d
 * features against euclidean distance on 11 symbol ids (vocabulary 100). The inputs are synthetic but
 * shaped like the real ones: non-negative class-clustered features, class-dependent messages ending in
 * EOS, and games drawn with replacement from a pool of 10,000 (so duplicate games and tied distances
 * occur, as in the notebook).
 *
 * The baseline is the straightforward route (`topsimNaive`: both pdist lists, comparator-sorted ranks,
 * Pearson of the ranks, as scipy does) measured at N = 2,000 and extrapolated per pair to N = 10,000 —
 * which understates it, since its sorts grow as P log P.
 *
 * @module
 */

import type { Bench, BenchFigure } from "./types.ts";
import { sampleGames, topsim, type TopsimOptions } from "../analysis/topsim.ts";
import { topsimNaive } from "../analysis/topsim_naive.ts";
import { Rng } from "../rng.ts";

const DIM = 64, WIDTH = 11, VOCAB = 100, CLASSES = 100, POOL = 10_000;
const OPTS: TopsimOptions = { meaningDistance: "cosine", messageDistance: "euclidean" };

/** Synthetic games: `n` drawn with replacement from a pool of class-clustered features and messages. */
export function syntheticGames(n: number, rng: Rng): { features: Float32Array; messages: Uint8Array } {
  const centroids = rng.fillNormal(new Float64Array(CLASSES * DIM)).map(Math.abs);
  const prototypes = Array.from(
    { length: CLASSES },
    () => Array.from({ length: WIDTH }, (_, k) => (k === WIDTH - 1 ? 0 : 1 + rng.int(VOCAB - 1))),
  );
  const poolFeatures = new Float32Array(POOL * DIM), poolMessages = new Uint8Array(POOL * WIDTH);
  for (let i = 0; i < POOL; i++) {
    const c = rng.int(CLASSES);
    for (let k = 0; k < DIM; k++) {
      poolFeatures[i * DIM + k] = Math.max(0, centroids[c * DIM + k] + 0.7 * rng.normal());
    }
    const eos = rng.float() < 0.2 ? 1 + rng.int(WIDTH - 2) : WIDTH - 1; // some messages end early
    for (let k = 0; k < WIDTH; k++) {
      const noisy = rng.float() < 0.3 ? 1 + rng.int(VOCAB - 1) : prototypes[c][k];
      poolMessages[i * WIDTH + k] = k === eos || k === WIDTH - 1 ? 0 : noisy;
    }
  }
  const picks = sampleGames(POOL, n, rng);
  const features = new Float32Array(n * DIM), messages = new Uint8Array(n * WIDTH);
  picks.forEach((g, i) => {
    features.set(poolFeatures.subarray(g * DIM, (g + 1) * DIM), i * DIM);
    messages.set(poolMessages.subarray(g * WIDTH, (g + 1) * WIDTH), i * WIDTH);
  });
  return { features, messages };
}

const pairs = (n: number) => (n * (n - 1)) / 2;

function timed<T>(f: () => T): { value: T; seconds: number } {
  const t0 = performance.now();
  const value = f();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

/** `topsim.s_n10000` against the straightforward implementation, `topsim.s_n10000_naive`. */
export const topsimBench: Bench = {
  names: ["topsim.s_n10000_naive", "topsim.s_n10000"],
  run({ quick }) {
    const target = 10_000;
    const naiveN = quick ? 1_000 : 2_000, fastN = quick ? 3_000 : target;

    // Baseline, and the fast path on the very same games (they must agree).
    const small = syntheticGames(naiveN, new Rng(2024).fork("naive"));
    const smallMessages = { data: small.messages, width: WIDTH };
    const naive = timed(() => topsimNaive(small.features, DIM, smallMessages, OPTS));
    const check = topsim(small.features, DIM, smallMessages, OPTS);
    const naiveSeconds = naive.seconds * pairs(target) / pairs(naiveN);

    const games = syntheticGames(fastN, new Rng(2024).fork("fast"));
    const fast = timed(() => topsim(games.features, DIM, { data: games.messages, width: WIDTH }, OPTS));
    const fastSeconds = fast.seconds * pairs(target) / pairs(fastN);

    const baseline: BenchFigure = {
      name: "topsim.s_n10000_naive",
      value: naiveSeconds,
      unit: "s",
      detail: {
        measuredN: naiveN,
        measuredSeconds: naive.seconds,
        extrapolation: `per pair, x${
          (pairs(target) / pairs(naiveN)).toFixed(2)
        } (understates an n log n sort)`,
        method: "pdist lists, comparator-sorted average ranks, Pearson of ranks",
        topsim: naive.value,
        fastTopsimSameGames: check,
        absDifference: Math.abs(check - naive.value),
      },
    };
    const figure: BenchFigure = {
      name: "topsim.s_n10000",
      value: fastSeconds,
      unit: "s",
      baseline: baseline.name,
      baselineValue: naiveSeconds,
      ratio: fastSeconds / naiveSeconds,
      detail: {
        measuredN: fastN,
        measuredSeconds: fast.seconds,
        pairs: pairs(fastN),
        ...(fastN !== target
          ? { extrapolation: `quick mode: per pair, x${(pairs(target) / pairs(fastN)).toFixed(2)}` }
          : {}),
        distances: "cosine on 64-d features / euclidean on 11 symbols (vocab 100)",
        topsim: fast.value,
      },
    };
    return Promise.resolve([baseline, figure]);
  },
};
