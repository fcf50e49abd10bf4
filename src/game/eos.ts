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
