/**
 * Parity of the Gumbel-softmax game with the original implementation (EGG ba7ba8f + the paper's agents
 * and losses in PyTorch), on the 19 cases of `egg_gs_game.json`: greedy forward pass, training step with
 * the recorded Gumbel noise, gradients of every parameter, and parameters after one Adam step.
 *
 * The fixture's `eos_bias` was added to `hidden_to_output.bias[0]` when it was made (to get messages of
 * every length); it is already folded into the given parameters, so it needs no handling here.
 *
 * @module
 */
import { activeBackend, initBackend } from "../backend.ts";
import type { Cell, Task } from "../config.ts";
import { maxAbsDiff, type ParityCase, readFixture } from "../parity/types.ts";
import type { GameDims } from "./dims.ts";
import { GsGame } from "./gs_game.ts";
import type { ParamArrays } from "./params.ts";
import type { GameBatch, StepOutput } from "./types.ts";

interface FixtureTensor {
  shape: number[];
  data: number[];
}

interface FixtureMetrics {
  loss: number;
  message: FixtureTensor;
  receiver_output: FixtureTensor;
  length: number[];
  acc: number[];
  img_class_acc?: number[];
}

/** One case of egg_gs_game.json. */
export interface GsFixtureCase {
  config: {
    vocab_size: number;
    embed_size: number;
    hidden: number;
    max_len: number;
    num_imgs: number;
    num_classes: number;
    temperature: number;
    batch: number;
    ic_loss_weight: number;
    task: Task;
    cell: Cell;
    eos_bias: number;
  };
  seed: number;
  params: Record<string, FixtureTensor>;
  inputs: { sender_input: FixtureTensor; receiver_input: FixtureTensor; labels: FixtureTensor };
  eval: FixtureMetrics;
  train: FixtureMetrics & {
    gumbel: FixtureTensor;
    grads: Record<string, FixtureTensor>;
    params_after_adam: Record<string, FixtureTensor>;
  };
}

const FILE = "egg_gs_game.json";
const ABS = 1e-4;
const REL = 1e-5;

/** The game of a fixture case, with its parameters. */
export function fixtureGame(c: GsFixtureCase): GsGame {
  const cfg = c.config;
  const featureDim = c.inputs.sender_input.shape.at(-1)!;
  const dims: GameDims = {
    task: cfg.task,
    cell: cfg.cell,
    featureDim,
    embed: cfg.embed_size,
    hidden: cfg.hidden,
    vocab: cfg.vocab_size,
    maxLen: cfg.max_len,
    numImgs: cfg.num_imgs,
    proj: c.params["receiver.agent.img_embeddings.weight"].shape[0],
    numClasses: cfg.num_classes,
    icLossWeight: cfg.ic_loss_weight,
  };
  const params: ParamArrays = {};
  for (const [k, t] of Object.entries(c.params)) params[k] = Float32Array.from(t.data);
  return new GsGame(dims, params, { lr: 1e-3, lengthCost: 0 });
}

/** The batch of a fixture case (labels split as the original's loss reads them). */
export function fixtureBatch(c: GsFixtureCase): GameBatch {
  const B = c.config.batch, K = c.config.num_imgs;
  const labels = c.inputs.labels;
  const width = labels.shape.length === 1 ? 1 : labels.shape[1];
  const batch: GameBatch = {
    size: B,
    senderInput: Float32Array.from(c.inputs.sender_input.data),
    receiverInput: Float32Array.from(c.inputs.receiver_input.data),
    target: Int32Array.from({ length: B }, (_, b) => labels.data[b * width]),
  };
  if (c.config.task === "img_clas") {
    batch.sameClass = Float32Array.from(
      { length: B * K },
      (_, i) => labels.data[Math.floor(i / K) * width + 1 + (i % K)],
    );
  } else if (c.config.task === "target_clas") {
    batch.targetClass = Int32Array.from({ length: B }, (_, b) => labels.data[b * width + 1]);
  }
  return batch;
}

/** Symbol ids of a one-hot message tensor (B x (L + 1) x V). */
function symbolIds(message: FixtureTensor): number[] {
  const V = message.shape[2], n = message.data.length / V;
  return Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let v = 1; v < V; v++) if (message.data[i * V + v] > message.data[i * V + best]) best = v;
    return best;
  });
}

/** Largest error over the per-sample metrics and the messages (a wrong symbol counts as error 1). */
function metricsError(out: StepOutput, ref: FixtureMetrics): { max: number; worst: string } {
  const parts: [string, ArrayLike<number>, ArrayLike<number>][] = [
    ["message", out.symbols, symbolIds(ref.message)],
    ["acc", out.acc, ref.acc],
    ["length", out.length, ref.length],
  ];
  if (ref.img_class_acc) parts.push(["img_class_acc", out.imgClassAcc ?? [], ref.img_class_acc]);
  let max = 0, worst = "";
  for (const [name, a, b] of parts) {
    const d = maxAbsDiff(a, b).max;
    if (d > max || worst === "") [max, worst] = [d, name];
  }
  return { max, worst };
}

function relError(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
}

function tensorsError(
  got: ParamArrays,
  ref: Record<string, FixtureTensor>,
): { max: number; worst: string } {
  let max = 0, worst = "";
  for (const [name, t] of Object.entries(ref)) {
    // a parameter without gradient (None in PyTorch, saved as zeros) is absent here
    const d = maxAbsDiff(got[name] ?? new Float32Array(t.data.length), t.data).max;
    if (d > max || worst === "") [max, worst] = [d, name];
  }
  return { max, worst };
}

/** Check one fixture case; returns one {@link ParityCase} per check. */
export function checkGsCase(c: GsFixtureCase, index: number): ParityCase[] {
  const label = `case ${index} (${c.config.task}, ${c.config.cell}, eos_bias ${c.config.eos_bias})`;
  const out: ParityCase[] = [];
  const push = (check: string, e: { max: number; worst?: string }, tolerance: number, kind: "abs" | "rel") =>
    out.push({
      file: FILE,
      name: `${label}: ${check}`,
      maxError: e.max,
      tolerance,
      kind,
      ok: e.max <= tolerance,
      worst: e.worst,
    });
  const batch = fixtureBatch(c);
  const game = fixtureGame(c);
  try {
    const ev = game.evalDetailed(batch);
    push(
      "eval receiver outputs",
      { max: maxAbsDiff(ev.receiverOutput, c.eval.receiver_output.data).max },
      ABS,
      "abs",
    );
    push("eval loss", { max: relError(ev.loss, c.eval.loss) }, REL, "rel");
    push("eval messages and metrics", metricsError(ev, c.eval), ABS, "abs");
    const noise = Float32Array.from(c.train.gumbel.data);
    const { output, grads } = game.gradients(batch, c.config.temperature, noise);
    push("train loss", { max: relError(output.loss, c.train.loss) }, REL, "rel");
    push("train messages and metrics", metricsError(output, c.train), ABS, "abs");
    push("train grads", tensorsError(grads, c.train.grads), ABS, "abs");
    game.applyGradients(grads);
    push("params after one Adam step", tensorsError(game.params, c.train.params_after_adam), ABS, "abs");
  } finally {
    game.dispose();
  }
  return out;
}

/** Check every case of `<dir>/egg_gs_game.json`; [] when the file is absent. */
export async function gameParity(dir: string): Promise<ParityCase[]> {
  const fixture = await readFixture<{ cases: GsFixtureCase[] }>(dir, FILE);
  if (!fixture) return [];
  if (!activeBackend()) await initBackend("auto");
  const cases = fixture.cases;
  return cases.flatMap((c, i) => checkGsCase(c, i));
}
