/**
 * Per-run analysis of the best epoch's validation interactions: topographic similarity (the paper's cosine /
 * euclidean on all message positions, and the edit-distance variant on messages cut at the first EOS) and
 * the language statistics.
 *
 * Games are sampled with replacement, as the original notebook did, but from a seeded generator forked by
 * run name: the same run gives the same numbers in any report.
 *
 * @module
 */
import { resolve } from "node:path";
import { languageStats } from "../analysis/language.ts";
import { cutAtEos, type MessageBlock } from "../analysis/messages.ts";
import { sampleGames, topsim } from "../analysis/topsim.ts";
import type { FeatureSplit } from "../features/types.ts";
import { exists } from "../io/atomic.ts";
import { Rng } from "../rng.ts";
import { loadInteractions } from "../train/interactions.ts";
import { runPaths } from "../train/layout.ts";
import type { LoadedRun } from "./runs.ts";

/** Language of a run's validation messages at its best epoch. */
export interface LanguageSummary {
  /** Mean message length, up to and including the first EOS (EGG's message length). */
  meanLength: number;
  /** Distinct symbols used before the first EOS of some message (EOS excluded). */
  vocabUsed: number;
  /** Entropy in bits of the distribution of whole messages cut at their first EOS. */
  entropy: number;
}

/** What the analysis found for one run; a missing part comes with a note saying why. */
export interface RunAnalysis {
  topsim?: number;
  topsimEdit?: number;
  language?: LanguageSummary;
  notes: string[];
}

/** Options of {@link analyzeRun}. */
export interface AnalysisOptions {
  /** Games sampled for topsim (the paper's 10,000); 0 skips topsim. */
  topsimGames: number;
  /** Seed of the sampling (forked by run name). */
  seed: number;
  /** Loads the validation features of a feature folder (cached across runs by the caller). */
  testFeatures: (dir: string) => Promise<FeatureSplit>;
}

/** A loader of validation features that reads each feature folder once. */
export function featureLoader(): (dir: string) => Promise<FeatureSplit> {
  const cache = new Map<string, Promise<FeatureSplit>>();
  return (dir: string) => {
    const key = resolve(dir);
    if (!cache.has(key)) {
      // Imported on first use: a report without topsim never loads the feature layer.
      cache.set(
        key,
        import("../features/cache.ts").then((m) => m.loadFeatureBundle(key)).then((b) => b.test),
      );
    }
    return cache.get(key)!;
  };
}

/** Analyse the best epoch's validation interactions of `run`; never throws for missing inputs (notes why). */
export async function analyzeRun(
  run: LoadedRun,
  bestEpoch: number,
  opts: AnalysisOptions,
): Promise<RunAnalysis> {
  const out: RunAnalysis = { notes: [] };
  const path = runPaths(run.dir).interactions(bestEpoch);
  let it;
  try {
    it = await loadInteractions(path);
  } catch (e) {
    const why = (await exists(path))
      ? (e as Error).message
      : `interactions/test_e${bestEpoch}.bin is missing`;
    out.notes.push(`${run.name}: no topsim or language statistics (${why})`);
    return out;
  }
  const block: MessageBlock = { data: it.symbols, width: it.width };
  const stats = languageStats(block);
  out.language = {
    meanLength: stats.meanLength,
    vocabUsed: stats.vocabularyUsed,
    entropy: stats.entropyBits,
  };
  if (opts.topsimGames <= 0) return out;
  if (!run.featuresDir) {
    out.notes.push(`${run.name}: no topsim (manifest.json does not name the features folder)`);
    return out;
  }
  let test: FeatureSplit;
  try {
    test = await opts.testFeatures(run.featuresDir);
  } catch (e) {
    out.notes.push(`${run.name}: no topsim (features of ${run.featuresDir}: ${(e as Error).message})`);
    return out;
  }
  const games = sampleGames(it.n, opts.topsimGames, new Rng(opts.seed).fork(run.name));
  const dim = test.dim;
  const meanings = new Float32Array(games.length * dim);
  const symbols = new (it.symbols.constructor as Uint8ArrayConstructor)(games.length * it.width);
  for (let i = 0; i < games.length; i++) {
    const g = games[i], img = it.targetIndex[g];
    if (img < 0 || img >= test.count) {
      out.notes.push(
        `${run.name}: no topsim (target index ${img} is outside the ${test.count} validation features)`,
      );
      return out;
    }
    meanings.set(test.features.subarray(img * dim, (img + 1) * dim), i * dim);
    symbols.set(it.symbols.subarray(g * it.width, (g + 1) * it.width), i * it.width);
  }
  const messages: MessageBlock = { data: symbols, width: it.width };
  out.topsim = topsim(meanings, dim, messages, { meaningDistance: "cosine", messageDistance: "euclidean" });
  out.topsimEdit = topsim(meanings, dim, cutAtEos(messages), {
    meaningDistance: "cosine",
    messageDistance: "edit",
  });
  if (!Number.isFinite(out.topsim) || !Number.isFinite(out.topsimEdit)) {
    out.notes.push(`${run.name}: topsim is undefined: all sampled messages are the same`);
  }
  return out;
}
