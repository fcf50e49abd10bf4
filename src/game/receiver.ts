/**
 * EGG's RnnReceiverGS with the original's Receiver agent. Every message position t is embedded with a
 * Linear (with bias), the cell runs from a zero state, and each state h_t is scored against the
 * candidates: scores_k = tanh(img_embeddings(candidate_k)) · msg_fc(h_t); `img_clas` adds per-candidate
 * logits tanh(img_embeddings(candidate_k)) · img_clas_fc(h_t), `target_clas` adds target_clas_fc(h_t).
 *
 * The heads are one product of all states with the stacked head weights ("head", Q x H with Q = P, 2P or
 * P + C), after the recurrence. Only the first EOS position of a message carries loss, so the backward pass
 * enters each message there. Arrays are position-major: row t · B + b.
 *
 * @module
 */
import { cacheWidth, cellBackward, cellForward } from "./cells.ts";
import { type GameDims, gateCount } from "./dims.ts";
import { tanh } from "./fastmath.ts";
import {
  addColumnSums,
  addInto,
  DeviceMatrix,
  flushTiny,
  matmul,
  transpose,
  uploadTransposed,
} from "./linalg.ts";
import { outputWidth } from "./losses.ts";
import type { ParamArrays } from "./params.ts";

/** What the receiver's forward pass keeps. */
export interface ReceiverPass {
  batch: number;
  /** Positions computed: 0 … positions − 1. */
  positions: number;
  symbols: Int32Array;
  /** Candidates, B x K x D. */
  candidates: Float32Array;
  /** tanh(img_embeddings(candidates)), B x K x P. */
  imgs: Float32Array;
  /** States h_t after reading position t, positions x B x H. */
  h: Float32Array;
  c: Float32Array | null;
  cache: Float32Array;
  /** Head outputs with bias, positions x B x Q. */
  head: Float32Array;
  /** Receiver outputs as the original's (scores, then class logits), positions x B x width. */
  out: Float32Array;
}

const P = "receiver.";

/** The receiver of the Gumbel-softmax game, over host parameters. */
export class GsReceiver {
  #dev: Record<string, DeviceMatrix> = {};
  #table: Float32Array = new Float32Array(0);
  #headBias = new Float32Array(0);
  #version = -1;
  /** Q: columns of the head product. */
  readonly headSize: number;
  /** Row width of the receiver output. */
  readonly width: number;

  constructor(readonly dims: GameDims, readonly params: ParamArrays) {
    const { proj, numClasses, task } = dims;
    this.headSize = task === "standard" ? proj : task === "img_clas" ? 2 * proj : proj + numClasses;
    this.width = outputWidth(task, dims.numImgs, numClasses);
  }

