/**
 * EGG's RnnSenderGS with the original's Sender agent: h_0 = tanh(fc(features)); a learned start embedding
 * is the first input; at each of L steps h_{t+1} = cell(e_t, h_t), logits_t = hidden_to_output(h_{t+1}),
 * x_t = Gumbel-softmax sample (greedy in evaluation), e_{t+1} = embedding(x_t) (a Linear with bias, not a
 * lookup). The message gets a forced EOS (symbol 0) as position L.
 *
 * Forward values of x_t are one-hot, so x_t W_emb^T + b_emb W_ih^T … is a row of a table computed once per
 * parameter version: `table` ((V + 1) x G·H, row V for the start embedding). The backward pass is written
 * by hand (back-propagation through time), with each step's products on the backend and the weight
 * gradients as a few large products after the loop. Arrays are position-major: row t · B + b.
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
  DeviceMatrix,
  flushTiny,
  matmul,
  transpose,
  uploadTransposed,
} from "./linalg.ts";
import type { ParamArrays } from "./params.ts";

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
  /** Relaxed samples y_t (training), L x B x V, or null (evaluation). */
  y: Float32Array | null;
  temperature: number;
}

const P = "sender.";

/** The sender of the Gumbel-softmax game, over host parameters. */
export class GsSender {
  #dev: Record<string, DeviceMatrix> = {};
  #table: Float32Array = new Float32Array(0);
  #version = -1;

  constructor(readonly dims: GameDims, readonly params: ParamArrays) {}

  /** Upload the weights if the parameters changed since the last call (`version` counts updates). */
  prepare(version: number): void {
    if (version === this.#version) return;
    this.disposeDevice();
    const { featureDim: D, embed: E, hidden: H, vocab: V } = this.dims;
    const G = gateCount(this.dims.cell) * H;
    const p = this.params;
    // Rows v < V: embedding of one-hot v (column v of W_emb, plus bias); row V: the start embedding.
    const embRows = new Float32Array((V + 1) * E);
    transpose(p[P + "embedding.weight"], E, V, embRows);
    for (let v = 0; v < V; v++) for (let e = 0; e < E; e++) embRows[v * E + e] += p[P + "embedding.bias"][e];
    embRows.set(p[P + "sos_embedding"], V * E);
    const ihT = uploadTransposed(p[P + "cell.weight_ih"], G, E);
    this.#table = matmul(embRows, V + 1, ihT);
    ihT.dispose();
    const bih = p[P + "cell.bias_ih"];
    for (let r = 0; r <= V; r++) for (let g = 0; g < G; g++) this.#table[r * G + g] += bih[g];
    this.#dev = {
      fcT: uploadTransposed(p[P + "agent.fc.weight"], H, D),
      hhT: uploadTransposed(p[P + "cell.weight_hh"], G, H),
      hh: DeviceMatrix.upload(p[P + "cell.weight_hh"], G, H),
      outT: uploadTransposed(p[P + "hidden_to_output.weight"], V, H),
      out: DeviceMatrix.upload(p[P + "hidden_to_output.weight"], V, H),
      ih: DeviceMatrix.upload(p[P + "cell.weight_ih"], G, E),
      emb: DeviceMatrix.upload(p[P + "embedding.weight"], E, V),
      embRows: DeviceMatrix.upload(embRows, V + 1, E),
    };
    this.#version = version;
  }

