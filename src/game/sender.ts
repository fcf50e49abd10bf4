/**
 * EGG's recurrent senders with the original's Sender agent: h_0 = tanh(fc(features)); a learned start
 * embedding (N(0, 0.01²)) is the first input; at each of L steps h_{t+1} = cell(e_t, h_t),
 * logits_t = hidden_to_output(h_{t+1}), x_t = the step's symbol, e_{t+1} = embedding(x_t). The message gets
 * a forced EOS (symbol 0) as position L.
 *
 * - `gs` (RnnSenderGS): x_t is the straight-through Gumbel-softmax sample (greedy in evaluation) and the
 *   embedding is a Linear with bias applied to it; the gradient reaches the logits through the relaxed sample.
 * - `rf` (RnnSenderReinforce): x_t is sampled from softmax(logits_t) (greedy in evaluation) and embedded by
 *   lookup; the gradient reaches the logits through the REINFORCE terms (given by the game).
 *
 * Forward values of x_t are one-hot, so e_t W_ih^T + b_ih is a row of a table computed once per parameter
 * version ((V + 1) x G·H, row V for the start embedding). The backward pass is written by hand
 * (back-propagation through time) over the samples still alive at each step (see {@link BackwardOrder}),
 * with each step's products on the backend and the weight gradients as a few large products after the loop.
 * Forward arrays are position-major (row t · B + b).
 *
 * @module
 */
import { cacheWidth, cellBackward, cellForward } from "./cells.ts";
import { type GameDims, gateCount } from "./dims.ts";
import type { BackwardOrder } from "./eos.ts";
import { tanh } from "./fastmath.ts";
import { greedySymbols, relaxedBackward, relaxedSample } from "./gumbel.ts";
import {
  addColumnSums,
  addInto,
  addWithBias,
  DeviceMatrix,
  flushTiny,
  matmul,
  transpose,
  uploadTransposed,
} from "./linalg.ts";
import type { ParamArrays } from "./params.ts";
import { sampleRow, softmaxRows } from "./categorical.ts";

/** Which of EGG's senders. */
export type SenderKind = "gs" | "rf";

/** How the symbols of a forward pass are chosen. */
export type SenderChannel =
  /** Straight-through Gumbel-softmax with the given noise (B x L x V) and temperature (`gs`). */
  | { kind: "gumbel"; noise: Float32Array; temperature: number }
  /** Sampled from softmax(logits) with the given uniform draws (B x L) (`rf`). */
  | { kind: "sample"; uniforms: Float64Array }
  /** argmax of the logits (evaluation). */
  | { kind: "greedy" };

/** What the sender's forward pass keeps for its backward pass. */
export interface SenderPass {
  batch: number;
  /** Target features, B x D. */
  features: Float32Array;
  /** Symbols, (L + 1) x B; row L is the forced EOS. */
  symbols: Int32Array;
  /** Hidden states h_0 … h_L, (L + 1) x B x H. */
  h: Float32Array;
  /** LSTM cell states c_0 … c_L, or null. */
  c: Float32Array | null;
  /** Per-step cell caches, L x B x cacheWidth·H. */
  cache: Float32Array;
  /** Relaxed samples y_t (`gumbel`) or softmax(logits_t) (`rf`), L x B x V; null for greedy `gs`. */
  probs: Float32Array | null;
  /** `rf`: log-probability and entropy of each step's symbol, L x B. */
  logProb: Float64Array | null;
  entropy: Float64Array | null;
  temperature: number;
}

/** Where the gradient enters the sender. */
export type SenderGrad =
  /** `gs`: gradient with respect to the message values (the receiver's, stacked rows of the order) and
   * to each position's EOS entry (L x B, sample order). */
  | { kind: "message"; dm: Float32Array; eos: Float64Array }
  /** `rf`: dLoss/dlogits_t = a_b (onehot(x_t) − p) + h_b p ⊙ (log p + H_t), per sample b. */
  | { kind: "reinforce"; policy: Float64Array; entropy: Float64Array };