  #headNames(): string[] {
    const t = this.dims.task;
    const extra = t === "img_clas" ? ["img_clas_fc"] : t === "target_clas" ? ["target_clas_fc"] : [];
    return ["msg_fc", ...extra].map((n) => `${P}agent.${n}`);
  }

  /** Upload the weights if the parameters changed since the last call. */
  prepare(version: number): void {
    if (version === this.#version) return;
    this.disposeDevice();
    const { featureDim: D, embed: E, hidden: H, vocab: V } = this.dims;
    const G = gateCount(this.dims.cell) * H, Q = this.headSize;
    const p = this.params;
    const embRows = transpose(p[P + "embedding.weight"], E, V);
    for (let v = 0; v < V; v++) for (let e = 0; e < E; e++) embRows[v * E + e] += p[P + "embedding.bias"][e];
    const ihT = uploadTransposed(p[P + "cell.weight_ih"], G, E);
    this.#table = matmul(embRows, V, ihT);
    ihT.dispose();
    const bih = p[P + "cell.bias_ih"];
    for (let r = 0; r < V; r++) for (let g = 0; g < G; g++) this.#table[r * G + g] += bih[g];
    const head = new Float32Array(Q * H);
    this.#headBias = new Float32Array(Q);
    let off = 0;
    for (const n of this.#headNames()) {
      head.set(p[n + ".weight"], off * H);
      this.#headBias.set(p[n + ".bias"], off);
      off += p[n + ".bias"].length;
    }
    this.#dev = {
      imgT: uploadTransposed(p[P + "agent.img_embeddings.weight"], this.dims.proj, D),
      hhT: uploadTransposed(p[P + "cell.weight_hh"], G, H),
      hh: DeviceMatrix.upload(p[P + "cell.weight_hh"], G, H),
      ih: DeviceMatrix.upload(p[P + "cell.weight_ih"], G, E),
      emb: DeviceMatrix.upload(p[P + "embedding.weight"], E, V),
      embRows: DeviceMatrix.upload(embRows, V, E),
      headT: uploadTransposed(head, Q, H),
      head: DeviceMatrix.upload(head, Q, H),
    };
    this.#version = version;
  }

  /** Forward pass over message positions 0 … positions − 1 (symbols (L + 1) x B; candidates B x K x D). */
  forward(symbols: Int32Array, candidates: Float32Array, batch: number, positions: number): ReceiverPass {
    const { hidden: H, numImgs: K, proj: PP, cell } = this.dims;
    const B = batch, T = positions, CW = cacheWidth(cell) * H, Q = this.headSize, W = this.width;
    const p = this.params, dev = this.#dev;
    // Candidate embeddings
    const imgs = matmul(candidates, B * K, dev.imgT);
    const bimg = p[P + "agent.img_embeddings.bias"];
    for (let i = 0; i < B * K; i++) {
      for (let j = 0; j < PP; j++) imgs[i * PP + j] = tanh(imgs[i * PP + j] + bimg[j]);
    }
    // Recurrence
    const h = new Float32Array(T * B * H);
    const c = cell === "lstm" ? new Float32Array(T * B * H) : null;
    const cache = new Float32Array(T * B * CW);
    for (let t = 0; t < T; t++) {
      const hPrev = t > 0 ? h.subarray((t - 1) * B * H, t * B * H) : null;
      cellForward({
        cell,
        batch: B,
        hidden: H,
        table: this.#table,
        rows: symbols.subarray(t * B, (t + 1) * B),
        gh: hPrev ? matmul(hPrev, B, dev.hhT) : null,
        biasHh: p[P + "cell.bias_hh"],
        hPrev,
        cPrev: c && t > 0 ? c.subarray((t - 1) * B * H, t * B * H) : null,
        hOut: h.subarray(t * B * H, (t + 1) * B * H),
        cOut: c ? c.subarray(t * B * H, (t + 1) * B * H) : null,
        cache: cache.subarray(t * B * CW, (t + 1) * B * CW),
      });
    }
    // Heads of all positions at once, then per-candidate dot products
    const head = matmul(h, T * B, dev.headT);
    const hb = this.#headBias;
    for (let r = 0; r < T * B; r++) for (let q = 0; q < Q; q++) head[r * Q + q] += hb[q];
    const out = new Float32Array(T * B * W);
    const nDots = this.dims.task === "img_clas" ? 2 : 1;
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const r = t * B + b, ho = r * Q, oo = r * W;
        for (let k = 0; k < K; k++) {
          const io = (b * K + k) * PP;
          for (let s = 0; s < nDots; s++) {
            let dot = 0;
            const mo = ho + s * PP;
            for (let j = 0; j < PP; j++) dot += imgs[io + j] * head[mo + j];
            out[oo + s * K + k] = dot;
          }
        }
        if (this.dims.task === "target_clas") {
          for (let q = 0; q < this.dims.numClasses; q++) out[oo + K + q] = head[ho + PP + q];
        }
      }
    }
    return { batch: B, positions: T, symbols, candidates, imgs, h, c, cache, head, out };
  }

  /**
   * Backward pass from the gradient of each message's output row at its first EOS (`dOut` B x width at
   * position `first[b]`). Adds the receiver's gradients into `grads` and returns the gradient with
   * respect to the message values, positions x B x V.
   */
  backward(pass: ReceiverPass, first: Int32Array, dOut: Float64Array, grads: ParamArrays): Float32Array {
    const { featureDim: D, embed: E, hidden: H, vocab: V, numImgs: K, proj: PP, cell } = this.dims;
    const B = pass.batch,
      G = gateCount(cell) * H,
      CW = cacheWidth(cell) * H,
      Q = this.headSize,
      W = this.width;
    const dev = this.#dev;
    let last = 0;
    for (let b = 0; b < B; b++) last = Math.max(last, first[b]);
    // Heads: dHead (B x Q) at each message's first EOS, and the candidate embeddings' gradient.
    const dHead = new Float32Array(B * Q), hStar = new Float32Array(B * H);
    const dImgs = new Float32Array(B * K * PP);
    const nDots = this.dims.task === "img_clas" ? 2 : 1;
    for (let b = 0; b < B; b++) {
      const r = first[b] * B + b, ho = r * Q;
      hStar.set(pass.h.subarray(r * H, (r + 1) * H), b * H);
      for (let k = 0; k < K; k++) {
        const io = (b * K + k) * PP;
        for (let s = 0; s < nDots; s++) {
          const g = dOut[b * W + s * K + k];
          if (g === 0) continue;
          const mo = ho + s * PP, dO = b * Q + s * PP;
          for (let j = 0; j < PP; j++) {
            dHead[dO + j] += g * pass.imgs[io + j];
            dImgs[io + j] += g * pass.head[mo + j];
          }
        }
      }
      if (this.dims.task === "target_clas") {
        for (let q = 0; q < this.dims.numClasses; q++) dHead[b * Q + PP + q] = dOut[b * W + K + q];
      }
    }
    flushTiny(dHead);
    const dhStar = matmul(dHead, B, dev.head);
    const hStarDev = DeviceMatrix.upload(hStar, B, H);
    const dHeadW = matmul(transpose(dHead, B, Q), Q, hStarDev);
    hStarDev.dispose();
    let off = 0;
    const dHeadB = addColumnSums(dHead, B, Q, new Float32Array(Q));
    for (const n of this.#headNames()) {
      const rows = grads[n + ".bias"].length;
      addInto(grads[n + ".weight"], dHeadW.subarray(off * H, (off + rows) * H));
      addInto(grads[n + ".bias"], dHeadB.subarray(off, off + rows));
      off += rows;
    }
    // Candidate embeddings: imgs = tanh(R W^T + b)
    for (let i = 0; i < dImgs.length; i++) dImgs[i] *= 1 - pass.imgs[i] * pass.imgs[i];
    flushTiny(dImgs);
    const cands = DeviceMatrix.upload(pass.candidates, B * K, D);
    addInto(grads[P + "agent.img_embeddings.weight"], matmul(transpose(dImgs, B * K, PP), PP, cands));
    cands.dispose();
    addColumnSums(dImgs, B * K, PP, grads[P + "agent.img_embeddings.bias"]);
    // Recurrence, from the last first-EOS position down to 0
    const T = last + 1, N = T * B;
    const dGi = new Float32Array(N * G);
    const dGhShift = new Float32Array(N * G); // block t − 1: dgh_t (multiplies h_{t−1}); t = 0 handled apart
    const dgh0 = new Float32Array(B * G);
    let dhNext = new Float32Array(B * H);
    let dcNext: Float32Array | null = cell === "lstm" ? new Float32Array(B * H) : null;
    const dhPrev = new Float32Array(B * H);
    for (let t = last; t >= 0; t--) {
      const dh = dhNext;
      for (let b = 0; b < B; b++) {
        if (first[b] !== t) continue;
        for (let j = 0; j < H; j++) dh[b * H + j] += dhStar[b * H + j];
      }
      const dgh = t > 0 ? dGhShift.subarray((t - 1) * B * G, t * B * G) : dgh0;
      const dcPrev = dcNext ? new Float32Array(B * H) : null;
      cellBackward({
        cell,
        batch: B,
        hidden: H,
        cache: pass.cache.subarray(t * B * CW, (t + 1) * B * CW),
        hPrev: t > 0 ? pass.h.subarray((t - 1) * B * H, t * B * H) : null,
        cPrev: pass.c && t > 0 ? pass.c.subarray((t - 1) * B * H, t * B * H) : null,
        hOut: pass.h.subarray(t * B * H, (t + 1) * B * H),
        dh,
        dc: dcNext,
        dgi: dGi.subarray(t * B * G, (t + 1) * B * G),
        dgh,
        dhPrev,
        dcPrev,
      });
      dcNext = dcPrev;
      dhNext = new Float32Array(B * H);
      if (t > 0) {
        const viaHh = matmul(dgh, B, dev.hh);
        for (let i = 0; i < dhNext.length; i++) dhNext[i] = dhPrev[i] + viaHh[i];
      }
    }
    // Weight gradients
    const dbhh = grads[P + "cell.bias_hh"];
    addColumnSums(dGhShift, N, G, dbhh);
    addColumnSums(dgh0, B, G, dbhh);
    if (last > 0) {
      const hs = DeviceMatrix.upload(pass.h, last * B, H);
      addInto(grads[P + "cell.weight_hh"], matmul(transpose(dGhShift, last * B, G), G, hs));
      hs.dispose();
    }
    addColumnSums(dGi, N, G, grads[P + "cell.bias_ih"]);
    const sT = new Float32Array(V * G);
    for (let r = 0; r < N; r++) {
      const v = pass.symbols[r];
      for (let g = 0; g < G; g++) sT[v * G + g] += dGi[r * G + g];
    }
    addInto(grads[P + "cell.weight_ih"], matmul(transpose(sT, V, G), G, dev.embRows));
    // Embedding of the message: de = dgi W_ih, then dx = de W_emb
    const de = flushTiny(matmul(dGi, N, dev.ih));
    const dWemb = grads[P + "embedding.weight"], dbemb = grads[P + "embedding.bias"];
    for (let r = 0; r < N; r++) {
      const v = pass.symbols[r];
      for (let e = 0; e < E; e++) {
        dWemb[e * V + v] += de[r * E + e];
        dbemb[e] += de[r * E + e];
      }
    }
    return matmul(de, N, dev.emb);
  }

  /** Free the uploaded weights. */
  disposeDevice(): void {
    for (const m of Object.values(this.#dev)) m.dispose();
    this.#dev = {};
    this.#version = -1;
  }
}
