/**
 * The CIFAR ResNet as an ONNX model (opset 13), BatchNorm folded into the convolutions, so that ONNX Runtime
 * can run the feature extractor natively. Input `input`: N x 3 x 32 x 32 float32, already normalized (NCHW).
 * Outputs `features` (N x 64) and `logits` (N x classes).
 *
 * @module
 */
import { ProtoWriter } from "../io/protobuf.ts";
import type { StateDict } from "./torch_checkpoint.ts";
import { foldBatchNorm, validateResNetStateDict } from "./resnet.ts";

const FLOAT = 1;
const ATTR_INTS = 7;

function tensorProto(name: string, dims: number[], data: Float32Array): Uint8Array {
  const w = new ProtoWriter();
  for (const d of dims) w.int(1, d);
  w.int(2, FLOAT).bytes(8, name);
  return w.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).finish();
}

function intsAttribute(name: string, values: number[]): Uint8Array {
  const w = new ProtoWriter().bytes(1, name);
  for (const v of values) w.int(8, v);
  return w.int(20, ATTR_INTS).finish();
}

function node(op: string, inputs: string[], outputs: string[], attributes: Uint8Array[] = []): Uint8Array {
  const w = new ProtoWriter();
  for (const i of inputs) w.bytes(1, i);
  for (const o of outputs) w.bytes(2, o);
  w.bytes(3, outputs[0]).bytes(4, op);
  for (const a of attributes) w.bytes(5, a);
  return w.finish();
}

function valueInfo(name: string, dims: (number | string)[]): Uint8Array {
  const shape = new ProtoWriter();
  for (const d of dims) {
    shape.bytes(
      1,
      typeof d === "number" ? new ProtoWriter().int(1, d).finish() : new ProtoWriter().bytes(2, d).finish(),
    );
  }
  const tensorType = new ProtoWriter().int(1, FLOAT).bytes(2, shape.finish()).finish();
  return new ProtoWriter().bytes(1, name).bytes(2, new ProtoWriter().bytes(1, tensorType).finish()).finish();
}

/** Serialise the ResNet of a PyTorch state dict as an ONNX model. */
export function resnetOnnxModel(sd: StateDict, source = "<state dict>"): Uint8Array {
  const { layers, numClasses } = validateResNetStateDict(sd, source);
  const nodes: Uint8Array[] = [], inits: Uint8Array[] = [];
  let counter = 0;
  const conv = (x: string, convKey: string, bn: string, stride: number, relu: boolean): string => {
    const { weight, bias, shape } = foldBatchNorm(sd, { conv: convKey, bn });
    const id = counter++, k = shape[2], pad = (k - 1) / 2;
    inits.push(tensorProto(`w${id}`, shape, weight), tensorProto(`b${id}`, [shape[0]], bias));
    const out = `c${id}`;
    nodes.push(node("Conv", [x, `w${id}`, `b${id}`], [out], [
      intsAttribute("kernel_shape", [k, k]),
      intsAttribute("pads", [pad, pad, pad, pad]),
      intsAttribute("strides", [stride, stride]),
    ]));
    if (!relu) return out;
    nodes.push(node("Relu", [out], [`r${id}`]));
    return `r${id}`;
  };
  let x = conv("input", "conv1.weight", "bn1", 1, true);
  layers.forEach((count, s) => {
    for (let i = 0; i < count; i++) {
      const p = `layer${s + 1}.${i}`, stride = s > 0 && i === 0 ? 2 : 1;
      const h = conv(
        conv(x, `${p}.conv1.weight`, `${p}.bn1`, stride, true),
        `${p}.conv2.weight`,
        `${p}.bn2`,
        1,
        false,
      );
      const shortcut = sd.has(`${p}.downsample.0.weight`)
        ? conv(x, `${p}.downsample.0.weight`, `${p}.downsample.1`, stride, false)
        : x;
      const id = counter++;
      nodes.push(node("Add", [h, shortcut], [`a${id}`]), node("Relu", [`a${id}`], [`r${id}`]));
      x = `r${id}`;
    }
  });
  nodes.push(node("GlobalAveragePool", [x], ["pooled"]), node("Flatten", ["pooled"], ["features"]));
  inits.push(
    tensorProto("fc_w", [numClasses, 64], sd.get("fc.weight")!.data as Float32Array),
    tensorProto("fc_b", [numClasses], sd.get("fc.bias")!.data as Float32Array),
  );
  const transB = new ProtoWriter().bytes(1, "transB").int(3, 1).int(20, 2).finish();
  nodes.push(node("Gemm", ["features", "fc_w", "fc_b"], ["logits"], [transB]));

  const graph = new ProtoWriter();
  for (const n of nodes) graph.bytes(1, n);
  graph.bytes(2, `cifar_resnet${2 * layers.reduce((a, b) => a + b, 0) + 2}`);
  for (const t of inits) graph.bytes(5, t);
  graph.bytes(11, valueInfo("input", ["N", 3, 32, 32]));
  graph.bytes(12, valueInfo("features", ["N", 64])).bytes(12, valueInfo("logits", ["N", numClasses]));
  const opset = new ProtoWriter().bytes(1, "").int(2, 13).finish();
  return new ProtoWriter().int(1, 8).bytes(2, "visual-concepts-pressure").bytes(7, graph.finish()).bytes(
    8,
    opset,
  )
    .finish();
}
