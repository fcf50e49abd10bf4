/**
 * What every game here shares: named host parameters with PyTorch's names, PyTorch's Adam over them, a
 * version counter that tells the agents when to re-upload their weights, checkpoint state, and the
 * per-game output read at each message's first EOS.
 *
 * @module
 */
import type { Rng } from "../rng.ts";
import { Adam } from "./adam.ts";
import type { GameDims } from "./dims.ts";
import type { TaskLoss } from "./losses.ts";
import { type ParamArrays, type ParamSpec, sizeOf, zerosLike } from "./params.ts";
import type { Game, GameBatch, GameState, StepOutput } from "./types.ts";

/** Name fragments of the pressure heads a task does not use: they get no gradient (None in PyTorch), so Adam skips them. */
export function unusedHeads(dims: GameDims): string[] {
  const heads = dims.task === "img_clas"
    ? ["target_clas_fc"]
    : dims.task === "target_clas"
    ? ["img_clas_fc"]
    : ["img_clas_fc", "target_clas_fc"];
  return heads.map((h) => `.${h}.`);
}

/** Error for a batch that does not fit the game (sizes, or labels the task needs). */
export class BatchError extends Error {
  override name = "BatchError";
}

/** Throw a {@link BatchError} unless `batch` has the sizes of `dims` and the labels of its task. */
export function checkBatch(batch: GameBatch, dims: GameDims): void {
  const B = batch.size, K = dims.numImgs, D = dims.featureDim;
  const fail = (what: string) => {
    throw new BatchError(`Invalid game batch: ${what} (batch of ${B}, ${K} images of ${D} features).`);
  };
  if (!(Number.isInteger(B) && B >= 1)) fail(`size ${B} is not a positive integer`);
  if (batch.senderInput.length !== B * D) {
    fail(`senderInput has ${batch.senderInput.length} values, expected ${B * D}`);
  }
  if (batch.receiverInput.length !== B * K * D) {
    fail(`receiverInput has ${batch.receiverInput.length} values, expected ${B * K * D}`);
  }
  if (batch.target.length !== B) fail(`target has ${batch.target.length} values, expected ${B}`);
  if (dims.task === "img_clas" && batch.sameClass?.length !== B * K) fail("img_clas needs sameClass (B x K)");
  if (dims.task === "target_clas" && batch.targetClass?.length !== B) {
    fail("target_clas needs targetClass (B)");
  }
}

/** A game over host parameters trained with Adam. */
export abstract class BaseGame implements Game {
  readonly params: ParamArrays;
  /** Specs of the parameters that get gradients. */
  readonly trainable: ParamSpec[];
  #adam: Adam;
  /** Counts parameter updates; agents re-upload their weights when it changes. */
  protected version = 0;

  constructor(readonly dims: GameDims, readonly specs: ParamSpec[], params: ParamArrays, lr: number) {
    for (const s of specs) {
      if (params[s.name]?.length !== sizeOf(s.shape)) {
        throw new RangeError(
          `${this.constructor.name}: parameter "${s.name}" missing or not of shape [${s.shape}].`,
        );
      }
    }
    this.params = params;
    const unused = unusedHeads(dims);
    this.trainable = specs.filter((s) => !unused.some((u) => s.name.includes(u)));
    this.#adam = new Adam(specs.map((s) => s.name), specs.map((s) => sizeOf(s.shape)), lr);
  }

  abstract trainStep(batch: GameBatch, temperature: number, rng: Rng): StepOutput;
  abstract evalStep(batch: GameBatch): StepOutput;
  abstract dispose(): void;

  /** Zero gradients of the trainable parameters. */
  protected zeroGrads(): ParamArrays {
    return zerosLike(this.trainable);
  }

  /** One Adam update with the given gradients. */
  applyGradients(grads: ParamArrays): void {
    this.#adam.step(this.params, grads);
    this.version++;
  }

  /** Scalars besides parameters and moments (REINFORCE baselines). */
  protected extraState(): Record<string, number> {
    return {};
  }

  /** Restore the scalars of {@link extraState}. */
  protected restoreExtra(_extra: Record<string, number>): void {}

  getState(): GameState {
    const params: GameState["params"] = {};
    for (const s of this.specs) params[s.name] = { shape: [...s.shape], data: this.params[s.name].slice() };
    return { params, optimizer: { ...this.#adam.getState(), extra: this.extraState() } };
  }

  setState(state: GameState): void {
    for (const s of this.specs) {
      const p = state.params[s.name];
      if (!p || p.data.length !== sizeOf(s.shape)) {
        throw new RangeError(`setState(): parameter "${s.name}" missing or not of shape [${s.shape}].`);
      }
      this.params[s.name].set(p.data);
    }
    if (state.optimizer) {
      this.#adam.setState(state.optimizer);
      this.restoreExtra(state.optimizer.extra ?? {});
    }
    this.version++;
  }
}

/**
 * The per-game output, read at each message's first EOS `first[b]` from receiver output rows
 * (`out`, positions x B x width). `loss` is the batch's optimised loss.
 */
export function firstEosOutput(
  loss: TaskLoss,
  maxLen: number,
  vocab: number,
  batch: GameBatch,
  symbols: Int32Array,
  first: Int32Array,
  out: Float32Array,
  lossValue: number,
): StepOutput {
  const B = batch.size, K = loss.numImgs, W = loss.width, L = maxLen;
  const acc = new Float32Array(B), length = new Float32Array(B), prediction = new Int32Array(B);
  const imgClassAcc = loss.task === "standard" ? undefined : new Float32Array(B);
  const sym = vocab <= 256 ? new Uint8Array(B * (L + 1)) : new Uint16Array(B * (L + 1));
  for (let b = 0; b < B; b++) {
    const t = first[b], o = (t * B + b) * W;
    const row = loss.row(out, o, batch, b);
    acc[b] = row.acc;
    if (imgClassAcc) imgClassAcc[b] = row.imgClassAcc;
    length[b] = t + 1;
    let best = 0;
    for (let k = 1; k < K; k++) if (out[o + k] > out[o + best]) best = k;
    prediction[b] = best;
    for (let p = 0; p <= L; p++) sym[b * (L + 1) + p] = symbols[p * B + b];
  }
  return { loss: lossValue, acc, imgClassAcc, length, symbols: sym, prediction };
}
