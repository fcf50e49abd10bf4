/**
 * The contract between the game (agents, channel, losses, optimizer) and the training loop.
 * Shapes use B = batch size, K = numImgs, D = feature size (64), L = maxLen.
 *
 * @module
 */
import type { Rng } from "../rng.ts";

/** One batch of games, as flat row-major arrays. */
export interface GameBatch {
  /** B. */
  size: number;
  /** Target features, B x D. */
  senderInput: Float32Array;
  /** Candidate features in the receiver's order, B x K x D. */
  receiverInput: Float32Array;
  /** Position of the target among the candidates, B. */
  target: Int32Array;
  /** `img_clas`: 1 where the candidate shares the target's fine class, B x K. */
  sameClass?: Float32Array;
  /** `target_clas`: the target's fine class, B. */
  targetClass?: Int32Array;
}

/** What one step returns, per game (host arrays). */
export interface StepOutput {
  /** Mean loss of the batch (the optimised quantity). */
  loss: number;
  /** Per-game accuracy, B (EOS-weighted for the GS game, as EGG). */
  acc: Float32Array;
  /** Per-game image-classification accuracy, B (pressure tasks only). */
  imgClassAcc?: Float32Array;
  /** Per-game expected message length, B (counts the EOS; in [1, L + 1]). */
  length: Float32Array;
  /** Symbol ids, B x (L + 1) (argmax of the straight-through sample; last position the forced EOS). */
  symbols: Uint8Array | Uint16Array;
  /** Receiver's chosen candidate at the position where the message ends, B. */
  prediction: Int32Array;
}

/** A trainable signaling game. */
export interface Game {
  /** One optimisation step: forward with Gumbel noise (or sampling), backward, Adam update. */
  trainStep(batch: GameBatch, temperature: number, rng: Rng): StepOutput;
  /** Greedy forward pass without update. */
  evalStep(batch: GameBatch): StepOutput;
  /** Parameters and optimizer state as named host arrays, to checkpoint. */
  getState(): GameState;
  /** Restore from {@link getState}. */
  setState(state: GameState): void;
  /** Free tensors. */
  dispose(): void;
}

/** Named tensors (PyTorch names and layouts) plus optimizer moments and step count. */
export interface GameState {
  params: Record<string, { shape: number[]; data: Float32Array }>;
  optimizer?: {
    step: number;
    m: Record<string, Float32Array>;
    v: Record<string, Float32Array>;
    /** REINFORCE baselines and any other scalar state. */
    extra?: Record<string, number>;
  };
}
