/**
 * The in-memory form of an image dataset, shared by CIFAR-100 and the synthetic dataset.
 *
 * @module
 */

/** Image side and channels of CIFAR: 32 x 32 x 3. */
export const IMAGE_SIZE = 32;
export const IMAGE_BYTES = 3 * IMAGE_SIZE * IMAGE_SIZE;

/** One split: N images as uint8 R, G, B planes (N x 3 x 32 x 32, the official binary order) and labels. */
export interface ImageSplit {
  count: number;
  /** N x 3072 bytes: 1024 red, 1024 green, 1024 blue per image, rows top to bottom. */
  pixels: Uint8Array;
  /** Fine label 0..99 per image. */
  fine: Uint8Array;
  /** Coarse label 0..19 per image. */
  coarse: Uint8Array;
}

/** A dataset with train and test splits and label names. */
export interface ImageDataset {
  /** "cifar100" or "synthetic-<seed>". */
  name: string;
  /** Where it was read from (a path) or how it was made. */
  source: string;
  train: ImageSplit;
  test: ImageSplit;
  fineNames: string[];
  coarseNames: string[];
  /** sha256 (hex) over both splits' labels and pixels: keys the feature cache. */
  hash: string;
}
