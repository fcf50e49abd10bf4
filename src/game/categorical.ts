/**
 * The REINFORCE channel: symbols sampled from softmax(logits) by inverse CDF (argmax in evaluation), as
 * torch.distributions.Categorical with the sample drawn from the game's own seeded generator.
 *
 * @example
 * ```ts
 * import { sampleRow } from "./categorical.ts";
 * const p = Float32Array.from([0.2, 0.5, 0.3]);
 * if (sampleRow(p, 0, 3, 0.1) !== 0 || sampleRow(p, 0, 3, 0.6) !== 1 || sampleRow(p, 0, 3, 0.95) !== 2) {
 *   throw new Error("inverse CDF");
 * }
 * ```
 * @module
 */
import type { Rng } from "../rng.ts";

/** softmax of each of B rows of V logits, into `out`. */
export function softmaxRows(logits: Float32Array, batch: number, vocab: number, out: Float32Array): void {
  for (let b = 0; b < batch; b++) {
    const o = b * vocab;
    let max = -Infinity;
    for (let v = 0; v < vocab; v++) if (logits[o + v] > max) max = logits[o + v];
    let sum = 0;
    for (let v = 0; v < vocab; v++) sum += out[o + v] = Math.exp(logits[o + v] - max);
    for (let v = 0; v < vocab; v++) out[o + v] /= sum;
  }
}

/** Inverse-CDF draw from the distribution `p[o .. o + n)` with a uniform u in [0, 1). */
export function sampleRow(p: Float32Array, o: number, n: number, u: number): number {
  let acc = 0;
  for (let v = 0; v < n; v++) {
    acc += p[o + v];
    if (u < acc) return v;
  }
  // rounding left u above the total: the last symbol with non-zero probability
  for (let v = n - 1; v > 0; v--) if (p[o + v] > 0) return v;
  return 0;
}

/** n uniform draws in [0, 1) for {@link sampleRow} (B x L for a sender's `sample` channel). */
export function categoricalUniforms(rng: Rng, n: number): Float64Array {
  const u = new Float64Array(n);
  for (let i = 0; i < u.length; i++) u[i] = rng.float();
  return u;
}
