/**
 * The CIFAR ResNet of the paper's feature extractor (chenyaofo's `CifarResNet`, the original's vision.py)
 * in TensorFlow.js, eval mode only: conv3x3(3→16) + BN + ReLU, three stages of BasicBlocks with 16/32/64
 * channels (stride 2 and a 1x1 conv + BN shortcut at the start of stages 2 and 3), global average pool → 64-d
 * features, fc 64 → classes. BatchNorm is folded into the convolutions, which run as fused conv2d + bias (+ ReLU)
 * in NHWC.
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { StateDict } from "./torch_checkpoint.ts";

/** Per-channel input normalization (R, G, B), applied to pixels scaled to [0, 1]. */
export interface Normalization {
  mean: number[];
  std: number[];
}

/** The normalization of the paper's code (its std is not the one the weights were trained with). */
export const PAPER_NORMALIZATION: Normalization = {
  mean: [0.5071, 0.4865, 0.4409],
  std: [0.2009, 0.1984, 0.2023],
};

/** The normalization chenyaofo's CIFAR-100 weights were trained with. */
export const CHECKPOINT_NORMALIZATION: Normalization = {
  mean: [0.5070, 0.4865, 0.4409],
  std: [0.2673, 0.2564, 0.2762],
};

/** Options of {@link CifarResNet.forward}. */
export interface ForwardOptions {
  /** Also return the class logits (default false). */
  logits?: boolean;
  /** Images per forward pass (default 256). */
  batchSize?: number;
  /** Called after every batch with the number of images done so far. */
  onBatch?: (done: number) => void;
}

/** Output of a forward pass. */
export interface ForwardResult {
  /** n x 64, row-major: the global-average-pool output. */
  features: Float32Array;
  /** n x classes, row-major, when requested. */
  logits?: Float32Array;
}

interface Conv {
  /** kh x kw x in x out (HWIO), BatchNorm folded in. */
  filter: tf.Tensor4D;
  /** out. */
  bias: tf.Tensor1D;
  stride: number;
  pad: number;
}

interface Block {
  conv1: Conv;
  conv2: Conv;
  shortcut?: Conv;
}

const PIXELS = 32 * 32;

/** A CIFAR ResNet with fixed weights, ready for inference. */
export class CifarResNet {
  /** 6n + 2 for n blocks per stage (20, 32, 44, 56). */
  readonly depth: number;
  /** BasicBlocks per stage, e.g. [9, 9, 9] for ResNet-56. */
  readonly layers: number[];
  /** Output size of the fc layer (100 for CIFAR-100). */
  readonly numClasses: number;
  /** Size of the feature vector (64). */
  readonly featureDim = 64;
  #stem: Conv;
  #blocks: Block[];
  /** 64 x classes. */
  #fcW: tf.Tensor2D;
  #fcB: tf.Tensor1D;

  private constructor(
    layers: number[],
    numClasses: number,
    stem: Conv,
    blocks: Block[],
    fcW: tf.Tensor2D,
    fcB: tf.Tensor1D,
  ) {
    this.layers = layers;
    this.depth = 2 * layers.reduce((a, b) => a + b, 0) + 2;
    this.numClasses = numClasses;
    this.#stem = stem;
    this.#blocks = blocks;
    this.#fcW = fcW;
    this.#fcB = fcB;
  }

