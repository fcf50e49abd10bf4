/**
 * EGG's recurrent receivers with the original's Receiver agent. The cell reads the message from a zero
 * state and each state h_t is scored against the candidates: score_k = tanh(img_embeddings(candidate_k)) · msg_fc(h_t); `img_clas` adds per-candidate
 * logits tanh(img_embeddings(candidate_k)) · img_clas_fc(h_t), `target_clas` adds target_clas_fc(h_t).
 *
 * - `gs` (RnnReceiverGS): positions are embedded by a Linear with bias (messages are relaxed one-hot
 *   vectors); the game needs the outputs at every position up to the second EOS, and the gradient with
 *   respect to the message.
 * - `rf` (RnnReceiverDeterministic): symbols are embedded by lookup and the output is read at the first
 *   EOS (EGG's RnnEncoder over the packed message, EOS included).
 *
 * Two reorganisations keep it cheap, with the same values:
 * - score_k = h_t · (img_k W_msg) + img_k · b_msg: the candidate projections U_k = img_k W_msg (K per
 *   sample) are computed once instead of msg_fc(h_t) at every position.
 * - Only the positions whose loss the game needs are computed (up to `need[b]` per sample), and the
 *   backward pass enters each message at its first EOS, visiting samples in {@link BackwardOrder}.
 *
 * Forward arrays are position-major with full B-row blocks (row t · B + b); backward arrays are stacked
 * compact rows (step t's rows at `offsets[t]`, in `perm` order).
 *
 * @module
 */
import { cacheWidth, cellBackward, cellForward } from "./cells.ts";
import { type GameDims, gateCount } from "./dims.ts";
import type { BackwardOrder } from "./eos.ts";
import { tanh } from "./fastmath.ts";
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
import { outputWidth } from "./losses.ts";
import type { ParamArrays } from "./params.ts";

/** What the receiver's forward pass keeps. */
export interface ReceiverPass {
  batch: number;
  /** Positions computed: 0 … positions − 1. */
  positions: number;
  /** Last position computed per sample, B. */
  need: Int32Array;
  /** Symbols, (L + 1) x B. */
  symbols: Int32Array;
  /** Candidates, B x K x D. */
  candidates: Float32Array;
  /** tanh(img_embeddings(candidates)), B x K x P. */
  imgs: Float32Array;
  /** Candidate projections img_k [W_msg | W_img_clas], B x K x (dots · H). */
  u: Float32Array;
  /** States h_t after reading position t, positions x B x H. */
  h: Float32Array;
  c: Float32Array | null;
  cache: Float32Array;
  /** Receiver outputs as the original's rows (scores, then class logits), positions x B x width. */
  out: Float32Array;
}

/** The receiver's gradient with respect to the message values: stacked rows (t, i) of the backward order. */
export interface MessageGrad {
  /** rows x V, step t's rows at order.offsets[t]. */
  dm: Float32Array;
}

const P = "receiver.";

/** Which of EGG's receivers. */
export type ReceiverKind = "gs" | "rf";

/** Parameter names of the two receivers' recurrent part. */
function names(kind: ReceiverKind) {
  const cell = kind === "gs" ? "receiver.cell." : "receiver.encoder.cell.";
  const sfx = kind === "gs" ? "" : "_l0";
  return {
    ih: `${cell}weight_ih${sfx}`,
    hh: `${cell}weight_hh${sfx}`,
    bih: `${cell}bias_ih${sfx}`,
    bhh: `${cell}bias_hh${sfx}`,
    emb: kind === "gs" ? "receiver.embedding.weight" : "receiver.encoder.embedding.weight",
    embBias: "receiver.embedding.bias",
  };
}

/** A recurrent receiver over host parameters. */
export class RnnReceiver {
  #dev: Record<string, DeviceMatrix> = {};
  #table: Float32Array = new Float32Array(0);
  #version = -1;
  /** Candidate dot products per output row: 2 for `img_clas`, else 1. */
  readonly dots: number;
  /** Row width of the receiver output. */
  readonly width: number;
  readonly names: ReturnType<typeof names>;

