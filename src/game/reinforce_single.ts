/**
 * The single-symbol REINFORCE game (`--game_type SymbolGameReinforce` in the original): EGG's
 * ReinforceWrapper around a sender that maps the target to log_softmax(Linear(D → V)), and
 * ReinforceDeterministicWrapper(SymbolReceiverWrapper(Receiver)): the receiver embeds the symbol (E) and
 * scores the candidates from it as the recurrent receiver does from its state (with E in the place of the
 * hidden size). SymbolGameReinforce's loss, with the original's fixed sender entropy coefficient 0.05:
 *   mean((ℓ − b) log p_s) − 0.05 mean(H_s) + mean(ℓ),   b the running mean of past batch losses.
 *
 * Messages are one symbol; {@link StepOutput.symbols} pads them with EOS to L + 1 positions and the
 * length is 1.
 *
 * @module
 */
import type { RunConfig } from "../config.ts";
import type { Rng } from "../rng.ts";
import { BaseGame, checkBatch } from "./base_game.ts";
import { type GameDims, gameDims } from "./dims.ts";
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
import { TaskLoss } from "./losses.ts";
import { initParams, type ParamArrays, RF_SINGLE_AGENT as A, rfSingleParamSpecs } from "./params.ts";
import { MeanBaseline } from "./reinforce_baseline.ts";
import { categoricalUniforms, sampleRow, softmaxRows } from "./categorical.ts";
import type { GameBatch, StepOutput } from "./types.ts";

const EMB = "receiver.agent.embedding.weight";

/** SymbolGameReinforce's sender entropy coefficient in the original's main.py. */
export const SINGLE_SYMBOL_ENTROPY_COEFF = 0.05;

/** Options of an {@link RfSingleGame} besides its dims. */
export interface RfSingleGameOptions {
  lr: number;
}

/** The single-symbol REINFORCE signaling game. */
export class RfSingleGame extends BaseGame {
  readonly loss: TaskLoss;
  readonly baseline = new MeanBaseline();
  #dev: Record<string, DeviceMatrix> = {};
  #devVersion = -1;
  /** Rows of the stacked head: msg_fc (2E), then img_clas_fc (2E) or target_clas_fc (C). */
  readonly heads: string[];
  readonly headSize: number;

  constructor(dims: GameDims, params: ParamArrays, readonly options: RfSingleGameOptions) {
    super(dims, rfSingleParamSpecs(dims), params, options.lr);
    this.loss = new TaskLoss(dims.task, dims.numImgs, dims.numClasses, dims.icLossWeight);
    const extra = dims.task === "img_clas"
      ? ["img_clas_fc"]
      : dims.task === "target_clas"
      ? ["target_clas_fc"]
      : [];
    this.heads = ["msg_fc", ...extra].map((h) => `${A}.${h}`);
    this.headSize = this.heads.reduce((n, h) => n + params[h + ".bias"].length, 0);
  }

  /** A game with PyTorch's default initialisation drawn from `rng`. */
  static create(config: RunConfig, featureDim: number, rng: Rng): RfSingleGame {
    const dims = gameDims(config, featureDim);
    return new RfSingleGame(dims, initParams(rfSingleParamSpecs(dims), rng), { lr: config.lr });
  }

