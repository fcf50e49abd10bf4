/**
 * The paper's game: EGG's SenderReceiverRnnGS with the original's Sender, Receiver and losses, trained
 * with Adam. One step: sender forward (Gumbel-softmax channel), receiver forward over the message
 * positions, per-position losses weighted by the first EOS (eos.ts), hand-written backward pass, Adam.
 *
 * @module
 */
import type { RunConfig } from "../config.ts";
import type { Rng } from "../rng.ts";
import { BaseGame, checkBatch, firstEosOutput } from "./base_game.ts";
import { type GameDims, gameDims } from "./dims.ts";
import { backwardOrder, eosGrad, firstEos, secondEos } from "./eos.ts";
import { gumbelNoise } from "./gumbel.ts";
import { TaskLoss } from "./losses.ts";
import { gsParamSpecs, initParams, type ParamArrays } from "./params.ts";
import { RnnReceiver } from "./receiver.ts";
import { RnnSender } from "./sender.ts";
import type { GameBatch, StepOutput } from "./types.ts";

/** Options of a {@link GsGame} besides its dims. */
export interface GsGameOptions {
  lr: number;
  /** EGG's length_cost λ (0 in the paper). */
  lengthCost: number;
}

/** Everything the reference checks need from one forward pass. */
export interface GsDetailedOutput extends StepOutput {
  /** Receiver outputs at every position, B x (L + 1) x width. */
  receiverOutput: Float32Array;
}

/** The Gumbel-softmax signaling game. */
export class GsGame extends BaseGame {
  readonly sender: RnnSender;
  readonly receiver: RnnReceiver;
  readonly loss: TaskLoss;

  constructor(dims: GameDims, params: ParamArrays, readonly options: GsGameOptions) {
    super(dims, gsParamSpecs(dims), params, options.lr);
    this.sender = new RnnSender(dims, params, "gs");
    this.receiver = new RnnReceiver(dims, params, "gs");
    this.loss = new TaskLoss(dims.task, dims.numImgs, dims.numClasses, dims.icLossWeight);
  }

  /** A game with PyTorch's default initialisation drawn from `rng`. */
  static create(config: RunConfig, featureDim: number, rng: Rng): GsGame {
    const dims = gameDims(config, featureDim);
    return new GsGame(dims, initParams(gsParamSpecs(dims), rng), {
      lr: config.lr,
      lengthCost: config.lengthCost,
    });
  }

  trainStep(batch: GameBatch, temperature: number, rng: Rng): StepOutput {
    const { maxLen: L, vocab: V } = this.dims;
    return this.trainStepWithNoise(batch, temperature, gumbelNoise(rng, batch.size * L * V));
  }

  /** A training step with given Gumbel noise (B x L x V). */
  trainStepWithNoise(batch: GameBatch, temperature: number, noise: Float32Array): StepOutput {
    const { output, grads } = this.gradients(batch, temperature, noise);
    this.applyGradients(grads);
    return output;
  }

  /** Forward and backward pass without update: the step's output and the gradient of every trainable parameter. */
  gradients(
    batch: GameBatch,
    temperature: number,
    noise: Float32Array,
  ): { output: StepOutput; grads: ParamArrays } {
    checkBatch(batch, this.dims);
    const L = this.dims.maxLen;
    const B = batch.size, W = this.loss.width;
    this.#prepare();
    const sp = this.sender.forward(batch.senderInput, B, { kind: "gumbel", noise, temperature });
    const first = firstEos(sp.symbols, B, L);
    const second = secondEos(sp.symbols, B, L, first);
    const rp = this.receiver.forward(sp.symbols, batch.receiverInput, B, second);
    // A_t = ℓ_t + λ (t + 1) where the gradient needs it: t <= t* and t = t2
    const a = new Float64Array((L + 1) * B);
    const lambda = this.options.lengthCost;
    let loss = 0;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t <= second[b]; t++) {
        if (t > first[b] && t < second[b]) continue;
        a[t * B + b] = this.loss.row(rp.out, (t * B + b) * W, batch, b).loss + lambda * (t + 1);
      }
      loss += a[first[b] * B + b] / B;
    }
    const output = firstEosOutput(this.loss, L, this.dims.vocab, batch, sp.symbols, first, rp.out, loss);
    const grads = this.zeroGrads();
    const dOut = new Float64Array(B * W), dRow = new Float64Array(W);
    for (let b = 0; b < B; b++) {
      this.loss.rowGrad(rp.out, (first[b] * B + b) * W, batch, b, 1 / B, dRow);
      dOut.set(dRow, b * W);
    }
    const order = backwardOrder(first);
    const { dm } = this.receiver.backward(rp, order, dOut, grads)!;
    this.sender.backward(
      sp,
      order,
      { kind: "message", dm, eos: eosGrad(a, B, L, first, second, 1 / B) },
      grads,
    );
    return { output, grads };
  }

  evalStep(batch: GameBatch): StepOutput {
    return this.#evaluate(batch, false);
  }

  /** Greedy forward pass with the receiver's outputs at every position (reference checks, analyses). */
  evalDetailed(batch: GameBatch): GsDetailedOutput {
    return this.#evaluate(batch, true) as GsDetailedOutput;
  }

  #evaluate(batch: GameBatch, allPositions: boolean): StepOutput | GsDetailedOutput {
    checkBatch(batch, this.dims);
    const B = batch.size, L = this.dims.maxLen, W = this.loss.width;
    this.#prepare();
    const sp = this.sender.forward(batch.senderInput, B, { kind: "greedy" });
    const first = firstEos(sp.symbols, B, L);
    const need = allPositions ? new Int32Array(B).fill(L) : first;
    const rp = this.receiver.forward(sp.symbols, batch.receiverInput, B, need);
    let loss = 0;
    for (let b = 0; b < B; b++) {
      const t = first[b];
      loss += (this.loss.row(rp.out, (t * B + b) * W, batch, b).loss + this.options.lengthCost * (t + 1)) / B;
    }
    const output = firstEosOutput(this.loss, L, this.dims.vocab, batch, sp.symbols, first, rp.out, loss);
    if (!allPositions) return output;
    const receiverOutput = new Float32Array(B * (L + 1) * W);
    for (let t = 0; t <= L; t++) {
      for (let b = 0; b < B; b++) {
        receiverOutput.set(rp.out.subarray((t * B + b) * W, (t * B + b + 1) * W), (b * (L + 1) + t) * W);
      }
    }
    return { ...output, receiverOutput };
  }

  #prepare(): void {
    this.sender.prepare(this.version);
    this.receiver.prepare(this.version);
  }

  dispose(): void {
    this.sender.disposeDevice();
    this.receiver.disposeDevice();
  }
}