  /**
   * Build the network from a PyTorch state dict; the depth is read from the keys. Throws
   * {@link StateDictError} naming the key, the expected and the actual shape, and `source`.
   */
  static fromStateDict(sd: StateDict, source = "<state dict>"): CifarResNet {
    const { layers, numClasses } = validateResNetStateDict(sd, source);
    const conv = (spec: ConvSpec): Conv => {
      const { filter, bias, shape } = foldConvBn(sd, spec);
      return {
        filter: tf.tensor4d(filter, shape as [number, number, number, number]),
        bias: tf.tensor1d(bias),
        stride: spec.stride,
        pad: shape[0] === 3 ? 1 : 0,
      };
    };
    const stem = conv({ conv: "conv1.weight", bn: "bn1", stride: 1 });
    const blocks: Block[] = [];
    layers.forEach((count, s) => {
      for (let i = 0; i < count; i++) {
        const p = `layer${s + 1}.${i}`;
        const stride = s > 0 && i === 0 ? 2 : 1;
        blocks.push({
          conv1: conv({ conv: `${p}.conv1.weight`, bn: `${p}.bn1`, stride }),
          conv2: conv({ conv: `${p}.conv2.weight`, bn: `${p}.bn2`, stride: 1 }),
          shortcut: sd.has(`${p}.downsample.0.weight`)
            ? conv({ conv: `${p}.downsample.0.weight`, bn: `${p}.downsample.1`, stride })
            : undefined,
        });
      }
    });
    const fc = sd.get("fc.weight")!, fcBias = sd.get("fc.bias")!;
    const fcW = tf.tidy(() =>
      tf.transpose(tf.tensor2d(Float32Array.from(fc.data as Float32Array), [numClasses, 64]))
    );
    return new CifarResNet(
      layers,
      numClasses,
      stem,
      blocks,
      fcW as tf.Tensor2D,
      tf.tensor1d(Float32Array.from(fcBias.data as Float32Array)),
    );
  }