  #prepare(): void {
    if (this.#devVersion === this.version) return;
    this.#disposeDevice();
    const { featureDim: D, vocab: V, embed: E } = this.dims;
    const p = this.params, Q = this.headSize;
    const head = new Float32Array(Q * E);
    let off = 0;
    for (const h of this.heads) {
      head.set(p[h + ".weight"], off * E);
      off += p[h + ".bias"].length;
    }
    this.#dev = {
      fcT: uploadTransposed(p["sender.agent.fc.weight"], V, D),
      imgT: uploadTransposed(p[`${A}.img_embeddings.weight`], 2 * E, D),
      headT: uploadTransposed(head, Q, E),
      head: DeviceMatrix.upload(head, Q, E),
    };
    this.#devVersion = this.version;
  }

  trainStep(batch: GameBatch, _temperature: number, rng: Rng): StepOutput {
    const { output, grads, ell } = this.gradients(
      batch,
      categoricalUniforms(rng, batch.size),
    );
    this.applyGradients(grads!);
    this.baseline.update(ell);
    return output;
  }

  evalStep(batch: GameBatch): StepOutput {
    return this.#step(batch, null).output;
  }

  /**
   * Forward and backward pass with the symbols drawn with `uniforms` (B), without updating parameters or
   * the baseline: the output (loss = the optimised surrogate), the gradients and the per-sample task losses.
   */
  gradients(batch: GameBatch, uniforms: Float64Array) {
    return this.#step(batch, uniforms);
  }

  /** One game batch; with uniforms, the sender samples and the gradients are computed, else it is greedy. */
  #step(
    batch: GameBatch,
    uniforms: Float64Array | null,
  ): { output: StepOutput; grads: ParamArrays | null; ell: Float64Array } {
    checkBatch(batch, this.dims);
    const { featureDim: D, vocab: V, embed: E, numImgs: K, maxLen: L, task } = this.dims;
    const B = batch.size, P2 = 2 * E, Q = this.headSize, W = this.loss.width, p = this.params;
    this.#prepare();
    const dev = this.#dev;
    // Sender: p = softmax(fc(target)), one symbol
    const logits = matmul(batch.senderInput, B, dev.fcT);
    const bfc = p["sender.agent.fc.bias"];
    for (let b = 0; b < B; b++) for (let v = 0; v < V; v++) logits[b * V + v] += bfc[v];
    const probs = new Float32Array(B * V);
    softmaxRows(logits, B, V, probs);
    const sym = new Int32Array(B), logProb = new Float64Array(B), entropy = new Float64Array(B);
    for (let b = 0; b < B; b++) {
      if (uniforms) sym[b] = sampleRow(probs, b * V, V, uniforms[b]);
      else {
        let best = 0;
        for (let v = 1; v < V; v++) if (logits[b * V + v] > logits[b * V + best]) best = v;
        sym[b] = best;
      }
      logProb[b] = Math.log(probs[b * V + sym[b]]);
      for (let v = 0; v < V; v++) {
        const q = probs[b * V + v];
        if (q > 0) entropy[b] -= q * Math.log(q);
      }
    }
    // Receiver: e = embedding(symbol); heads of e; candidates tanh(img_embeddings(c))
    const emb = p[EMB], e = new Float32Array(B * E);
    for (let b = 0; b < B; b++) e.set(emb.subarray(sym[b] * E, (sym[b] + 1) * E), b * E);
    const head = matmul(e, B, dev.headT);
    let off = 0;
    for (const h of this.heads) {
      const bias = p[h + ".bias"];
      for (let b = 0; b < B; b++) for (let q = 0; q < bias.length; q++) head[b * Q + off + q] += bias[q];
      off += bias.length;
    }
    const imgs = matmul(batch.receiverInput, B * K, dev.imgT);
    const bimg = p[`${A}.img_embeddings.bias`];
    for (let i = 0; i < B * K; i++) {
      for (let j = 0; j < P2; j++) imgs[i * P2 + j] = tanh(imgs[i * P2 + j] + bimg[j]);
    }
    const dots = task === "img_clas" ? 2 : 1;
    const out = new Float32Array(B * W);
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < K; k++) {
        for (let s = 0; s < dots; s++) {
          let dot = 0;
          for (let j = 0; j < P2; j++) dot += imgs[(b * K + k) * P2 + j] * head[b * Q + s * P2 + j];
          out[b * W + s * K + k] = dot;
        }
      }
      if (task === "target_clas") out.set(head.subarray(b * Q + P2, (b + 1) * Q), b * W + K);
    }
    // Loss and output
    const bLoss = this.baseline.value, cs = SINGLE_SYMBOL_ENTROPY_COEFF;
    const ell = new Float64Array(B);
    const acc = new Float32Array(B), prediction = new Int32Array(B);
    const imgClassAcc = task === "standard" ? undefined : new Float32Array(B);
    const symbols = V <= 256 ? new Uint8Array(B * (L + 1)) : new Uint16Array(B * (L + 1));
    let optimised = 0;
    for (let b = 0; b < B; b++) {
      const row = this.loss.row(out, b * W, batch, b);
      ell[b] = row.loss;
      acc[b] = row.acc;
      if (imgClassAcc) imgClassAcc[b] = row.imgClassAcc;
      let best = 0;
      for (let k = 1; k < K; k++) if (out[b * W + k] > out[b * W + best]) best = k;
      prediction[b] = best;
      symbols[b * (L + 1)] = sym[b];
      optimised += ((ell[b] - bLoss) * logProb[b] - cs * entropy[b] + ell[b]) / B;
    }
    const output: StepOutput = {
      loss: optimised,
      acc,
      imgClassAcc,
      length: new Float32Array(B).fill(1),
      symbols,
      prediction,
    };
    if (!uniforms) return { output, grads: null, ell };
    // Backward: the receiver from mean(ℓ), the sender from the REINFORCE and entropy terms
    const grads = this.zeroGrads();
    const dRow = new Float64Array(W), dHead = new Float32Array(B * Q), dImgs = new Float32Array(B * K * P2);
    const dz = new Float32Array(B * V);
    for (let b = 0; b < B; b++) {
      this.loss.rowGrad(out, b * W, batch, b, 1 / B, dRow);
      for (let k = 0; k < K; k++) {
        const io = (b * K + k) * P2;
        for (let s = 0; s < dots; s++) {
          const g = dRow[s * K + k];
          for (let j = 0; j < P2; j++) {
            dHead[b * Q + s * P2 + j] += g * imgs[io + j];
            dImgs[io + j] += g * head[b * Q + s * P2 + j];
          }
        }
      }
      if (task === "target_clas") { for (let q = 0; q < Q - P2; q++) dHead[b * Q + P2 + q] = dRow[K + q]; }
      const a = (ell[b] - bLoss) / B, hc = cs / B;
      for (let v = 0; v < V; v++) {
        const q = probs[b * V + v];
        dz[b * V + v] = a * ((v === sym[b] ? 1 : 0) - q) + (q > 0 ? hc * q * (Math.log(q) + entropy[b]) : 0);
      }
    }
    flushTiny(dHead);
    flushTiny(dz);
    for (let i = 0; i < dImgs.length; i++) dImgs[i] *= 1 - imgs[i] * imgs[i];
    flushTiny(dImgs);
    const eDev = DeviceMatrix.upload(e, B, E);
    const dHeadW = matmul(transpose(dHead, B, Q), Q, eDev);
    eDev.dispose();
    const dHeadB = addColumnSums(dHead, B, Q, new Float32Array(Q));
    off = 0;
    for (const h of this.heads) {
      const n = p[h + ".bias"].length;
      addInto(grads[h + ".weight"], dHeadW.subarray(off * E, (off + n) * E));
      addInto(grads[h + ".bias"], dHeadB.subarray(off, off + n));
      off += n;
    }
    const de = matmul(dHead, B, dev.head);
    const dEmb = grads[EMB];
    for (let b = 0; b < B; b++) for (let j = 0; j < E; j++) dEmb[sym[b] * E + j] += de[b * E + j];
    const cands = DeviceMatrix.upload(batch.receiverInput, B * K, D);
    addInto(grads[`${A}.img_embeddings.weight`], matmul(transpose(dImgs, B * K, P2), P2, cands));
    cands.dispose();
    addColumnSums(dImgs, B * K, P2, grads[`${A}.img_embeddings.bias`]);
    const feats = DeviceMatrix.upload(batch.senderInput, B, D);
    addInto(grads["sender.agent.fc.weight"], matmul(transpose(dz, B, V), V, feats));
    feats.dispose();
    addColumnSums(dz, B, V, grads["sender.agent.fc.bias"]);
    return { output, grads, ell };
  }

  protected override extraState(): Record<string, number> {
    return { lossBaseline: this.baseline.value, lossBaselineCount: this.baseline.count };
  }

  protected override restoreExtra(extra: Record<string, number>): void {
    this.baseline.value = extra.lossBaseline ?? 0;
    this.baseline.count = extra.lossBaselineCount ?? 0;
  }

  #disposeDevice(): void {
    for (const m of Object.values(this.#dev)) m.dispose();
    this.#dev = {};
    this.#devVersion = -1;
  }

  dispose(): void {
    this.#disposeDevice();
  }
}