  /**
   * Forward pass for B targets (features B x D). With `noise` (B x L x V Gumbel draws, the layout of the
   * reference vectors) and a temperature it plays the training channel, else the greedy one.
   */
  forward(features: Float32Array, batch: number, noise: Float32Array | null, temperature = 1): SenderPass {
    const { hidden: H, vocab: V, maxLen: L, cell } = this.dims;
    const B = batch, CW = cacheWidth(cell) * H;
    const p = this.params, dev = this.#dev;
    const h = new Float32Array((L + 1) * B * H);
    const c = cell === "lstm" ? new Float32Array((L + 1) * B * H) : null;
    const cache = new Float32Array(L * B * CW);
    const y = noise ? new Float32Array(L * B * V) : null;
    const symbols = new Int32Array((L + 1) * B);
    // h_0 = tanh(fc(features))
    const pre = matmul(features, B, dev.fcT);
    const bfc = p[P + "agent.fc.bias"];
    for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) h[b * H + j] = tanh(pre[b * H + j] + bfc[j]);
    const rows = new Int32Array(B).fill(V);
    const bo = p[P + "hidden_to_output.bias"];
    const stepNoise = new Float32Array(B * V);
    for (let t = 0; t < L; t++) {
      const hPrev = h.subarray(t * B * H, (t + 1) * B * H);
      const hOut = h.subarray((t + 1) * B * H, (t + 2) * B * H);
      cellForward({
        cell,
        batch: B,
        hidden: H,
        table: this.#table,
        rows,
        gh: matmul(hPrev, B, dev.hhT),
        biasHh: p[P + "cell.bias_hh"],
        index: null,
        hPrev,
        cPrev: c && t > 0 ? c.subarray(t * B * H, (t + 1) * B * H) : null,
        hOut,
        cOut: c ? c.subarray((t + 1) * B * H, (t + 2) * B * H) : null,
        cache: cache.subarray(t * B * CW, (t + 1) * B * CW),
      });
      const logits = matmul(hOut, B, dev.outT);
      for (let b = 0; b < B; b++) for (let v = 0; v < V; v++) logits[b * V + v] += bo[v];
      const sym = symbols.subarray(t * B, (t + 1) * B);
      if (noise && y) {
        for (let b = 0; b < B; b++) {
          stepNoise.set(noise.subarray((b * L + t) * V, (b * L + t + 1) * V), b * V);
        }
        relaxedSample(logits, stepNoise, temperature, B, V, y.subarray(t * B * V, (t + 1) * B * V), sym);
      } else {
        greedySymbols(logits, B, V, sym);
      }
      rows.set(sym);
    }
    return { batch: B, features, symbols, h, c, cache, y, temperature };
  }

  /**
   * Backward pass, visiting samples in `order` (a message's gradient is zero after its first EOS). `dm` is
   * the receiver's gradient with respect to the message values (stacked rows of `order`), `eos` the
   * gradient with respect to each position's EOS entry (L x B, sample order). Gradients are added into
   * `grads`.
   */
  backward(
    pass: SenderPass,
    order: BackwardOrder,
    dm: Float32Array,
    eos: Float64Array,
    grads: ParamArrays,
  ): void {
    const { featureDim: D, embed: E, hidden: H, vocab: V, maxLen: L, cell } = this.dims;
    const B = pass.batch, G = gateCount(cell) * H, CW = cacheWidth(cell) * H;
    const { perm, counts, offsets } = order;
    const last = Math.min(order.last, L - 1), M = offsets[last + 1];
    const dev = this.#dev, y = pass.y!;
    const dGi = new Float32Array(M * G), dGh = new Float32Array(M * G), dLog = new Float32Array(M * V);
    const sT = new Float32Array((V + 1) * G); // dL/dtable rows: dgi summed by input row
    const dWemb = grads[P + "embedding.weight"],
      dbemb = grads[P + "embedding.bias"],
      dsos = grads[P + "sos_embedding"];
    let dhNext: Float32Array = new Float32Array(0), dcNext: Float32Array = new Float32Array(0);
    let deNext: Float32Array = new Float32Array(0);
    for (let t = last; t >= 0; t--) {
      const n = counts[t], nNext = t < last ? counts[t + 1] : 0, idx = perm.subarray(0, n);
      // dx_t: from the receiver, from the EOS weighting, and through the next input embedding
      const dx = dm.slice(offsets[t] * V, (offsets[t] + n) * V);
      for (let i = 0; i < n; i++) dx[i * V] += eos[t * B + perm[i]];
      if (nNext > 0) addInto(dx.subarray(0, nNext * V), matmul(deNext, nNext, dev.emb));
      const yRows = new Float32Array(n * V);
      for (let i = 0; i < n; i++) {
        yRows.set(y.subarray((t * B + perm[i]) * V, (t * B + perm[i] + 1) * V), i * V);
      }
      const dlog = dLog.subarray(offsets[t] * V, (offsets[t] + n) * V);
      relaxedBackward(yRows, dx, pass.temperature, n, V, dlog);
      const dh = matmul(dlog, n, dev.out);
      addInto(dh.subarray(0, nNext * H), dhNext.subarray(0, nNext * H));
      const dc = cell === "lstm" ? new Float32Array(n * H) : null;
      dc?.set(dcNext.subarray(0, nNext * H));
      const dhPrev = new Float32Array(n * H), dcPrev = dc ? new Float32Array(n * H) : null;
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
        dhPrev,
        dcPrev,
      });
      dhNext = addInto(dhPrev, matmul(dgh, n, dev.hh));
      if (dcPrev) dcNext = dcPrev;
      // de_t = dgi_t W_ih: to the previous symbol's embedding (or the start embedding at t = 0)
      const de = flushTiny(matmul(dgi, n, dev.ih));
      for (let i = 0; i < n; i++) {
        const row = t === 0 ? V : pass.symbols[(t - 1) * B + perm[i]];
        for (let g = 0; g < G; g++) sT[row * G + g] += dgi[i * G + g];
        for (let e = 0; e < E; e++) {
          const d = de[i * E + e];
          if (t === 0) dsos[e] += d;
          else {
            dWemb[e * V + row] += d;
            dbemb[e] += d;
          }
        }
      }
      deNext = de;
    }
    // h_0 = tanh(fc(features)), all samples (counts[0] = B), in the order of perm
    const dpre = new Float32Array(B * H), feats = new Float32Array(B * D);
    for (let i = 0; i < B; i++) {
      const b = perm[i];
      for (let j = 0; j < H; j++) {
        dpre[i * H + j] = dhNext[i * H + j] * (1 - pass.h[b * H + j] * pass.h[b * H + j]);
      }
      feats.set(pass.features.subarray(b * D, (b + 1) * D), i * D);
    }
    flushTiny(dpre);
    const featsDev = DeviceMatrix.upload(feats, B, D);
    addInto(grads[P + "agent.fc.weight"], matmul(transpose(dpre, B, H), H, featsDev));
    featsDev.dispose();
    addColumnSums(dpre, B, H, grads[P + "agent.fc.bias"]);
    // Weight gradients as large products over the stacked rows: dW_hh = Σ dgh_t^T h_t, dW_out = Σ dlogits_t^T h_{t+1}
    const hIn = new Float32Array(M * H), hOut = new Float32Array(M * H);
    for (let t = 0; t <= last; t++) {
      for (let i = 0; i < counts[t]; i++) {
        const r = offsets[t] + i, b = perm[i];
        hIn.set(pass.h.subarray((t * B + b) * H, (t * B + b + 1) * H), r * H);
        hOut.set(pass.h.subarray(((t + 1) * B + b) * H, ((t + 1) * B + b + 1) * H), r * H);
      }
    }
    const hInDev = DeviceMatrix.upload(hIn, M, H), hOutDev = DeviceMatrix.upload(hOut, M, H);
    addInto(grads[P + "cell.weight_hh"], matmul(transpose(dGh, M, G), G, hInDev));
    addInto(grads[P + "hidden_to_output.weight"], matmul(transpose(dLog, M, V), V, hOutDev));
    hInDev.dispose();
    hOutDev.dispose();
    addColumnSums(dGh, M, G, grads[P + "cell.bias_hh"]);
    addColumnSums(dGi, M, G, grads[P + "cell.bias_ih"]);
    addColumnSums(dLog, M, V, grads[P + "hidden_to_output.bias"]);
    addInto(grads[P + "cell.weight_ih"], matmul(transpose(sT, V + 1, G), G, dev.embRows));
  }

  /** Free the uploaded weights. */
  disposeDevice(): void {
    for (const m of Object.values(this.#dev)) m.dispose();
    this.#dev = {};
    this.#version = -1;
  }
}