/** Parameter names of the two senders. */
function names(kind: SenderKind) {
  const cell = kind === "gs" ? "sender.cell." : "sender.cells.0.";
  return {
    ih: cell + "weight_ih",
    hh: cell + "weight_hh",
    bih: cell + "bias_ih",
    bhh: cell + "bias_hh",
    emb: "sender.embedding.weight",
    embBias: "sender.embedding.bias",
    sos: "sender.sos_embedding",
    fc: "sender.agent.fc",
    out: "sender.hidden_to_output",
  };
}

/** A recurrent sender over host parameters. */
export class RnnSender {
  #dev: Record<string, DeviceMatrix> = {};
  #table: Float32Array = new Float32Array(0);
  #version = -1;
  readonly names: ReturnType<typeof names>;

  constructor(readonly dims: GameDims, readonly params: ParamArrays, readonly kind: SenderKind) {
    this.names = names(kind);
  }

  /** Upload the weights if the parameters changed since the last call (`version` counts updates). */
  prepare(version: number): void {
    if (version === this.#version) return;
    this.disposeDevice();
    const { featureDim: D, embed: E, hidden: H, vocab: V } = this.dims;
    const G = gateCount(this.dims.cell) * H;
    const p = this.params, n = this.names;
    // Rows v < V: the embedding of symbol v; row V: the start embedding.
    const embRows = new Float32Array((V + 1) * E);
    if (this.kind === "gs") {
      transpose(p[n.emb], E, V, embRows);
      for (let v = 0; v < V; v++) for (let e = 0; e < E; e++) embRows[v * E + e] += p[n.embBias][e];
    } else {
      embRows.set(p[n.emb]);
    }
    embRows.set(p[n.sos], V * E);
    const ihT = uploadTransposed(p[n.ih], G, E);
    this.#table = matmul(embRows, V + 1, ihT);
    ihT.dispose();
    const bih = p[n.bih];
    for (let r = 0; r <= V; r++) for (let g = 0; g < G; g++) this.#table[r * G + g] += bih[g];
    // [W_out^T | W_hh^T] (H x (V + G)): h_t gives logits_{t−1} and the next step's h_t W_hh^T in one product
    const outT = transpose(p[n.out + ".weight"], V, H), hhT = transpose(p[n.hh], G, H);
    const stepT = new Float32Array(H * (V + G));
    for (let j = 0; j < H; j++) {
      stepT.set(outT.subarray(j * V, (j + 1) * V), j * (V + G));
      stepT.set(hhT.subarray(j * G, (j + 1) * G), j * (V + G) + V);
    }
    // [W_out; W_hh] ((V + G) x H): [dlogits_t | dgh_{t+1}] gives dL/dh_{t+1} in one product
    const outHh = new Float32Array((V + G) * H);
    outHh.set(p[n.out + ".weight"]);
    outHh.set(p[n.hh], V * H);
    this.#dev = {
      fcT: uploadTransposed(p[n.fc + ".weight"], H, D),
      stepT: DeviceMatrix.upload(stepT, H, V + G),
      hhT: DeviceMatrix.upload(hhT, H, G),
      outHh: DeviceMatrix.upload(outHh, V + G, H),
      outT: DeviceMatrix.upload(outT, H, V),
      ih: DeviceMatrix.upload(p[n.ih], G, E),
      embRows: DeviceMatrix.upload(embRows, V + 1, E),
    };
    if (this.kind === "gs") this.#dev.emb = DeviceMatrix.upload(p[n.emb], E, V);
    this.#version = version;
  }

