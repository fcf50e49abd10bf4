/**
 * The agents' parameters as named host arrays, with PyTorch's names, layouts (Linear weight: out x in;
 * cells stack their gates along the first axis) and default initialisations.
 *
 * @module
 */
import type { Rng } from "../rng.ts";
import { type GameDims, gateCount } from "./dims.ts";

/** How a parameter is initialised, as PyTorch does by default. */
export type ParamInit =
  /** U(-1/√fanIn, 1/√fanIn): nn.Linear weights and biases, nn.RNNCell/GRUCell/LSTMCell (fanIn = hidden). */
  | { kind: "uniform"; fanIn: number }
  /** N(0, std²): EGG's `sos_embedding` (std 0.01), nn.Embedding (std 1). */
  | { kind: "normal"; std: number };

/** One named parameter. */
export interface ParamSpec {
  name: string;
  shape: number[];
  init: ParamInit;
}

/** Named parameter arrays, row-major in PyTorch layout. */
export type ParamArrays = Record<string, Float32Array>;

function linear(prefix: string, inF: number, outF: number): ParamSpec[] {
  return [
    { name: `${prefix}.weight`, shape: [outF, inF], init: { kind: "uniform", fanIn: inF } },
    { name: `${prefix}.bias`, shape: [outF], init: { kind: "uniform", fanIn: inF } },
  ];
}

/** The four tensors of a PyTorch RNNCell/GRUCell/LSTMCell (`suffix` "_l0" for a one-layer nn.GRU/LSTM/RNN). */
export function cellSpecs(prefix: string, d: GameDims, suffix = ""): ParamSpec[] {
  const gh = gateCount(d.cell) * d.hidden;
  const init: ParamInit = { kind: "uniform", fanIn: d.hidden };
  return [
    { name: `${prefix}.weight_ih${suffix}`, shape: [gh, d.embed], init },
    { name: `${prefix}.weight_hh${suffix}`, shape: [gh, d.hidden], init },
    { name: `${prefix}.bias_ih${suffix}`, shape: [gh], init },
    { name: `${prefix}.bias_hh${suffix}`, shape: [gh], init },
  ];
}

/** The original's Receiver agent on states of size `inSize`: candidate embeddings, message heads. */
function receiverAgentSpecs(
  d: GameDims,
  inSize: number,
  proj: number,
  prefix = "receiver.agent",
): ParamSpec[] {
  return [
    ...linear(`${prefix}.img_embeddings`, d.featureDim, proj),
    ...linear(`${prefix}.msg_fc`, inSize, proj),
    ...linear(`${prefix}.img_clas_fc`, inSize, proj),
    ...linear(`${prefix}.target_clas_fc`, inSize, d.numClasses),
  ];
}

/** nn.Embedding(V, E), initialised N(0, 1). */
function lookup(name: string, d: GameDims): ParamSpec {
  return { name, shape: [d.vocab, d.embed], init: { kind: "normal", std: 1 } };
}

/**
 * Parameters of the Gumbel-softmax game, in the order of the original's `named_parameters()`. The receiver
 * always holds both pressure heads, as the original's `Receiver` does; the unused one gets no gradient.
 */
export function gsParamSpecs(d: GameDims): ParamSpec[] {
  return [
    { name: "sender.sos_embedding", shape: [d.embed], init: { kind: "normal", std: 0.01 } },
    ...linear("sender.agent.fc", d.featureDim, d.hidden),
    ...linear("sender.hidden_to_output", d.hidden, d.vocab),
    ...linear("sender.embedding", d.vocab, d.embed),
    ...cellSpecs("sender.cell", d),
    ...receiverAgentSpecs(d, d.hidden, d.proj),
    ...cellSpecs("receiver.cell", d),
    ...linear("receiver.embedding", d.vocab, d.embed),
  ];
}

/**
 * Parameters of the variable-length REINFORCE game (EGG's RnnSenderReinforce and RnnReceiverDeterministic
 * around the same agents): symbols are embedded by lookup tables, the receiver's cell is a one-layer nn.GRU
 * (or LSTM/RNN) inside an RnnEncoder.
 */
export function rfParamSpecs(d: GameDims): ParamSpec[] {
  return [
    ...linear("sender.agent.fc", d.featureDim, d.hidden),
    ...linear("sender.hidden_to_output", d.hidden, d.vocab),
    lookup("sender.embedding.weight", d),
    { name: "sender.sos_embedding", shape: [d.embed], init: { kind: "normal", std: 0.01 } },
    ...cellSpecs("sender.cells.0", d),
    ...receiverAgentSpecs(d, d.hidden, d.proj),
    ...cellSpecs("receiver.encoder.cell", d, "_l0"),
    lookup("receiver.encoder.embedding.weight", d),
  ];
}

/**
 * Parameters of the single-symbol REINFORCE game: ReinforceWrapper(Sender) with the sender Linear(D → V)
 * followed by log-softmax; ReinforceDeterministicWrapper(SymbolReceiverWrapper(Receiver)), which embeds the
 * symbol (size E) and applies the Receiver agent to it, with E in the place of the hidden size (joint space
 * 2E). The names carry both wrappers, as the original's state dict does.
 */
export function rfSingleParamSpecs(d: GameDims): ParamSpec[] {
  return [
    ...linear("sender.agent.fc", d.featureDim, d.vocab),
    ...receiverAgentSpecs(d, d.embed, 2 * d.embed, RF_SINGLE_AGENT),
    lookup("receiver.agent.embedding.weight", d),
  ];
}

/** Prefix of the receiver agent's parameters in the single-symbol game (two wrappers deep). */
export const RF_SINGLE_AGENT = "receiver.agent.agent";

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Draw every parameter from its own stream `rng.fork("init:" + name)`, so the order of specs does not matter. */
export function initParams(specs: readonly ParamSpec[], rng: Rng): ParamArrays {
  const out: ParamArrays = {};
  for (const s of specs) {
    const r = rng.fork(`init:${s.name}`);
    const a = new Float32Array(sizeOf(s.shape));
    if (s.init.kind === "uniform") {
      const bound = 1 / Math.sqrt(s.init.fanIn);
      for (let i = 0; i < a.length; i++) a[i] = (2 * r.float() - 1) * bound;
    } else {
      for (let i = 0; i < a.length; i++) a[i] = r.normal() * s.init.std;
    }
    out[s.name] = a;
  }
  return out;
}

/** Zero arrays with the shapes of `specs` (gradients, optimizer moments). */
export function zerosLike(specs: readonly ParamSpec[]): ParamArrays {
  const out: ParamArrays = {};
  for (const s of specs) out[s.name] = new Float32Array(sizeOf(s.shape));
  return out;
}
