/**
 * The first images of each split of a dataset, as a dataset of its own (with its own hash, so its features
 * get their own cache folder). The small reproduction profile extracts features of a subset only, which keeps
 * it within minutes on two cores.
 *
 * @example
 * ```ts
 * import { makeSyntheticDataset } from "../data/synthetic.ts";
 * import { firstImages } from "./subset.ts";
 * const ds = firstImages(makeSyntheticDataset({ seed: 1, trainPerClass: 2, testPerClass: 1 }), 50, 10);
 * if (ds.train.count !== 50 || ds.test.count !== 10) throw new Error("first 50 and 10 images");
 * ```
 * @module
 */
import { datasetHash } from "../data/cifar.ts";
import { IMAGE_BYTES, type ImageDataset, type ImageSplit } from "../data/types.ts";

function firstOf(split: ImageSplit, n: number): ImageSplit {
  const count = Math.min(n, split.count);
  return {
    count,
    pixels: split.pixels.subarray(0, count * IMAGE_BYTES),
    fine: split.fine.subarray(0, count),
    coarse: split.coarse.subarray(0, count),
  };
}

/** The first `train` training and `test` validation images of `ds` (all of a split when it has fewer). */
export function firstImages(ds: ImageDataset, train: number, test: number): ImageDataset {
  const tr = firstOf(ds.train, train), te = firstOf(ds.test, test);
  return {
    ...ds,
    name: `${ds.name}-first${tr.count}-${te.count}`,
    source: `first ${tr.count} train and ${te.count} test images of ${ds.source}`,
    train: tr,
    test: te,
    hash: datasetHash(tr, te),
  };
}