  /** Forward pass for B targets (features B x D). */
  forward(features: Float32Array, batch: number, channel: SenderChannel): SenderPass {
    const { hidden: H, vocab: V, maxLen: L, cell } = this.dims;
    const B = batch, CW = cacheWidth(cell) * H;
    const p = this.params, dev = this.#dev, n = this.names;
    const h = new Float32Array((L + 1) * B * H);
    const c = cell === "lstm" ? new Float32Array((L + 1) * B * H) : null;
    const cache = new Float32Array(L * B * CW);
    const rf = this.kind === "rf";
    const probs = channel.kind === "gumbel" || rf ? new Float32Array(L * B * V) : null;
    const logProb = rf ? new Float64Array(L * B) : null, entropy = rf ? new Float64Array(L * B) : null;
    const symbols = new Int32Array((L + 1) * B);
    // h_0 = tanh(fc(features))
    const pre = matmul(features, B, dev.fcT);
    const bfc = p[n.fc + ".bias"];
    for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) h[b * H + j] = tanh(pre[b * H + j] + bfc[j]);
    const rows = new Int32Array(B).fill(V);
    const bo = p[n.out + ".bias"], G = gateCount(cell) * H;
    const stepNoise = new Float32Array(B * V);
    const logits = new Float32Array(B * V);
    /** Chooses the symbols of step t from logits (B x V, bias included). */
    const emit = (t: number) => {
      const sym = symbols.subarray(t * B, (t + 1) * B);
      const stepProbs = probs?.subarray(t * B * V, (t + 1) * B * V);
      if (channel.kind === "gumbel") {
        for (let b = 0; b < B; b++) {
          stepNoise.set(channel.noise.subarray((b * L + t) * V, (b * L + t + 1) * V), b * V);
        }
        relaxedSample(logits, stepNoise, channel.temperature, B, V, stepProbs!, sym);
      } else if (channel.kind === "sample") {
        softmaxRows(logits, B, V, stepProbs!);
        for (let b = 0; b < B; b++) sym[b] = sampleRow(stepProbs!, b * V, V, channel.uniforms[b * L + t]);
      } else {
        greedySymbols(logits, B, V, sym);
        if (stepProbs) softmaxRows(logits, B, V, stepProbs);
      }
      if (rf) {
        for (let b = 0; b < B; b++) {
          let ent = 0;
          for (let v = 0; v < V; v++) {
            const q = stepProbs![b * V + v];
            if (q > 0) ent -= q * Math.log(q);
          }
          entropy![t * B + b] = ent;
          logProb![t * B + b] = Math.log(stepProbs![b * V + sym[b]]);
        }
      }
      rows.set(sym);
    };
    for (let t = 0; t < L; t++) {
      const hPrev = h.subarray(t * B * H, (t + 1) * B * H);
      const hOut = h.subarray((t + 1) * B * H, (t + 2) * B * H);
      // h_t [W_out^T | W_hh^T]: the previous step's logits and this step's recurrent term
      const both = t > 0, prod = matmul(hPrev, B, both ? dev.stepT : dev.hhT);
      if (both) {
        for (let b = 0; b < B; b++) {
          for (let v = 0; v < V; v++) logits[b * V + v] = prod[b * (V + G) + v] + bo[v];
        }
        emit(t - 1);
      }
      cellForward({
        cell,
        batch: B,
        hidden: H,
        table: this.#table,
        rows,
        gh: prod,
        ghStride: both ? V + G : G,
        ghOffset: both ? V : 0,
        biasHh: p[n.bhh],
        index: null,
        hPrev,
        cPrev: c && t > 0 ? c.subarray(t * B * H, (t + 1) * B * H) : null,
        hOut,
        cOut: c ? c.subarray((t + 1) * B * H, (t + 2) * B * H) : null,
        cache: cache.subarray(t * B * CW, (t + 1) * B * CW),
      });
    }
    const lastLogits = matmul(h.subarray(L * B * H), B, dev.outT);
    for (let b = 0; b < B; b++) for (let v = 0; v < V; v++) logits[b * V + v] = lastLogits[b * V + v] + bo[v];
    emit(L - 1);
    const temperature = channel.kind === "gumbel" ? channel.temperature : 1;
    return { batch: B, features, symbols, h, c, cache, probs, logProb, entropy, temperature };
  }

  /**
   * Backward pass, visiting samples in `order` (a message's gradient is zero after its first EOS); adds
   * the sender's gradients into `grads`.
   */
  backward(pass: SenderPass, order: BackwardOrder, source: SenderGrad, grads: ParamArrays): void {
    const { featureDim: D, embed: E, hidden: H, vocab: V, maxLen: L, cell } = this.dims;
    const B = pass.batch, G = gateCount(cell) * H, CW = cacheWidth(cell) * H, nm = this.names;
    const { perm, counts, offsets } = order;
    const last = Math.min(order.last, L - 1), M = offsets[last + 1];
    const dev = this.#dev, probs = pass.probs!, VG = V + G;
    const dGi = new Float32Array(M * G), dGh = new Float32Array(M * G), dLog = new Float32Array(M * V);
    const sT = new Float32Array((V + 1) * G); // dL/dtable rows: dgi summed by input row
    const dEmb = grads[nm.emb], dbEmb = grads[nm.embBias], dsos = grads[nm.sos];
    // Left operand of the product with [W_out; W_hh]: [dlogits_t | dgh_{t+1}] (n x (V + G))
    const left = new Float32Array(B * VG), pRows = new Float32Array(B * V), dxBuf = new Float32Array(B * V);
    // The part of dL/dh_t that does not go through W_hh (GRU: z ⊙ dh), written by step t, read by step t − 1
    const dhPrev = new Float32Array(B * H);
    let dcNext: Float32Array = new Float32Array(0), deNext: Float32Array = new Float32Array(0);
    for (let t = last; t >= 0; t--) {
      const n = counts[t], nNext = t < last ? counts[t + 1] : 0, idx = perm.subarray(0, n);
      for (let i = 0; i < n; i++) {
        pRows.set(probs.subarray((t * B + perm[i]) * V, (t * B + perm[i] + 1) * V), i * V);
      }
      const dlog = dLog.subarray(offsets[t] * V, (offsets[t] + n) * V);
      if (source.kind === "message") {
        // dx_t: from the receiver, from the EOS weighting, and through the next input embedding
        const dx = dxBuf.subarray(0, n * V);
        dx.set(source.dm.subarray(offsets[t] * V, (offsets[t] + n) * V));
        for (let i = 0; i < n; i++) dx[i * V] += source.eos[t * B + perm[i]];
        if (nNext > 0) addInto(dx.subarray(0, nNext * V), matmul(deNext, nNext, dev.emb));
        relaxedBackward(pRows, dx, pass.temperature, n, V, dlog);
      } else {
        for (let i = 0; i < n; i++) {
          const b = perm[i], a = source.policy[b], hc = source.entropy[b], ent = pass.entropy![t * B + b];
          const x = pass.symbols[t * B + b];
          for (let v = 0; v < V; v++) {
            const q = pRows[i * V + v];
            const d = a * ((v === x ? 1 : 0) - q) + (q > 0 ? hc * q * (Math.log(q) + ent) : 0);
            dlog[i * V + v] = d < 1e-30 && d > -1e-30 ? 0 : d;
          }
        }
      }
      // dL/dh_{t+1} = dlogits_t W_out + dgh_{t+1} W_hh + (z ⊙ dh)_{t+1}
      const dghNext = nNext > 0 ? dGh.subarray(offsets[t + 1] * G, (offsets[t + 1] + nNext) * G) : dGh;
      for (let i = 0; i < n; i++) {
        left.set(dlog.subarray(i * V, (i + 1) * V), i * VG);
        if (i < nNext) left.set(dghNext.subarray(i * G, (i + 1) * G), i * VG + V);
        else left.fill(0, i * VG + V, (i + 1) * VG);
      }
      const dh = matmul(left, n, dev.outHh);
      addInto(dh.subarray(0, nNext * H), dhPrev.subarray(0, nNext * H));
      const dc = cell === "lstm" ? new Float32Array(n * H) : null;
      dc?.set(dcNext.subarray(0, nNext * H));
      const dcPrev = dc ? new Float32Array(n * H) : null;
      const dgi = dGi.subarray(offsets[t] * G, (offsets[t] + n) * G);
      const dgh = dGh.subarray(offsets[t] * G, (offsets[t] + n) * G);
      cellBackward({
        cell,
        batch: n,
        hidden: H,
        index: idx,
        cache: pass.cache.subarray(t * B * CW, (t + 1) * B * CW),
        hPrev: pass.h.subarray(t * B * H, (t + 1) * B * H),
        cPrev: pass.c && t > 0 ? pass.c.subarray(t * B * H, (t + 1) * B * H) : null,
        hOut: pass.h.subarray((t + 1) * B * H, (t + 2) * B * H),
        dh,
        dc,
        dgi,
        dgh,
        dhPrev: dhPrev.subarray(0, n * H),
        dcPrev,
      });
      if (dcPrev) dcNext = dcPrev;
      // de_t = dgi_t W_ih: to the previous symbol's embedding (or the start embedding at t = 0)
      const de = flushTiny(matmul(dgi, n, dev.ih));
      for (let i = 0; i < n; i++) {
        const row = t === 0 ? V : pass.symbols[(t - 1) * B + perm[i]];
        const so = row * G, go = i * G;
        for (let g = 0; g < G; g++) sT[so + g] += dgi[go + g];
        const eo = i * E;
        if (t === 0) {
          for (let e = 0; e < E; e++) dsos[e] += de[eo + e];
        } else if (this.kind === "rf") {
          for (let e = 0; e < E; e++) dEmb[row * E + e] += de[eo + e];
        } else {
          for (let e = 0; e < E; e++) {
            const d = de[eo + e];
            dEmb[e * V + row] += d;
            dbEmb[e] += d;
          }
        }
      }
      deNext = de;
    }
    // h_0 = tanh(fc(features)), all samples (counts[0] = B), in the order of perm: dL/dh_0 = dgh_0 W_hh + z ⊙ dh
    for (let i = 0; i < B; i++) {
      left.fill(0, i * VG, i * VG + V);
      left.set(dGh.subarray(i * G, (i + 1) * G), i * VG + V);
    }
    const dh0 = addInto(matmul(left, B, dev.outHh), dhPrev);
    const dpre = new Float32Array(B * H), feats = new Float32Array(B * D);
    for (let i = 0; i < B; i++) {
      const b = perm[i];
      for (let j = 0; j < H; j++) {
        dpre[i * H + j] = dh0[i * H + j] * (1 - pass.h[b * H + j] * pass.h[b * H + j]);
      }
      feats.set(pass.features.subarray(b * D, (b + 1) * D), i * D);
    }
    flushTiny(dpre);
    const featsDev = DeviceMatrix.upload(feats, B, D);
    addInto(grads[nm.fc + ".weight"], matmul(transpose(dpre, B, H), H, featsDev));
    featsDev.dispose();
    addColumnSums(dpre, B, H, grads[nm.fc + ".bias"]);
    // Weight gradients as large products over the stacked rows: dW_hh = Σ dgh_t^T h_t, dW_out = Σ dlogits_t^T
    // h_{t+1}; a column of ones after the states gives the bias gradients (column sums) in the same products.
    const H1 = H + 1, hIn = new Float32Array(M * H1), hOut = new Float32Array(M * H1);
    for (let t = 0; t <= last; t++) {
      for (let i = 0; i < counts[t]; i++) {
        const r = offsets[t] + i, b = perm[i];
        hIn.set(pass.h.subarray((t * B + b) * H, (t * B + b + 1) * H), r * H1);
        hOut.set(pass.h.subarray(((t + 1) * B + b) * H, ((t + 1) * B + b + 1) * H), r * H1);
        hIn[r * H1 + H] = hOut[r * H1 + H] = 1;
      }
    }
    const hInDev = DeviceMatrix.upload(hIn, M, H1), hOutDev = DeviceMatrix.upload(hOut, M, H1);
    addWithBias(matmul(transpose(dGh, M, G), G, hInDev), G, H, grads[nm.hh], grads[nm.bhh]);
    addWithBias(
      matmul(transpose(dLog, M, V), V, hOutDev),
      V,
      H,
      grads[nm.out + ".weight"],
      grads[nm.out + ".bias"],
    );
    hInDev.dispose();
    hOutDev.dispose();
    // Σ_rows dgi = Σ_rows of the table gradient
    addColumnSums(sT, V + 1, G, grads[nm.bih]);
    addInto(grads[nm.ih], matmul(transpose(sT, V + 1, G), G, dev.embRows));
  }

  /** Free the uploaded weights. */
  disposeDevice(): void {
    for (const m of Object.values(this.#dev)) m.dispose();
    this.#dev = {};
    this.#version = -1;
  }
}
