/**
 * The variable-length REINFORCE game (`--game_type SenderReceiverRnnReinforce` in the original): EGG's
 * RnnSenderReinforce and RnnReceiverDeterministic around the same agents, with SenderReceiverRnnReinforce's
 * mechanics and MeanBaselines.
 *
 * The sender samples each symbol from softmax(logits) (argmax in evaluation); the receiver reads the message
 * up to and including its first EOS and scores from its last state. With len the position of the first EOS
 * plus one, the optimised loss is
 *   mean((ℓ − b_ℓ) Σ_{t<len} log p_t) + mean((λ len − b_len) Σ_{t<len} log p_t)
 *   − c_s mean((1/len) Σ_{t<len} H_t) + mean(ℓ),
 * where ℓ is the task loss (losses.ts) and b_ℓ, b_len running means of past batches. The receiver learns
 * from mean(ℓ) by back-propagation, the sender from the REINFORCE terms.
 *
 * @module
 */
import type { RunConfig } from "../config.ts";
import type { Rng } from "../rng.ts";
import { BaseGame, checkBatch, firstEosOutput } from "./base_game.ts";
import { type GameDims, gameDims } from "./dims.ts";
import { backwardOrder, firstEos } from "./eos.ts";
import { TaskLoss } from "./losses.ts";
import { initParams, type ParamArrays, rfParamSpecs } from "./params.ts";
import { RnnReceiver } from "./receiver.ts";
import { MeanBaseline } from "./reinforce_baseline.ts";
import { categoricalUniforms } from "./categorical.ts";
import { RnnSender, type SenderChannel } from "./sender.ts";
import type { GameBatch, StepOutput } from "./types.ts";

/** Options of an {@link RfGame} besides its dims. */
export interface RfGameOptions {
  lr: number;
  /** EGG's length_cost λ. */
  lengthCost: number;
  /** Sender entropy coefficient c_s (0 in the original). */
  senderEntropyCoeff: number;
}

/** The variable-length REINFORCE signaling game. */
export class RfGame extends BaseGame {
  readonly sender: RnnSender;
  readonly receiver: RnnReceiver;
  readonly loss: TaskLoss;
  readonly lossBaseline = new MeanBaseline();
  readonly lengthBaseline = new MeanBaseline();

  constructor(dims: GameDims, params: ParamArrays, readonly options: RfGameOptions) {
    super(dims, rfParamSpecs(dims), params, options.lr);
    this.sender = new RnnSender(dims, params, "rf");
    this.receiver = new RnnReceiver(dims, params, "rf");
    this.loss = new TaskLoss(dims.task, dims.numImgs, dims.numClasses, dims.icLossWeight);
  }

  /** A game with PyTorch's default initialisation drawn from `rng`. */
  static create(config: RunConfig, featureDim: number, rng: Rng): RfGame {
    const dims = gameDims(config, featureDim);
    return new RfGame(dims, initParams(rfParamSpecs(dims), rng), {
      lr: config.lr,
      lengthCost: config.lengthCost,
      senderEntropyCoeff: config.senderEntropyCoeff,
    });
  }

  /** A training step; the temperature is unused (no relaxation). */
  trainStep(batch: GameBatch, _temperature: number, rng: Rng): StepOutput {
    const { output, grads, ell, lengthLoss } = this.gradients(
      batch,
      categoricalUniforms(rng, batch.size * this.dims.maxLen),
    );
    this.applyGradients(grads);
    this.lossBaseline.update(ell);
    this.lengthBaseline.update(lengthLoss);
    return output;
  }

  evalStep(batch: GameBatch): StepOutput {
    return this.#forward(batch, { kind: "greedy" }).output;
  }

