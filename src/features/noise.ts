/**
 * Gaussian-noise images for the paper's `--eval_noise` games: N(0, 1) in the normalized input space of the
 * ResNet (what the original fed it with `torch.randn`), so they skip the pixel normalization.
 *
 * @module
 */
import { IMAGE_BYTES } from "../data/types.ts";
import type { Rng } from "../rng.ts";

/** Number of noise images the paper evaluates on. */
export const NOISE_COUNT = 10_000;

/** Floats in one normalized image (3 x 32 x 32). */
export const NOISE_IMAGE_FLOATS = IMAGE_BYTES;

/**
 * Draw `count` noise images, count x 3 x 32 x 32 (NCHW), each value N(0, 1), from `rng`.
 *
 * Calling it several times on the same generator continues the same stream: two calls of 3 and 5 images
 * give the same values as one call of 8, so the noise set does not depend on how extraction chunks it.
 *
 * @example
 * ```ts
 * import { Rng } from "../rng.ts";
 * import { noiseImages } from "./noise.ts";
 * const a = noiseImages(2, new Rng(0)), b = noiseImages(2, new Rng(0));
 * if (a.length !== 2 * 3072 || a[100] !== b[100]) throw new Error("seeded noise");
 * ```
 */
export function noiseImages(count: number, rng: Rng): Float32Array {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`noiseImages() needs a non-negative integer count, got ${count}.`);
  }
  return rng.fillNormal(new Float32Array(count * NOISE_IMAGE_FLOATS)) as Float32Array;
}
