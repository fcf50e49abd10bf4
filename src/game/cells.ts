/**
 * The elementwise part of PyTorch's RNNCell (tanh), GRUCell and LSTMCell, forward and backward, on host
 * arrays. The products `x W_ih^T` and `h W_hh^T` are computed by the caller (see linalg.ts); gates are
 * stacked in PyTorch's order (GRU r, z, n; LSTM i, f, g, o). Shapes: B samples, H hidden units, G gates.
 *
 * GRU: r = σ(i_r + h_r), z = σ(i_z + h_z), n = tanh(i_n + r ⊙ h_n), h' = (1 − z) ⊙ n + z ⊙ h, where
 * i = x W_ih^T + b_ih and h_· = h W_hh^T + b_hh. LSTM: c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c').
 *
 * @module
 */
import type { Cell } from "../config.ts";
import { gateCount } from "./dims.ts";
import { sigmoid, tanh } from "./fastmath.ts";
import { FLUSH_BELOW } from "./linalg.ts";

/** Values per hidden unit that the forward pass keeps for the backward pass (GRU r, z, n, h_n; LSTM i, f, g, o, tanh c'). */
export function cacheWidth(cell: Cell): number {
  return cell === "gru" ? 4 : cell === "lstm" ? 5 : 0;
}

/** Inputs of one forward step. */
export interface CellForwardArgs {
  cell: Cell;
  /** B. */
  batch: number;
  /** H. */
  hidden: number;
  /** Input pre-activations x W_ih^T + b_ih by table: sample b reads row `rows[b]` of `table` (R x GH). */
  table: Float32Array;
  rows: Int32Array;
  /** h W_hh^T without bias, B x GH; null when the previous state is zero. */
  gh: Float32Array | null;
  /** b_hh, GH. */
  biasHh: Float32Array;
  /** Previous hidden state, B x H; null when zero. */
  hPrev: Float32Array | null;
  /** Previous LSTM cell state, B x H; null when zero or not an LSTM. */
  cPrev: Float32Array | null;
  /** Outputs: h', B x H; c' (LSTM), B x H; the cache, B x cacheWidth·H. */
  hOut: Float32Array;
  cOut: Float32Array | null;
  cache: Float32Array;
}

/** One step forward: writes hOut (and cOut, cache). */
export function cellForward(a: CellForwardArgs): void {
  const { batch: B, hidden: H, table, rows, gh, biasHh: bhh, hPrev, cPrev, hOut, cOut, cache } = a;
  const G = gateCount(a.cell) * H;
  for (let b = 0; b < B; b++) {
    const ti = rows[b] * G, gi = b * G, hi = b * H;
    if (a.cell === "gru") {
      const ci = b * 4 * H;
      for (let j = 0; j < H; j++) {
        const hr = (gh ? gh[gi + j] : 0) + bhh[j];
        const hz = (gh ? gh[gi + H + j] : 0) + bhh[H + j];
        const hn = (gh ? gh[gi + 2 * H + j] : 0) + bhh[2 * H + j];
        const r = sigmoid(table[ti + j] + hr);
        const z = sigmoid(table[ti + H + j] + hz);
        const n = tanh(table[ti + 2 * H + j] + r * hn);
        const hp = hPrev ? hPrev[hi + j] : 0;
        hOut[hi + j] = (1 - z) * n + z * hp;
        cache[ci + j] = r;
        cache[ci + H + j] = z;
        cache[ci + 2 * H + j] = n;
        cache[ci + 3 * H + j] = hn;
      }
    } else if (a.cell === "lstm") {
      const ci = b * 5 * H;
      for (let j = 0; j < H; j++) {
        const at = (k: number) => table[ti + k * H + j] + (gh ? gh[gi + k * H + j] : 0) + bhh[k * H + j];
        const i = sigmoid(at(0)), f = sigmoid(at(1)), g = tanh(at(2)), o = sigmoid(at(3));
        const c = f * (cPrev ? cPrev[hi + j] : 0) + i * g;
        const tc = tanh(c);
        cOut![hi + j] = c;
        hOut[hi + j] = o * tc;
        cache[ci + j] = i;
        cache[ci + H + j] = f;
        cache[ci + 2 * H + j] = g;
        cache[ci + 3 * H + j] = o;
        cache[ci + 4 * H + j] = tc;
      }
    } else {
      for (let j = 0; j < H; j++) hOut[hi + j] = tanh(table[ti + j] + (gh ? gh[gi + j] : 0) + bhh[j]);
    }
  }
}

