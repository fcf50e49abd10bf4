/**
 * The Gumbel-softmax game's training loss written plainly with TensorFlow.js ops and differentiated by
 * tf's built-in autodiff (transposed products, per-step weight gradients): an independent check of the
 * hand-written backward pass, and the baseline of the game bench. GRU cells only.
 *
 * @module
 */
import { tf } from "../backend.ts";
import { unusedHeads } from "./base_game.ts";
import type { GameDims } from "./dims.ts";
import { gsParamSpecs, type ParamArrays } from "./params.ts";
import type { GameBatch } from "./types.ts";

type T = tf.Tensor;

/**
 * Loss and gradients of a training step of the GS game (noise B x L x V), by tf autodiff, for the
 * parameters that get gradients.
 */
export function autodiffGsGradients(
  dims: GameDims,
  params: ParamArrays,
  batch: GameBatch,
  temperature: number,
  noise: Float32Array,
): { loss: number; grads: ParamArrays } {
  if (dims.cell !== "gru") {
    throw new RangeError(`autodiffGsGradients() supports GRU cells, got "${dims.cell}".`);
  }
  const unused = unusedHeads(dims);
  const specs = gsParamSpecs(dims).filter((s) => !unused.some((u) => s.name.includes(u)));
  const names = specs.map((s) => s.name);
  const { value, grads } = tf.tidy(() => {
    const inputs = specs.map((s) => tf.tensor(params[s.name], s.shape));
    const f = (...ps: T[]) =>
      gsLoss(dims, Object.fromEntries(names.map((n, i) => [n, ps[i]])), batch, temperature, noise);
    const { value, grads } = tf.valueAndGrads(f)(inputs);
    return { value, grads };
  });
  const out: ParamArrays = {};
  names.forEach((n, i) => (out[n] = grads[i].dataSync() as Float32Array));
  const loss = value.dataSync()[0];
  tf.dispose([value, ...grads]);
  return { loss, grads: out };
}

function gsLoss(
  d: GameDims,
  p: Record<string, T>,
  batch: GameBatch,
  tau: number,
  noise: Float32Array,
): tf.Scalar {
  const { featureDim: D, vocab: V, maxLen: L, numImgs: K, proj: P, embed: E } = d;
  const B = batch.size;
  const lin = (x: T, n: string) => tf.add(tf.matMul(x, p[n + ".weight"], false, true), p[n + ".bias"]);
  const gru = (x: T, h: T, c: string) => {
    const [ir, iz, inn] = tf.split(
      tf.add(tf.matMul(x, p[c + ".weight_ih"], false, true), p[c + ".bias_ih"]),
      3,
      1,
    );
    const [hr, hz, hn] = tf.split(
      tf.add(tf.matMul(h, p[c + ".weight_hh"], false, true), p[c + ".bias_hh"]),
      3,
      1,
    );
    const r = tf.sigmoid(tf.add(ir, hr)), z = tf.sigmoid(tf.add(iz, hz));
    const n = tf.tanh(tf.add(inn, tf.mul(r, hn)));
    return tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
  };
  // Straight-through: the one-hot of argmax forward, the identity backward
  const straightThrough = tf.customGrad(
    ((y: T) => ({
      value: tf.oneHot(tf.argMax(y, 1), V).toFloat(),
      gradFunc: (dy: T) => dy,
    })) as unknown as Parameters<typeof tf.customGrad>[0],
  );
  // Sender
  const g = tf.tensor3d(noise, [B, L, V]);
  let h = tf.tanh(lin(tf.tensor2d(batch.senderInput, [B, D]), "sender.agent.fc"));
  let e: T = tf.tile(tf.reshape(p["sender.sos_embedding"], [1, E]), [B, 1]);
  const message: T[] = [];
  for (let t = 0; t < L; t++) {
    h = gru(e, h, "sender.cell");
    const logits = lin(h, "sender.hidden_to_output");
    const y = tf.softmax(tf.div(tf.add(logits, tf.reshape(tf.slice(g, [0, t, 0], [B, 1, V]), [B, V])), tau));
    const x = straightThrough(y) as T;
    message.push(x);
    e = lin(x, "sender.embedding");
  }
  message.push(tf.oneHot(tf.zeros([B], "int32"), V).toFloat());
  // Receiver and per-position losses
  const imgs = tf.reshape(
    tf.tanh(lin(tf.tensor2d(batch.receiverInput, [B * K, D]), "receiver.agent.img_embeddings")),
    [B, K, P],
  );
  const dot = (m: T) => tf.reshape(tf.matMul(imgs, tf.reshape(m, [B, P, 1])), [B, K]);
  const ce = (logits: T, labels: Int32Array, n: number) =>
    tf.neg(tf.sum(tf.mul(tf.oneHot(tf.tensor1d(labels, "int32"), n).toFloat(), tf.logSoftmax(logits)), 1));
  let hr: T = tf.zeros([B, d.hidden]);
  const losses: T[] = [];
  for (let t = 0; t <= L; t++) {
    hr = gru(lin(message[t], "receiver.embedding"), hr, "receiver.cell");
    const sg = ce(dot(lin(hr, "receiver.agent.msg_fc")), batch.target, K);
    if (d.task === "standard") losses.push(sg);
    else if (d.task === "img_clas") {
      const x = dot(lin(hr, "receiver.agent.img_clas_fc")), y = tf.tensor2d(batch.sameClass!, [B, K]);
      const bce = tf.add(tf.sub(tf.relu(x), tf.mul(x, y)), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
      losses.push(tf.div(tf.add(sg, tf.mul(d.icLossWeight, tf.mean(bce, 1))), 2));
    } else {
      const cls = ce(lin(hr, "receiver.agent.target_clas_fc"), batch.targetClass!, d.numClasses);
      losses.push(tf.div(tf.add(sg, tf.mul(d.icLossWeight, cls)), 2));
    }
  }
  // EGG's EOS weighting
  let alive: T = tf.ones([B]), total: T = tf.zeros([B]);
  for (let t = 0; t <= L; t++) {
    const eos = tf.reshape(tf.slice(message[t], [0, 0], [B, 1]), [B]);
    total = tf.add(total, tf.mul(losses[t], tf.mul(eos, alive)));
    alive = tf.mul(alive, tf.sub(1, eos));
  }
  total = tf.add(total, tf.mul(losses[L], alive));
  return tf.mean(total) as tf.Scalar;
}
