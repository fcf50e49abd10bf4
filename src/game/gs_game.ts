/**
 * The paper's game: EGG's SenderReceiverRnnGS with the original's Sender, Receiver and losses, trained
 * with Adam. One step: sender forward (Gumbel-softmax channel), receiver forward over the message
 * positions, per-position losses weighted by the first EOS (eos.ts), hand-written backward pass, Adam.
 *
 * @module
 */
import type { RunConfig } from "../config.ts";
import type { Rng } from "../rng.ts";
import { Adam } from "./adam.ts";
import { type GameDims, gameDims } from "./dims.ts";
import { backwardOrder, eosGrad, firstEos, secondEos } from "./eos.ts";
import { gumbelNoise } from "./gumbel.ts";
import { TaskLoss } from "./losses.ts";
import { gsParamSpecs, initParams, type ParamArrays, type ParamSpec, sizeOf, zerosLike } from "./params.ts";
import { GsReceiver, type ReceiverPass } from "./receiver.ts";
import { GsSender } from "./sender.ts";
import type { Game, GameBatch, GameState, StepOutput } from "./types.ts";

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
export class GsGame implements Game {
  readonly specs: ParamSpec[];
  readonly params: ParamArrays;
  readonly sender: GsSender;
  readonly receiver: GsReceiver;
  readonly loss: TaskLoss;
  #adam: Adam;
  #version = 0;
  #trainable: ParamSpec[];

