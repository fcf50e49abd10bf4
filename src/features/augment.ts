/**
 * The paper's extraction-time augmentation: torchvision's `RandomCrop(32, padding=4)` then
 * `RandomHorizontalFlip(0.5)`, applied once per image when features are extracted (to train and test alike,
 * as the original's dataset transform did). Padding is zero in pixel space, before normalization, as
 * torchvision pads the PIL image.
 *
 * @module
 */
import { IMAGE_BYTES, IMAGE_SIZE } from "../data/types.ts";
import type { Rng } from "../rng.ts";

/** Zero padding on each side before the random 32 x 32 crop. */
export const AUGMENT_PADDING = 4;

/** One image's draw: crop offset in the padded 40 x 40 image (0..8 each) and whether to mirror it. */
export interface CropFlip {
  /** Top row of the crop in the padded image: 0..2 * padding. */
  dy: number;
  /** Left column of the crop in the padded image: 0..2 * padding. */
  dx: number;
  flip: boolean;
}

/** Draw one image's crop and flip (in torchvision's order: top, left, flip). */
export function drawCropFlip(rng: Rng): CropFlip {
  const span = 2 * AUGMENT_PADDING + 1;
  const dy = rng.int(span);
  const dx = rng.int(span);
  return { dy, dx, flip: rng.float() < 0.5 };
}

/**
 * Apply a crop and flip to one image (3 x 32 x 32 uint8, R, G, B planes); pixels from the padding are 0.
 *
 * @example
 * ```ts
 * import { cropFlip } from "./augment.ts";
 * const img = new Uint8Array(3072).fill(9);
 * const out = cropFlip(img, { dy: 0, dx: 4, flip: false }); // shifted down by 4 rows
 * if (out[0] !== 0 || out[4 * 32] !== 9) throw new Error("top rows come from the zero padding");
 * ```
 */
export function cropFlip(image: Uint8Array, t: CropFlip, out = new Uint8Array(IMAGE_BYTES)): Uint8Array {
  const S = IMAGE_SIZE, pad = AUGMENT_PADDING;
  for (let c = 0; c < 3; c++) {
    const plane = c * S * S;
    for (let y = 0; y < S; y++) {
      const sy = y + t.dy - pad;
      const row = plane + y * S;
      if (sy < 0 || sy >= S) {
        out.fill(0, row, row + S);
        continue;
      }
      const srcRow = plane + sy * S;
      for (let x = 0; x < S; x++) {
        // mirror after cropping: output column x reads crop column 31 - x
        const sx = (t.flip ? S - 1 - x : x) + t.dx - pad;
        out[row + x] = sx >= 0 && sx < S ? image[srcRow + sx] : 0;
      }
    }
  }
  return out;
}

/**
 * Augment `count` images (count x 3072 bytes) once each, drawing from `rng` image by image.
 * Returns a new array; the input is left untouched.
 */
export function augmentImages(pixels: Uint8Array, count: number, rng: Rng): Uint8Array {
  if (pixels.length !== count * IMAGE_BYTES) {
    throw new RangeError(
      `augmentImages() needs ${count} x ${IMAGE_BYTES} bytes, got ${pixels.length}.`,
    );
  }
  const out = new Uint8Array(pixels.length);
  for (let i = 0; i < count; i++) {
    const off = i * IMAGE_BYTES;
    cropFlip(
      pixels.subarray(off, off + IMAGE_BYTES),
      drawCropFlip(rng),
      out.subarray(off, off + IMAGE_BYTES),
    );
  }
  return out;
}
