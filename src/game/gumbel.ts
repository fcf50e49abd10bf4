/**
 * The Gumbel-softmax channel of EGG's `gumbel_softmax_sample`: in training, the relaxed sample
 * y = softmax((logits + g) / τ) with g = −log(−log u), sent straight-through (the forward value is the
 * one-hot of argmax y, the gradient is that of y); in evaluation, the one-hot of argmax logits.
 * Shapes: B rows of V logits.
 *
 * @module
 */
import type { Rng } from "../rng.ts";

// torch.distributions.utils.clamp_probs keeps u in [eps, 1 − eps], eps = float32 machine epsilon.
const EPS = 1.1920928955078125e-7;

/**
 * n Gumbel(0, 1) draws, all of a training step's noise at once (B x L x V in the game).
 *
 * @example
 * ```ts
 * import { Rng } from "../rng.ts";
 * import { gumbelNoise } from "./gumbel.ts";
 * const g = gumbelNoise(new Rng(1), 10000);
 * const mean = g.reduce((a, b) => a + b, 0) / g.length; // Euler-Mascheroni constant, 0.577
 * if (Math.abs(mean - 0.5772) > 0.05) throw new Error("Gumbel mean");
 * ```
 */
export function gumbelNoise(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.min(Math.max(rng.float(), EPS), 1 - EPS);
    out[i] = -Math.log(-Math.log(u));
  }
  return out;
}

/** Relaxed sample of B rows: writes y (B x V) and the straight-through symbols argmax y into `sym` (B). `noise`: B x V. */
export function relaxedSample(
  logits: Float32Array,
  noise: Float32Array,
  tau: number,
  batch: number,
  vocab: number,
  y: Float32Array,
  sym: Int32Array,
): void {
  const inv = 1 / tau;
  for (let b = 0; b < batch; b++) {
    const o = b * vocab;
    let max = -Infinity;
    for (let v = 0; v < vocab; v++) {
      const z = (logits[o + v] + noise[o + v]) * inv;
      y[o + v] = z;
      if (z > max) max = z;
    }
    let sum = 0;
    for (let v = 0; v < vocab; v++) {
      const e = Math.exp(y[o + v] - max);
      y[o + v] = e;
      sum += e;
    }
    const is = 1 / sum;
    let best = 0, bestV = -1;
    for (let v = 0; v < vocab; v++) {
      const p = y[o + v] * is;
      y[o + v] = p;
      if (p > bestV) {
        bestV = p;
        best = v;
      }
    }
    sym[b] = best;
  }
}

/** Greedy symbols: argmax of each row of logits (B x V) into `sym` (B); ties go to the first, as torch.argmax. */
export function greedySymbols(logits: Float32Array, batch: number, vocab: number, sym: Int32Array): void {
  for (let b = 0; b < batch; b++) {
    const o = b * vocab;
    let best = 0, bestV = logits[o];
    for (let v = 1; v < vocab; v++) {
      if (logits[o + v] > bestV) {
        bestV = logits[o + v];
        best = v;
      }
    }
    sym[b] = best;
  }
}

/** Gradient of the logits through the relaxed sample: dlogits = y ⊙ (dy − Σ_v dy_v y_v) / τ, into `out` (B x V). */
export function relaxedBackward(
  y: Float32Array,
  dy: Float32Array,
  tau: number,
  batch: number,
  vocab: number,
  out: Float32Array,
): Float32Array {
  const inv = 1 / tau;
  for (let b = 0; b < batch; b++) {
    const o = b * vocab;
    let dot = 0;
    for (let v = 0; v < vocab; v++) dot += dy[o + v] * y[o + v];
    for (let v = 0; v < vocab; v++) {
      const d = y[o + v] * (dy[o + v] - dot) * inv;
      out[o + v] = d < 1e-30 && d > -1e-30 ? 0 : d;
    }
  }
  return out;
}
