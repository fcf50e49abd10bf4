/**
 * The sizes of one game, with the one-letter names the shape comments use.
 *
 * @module
 */
import type { Cell, RunConfig, Task } from "../config.ts";

/** Sizes and switches of a game's agents. */
export interface GameDims {
  task: Task;
  cell: Cell;
  /** D: feature size of an image (64). */
  featureDim: number;
  /** E: symbol embedding size. */
  embed: number;
  /** H: hidden size of both recurrent cells. */
  hidden: number;
  /** V: vocabulary size; symbol 0 ends a message. */
  vocab: number;
  /** L: maximum message length before the forced end-of-sequence symbol. */
  maxLen: number;
  /** K: candidates shown to the receiver. */
  numImgs: number;
  /** P: size of the receiver's joint image/message space. */
  proj: number;
  /** C: classes predicted by `target_clas`. */
  numClasses: number;
  /** w: weight of the image-classification term. */
  icLossWeight: number;
}

/** The dims of a run's configuration for features of size `featureDim`. */
export function gameDims(config: RunConfig, featureDim: number): GameDims {
  return {
    task: config.task,
    cell: config.cell,
    featureDim,
    embed: config.embedSize,
    hidden: config.hiddenSize,
    vocab: config.vocabSize,
    maxLen: config.maxLen,
    numImgs: config.numImgs,
    proj: config.receiverProjSize,
    numClasses: config.numClasses,
    icLossWeight: config.icLossWeight,
  };
}

/** Gates stacked in a cell's weight matrices: GRU r, z, n; LSTM i, f, g, o; tanh RNN one. */
export function gateCount(cell: Cell): number {
  return cell === "gru" ? 3 : cell === "lstm" ? 4 : 1;
}