  /**
   * Features (and logits) of uint8 images.
   *
   * @param pixels n x 3 x 32 x 32 uint8 (R, G, B planes: the CIFAR binary layout)
   * @param norm per-channel mean and std applied to pixel / 255, in float32 as torchvision does
   */
  forward(pixels: Uint8Array, n: number, norm: Normalization, opts: ForwardOptions = {}): ForwardResult {
    if (pixels.length < n * 3 * PIXELS) {
      throw new RangeError(
        `forward() needs ${n} x 3 x 32 x 32 = ${n * 3 * PIXELS} pixels, got ${pixels.length}.`,
      );
    }
    const lut = normalizationTable(norm);
    return this.#batches(n, opts, (start, count, out) => {
      for (let k = 0; k < count; k++) {
        const src = (start + k) * 3 * PIXELS, dst = k * 3 * PIXELS;
        for (let c = 0; c < 3; c++) {
          const plane = src + c * PIXELS, table = c * 256;
          for (let i = 0; i < PIXELS; i++) out[dst + 3 * i + c] = lut[table + pixels[plane + i]];
        }
      }
    });
  }

  /**
   * Features (and logits) of inputs already in normalized space (e.g. the N(0, 1) noise images).
   *
   * @param x n x 3 x 32 x 32 float32, NCHW
   */
  forwardNormalized(x: Float32Array, n: number, opts: ForwardOptions = {}): ForwardResult {
    if (x.length < n * 3 * PIXELS) {
      throw new RangeError(
        `forwardNormalized() needs ${n * 3 * PIXELS} values for ${n} images, got ${x.length}.`,
      );
    }
    return this.#batches(n, opts, (start, count, out) => {
      for (let k = 0; k < count; k++) {
        const src = (start + k) * 3 * PIXELS, dst = k * 3 * PIXELS;
        for (let c = 0; c < 3; c++) {
          const plane = src + c * PIXELS;
          for (let i = 0; i < PIXELS; i++) out[dst + 3 * i + c] = x[plane + i];
        }
      }
    });
  }

  /** Free the weights. */
  dispose(): void {
    for (const c of this.#convs()) tf.dispose([c.filter, c.bias]);
    tf.dispose([this.#fcW, this.#fcB]);
  }

  *#convs(): Generator<Conv> {
    yield this.#stem;
    for (const b of this.#blocks) {
      yield b.conv1;
      yield b.conv2;
      if (b.shortcut) yield b.shortcut;
    }
  }

  /** Run batches: `fill(start, count, nhwc)` writes count x 32 x 32 x 3 normalized inputs. */
  #batches(
    n: number,
    opts: ForwardOptions,
    fill: (start: number, count: number, nhwc: Float32Array) => void,
  ): ForwardResult {
    const batchSize = Math.max(1, Math.min(opts.batchSize ?? 256, n || 1));
    const features = new Float32Array(n * 64);
    const logits = opts.logits ? new Float32Array(n * this.numClasses) : undefined;
    const input = new Float32Array(batchSize * 3 * PIXELS);
    for (let start = 0; start < n; start += batchSize) {
      const count = Math.min(batchSize, n - start);
      fill(start, count, input);
      const x = tf.tensor4d(input.subarray(0, count * 3 * PIXELS), [count, 32, 32, 3]);
      const out = this.#run(x, logits !== undefined);
      features.set(out.features.dataSync() as Float32Array, start * 64);
      if (logits && out.logits) logits.set(out.logits.dataSync() as Float32Array, start * this.numClasses);
      tf.dispose([x, out.features, out.logits ?? []]);
      opts.onBatch?.(start + count);
    }
    return logits ? { features, logits } : { features };
  }

  /** x: batch x 32 x 32 x 3 → features batch x 64 (and logits batch x classes). */
  #run(x: tf.Tensor4D, withLogits: boolean): { features: tf.Tensor2D; logits?: tf.Tensor2D } {
    return tf.tidy(() => {
      const conv = (h: tf.Tensor4D, c: Conv, relu: boolean) =>
        tf.fused.conv2d({
          x: h,
          filter: c.filter,
          strides: c.stride,
          pad: c.pad,
          bias: c.bias,
          activation: relu ? "relu" : "linear",
        });
      let h = conv(x, this.#stem, true);
      for (const b of this.#blocks) {
        const y = conv(conv(h, b.conv1, true), b.conv2, false);
        h = tf.relu(tf.add(y, b.shortcut ? conv(h, b.shortcut, false) : h));
      }
      const features = tf.mean(h, [1, 2]) as tf.Tensor2D;
      if (!withLogits) return { features };
      const logits = tf.fused.matMul({ a: features, b: this.#fcW, bias: this.#fcB }) as tf.Tensor2D;
      return { features, logits };
    });
  }
}

/** 3 x 256 table: ((v / 255) - mean[c]) / std[c] for every byte v, rounded like torchvision's float32 ops. */
function normalizationTable(norm: Normalization): Float32Array {
  if (norm.mean.length !== 3 || norm.std.length !== 3) {
    throw new RangeError(
      `A normalization needs 3 means and 3 stds, got ${norm.mean.length} and ${norm.std.length}.`,
    );
  }
  const f = Math.fround, lut = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = f(f(f(v / 255) - f(norm.mean[c])) / f(norm.std[c]));
  }
  return lut;
}

/** n uint8 images (R, G, B planes) as normalized float32 NCHW, n x 3 x 32 x 32, as ONNX Runtime takes them. */
export function normalizeNchw(pixels: Uint8Array, n: number, norm: Normalization): Float32Array {
  const lut = normalizationTable(norm), x = new Float32Array(n * 3 * PIXELS);
  for (let i = 0; i < x.length; i++) x[i] = lut[(((i / PIXELS) | 0) % 3) * 256 + pixels[i]];
  return x;
}

/** Error for a state dict that does not fit the CIFAR ResNet (missing, unexpected or mis-shaped keys). */
export class StateDictError extends Error {
  override name = "StateDictError";
}

/** Which conv and BatchNorm make one folded convolution. */
interface ConvSpec {
  /** Key of the conv weight, out x in x kh x kw. */
  conv: string;
  /** Prefix of the BatchNorm keys (weight, bias, running_mean, running_var). */
  bn: string;
  stride: number;
}

/**
 * Check that `sd` is a CIFAR ResNet and return its blocks per stage and class count. Every expected key
 * must be present with its shape; `num_batches_tracked` may be absent; no other key may be present.
 */
export function validateResNetStateDict(
  sd: StateDict,
  source: string,
): { layers: number[]; numClasses: number } {
  const where = `the checkpoint ${source}`;
  const layers = [1, 2, 3].map((s) => {
    let i = 0;
    while (sd.has(`layer${s}.${i}.conv1.weight`)) i++;
    return i;
  });
  if (layers.some((n) => n === 0)) {
    throw new StateDictError(
      `The state dict of ${where} is not a CIFAR ResNet: it has no key layer${
        layers.indexOf(0) + 1
      }.0.conv1.weight. ` +
        `Use weights of chenyaofo's CIFAR ResNets (resnet20/32/44/56).`,
    );
  }
  const numClasses = sd.get("fc.weight")?.shape[0] ?? 100;
  const expected = new Map<string, number[]>();
  const bn = (p: string, c: number) => {
    for (const k of ["weight", "bias", "running_mean", "running_var"]) expected.set(`${p}.${k}`, [c]);
  };
  expected.set("conv1.weight", [16, 3, 3, 3]);
  bn("bn1", 16);
  let inC = 16;
  layers.forEach((count, s) => {
    const c = 16 << s;
    for (let i = 0; i < count; i++) {
      const p = `layer${s + 1}.${i}`;
      expected.set(`${p}.conv1.weight`, [c, i === 0 ? inC : c, 3, 3]);
      bn(`${p}.bn1`, c);
      expected.set(`${p}.conv2.weight`, [c, c, 3, 3]);
      bn(`${p}.bn2`, c);
      if (i === 0 && s > 0) {
        expected.set(`${p}.downsample.0.weight`, [c, inC, 1, 1]);
        bn(`${p}.downsample.1`, c);
      }
    }
    inC = c;
  });
  expected.set("fc.weight", [numClasses, 64]);
  expected.set("fc.bias", [numClasses]);
  const depth = 2 * layers.reduce((a, b) => a + b, 0) + 2;
  for (const [key, shape] of expected) {
    const t = sd.get(key);
    if (!t) {
      throw new StateDictError(
        `The state dict of ${where} is missing the key ${key} (expected shape [${shape}]) of a ResNet-${depth}. ` +
          `Check that the file holds CIFAR ResNet weights.`,
      );
    }
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new StateDictError(
        `The state dict of ${where} has the key ${key} with shape [${t.shape}], but a ResNet-${depth} expects ` +
          `[${shape}]. Check that the file holds CIFAR ResNet weights.`,
      );
    }
    if (!(t.data instanceof Float32Array)) {
      throw new StateDictError(
        `The state dict of ${where} has the key ${key} as ${t.dtype}; float32 was expected.`,
      );
    }
  }
  const extra = [...sd.keys()].filter((k) => !expected.has(k) && !k.endsWith(".num_batches_tracked"));
  if (extra.length > 0) {
    throw new StateDictError(
      `The state dict of ${where} has keys a ResNet-${depth} does not have: ${extra.slice(0, 5).join(", ")}` +
        `${extra.length > 5 ? ` and ${extra.length - 5} more` : ""}. Is it another architecture?`,
    );
  }
  return { layers, numClasses };
}

