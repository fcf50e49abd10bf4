/**
 * EGG's end-of-sequence weighting of the per-position losses (SenderReceiverRnnGS): with e_t the EOS entry
 * of message position t, s_0 = 1, p_t = e_t s_t and s_{t+1} = s_t (1 − e_t), the loss of a sample is
 * Σ_t p_t A_t (plus a remainder s_{L+1} A_L, zero because the last position is always EOS), where
 * A_t = ℓ_t + λ (t + 1). Metrics use the same weights.
 *
 * In the forward pass e_t is exactly 0 or 1 (straight-through), so p_t is 1 at the first EOS t* and 0
 * elsewhere. The gradient still reaches every e_t with s_t = 1: dLoss/de_t = A_t − A_{t*} for t < t*, and
 * A_{t*} − A_{t2} at t* itself, with t2 the next EOS after t*. Arrays are position-major: index t · B + b.
 *
 * @module
 */

/** First EOS position of each message, t* in [0, L] (symbols: (L + 1) x B, the last row all zeros). */
export function firstEos(symbols: Int32Array, batch: number, maxLen: number): Int32Array {
  const out = new Int32Array(batch).fill(maxLen);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < maxLen; t++) {
      if (symbols[t * batch + b] === 0) {
        out[b] = t;
        break;
      }
    }
  }
  return out;
}

/** The EOS after the first one (t2 in the module doc), or L when t* = L; positions whose loss the gradient needs. */
export function secondEos(symbols: Int32Array, batch: number, maxLen: number, first: Int32Array): Int32Array {
  const out = new Int32Array(batch).fill(maxLen);
  for (let b = 0; b < batch; b++) {
    for (let t = first[b] + 1; t < maxLen; t++) {
      if (symbols[t * batch + b] === 0) {
        out[b] = t;
        break;
      }
    }
  }
  return out;
}

/**
 * Gradient of `scale` · Σ_b Loss_b with respect to e_t, t < L, given A (position-major, (L + 1) x B, read
 * only at t <= t2): returned as L x B.
 */
export function eosGrad(
  a: Float64Array,
  batch: number,
  maxLen: number,
  first: Int32Array,
  second: Int32Array,
  scale: number,
): Float64Array {
  const de = new Float64Array(maxLen * batch);
  for (let b = 0; b < batch; b++) {
    const ts = first[b];
    const aStar = a[ts * batch + b];
    for (let t = 0; t < ts; t++) de[t * batch + b] = scale * (a[t * batch + b] - aStar);
    if (ts < maxLen) de[ts * batch + b] = scale * (aStar - a[second[b] * batch + b]);
  }
  return de;
}

/**
 * The order in which the backward passes visit samples: by first EOS, latest first. The samples whose
 * gradient is not zero at step t (those with t* >= t) are then the first `counts[t]` of `perm`, so each step
 * works on a prefix and messages that ended early cost nothing.
 */
export interface BackwardOrder {
  /** Sample indices sorted by t* descending (ties by index). */
  perm: Int32Array;
  /** counts[t] = #{b : t*_b >= t}, for t = 0 … max t* (+ a trailing 0). */
  counts: Int32Array;
  /** offsets[t] = Σ_{u < t} counts[u]: where step t's rows start in stacked arrays. */
  offsets: Int32Array;
  /** max t*. */
  last: number;
  first: Int32Array;
}

/** The {@link BackwardOrder} of a batch's first EOS positions. */
export function backwardOrder(first: Int32Array): BackwardOrder {
  const B = first.length;
  const perm = Int32Array.from({ length: B }, (_, i) => i).sort((a, b) => first[b] - first[a] || a - b);
  const last = B > 0 ? first[perm[0]] : 0;
  const counts = new Int32Array(last + 2);
  for (let b = 0; b < B; b++) for (let t = 0; t <= first[b]; t++) counts[t]++;
  const offsets = new Int32Array(last + 2);
  for (let t = 1; t <= last + 1; t++) offsets[t] = offsets[t - 1] + counts[t - 1];
  return { perm, counts, offsets, last, first };
}
