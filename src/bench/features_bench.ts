/**
 * Feature-extraction throughput of ResNet-56, all measured in the same run: `features.images_per_s`, the
 * default path (ONNX Runtime on two threads when it loads), against `features.images_per_s_wasm`
 * (TensorFlow.js wasm on two workers), itself against `features.images_per_s_1worker` (one wasm worker).
 *
 * The weights are the real ones when `VCP_WEIGHTS` names them (a known name or a path), else random weights
 * of ResNet-56's shapes: the work per image is the same. The images are synthetic (4,000; 1,000 quick).
 * Worker start-up (loading TensorFlow.js and the weights) is reported apart, not in the rate.
 *
 * @module
 */
import { activeBackend, type BackendChoice } from "../backend.ts";
import { makeSyntheticDataset } from "../data/synthetic.ts";
import { Rng } from "../rng.ts";
import { PAPER_NORMALIZATION } from "../vision/resnet.ts";
import { randomResNetStateDict } from "../vision/random_weights.ts";
import { resolveWeights } from "../vision/weights.ts";
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_CHUNK_SIZE,
  extractFeatures,
  type FeatureBackend,
  pixelSource,
  type WeightsSource,
} from "../features/extract.ts";
import type { Bench, BenchFigure } from "./types.ts";

async function benchWeights(): Promise<{ source: WeightsSource; label: string }> {
  const named = Deno.env.get("VCP_WEIGHTS");
  if (named) {
    const w = await resolveWeights(named, {});
    return { source: { path: w.path }, label: w.name };
  }
  return { source: { stateDict: randomResNetStateDict(9, new Rng(0)) }, label: "random resnet56" };
}

/** The feature-extraction benchmark. */
export const featuresBench: Bench = {
  names: ["features.images_per_s_1worker", "features.images_per_s_wasm", "features.images_per_s"],
  async run({ quick }): Promise<BenchFigure[]> {
    const perClass = quick ? 10 : 40;
    const data = makeSyntheticDataset({ seed: 0, trainPerClass: perClass, testPerClass: 1 });
    const { source, label } = await benchWeights();
    // TensorFlow.js figures run on the backend this process initialised (wasm here).
    const tfjsBackend = (activeBackend()?.name ?? "auto") as BackendChoice;
    const measure = async (workers: number, backend: FeatureBackend) => {
      const r = await extractFeatures(
        [pixelSource(data.train.pixels, data.train.count, PAPER_NORMALIZATION)],
        {
          weights: source,
          workers,
          backend,
        },
      );
      return {
        value: r.imagesPerSecond,
        detail: {
          images: data.train.count,
          workers,
          weights: label,
          arch: `resnet${r.depth}`,
          chunk: DEFAULT_CHUNK_SIZE,
          batch: DEFAULT_BATCH_SIZE,
          seconds: +r.seconds.toFixed(2),
          cpuSeconds: r.cpuSeconds === undefined ? undefined : +r.cpuSeconds.toFixed(2),
          imagesPerCpuSecond: r.cpuSeconds ? +(data.train.count / r.cpuSeconds).toFixed(1) : undefined,
          startupSeconds: +r.startupSeconds.toFixed(2),
          backend: r.backend.name,
          // other processes share the cores: the 1-minute load average says how much
          loadAverage: Deno.loadavg().map((x) => +x.toFixed(2)),
        },
      };
    };
    const one = await measure(1, tfjsBackend);
    const two = await measure(2, tfjsBackend);
    const base = "features.images_per_s_1worker", wasm = "features.images_per_s_wasm";
    const figures: BenchFigure[] = [
      { name: base, value: one.value, unit: "images/s", detail: one.detail },
      {
        name: wasm,
        value: two.value,
        unit: "images/s",
        baseline: base,
        baselineValue: one.value,
        ratio: two.value / one.value,
        detail: two.detail,
      },
    ];
    // The default path: ONNX Runtime on two threads when it loads, else the two tfjs workers again.
    const auto = await measure(2, "auto");
    figures.push({
      name: "features.images_per_s",
      value: auto.value,
      unit: "images/s",
      baseline: wasm,
      baselineValue: two.value,
      ratio: auto.value / two.value,
      detail: auto.detail,
    });
    return figures;
  },
};
