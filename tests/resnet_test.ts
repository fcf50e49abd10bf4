import assert from "node:assert/strict";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { initBackend } from "../src/backend.ts";
import { resnetParity } from "../src/vision/parity.ts";
import {
  CHECKPOINT_NORMALIZATION,
  CifarResNet,
  PAPER_NORMALIZATION,
  StateDictError,
} from "../src/vision/resnet.ts";
import { loadStateDict, type StateDict } from "../src/vision/torch_checkpoint.ts";
import { extractFeatures, type FeatureBackend, pixelSource } from "../src/features/extract.ts";
import { loadOnnxRuntime } from "../src/vision/onnx_resnet.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;
await initBackend("auto");

Deno.test("resnetParity() matches PyTorch on ResNet-56 (zip) and ResNet-20 (legacy) within 1e-4", async () => {
  const cases = await resnetParity(FIXTURES);
  // per checkpoint: the keys, then features and logits on tfjs and, where it loads, on ONNX Runtime
  const onnx = Boolean(await loadOnnxRuntime());
  assert.equal(cases.length, onnx ? 10 : 6);
  assert.equal(cases.filter((c) => c.name.includes("onnxruntime")).length, onnx ? 4 : 0);
  for (const c of cases) assert.ok(c.ok, `${c.name}: error ${c.maxError} (${c.worst})`);
  assert.deepEqual(await resnetParity(join(FIXTURES, "no-such-folder")), []);
});

Deno.test("CifarResNet.fromStateDict() infers the depth from the keys", async () => {
  for (
    const [file, depth, layers] of [["resnet56_random.pth", 56, [9, 9, 9]], [
      "resnet20_random_legacy.pth",
      20,
      [3, 3, 3],
    ]] as const
  ) {
    const net = CifarResNet.fromStateDict(await loadStateDict(join(FIXTURES, file)));
    assert.equal(net.depth, depth);
    assert.deepEqual(net.layers, layers);
    assert.equal(net.numClasses, 100);
    net.dispose();
  }
});

Deno.test("CifarResNet.fromStateDict() names a missing key and a mis-shaped tensor", async () => {
  const sd = await loadStateDict(join(FIXTURES, "resnet20_random_legacy.pth"));
  const missing: StateDict = new Map(sd);
  missing.delete("layer2.1.bn1.running_var");
  assert.throws(
    () => CifarResNet.fromStateDict(missing, "weights.pth"),
    (e: unknown) =>
      e instanceof StateDictError && e.message.includes("layer2.1.bn1.running_var") &&
      e.message.includes("[32]") && e.message.includes("weights.pth"),
  );
  const misShaped: StateDict = new Map(sd);
  misShaped.set("layer3.1.conv2.weight", {
    shape: [64, 64, 1, 1],
    dtype: "float32",
    data: new Float32Array(64 * 64),
  });
  assert.throws(
    () => CifarResNet.fromStateDict(misShaped, "weights.pth"),
    (e: unknown) =>
      e instanceof StateDictError && e.message.includes("layer3.1.conv2.weight") &&
      e.message.includes("[64,64,1,1]") && e.message.includes("[64,64,3,3]") &&
      e.message.includes("weights.pth"),
  );
  const extra: StateDict = new Map(sd);
  extra.set("layer4.0.conv1.weight", sd.get("layer3.0.conv2.weight")!);
  assert.throws(() => CifarResNet.fromStateDict(extra, "weights.pth"), /layer4\.0\.conv1\.weight/);
});

Deno.test("CifarResNet.forwardNormalized() agrees with forward() and batching does not change results", async () => {
  const net = CifarResNet.fromStateDict(await loadStateDict(join(FIXTURES, "resnet20_random_legacy.pth")));
  const n = 5;
  const pixels = Uint8Array.from({ length: n * 3072 }, (_, i) => (i * 2654435761) >>> 24);
  const norm = PAPER_NORMALIZATION;
  const x = Float32Array.from(pixels, (v, i) => {
    const c = Math.floor(i / 1024) % 3, f = Math.fround;
    return f(f(f(v / 255) - f(norm.mean[c])) / f(norm.std[c]));
  });
  const a = net.forward(pixels, n, norm, { logits: true, batchSize: 2 });
  const b = net.forwardNormalized(x, n, { logits: true, batchSize: 256 });
  assert.equal(a.features.length, n * 64);
  assert.equal(a.logits!.length, n * 100);
  for (let i = 0; i < a.features.length; i++) assert.ok(Math.abs(a.features[i] - b.features[i]) < 1e-4);
  for (let i = 0; i < a.logits!.length; i++) assert.ok(Math.abs(a.logits![i] - b.logits![i]) < 1e-4);
  assert.equal(net.forward(pixels, n, norm).logits, undefined);
  net.dispose();
});

const cifarDir = Deno.env.get("VCP_CIFAR_DIR"), weights = Deno.env.get("VCP_WEIGHTS");

Deno.test({
  name: "CifarResNet reaches the published 72.62% top-1 on the CIFAR-100 test set (real weights)",
  ignore: !cifarDir || !weights,
  async fn() {
    const raw = gunzipSync(await Deno.readFile(join(cifarDir!, "test.bin.gz")));
    const n = raw.length / 3074;
    assert.equal(n, 10000);
    const pixels = new Uint8Array(n * 3072), fine = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      fine[i] = raw[i * 3074 + 1];
      pixels.set(raw.subarray(i * 3074 + 2, (i + 1) * 3074), i * 3072);
    }
    // The logits are the fc layer applied to the features.
    const sd = await loadStateDict(weights!);
    const fcW = sd.get("fc.weight")!.data as Float32Array, fcB = sd.get("fc.bias")!.data as Float32Array;
    const accuracy = (f: Float32Array) => {
      let correct = 0;
      for (let i = 0; i < n; i++) {
        let best = -1, bestLogit = -Infinity;
        for (let k = 0; k < 100; k++) {
          let z = fcB[k];
          for (let d = 0; d < 64; d++) z += fcW[k * 64 + d] * f[i * 64 + d];
          if (z > bestLogit) [best, bestLogit] = [k, z];
        }
        if (best === fine[i]) correct++;
      }
      return (100 * correct) / n;
    };
    // Both paths of feature extraction: ONNX Runtime (when it loads) and TensorFlow.js wasm on two workers.
    const backends: FeatureBackend[] = (await loadOnnxRuntime()) ? ["onnxruntime", "wasm"] : ["wasm"];
    for (const backend of backends) {
      const start = performance.now();
      const { features } = await extractFeatures(
        [pixelSource(pixels, n, CHECKPOINT_NORMALIZATION), pixelSource(pixels, n, PAPER_NORMALIZATION)],
        { weights: { path: weights! }, workers: 2, backend },
      );
      const seconds = (performance.now() - start) / 1000;
      const top1 = accuracy(features[0]);
      console.log(
        `${backend}: top-1 with the checkpoint's normalization ${top1.toFixed(2)}%, with the paper's ` +
          `${accuracy(features[1]).toFixed(2)}% (${(2 * n / seconds).toFixed(0)} images/s)`,
      );
      assert.ok(Math.abs(top1 - 72.62) <= 0.1, `${backend}: top-1 ${top1}% is not 72.62% ± 0.1`);
    }
  },
});