/**
 * Fold eval-mode BatchNorm (eps 1e-5) into the bias-free conv before it: W' = W * g / sqrt(v + eps),
 * b' = beta - m * g / sqrt(v + eps). The filter keeps PyTorch's layout, out x in x kh x kw (OIHW).
 */
export function foldBatchNorm(
  sd: StateDict,
  spec: { conv: string; bn: string },
): { weight: Float32Array; bias: Float32Array; shape: number[] } {
  const w = sd.get(spec.conv)!;
  const o = w.shape[0], perOut = (w.data as Float32Array).length / o;
  const get = (k: string) => sd.get(`${spec.bn}.${k}`)!.data as Float32Array;
  const gamma = get("weight"), beta = get("bias"), mean = get("running_mean"), variance = get("running_var");
  const src = w.data as Float32Array;
  const weight = new Float32Array(src.length), bias = new Float32Array(o);
  for (let oc = 0; oc < o; oc++) {
    const scale = gamma[oc] / Math.sqrt(variance[oc] + 1e-5);
    bias[oc] = beta[oc] - mean[oc] * scale;
    for (let k = oc * perOut; k < (oc + 1) * perOut; k++) weight[k] = src[k] * scale;
  }
  return { weight, bias, shape: w.shape };
}

/** {@link foldBatchNorm} with the filter as kh x kw x in x out (HWIO), TensorFlow's layout. */
function foldConvBn(
  sd: StateDict,
  spec: ConvSpec,
): { filter: Float32Array; bias: Float32Array; shape: number[] } {
  const { weight, bias, shape: [o, i, kh, kw] } = foldBatchNorm(sd, spec);
  const filter = new Float32Array(weight.length);
  for (let oc = 0; oc < o; oc++) {
    for (let ic = 0; ic < i; ic++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          filter[((y * kw + x) * i + ic) * o + oc] = weight[((oc * i + ic) * kh + y) * kw + x];
        }
      }
    }
  }
  return { filter, bias, shape: [kh, kw, i, o] };
}