  /**
   * Forward and backward pass with the sender's symbols drawn with `uniforms` (B x L), without updating
   * parameters or baselines: the output (loss = the optimised surrogate), the gradients, and the per-sample
   * task and length losses the baselines are updated with.
   */
  gradients(batch: GameBatch, uniforms: Float64Array) {
    const B = batch.size, W = this.loss.width;
    const f = this.#forward(batch, { kind: "sample", uniforms });
    const { rp, sp, first, ell, lengthLoss } = f;
    const grads = this.zeroGrads();
    const dOut = new Float64Array(B * W), dRow = new Float64Array(W);
    const policy = new Float64Array(B), entropyCoeff = new Float64Array(B);
    const bLoss = this.lossBaseline.value, bLen = this.lengthBaseline.value;
    for (let b = 0; b < B; b++) {
      this.loss.rowGrad(rp.out, (first[b] * B + b) * W, batch, b, 1 / B, dRow);
      dOut.set(dRow, b * W);
      policy[b] = (ell[b] - bLoss + lengthLoss[b] - bLen) / B;
      entropyCoeff[b] = this.options.senderEntropyCoeff / (B * (first[b] + 1));
    }
    const order = backwardOrder(first);
    this.receiver.backward(rp, order, dOut, grads);
    this.sender.backward(sp, order, { kind: "reinforce", policy, entropy: entropyCoeff }, grads);
    return { output: f.output, grads, ell, lengthLoss };
  }

  /** Forward pass: output (loss = the optimised surrogate with the current baselines) and what the backward pass needs. */
  #forward(batch: GameBatch, channel: SenderChannel) {
    checkBatch(batch, this.dims);
    const { maxLen: L } = this.dims;
    const B = batch.size, W = this.loss.width;
    this.sender.prepare(this.version);
    this.receiver.prepare(this.version);
    const sp = this.sender.forward(batch.senderInput, B, channel);
    const first = firstEos(sp.symbols, B, L);
    const rp = this.receiver.forward(sp.symbols, batch.receiverInput, B, first);
    // Per-sample loss, log-probability and mean entropy of the message up to its first EOS
    const ell = new Float64Array(B), logProb = new Float64Array(B), entropy = new Float64Array(B);
    const lengthLoss = new Float64Array(B);
    for (let b = 0; b < B; b++) {
      ell[b] = this.loss.row(rp.out, (first[b] * B + b) * W, batch, b).loss;
      const len = first[b] + 1;
      for (let t = 0; t < Math.min(len, L); t++) {
        logProb[b] += sp.logProb![t * B + b];
        entropy[b] += sp.entropy![t * B + b];
      }
      entropy[b] /= len;
      lengthLoss[b] = len * this.options.lengthCost;
    }
    const bLoss = this.lossBaseline.value,
      bLen = this.lengthBaseline.value,
      cs = this.options.senderEntropyCoeff;
    let optimised = 0;
    for (let b = 0; b < B; b++) {
      optimised +=
        ((lengthLoss[b] - bLen) * logProb[b] + (ell[b] - bLoss) * logProb[b] - cs * entropy[b] + ell[b]) / B;
    }
    const output = firstEosOutput(this.loss, L, this.dims.vocab, batch, sp.symbols, first, rp.out, optimised);
    return { output, sp, rp, first, ell, lengthLoss };
  }

  protected override extraState(): Record<string, number> {
    return {
      lossBaseline: this.lossBaseline.value,
      lossBaselineCount: this.lossBaseline.count,
      lengthBaseline: this.lengthBaseline.value,
      lengthBaselineCount: this.lengthBaseline.count,
    };
  }

  protected override restoreExtra(extra: Record<string, number>): void {
    this.lossBaseline.value = extra.lossBaseline ?? 0;
    this.lossBaseline.count = extra.lossBaselineCount ?? 0;
    this.lengthBaseline.value = extra.lengthBaseline ?? 0;
    this.lengthBaseline.count = extra.lengthBaselineCount ?? 0;
  }

  dispose(): void {
    this.sender.disposeDevice();
    this.receiver.disposeDevice();
  }
}