  constructor(readonly dims: GameDims, params: ParamArrays, readonly options: GsGameOptions) {
    this.specs = gsParamSpecs(dims);
    // The unused pressure head gets no gradient (None in PyTorch), so Adam leaves it alone.
    const unused = dims.task === "img_clas"
      ? ["target_clas_fc"]
      : dims.task === "target_clas"
      ? ["img_clas_fc"]
      : ["img_clas_fc", "target_clas_fc"];
    this.#trainable = this.specs.filter((s) => !unused.some((u) => s.name.startsWith(`receiver.agent.${u}.`)));
    for (const s of this.specs) {
      if (params[s.name]?.length !== sizeOf(s.shape)) {
        throw new RangeError(`GsGame: parameter "${s.name}" missing or not of shape [${s.shape}].`);
      }
    }
    this.params = params;
    this.sender = new GsSender(dims, params);
    this.receiver = new GsReceiver(dims, params);
    this.loss = new TaskLoss(dims.task, dims.numImgs, dims.numClasses, dims.icLossWeight);
    this.#adam = new Adam(this.specs.map((s) => s.name), this.specs.map((s) => sizeOf(s.shape)), options.lr);
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

  /** One Adam update with the given gradients. */
  applyGradients(grads: ParamArrays): void {
    this.#adam.step(this.params, grads);
    this.#version++;
  }

  /** Forward and backward pass without update: the step's output and the gradient of every parameter. */
  gradients(
    batch: GameBatch,
    temperature: number,
    noise: Float32Array,
  ): { output: StepOutput; grads: ParamArrays } {
    const L = this.dims.maxLen;
    const B = batch.size, W = this.loss.width;
    this.sender.prepare(this.#version);
    this.receiver.prepare(this.#version);
    const sp = this.sender.forward(batch.senderInput, B, noise, temperature);
    const first = firstEos(sp.symbols, B, L);
    const second = secondEos(sp.symbols, B, L, first);
    const rp = this.receiver.forward(sp.symbols, batch.receiverInput, B, second);
    // A_t = ℓ_t + λ (t + 1) where the gradient needs it: t <= t* and t = t2
    const a = new Float64Array((L + 1) * B);
    const lambda = this.options.lengthCost;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t <= second[b]; t++) {
        if (t > first[b] && t < second[b]) continue;
        a[t * B + b] = this.loss.row(rp.out, (t * B + b) * W, batch, b).loss + lambda * (t + 1);
      }
    }
    const output = this.#output(batch, sp.symbols, first, rp, a);
    const grads = zerosLike(this.#trainable);
    const dOut = new Float64Array(B * W), dRow = new Float64Array(W);
    for (let b = 0; b < B; b++) {
      this.loss.rowGrad(rp.out, (first[b] * B + b) * W, batch, b, 1 / B, dRow);
      dOut.set(dRow, b * W);
    }
    const order = backwardOrder(first);
    const { dm } = this.receiver.backward(rp, order, dOut, grads);
    this.sender.backward(sp, order, dm, eosGrad(a, B, L, first, second, 1 / B), grads);
    return { output, grads };
  }

  evalStep(batch: GameBatch): StepOutput {
    const B = batch.size, L = this.dims.maxLen;
    this.sender.prepare(this.#version);
    this.receiver.prepare(this.#version);
    const sp = this.sender.forward(batch.senderInput, B, null);
    const first = firstEos(sp.symbols, B, L);
    const rp = this.receiver.forward(sp.symbols, batch.receiverInput, B, first);
    return this.#output(batch, sp.symbols, first, rp, null);
  }

  /** Greedy forward pass with the receiver's outputs at every position (reference checks, analyses). */
  evalDetailed(batch: GameBatch): GsDetailedOutput {
    const B = batch.size, L = this.dims.maxLen, W = this.loss.width;
    this.sender.prepare(this.#version);
    this.receiver.prepare(this.#version);
    const sp = this.sender.forward(batch.senderInput, B, null);
    const first = firstEos(sp.symbols, B, L);
    const rp = this.receiver.forward(sp.symbols, batch.receiverInput, B, new Int32Array(B).fill(L));
    const receiverOutput = new Float32Array(B * (L + 1) * W);
    for (let t = 0; t <= L; t++) {
      for (let b = 0; b < B; b++) {
        receiverOutput.set(rp.out.subarray((t * B + b) * W, (t * B + b + 1) * W), (b * (L + 1) + t) * W);
      }
    }
    return { ...this.#output(batch, sp.symbols, first, rp, null), receiverOutput };
  }

  /** Metrics at each message's first EOS; `a` holds the losses A_t when already computed. */
  #output(
    batch: GameBatch,
    symbols: Int32Array,
    first: Int32Array,
    rp: ReceiverPass,
    a: Float64Array | null,
  ): StepOutput {
    const B = batch.size, L = this.dims.maxLen, K = this.dims.numImgs, W = this.loss.width;
    const acc = new Float32Array(B), length = new Float32Array(B), prediction = new Int32Array(B);
    const imgClassAcc = this.dims.task === "standard" ? undefined : new Float32Array(B);
    const sym = this.dims.vocab <= 256 ? new Uint8Array(B * (L + 1)) : new Uint16Array(B * (L + 1));
    let loss = 0;
    for (let b = 0; b < B; b++) {
      const t = first[b], o = (t * B + b) * W;
      const row = this.loss.row(rp.out, o, batch, b);
      loss += a ? a[t * B + b] : row.loss + this.options.lengthCost * (t + 1);
      acc[b] = row.acc;
      if (imgClassAcc) imgClassAcc[b] = row.imgClassAcc;
      length[b] = t + 1;
      let best = 0;
      for (let k = 1; k < K; k++) if (rp.out[o + k] > rp.out[o + best]) best = k;
      prediction[b] = best;
      for (let p = 0; p <= L; p++) sym[b * (L + 1) + p] = symbols[p * B + b];
    }
    return { loss: loss / B, acc, imgClassAcc, length, symbols: sym, prediction };
  }

  getState(): GameState {
    const params: GameState["params"] = {};
    for (const s of this.specs) params[s.name] = { shape: [...s.shape], data: this.params[s.name].slice() };
    return { params, optimizer: { ...this.#adam.getState() } };
  }

  setState(state: GameState): void {
    for (const s of this.specs) {
      const p = state.params[s.name];
      if (!p || p.data.length !== sizeOf(s.shape)) {
        throw new RangeError(
          `GsGame.setState(): parameter "${s.name}" missing or not of shape [${s.shape}].`,
        );
      }
      this.params[s.name].set(p.data);
    }
    if (state.optimizer) this.#adam.setState(state.optimizer);
    this.#version++;
  }

  dispose(): void {
    this.sender.disposeDevice();
    this.receiver.disposeDevice();
  }
}
