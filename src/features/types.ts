/**
 * Cached 64-d image features: what every training run reads.
 *
 * @module
 */

/** Features of one split. */
export interface FeatureSplit {
  count: number;
  /** Feature size (64 for the CIFAR ResNets). */
  dim: number;
  /** N x dim, row-major. */
  features: Float32Array;
  /** Fine label per image (all 0 for noise images). */
  fine: Uint8Array;
  /** Coarse label per image (all 0 for noise images). */
  coarse: Uint8Array;
}

/** Description of how a feature set was made: its cache key is a hash of this. */
export interface FeatureMeta {
  /** Cache key (hex). */
  key: string;
  dataset: string;
  datasetHash: string;
  /** e.g. "resnet56". */
  arch: string;
  weightsName: string;
  weightsSha256: string;
  mean: number[];
  std: number[];
  /** The paper's extraction-time augmentation (random crop 4 + flip, once). */
  augment: boolean;
  augmentSeed: number;
  noiseCount: number;
  noiseSeed: number;
  backend: string;
  createdAt: string;
  seconds: number;
}

/** Train, test and Gaussian-noise features with their description. */
export interface FeatureBundle {
  meta: FeatureMeta;
  train: FeatureSplit;
  test: FeatureSplit;
  noise: FeatureSplit;
  /** Folder the bundle was loaded from. */
  dir?: string;
}
