/**
 * One pass of games: a training epoch (Adam steps with the Gumbel temperature) or an evaluation pass
 * (greedy, no update) that also records the games as {@link Interactions}.
 *
 * @module
 */
import type { Task } from "../config.ts";
import type { FeatureSplit } from "../features/types.ts";
import { batchesOf, type GameDraw } from "../game/sampling.ts";
import type { Game, StepOutput } from "../game/types.ts";
import { Progress } from "../io/progress.ts";
import type { Rng } from "../rng.ts";
import type { Interactions } from "./interactions.ts";

/** Means over the games of a pass. */
export interface PassMetrics {
  loss: number;
  acc: number;
  /** Pressure tasks only. */
  imgClassAcc?: number;
  length: number;
  seconds: number;
}

/** Options shared by both passes. */
export interface PassOptions {
  split: FeatureSplit;
  draw: GameDraw;
  task: Task;
  batchSize: number;
  /** Label of the progress line, e.g. "epoch 3 train"; no progress output when undefined. */
  progressLabel?: string;
}

/** Running sums of the per-game outputs; the loss is weighted by batch size so that it is a mean over games. */
class Totals {
  loss = 0;
  acc = 0;
  imgClassAcc = 0;
  hasImgClassAcc = false;
  length = 0;
  games = 0;

  add(out: StepOutput, size: number): void {
    this.loss += out.loss * size;
    for (let i = 0; i < size; i++) {
      this.acc += out.acc[i];
      this.length += out.length[i];
    }
    if (out.imgClassAcc) {
      this.hasImgClassAcc = true;
      for (let i = 0; i < size; i++) this.imgClassAcc += out.imgClassAcc[i];
    }
    this.games += size;
  }

  running(): string {
    const n = Math.max(1, this.games);
    return `loss ${(this.loss / n).toFixed(4)} acc ${(this.acc / n).toFixed(4)}`;
  }

  metrics(seconds: number): PassMetrics {
    const n = Math.max(1, this.games);
    return {
      loss: this.loss / n,
      acc: this.acc / n,
      ...(this.hasImgClassAcc ? { imgClassAcc: this.imgClassAcc / n } : {}),
      length: this.length / n,
      seconds,
    };
  }
}

function progressFor(opts: PassOptions): Progress | undefined {
  if (opts.progressLabel === undefined) return undefined;
  return new Progress({ label: opts.progressLabel, total: opts.draw.n, unit: "games" });
}

/** A training epoch over the games of `draw`: one Adam step per batch. */
export function trainPass(game: Game, opts: PassOptions & { temperature: number; rng: Rng }): PassMetrics {
  const t0 = performance.now();
  const totals = new Totals();
  const progress = progressFor(opts);
  for (const { batch } of batchesOf(opts.split, opts.draw, opts.batchSize, opts.task)) {
    const out = game.trainStep(batch, opts.temperature, opts.rng);
    totals.add(out, batch.size);
    progress?.tick(batch.size, totals.running());
  }
  // On a terminal, end the bar with a newline; in logs, the tick at 100% already printed the last line.
  if (Deno.stderr.isTerminal()) progress?.done(totals.running());
  return totals.metrics((performance.now() - t0) / 1000);
}

/**
 * An evaluation pass over the games of `draw` (greedy agents, no update), with the games as interactions.
 * `width` is maxLen + 1; `wideSymbols` stores symbol ids as 16-bit (vocabularies above 256).
 */
export function evalPass(
  game: Game,
  opts: PassOptions & { epoch: number; mode: "test" | "noise"; width: number; wideSymbols: boolean },
): { metrics: PassMetrics; interactions: Interactions } {
  const t0 = performance.now();
  const { draw, split, width } = opts;
  const n = draw.n;
  const it: Interactions = {
    epoch: opts.epoch,
    mode: opts.mode,
    n,
    numImgs: draw.numImgs,
    width,
    symbols: opts.wideSymbols ? new Uint16Array(n * width) : new Uint8Array(n * width),
    length: new Float32Array(n),
    targetIndex: draw.targetIndex.slice(),
    candidates: draw.candidates.slice(),
    target: draw.target.slice(),
    prediction: new Int32Array(n),
    acc: new Float32Array(n),
    targetClass: Int32Array.from(draw.targetIndex, (t) => split.fine[t]),
  };
  const totals = new Totals();
  const progress = progressFor(opts);
  for (const { start, batch } of batchesOf(split, draw, opts.batchSize, opts.task)) {
    const out = game.evalStep(batch);
    totals.add(out, batch.size);
    if (out.symbols.length !== batch.size * width) {
      throw new Error(
        `The game returned ${out.symbols.length} symbols for ${batch.size} games; expected ${batch.size} x ${width}.`,
      );
    }
    it.symbols.set(out.symbols, start * width);
    it.length.set(out.length.subarray(0, batch.size), start);
    it.prediction.set(out.prediction.subarray(0, batch.size), start);
    it.acc.set(out.acc.subarray(0, batch.size), start);
    if (out.imgClassAcc) {
      it.imgClassAcc ??= new Float32Array(n);
      it.imgClassAcc.set(out.imgClassAcc.subarray(0, batch.size), start);
    }
    progress?.tick(batch.size, totals.running());
  }
  // On a terminal, end the bar with a newline; in logs, the tick at 100% already printed the last line.
  if (Deno.stderr.isTerminal()) progress?.done(totals.running());
  return { metrics: totals.metrics((performance.now() - t0) / 1000), interactions: it };
}
