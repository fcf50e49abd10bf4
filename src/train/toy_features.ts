/**
 * Small in-memory feature bundles with class structure, for tests and quick runs of the training loop
 * without CIFAR-100: each fine class has a random centre, each image is its centre plus Gaussian noise.
 *
 * @module
 */
import type { FeatureBundle, FeatureSplit } from "../features/types.ts";
import { Rng } from "../rng.ts";

/** Sizes of a toy bundle. */
export interface ToyFeatureOptions {
  seed?: number;
  numClasses?: number;
  trainPerClass?: number;
  testPerClass?: number;
  noiseCount?: number;
  dim?: number;
  /** Standard deviation of the images around their class centre (centres are N(0, 1)). */
  spread?: number;
}

function toySplit(
  centres: Float32Array,
  perClass: number,
  dim: number,
  spread: number,
  rng: Rng,
): FeatureSplit {
  const numClasses = centres.length / dim, count = numClasses * perClass;
  const features = new Float32Array(count * dim),
    fine = new Uint8Array(count),
    coarse = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const c = i % numClasses; // classes interleaved, as a real split is not sorted by class
    fine[i] = c;
    coarse[i] = Math.floor(c / 5);
    for (let d = 0; d < dim; d++) features[i * dim + d] = centres[c * dim + d] + spread * rng.normal();
  }
  return { count, dim, features, fine, coarse };
}

/** A class-structured random {@link FeatureBundle} (train, test and noise splits). */
export function toyFeatureBundle(opts: ToyFeatureOptions = {}): FeatureBundle {
  const {
    seed = 1,
    numClasses = 100,
    trainPerClass = 5,
    testPerClass = 2,
    noiseCount = 50,
    dim = 64,
    spread = 0.3,
  } = opts;
  const rng = new Rng(seed);
  const centres = rng.fork("centres").fillNormal(new Float32Array(numClasses * dim)) as Float32Array;
  const noiseRng = rng.fork("noise");
  const noise: FeatureSplit = {
    count: noiseCount,
    dim,
    features: noiseRng.fillNormal(new Float32Array(noiseCount * dim)) as Float32Array,
    fine: new Uint8Array(noiseCount),
    coarse: new Uint8Array(noiseCount),
  };
  return {
    meta: {
      key: `toy-${seed}-${numClasses}x${trainPerClass}x${testPerClass}-${dim}`,
      dataset: "toy",
      datasetHash: `toy-${seed}`,
      arch: "none",
      weightsName: "none",
      weightsSha256: "none",
      mean: [],
      std: [],
      augment: false,
      augmentSeed: 0,
      noiseCount,
      noiseSeed: seed,
      backend: "none",
      createdAt: "1970-01-01T00:00:00.000Z",
      seconds: 0,
    },
    train: toySplit(centres, trainPerClass, dim, spread, rng.fork("train")),
    test: toySplit(centres, testPerClass, dim, spread, rng.fork("test")),
    noise,
  };
}