  constructor(readonly dims: GameDims, readonly params: ParamArrays, readonly kind: ReceiverKind) {
    this.names = names(kind);
    this.dots = dims.task === "img_clas" ? 2 : 1;
    this.width = outputWidth(dims.task, dims.numImgs, dims.numClasses);
  }

  /** Heads scored against the candidates: msg_fc (and img_clas_fc). */
  #dotHeads(): string[] {
    return (this.dims.task === "img_clas" ? ["msg_fc", "img_clas_fc"] : ["msg_fc"]).map((n) =>
      `${P}agent.${n}`
    );
  }

  /** Upload the weights if the parameters changed since the last call. */
  prepare(version: number): void {
    if (version === this.#version) return;
    this.disposeDevice();
    const { featureDim: D, embed: E, hidden: H, vocab: V, proj: PP, numClasses: C } = this.dims;
    const G = gateCount(this.dims.cell) * H, S = this.dots;
    const p = this.params, nm = this.names;
    // Row v: the embedding of symbol v
    let embRows: Float32Array;
    if (this.kind === "gs") {
      embRows = transpose(p[nm.emb], E, V);
      for (let v = 0; v < V; v++) for (let e = 0; e < E; e++) embRows[v * E + e] += p[nm.embBias][e];
    } else {
      embRows = p[nm.emb];
    }
    const ihT = uploadTransposed(p[nm.ih], G, E);
    this.#table = matmul(embRows, V, ihT);
    ihT.dispose();
    const bih = p[nm.bih];
    for (let r = 0; r < V; r++) for (let g = 0; g < G; g++) this.#table[r * G + g] += bih[g];
    // [W_msg | W_img_clas] (P x S·H) for the candidate projections; its transpose for the backward pass
    const projW = new Float32Array(PP * S * H), stacked = new Float32Array(S * PP * H);
    this.#dotHeads().forEach((n, s) => {
      const w = p[n + ".weight"];
      stacked.set(w, s * PP * H);
      for (let q = 0; q < PP; q++) projW.set(w.subarray(q * H, (q + 1) * H), (q * S + s) * H);
    });
    this.#dev = {
      imgT: uploadTransposed(p[P + "agent.img_embeddings.weight"], PP, D),
      projW: DeviceMatrix.upload(projW, PP, S * H),
      projT: uploadTransposed(stacked, S * PP, H),
      hhT: uploadTransposed(p[nm.hh], G, H),
      hh: DeviceMatrix.upload(p[nm.hh], G, H),
      ih: DeviceMatrix.upload(p[nm.ih], G, E),
      embRows: DeviceMatrix.upload(embRows, V, E),
    };
    if (this.kind === "gs") this.#dev.emb = DeviceMatrix.upload(p[nm.emb], E, V);
    if (this.dims.task === "target_clas") {
      this.#dev.clsT = uploadTransposed(p[P + "agent.target_clas_fc.weight"], C, H);
      this.#dev.cls = DeviceMatrix.upload(p[P + "agent.target_clas_fc.weight"], C, H);
    }
    this.#version = version;
  }

  /**
   * Forward pass (symbols (L + 1) x B; candidates B x K x D) over positions 0 … need[b] of each sample.
   */
  forward(symbols: Int32Array, candidates: Float32Array, batch: number, need: Int32Array): ReceiverPass {
    const { hidden: H, numImgs: K, proj: PP, cell } = this.dims;
    const B = batch, CW = cacheWidth(cell) * H, W = this.width, S = this.dots;
    const p = this.params, dev = this.#dev;
    let T = 0;
    for (let b = 0; b < B; b++) T = Math.max(T, need[b] + 1);
    // Candidates: imgs = tanh(img_embeddings(candidates)), U = imgs [W_msg | W_ic], constant terms imgs · b
    const imgs = matmul(candidates, B * K, dev.imgT);
    const bimg = p[P + "agent.img_embeddings.bias"];
    for (let i = 0; i < B * K; i++) {
      for (let j = 0; j < PP; j++) imgs[i * PP + j] = tanh(imgs[i * PP + j] + bimg[j]);
    }
    const u = matmul(imgs, B * K, dev.projW);
    const cu = new Float64Array(B * K * S);
    this.#dotHeads().forEach((n, s) => {
      const bias = p[n + ".bias"];
      for (let i = 0; i < B * K; i++) {
        let dot = 0;
        for (let j = 0; j < PP; j++) dot += imgs[i * PP + j] * bias[j];
        cu[i * S + s] = dot;
      }
    });
    // Recurrence over the samples still needed at each position
    const h = new Float32Array(T * B * H);
    const c = cell === "lstm" ? new Float32Array(T * B * H) : null;
    const cache = new Float32Array(T * B * CW);
    const active = new Int32Array(B), rows = new Int32Array(B), hGather = new Float32Array(B * H);
    for (let t = 0; t < T; t++) {
      let n = 0;
      for (let b = 0; b < B; b++) if (need[b] >= t) active[n++] = b;
      const index = n === B ? null : active.subarray(0, n);
      for (let i = 0; i < n; i++) rows[i] = symbols[t * B + (index ? index[i] : i)];
      let gh: Float32Array | null = null;
      const hPrev = t > 0 ? h.subarray((t - 1) * B * H, t * B * H) : null;
      if (hPrev) {
        if (index) {
          for (let i = 0; i < n; i++) hGather.set(hPrev.subarray(index[i] * H, (index[i] + 1) * H), i * H);
        }
        gh = matmul(index ? hGather : hPrev, n, dev.hhT);
      }
      cellForward({
        cell,
        batch: n,
        hidden: H,
        table: this.#table,
        rows,
        gh,
        biasHh: p[this.names.bhh],
        index,
        hPrev,
        cPrev: c && t > 0 ? c.subarray((t - 1) * B * H, t * B * H) : null,
        hOut: h.subarray(t * B * H, (t + 1) * B * H),
        cOut: c ? c.subarray(t * B * H, (t + 1) * B * H) : null,
        cache: cache.subarray(t * B * CW, (t + 1) * B * CW),
      });
    }
    // Outputs of the needed rows: h · U_k + imgs_k · b, and the class logits
    const out = new Float32Array(T * B * W);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t <= need[b]; t++) {
        const ho = (t * B + b) * H, oo = (t * B + b) * W;
        for (let k = 0; k < K; k++) {
          for (let s = 0; s < S; s++) {
            const uo = ((b * K + k) * S + s) * H;
            let dot = cu[(b * K + k) * S + s];
            for (let j = 0; j < H; j++) dot += h[ho + j] * u[uo + j];
            out[oo + s * K + k] = dot;
          }
        }
      }
    }
    if (this.dims.task === "target_clas") this.#classLogits(h, B, need, out);
    return { batch: B, positions: T, need, symbols, candidates, imgs, u, h, c, cache, out };
  }

  /** target_clas_fc(h_t) of the needed rows, into columns K … K + C of `out`. */
  #classLogits(h: Float32Array, B: number, need: Int32Array, out: Float32Array): void {
    const { hidden: H, numImgs: K, numClasses: C } = this.dims;
    const W = this.width, rowsOf: number[] = [];
    for (let b = 0; b < B; b++) for (let t = 0; t <= need[b]; t++) rowsOf.push(t * B + b);
    const hs = new Float32Array(rowsOf.length * H);
    rowsOf.forEach((r, i) => hs.set(h.subarray(r * H, (r + 1) * H), i * H));
    const logits = matmul(hs, rowsOf.length, this.#dev.clsT);
    const bias = this.params[P + "agent.target_clas_fc.bias"];
    rowsOf.forEach((r, i) => {
      for (let q = 0; q < C; q++) out[r * W + K + q] = logits[i * C + q] + bias[q];
    });
  }

  /**
   * Backward pass from the gradient of each message's output row at its first EOS (`dOut` B x width, in
   * sample order). Adds the receiver's gradients into `grads`; for `gs`, returns the gradient with respect
   * to the message values at the rows of `order`.
   */
  backward(
    pass: ReceiverPass,
    order: BackwardOrder,
    dOut: Float64Array,
    grads: ParamArrays,
  ): MessageGrad | null {
    const { featureDim: D, embed: E, hidden: H, vocab: V, numImgs: K, proj: PP, numClasses: C, cell } =
      this.dims;
    const B = pass.batch, G = gateCount(cell) * H, CW = cacheWidth(cell) * H, W = this.width, S = this.dots;
    const { perm, counts, offsets, last, first } = order;
    const dev = this.#dev;
    // Heads at each message's first EOS: dHead = [dM_msg | dM_ic | dClass] (B x Q), dh* and the candidates' gradient
    const clsCols = this.dims.task === "target_clas" ? C : 0;
    const Q = S * PP + clsCols;
    const hStar = new Float32Array(B * H), dHead = new Float32Array(B * Q), dhStar = new Float32Array(B * H);
    for (let b = 0; b < B; b++) {
      const r = first[b] * B + b;
      hStar.set(pass.h.subarray(r * H, (r + 1) * H), b * H);
      for (let k = 0; k < K; k++) {
        const io = (b * K + k) * PP;
        for (let s = 0; s < S; s++) {
          const g = dOut[b * W + s * K + k];
          if (g === 0) continue;
          const dm = b * Q + s * PP, uo = ((b * K + k) * S + s) * H;
          for (let j = 0; j < PP; j++) dHead[dm + j] += g * pass.imgs[io + j];
          for (let j = 0; j < H; j++) dhStar[b * H + j] += g * pass.u[uo + j];
        }
      }
      for (let q = 0; q < clsCols; q++) dHead[b * Q + S * PP + q] = dOut[b * W + K + q];
    }
    flushTiny(dHead);
    if (clsCols > 0) {
      const dCls = new Float32Array(B * C);
      for (let b = 0; b < B; b++) dCls.set(dHead.subarray(b * Q + S * PP, (b + 1) * Q), b * C);
      addInto(dhStar, matmul(dCls, B, dev.cls));
    }
    const hStarDev = DeviceMatrix.upload(hStar, B, H);
    const dHeadW = matmul(transpose(dHead, B, Q), Q, hStarDev);
    hStarDev.dispose();
    const dHeadB = addColumnSums(dHead, B, Q, new Float32Array(Q));
    const heads = [...this.#dotHeads(), ...(clsCols > 0 ? [`${P}agent.target_clas_fc`] : [])];
    let off = 0;
    for (const n of heads) {
      const rows = grads[n + ".bias"].length;
      addInto(grads[n + ".weight"], dHeadW.subarray(off * H, (off + rows) * H));
      addInto(grads[n + ".bias"], dHeadB.subarray(off, off + rows));
      off += rows;
    }
    // Candidates: score_k = img_k · M_s with M_s = W_s h* + b_s, so dimg_k = Σ_s dOut_{s,k} M_s
    const mStar = matmul(hStar, B, dev.projT);
    const dImgs = new Float32Array(B * K * PP);
    this.#dotHeads().forEach((n, s) => {
      const bias = this.params[n + ".bias"];
      for (let b = 0; b < B; b++) {
        for (let k = 0; k < K; k++) {
          const g = dOut[b * W + s * K + k];
          if (g === 0) continue;
          const io = (b * K + k) * PP, mo = b * S * PP + s * PP;
          for (let j = 0; j < PP; j++) dImgs[io + j] += g * (mStar[mo + j] + bias[j]);
        }
      }
    });
    for (let i = 0; i < dImgs.length; i++) dImgs[i] *= 1 - pass.imgs[i] * pass.imgs[i];
    flushTiny(dImgs);
    const cands = DeviceMatrix.upload(pass.candidates, B * K, D);
    addInto(grads[P + "agent.img_embeddings.weight"], matmul(transpose(dImgs, B * K, PP), PP, cands));
    cands.dispose();
    addColumnSums(dImgs, B * K, PP, grads[P + "agent.img_embeddings.bias"]);
    // Recurrence, from the last first EOS down to position 0, over the samples whose message is still alive
    const M = offsets[last + 1];
    const dGi = new Float32Array(M * G), dGh = new Float32Array(M * G);
    let dhNext: Float32Array = new Float32Array(0), dcNext: Float32Array = new Float32Array(0);
    for (let t = last; t >= 0; t--) {
      const n = counts[t], nNext = counts[t + 1], idx = perm.subarray(0, n);
      const dh = new Float32Array(n * H);
      dh.set(dhNext.subarray(0, nNext * H));
      for (let i = nNext; i < n; i++) dh.set(dhStar.subarray(perm[i] * H, (perm[i] + 1) * H), i * H);
      const dc = cell === "lstm" ? new Float32Array(n * H) : null;
      dc?.set(dcNext.subarray(0, nNext * H));
      const dhPrev = new Float32Array(n * H), dcPrev = dc ? new Float32Array(n * H) : null;
      const dgh = dGh.subarray(offsets[t] * G, (offsets[t] + n) * G);
      cellBackward({
        cell,
        batch: n,
        hidden: H,
        index: idx,
        cache: pass.cache.subarray(t * B * CW, (t + 1) * B * CW),
        hPrev: t > 0 ? pass.h.subarray((t - 1) * B * H, t * B * H) : null,
        cPrev: pass.c && t > 0 ? pass.c.subarray((t - 1) * B * H, t * B * H) : null,
        hOut: pass.h.subarray(t * B * H, (t + 1) * B * H),
        dh,
        dc,
        dgi: dGi.subarray(offsets[t] * G, (offsets[t] + n) * G),
        dgh,
        dhPrev,
        dcPrev,
      });
      if (t > 0) dhNext = addInto(dhPrev, matmul(dgh, n, dev.hh));
      if (dcPrev) dcNext = dcPrev;
    }
    // Weight gradients: dW_hh = Σ_{t>=1} dgh_t^T h_{t−1} over the stacked rows
    // (h_0 = 0: position 0 adds to the bias only); a column of ones after the states gives the bias
    // gradient (the column sums of dgh) in the same product
    const nm = this.names;
    addColumnSums(dGh.subarray(0, counts[0] * G), counts[0], G, grads[nm.bhh]);
    const m1 = M - counts[0], H1 = H + 1;
    if (m1 > 0) {
      const hPrevRows = new Float32Array(m1 * H1);
      for (let t = 1; t <= last; t++) {
        for (let i = 0; i < counts[t]; i++) {
          const src = ((t - 1) * B + perm[i]) * H, r = offsets[t] - counts[0] + i;
          hPrevRows.set(pass.h.subarray(src, src + H), r * H1);
          hPrevRows[r * H1 + H] = 1;
        }
      }
      const hs = DeviceMatrix.upload(hPrevRows, m1, H1);
      const dW = matmul(transpose(dGh.subarray(counts[0] * G), m1, G), G, hs);
      addWithBias(dW, G, H, grads[nm.hh], grads[nm.bhh]);
      hs.dispose();
    }
    // Message embedding: the table rows' gradient, then de = dgi W_ih and dx = de W_emb
    const sT = new Float32Array(V * G), symOf = new Int32Array(M);
    for (let t = 0; t <= last; t++) {
      for (let i = 0; i < counts[t]; i++) {
        const r = offsets[t] + i, v = (symOf[r] = pass.symbols[t * B + perm[i]]);
        for (let g = 0; g < G; g++) sT[v * G + g] += dGi[r * G + g];
      }
    }
    // Σ_rows dgi = Σ_rows of the table gradient
    addColumnSums(sT, V, G, grads[nm.bih]);
    addInto(grads[nm.ih], matmul(transpose(sT, V, G), G, dev.embRows));
    const de = flushTiny(matmul(dGi, M, dev.ih));
    const dEmb = grads[nm.emb], dbEmb = grads[nm.embBias];
    for (let r = 0; r < M; r++) {
      const v = symOf[r];
      for (let e = 0; e < E; e++) {
        if (this.kind === "rf") dEmb[v * E + e] += de[r * E + e];
        else {
          dEmb[e * V + v] += de[r * E + e];
          dbEmb[e] += de[r * E + e];
        }
      }
    }
    return this.kind === "gs" ? { dm: matmul(de, M, dev.emb) } : null;
  }

  /** Free the uploaded weights. */
  disposeDevice(): void {
    for (const m of Object.values(this.#dev)) m.dispose();
    this.#dev = {};
    this.#version = -1;
  }
}
