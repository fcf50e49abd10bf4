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

/** Inputs of one forward step over n rows (the samples still needed at this step). */
export interface CellForwardArgs {
  cell: Cell;
  /** n: rows computed. */
  batch: number;
  /** H. */
  hidden: number;
  /** Input pre-activations x W_ih^T + b_ih by table: row i reads row `rows[i]` of `table` (R x GH). */
  table: Float32Array;
  rows: Int32Array;
  /** h W_hh^T without bias, n x GH; null when the previous state is zero. */
  gh: Float32Array | null;
  /** Row i of `gh` starts at i · ghStride + ghOffset (default: GH and 0, a plain n x GH array). */
  ghStride?: number;
  ghOffset?: number;
  /** b_hh, GH. */
  biasHh: Float32Array;
  /**
   * Row i of the state arrays below is `index[i]` (the sample's row in a full B-row block), or i when
   * null; `rows` and `gh` are compact (row i).
   */
  index: Int32Array | null;
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
  const { batch: n, hidden: H, table, rows, gh, biasHh: bhh, index, hPrev, cPrev, hOut, cOut, cache } = a;
  const G = gateCount(a.cell) * H, ghStride = a.ghStride ?? G, ghOffset = a.ghOffset ?? 0;
  for (let i = 0; i < n; i++) {
    const b = index ? index[i] : i;
    const ti = rows[i] * G, gi = i * ghStride + ghOffset, hi = b * H;
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
        const pre = (k: number) => table[ti + k * H + j] + (gh ? gh[gi + k * H + j] : 0) + bhh[k * H + j];
        const ig = sigmoid(pre(0)), fg = sigmoid(pre(1)), gg = tanh(pre(2)), og = sigmoid(pre(3));
        const c = fg * (cPrev ? cPrev[hi + j] : 0) + ig * gg;
        const tc = tanh(c);
        cOut![hi + j] = c;
        hOut[hi + j] = og * tc;
        cache[ci + j] = ig;
        cache[ci + H + j] = fg;
        cache[ci + 2 * H + j] = gg;
        cache[ci + 3 * H + j] = og;
        cache[ci + 4 * H + j] = tc;
      }
    } else {
      for (let j = 0; j < H; j++) hOut[hi + j] = tanh(table[ti + j] + (gh ? gh[gi + j] : 0) + bhh[j]);
    }
  }
}

/** Inputs of one backward step over n rows. */
export interface CellBackwardArgs {
  cell: Cell;
  /** n: rows computed. */
  batch: number;
  hidden: number;
  /** Row i of the forward arrays (cache, states) is `index[i]`, or i when null; gradients are compact. */
  index: Int32Array | null;
  /** The forward step's cache, previous states (null when zero) and output h'. */
  cache: Float32Array;
  hPrev: Float32Array | null;
  cPrev: Float32Array | null;
  hOut: Float32Array;
  /** dL/dh', n x H; dL/dc' (LSTM, from the next step), n x H or null. */
  dh: Float32Array;
  dc: Float32Array | null;
  /** Outputs: dL/d(x W_ih^T + b_ih) and dL/d(h W_hh^T + b_hh), n x GH. */
  dgi: Float32Array;
  dgh: Float32Array;
  /** Output: the part of dL/dh that does not go through W_hh (GRU: z ⊙ dh'; else 0), n x H. */
  dhPrev: Float32Array;
  /** Output (LSTM): dL/dc, n x H. */
  dcPrev: Float32Array | null;
}

const flush = (v: number) => (v < FLUSH_BELOW && v > -FLUSH_BELOW ? 0 : v);

/** One step backward: writes dgi, dgh, dhPrev (and dcPrev). */
export function cellBackward(a: CellBackwardArgs): void {
  const { batch: rowsN, hidden: H, index, cache, hPrev, cPrev, hOut, dh, dc, dgi, dgh, dhPrev, dcPrev } = a;
  const G = gateCount(a.cell) * H;
  for (let row = 0; row < rowsN; row++) {
    const b = index ? index[row] : row;
    const gi = row * G, hi = row * H, fi = b * H;
    if (a.cell === "gru") {
      const ci = b * 4 * H;
      for (let j = 0; j < H; j++) {
        const r = cache[ci + j], z = cache[ci + H + j], n = cache[ci + 2 * H + j], hn = cache[ci + 3 * H + j];
        const d = dh[hi + j];
        const hp = hPrev ? hPrev[fi + j] : 0;
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
        const cp = cPrev ? cPrev[fi + j] : 0;
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
        const h = hOut[fi + j];
        dgi[gi + j] = dgh[gi + j] = flush(dh[hi + j] * (1 - h * h));
        dhPrev[hi + j] = 0;
      }
    }
  }
}