/** Inputs of one backward step. */
export interface CellBackwardArgs {
  cell: Cell;
  batch: number;
  hidden: number;
  /** The forward step's cache, previous states (null when zero) and output h'. */
  cache: Float32Array;
  hPrev: Float32Array | null;
  cPrev: Float32Array | null;
  hOut: Float32Array;
  /** dL/dh', B x H; dL/dc' (LSTM, from the next step), B x H or null. */
  dh: Float32Array;
  dc: Float32Array | null;
  /** Outputs: dL/d(x W_ih^T + b_ih) and dL/d(h W_hh^T + b_hh), B x GH (the same array may be passed for both except for GRU). */
  dgi: Float32Array;
  dgh: Float32Array;
  /** Output: the part of dL/dh that does not go through W_hh (GRU: z ⊙ dh'; else 0), B x H. */
  dhPrev: Float32Array;
  /** Output (LSTM): dL/dc, B x H. */
  dcPrev: Float32Array | null;
}

const flush = (v: number) => (v < FLUSH_BELOW && v > -FLUSH_BELOW ? 0 : v);

/** One step backward: writes dgi, dgh, dhPrev (and dcPrev). */
export function cellBackward(a: CellBackwardArgs): void {
  const { batch: B, hidden: H, cache, hPrev, cPrev, hOut, dh, dc, dgi, dgh, dhPrev, dcPrev } = a;
  const G = gateCount(a.cell) * H;
  for (let b = 0; b < B; b++) {
    const gi = b * G, hi = b * H;
    if (a.cell === "gru") {
      const ci = b * 4 * H;
      for (let j = 0; j < H; j++) {
        const r = cache[ci + j], z = cache[ci + H + j], n = cache[ci + 2 * H + j], hn = cache[ci + 3 * H + j];
        const d = dh[hi + j];
        const hp = hPrev ? hPrev[hi + j] : 0;
        const dan = d * (1 - z) * (1 - n * n);
        const dar = dan * hn * r * (1 - r);
        const daz = d * (hp - n) * z * (1 - z);
        dgi[gi + j] = dgh[gi + j] = flush(dar);
        dgi[gi + H + j] = dgh[gi + H + j] = flush(daz);
        dgi[gi + 2 * H + j] = flush(dan);
        dgh[gi + 2 * H + j] = flush(dan * r);
        dhPrev[hi + j] = d * z;
      }
    } else if (a.cell === "lstm") {
      const ci = b * 5 * H;
      for (let j = 0; j < H; j++) {
        const i = cache[ci + j], f = cache[ci + H + j], g = cache[ci + 2 * H + j];
        const o = cache[ci + 3 * H + j], tc = cache[ci + 4 * H + j];
        const d = dh[hi + j];
        const dcT = d * o * (1 - tc * tc) + (dc ? dc[hi + j] : 0);
        const cp = cPrev ? cPrev[hi + j] : 0;
        const v0 = flush(dcT * g * i * (1 - i));
        const v1 = flush(dcT * cp * f * (1 - f));
        const v2 = flush(dcT * i * (1 - g * g));
        const v3 = flush(d * tc * o * (1 - o));
        dgi[gi + j] = dgh[gi + j] = v0;
        dgi[gi + H + j] = dgh[gi + H + j] = v1;
        dgi[gi + 2 * H + j] = dgh[gi + 2 * H + j] = v2;
        dgi[gi + 3 * H + j] = dgh[gi + 3 * H + j] = v3;
        dcPrev![hi + j] = dcT * f;
        dhPrev[hi + j] = 0;
      }
    } else {
      for (let j = 0; j < H; j++) {
        const h = hOut[hi + j];
        dgi[gi + j] = dgh[gi + j] = flush(dh[hi + j] * (1 - h * h));
        dhPrev[hi + j] = 0;
      }
    }
  }
}
