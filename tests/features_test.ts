import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { IMAGE_BYTES, type ImageDataset, type ImageSplit } from "../src/data/types.ts";
import { Rng } from "../src/rng.ts";
import { PAPER_NORMALIZATION } from "../src/vision/resnet.ts";
import { loadStateDict } from "../src/vision/torch_checkpoint.ts";
import { augmentImages, cropFlip, drawCropFlip } from "../src/features/augment.ts";
import { noiseImages } from "../src/features/noise.ts";
import { extractFeatures, noiseSource, pixelSource } from "../src/features/extract.ts";
import {
  ensureFeatures,
  featureKey,
  type FeatureKeyParts,
  type FeatureOptions,
  loadFeatureBundle,
} from "../src/features/cache.ts";

const FIXTURE = new URL("./fixtures/resnet20_random_legacy.pth", import.meta.url).pathname;

/** A tiny dataset of random pixels (ResNet-20 on it takes well under a second). */
function tinyDataset(seed: number, train = 10, test = 6): ImageDataset {
  const rng = new Rng(seed);
  const split = (count: number): ImageSplit => {
    const pixels = new Uint8Array(count * IMAGE_BYTES);
    for (let i = 0; i < pixels.length; i++) pixels[i] = rng.int(256);
    const fine = Uint8Array.from({ length: count }, (_, i) => i % 100);
    return { count, pixels, fine, coarse: fine.map((f) => f % 20) };
  };
  const ds = { train: split(train), test: split(test) };
  const hash = createHash("sha256").update(ds.train.pixels).update(ds.test.pixels).digest("hex");
  return { name: `tiny-${seed}`, source: "test", ...ds, fineNames: [], coarseNames: [], hash };
}

function cacheOptions(cacheDir: string, images: ImageDataset): FeatureOptions {
  return {
    dataset: "synthetic",
    images,
    weights: FIXTURE,
    noiseCount: 5,
    workers: 0,
    progress: false,
    cacheDir,
  };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

Deno.test("noiseImages() is deterministic from its seed, continues its stream, and is N(0, 1)", () => {
  const a = noiseImages(200, new Rng(0));
  assert.deepEqual(a, noiseImages(200, new Rng(0)));
  assert.notDeepEqual(a.subarray(0, 10), noiseImages(1, new Rng(1)).subarray(0, 10));
  const rng = new Rng(0);
  const parts = [noiseImages(3, rng), noiseImages(5, rng)];
  assert.deepEqual([...parts[0], ...parts[1]], [...noiseImages(8, new Rng(0))]);
  let sum = 0, sq = 0;
  for (const v of a) {
    sum += v;
    sq += v * v;
  }
  const mean = sum / a.length, std = Math.sqrt(sq / a.length - mean * mean);
  assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(std - 1) < 0.01, `std ${std}`);
});

Deno.test("cropFlip() pads with zeros, crops and mirrors like RandomCrop(32, padding=4) + flip", () => {
  // pixel (c, y, x) = 1 + c * 50 + y, plus x in the green plane so flips show
  const img = new Uint8Array(IMAGE_BYTES);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) img[c * 1024 + y * 32 + x] = 1 + c * 50 + y + (c === 1 ? x : 0);
    }
  }
  const at = (a: Uint8Array, c: number, y: number, x: number) => a[c * 1024 + y * 32 + x];
  assert.deepEqual(cropFlip(img, { dy: 4, dx: 4, flip: false }), img);
  // crop at the padded image's top-left corner: the image moves down and right by 4, zeros above and left
  const tl = cropFlip(img, { dy: 0, dx: 0, flip: false });
  assert.equal(at(tl, 0, 3, 10), 0);
  assert.equal(at(tl, 2, 10, 3), 0);
  assert.equal(at(tl, 0, 4, 4), at(img, 0, 0, 0));
  assert.equal(at(tl, 1, 31, 31), at(img, 1, 27, 27));
  // bottom-right corner: up and left by 4, zeros in the last rows and columns
  const br = cropFlip(img, { dy: 8, dx: 8, flip: false });
  assert.equal(at(br, 1, 0, 0), at(img, 1, 4, 4));
  assert.equal(at(br, 1, 28, 0), 0);
  assert.equal(at(br, 1, 0, 28), 0);
  // a flip without a shift mirrors every row
  const fl = cropFlip(img, { dy: 4, dx: 4, flip: true });
  for (const x of [0, 5, 31]) assert.equal(at(fl, 1, 7, x), at(img, 1, 7, 31 - x));
  // crop then flip: output column x reads crop column 31 - x
  const both = cropFlip(img, { dy: 4, dx: 0, flip: true });
  assert.equal(at(both, 1, 2, 0), at(img, 1, 2, 27));
  assert.equal(at(both, 1, 2, 31), 0);
});

Deno.test("augmentImages() is deterministic from its seed and draws all crops and both flips", () => {
  const pixels = tinyDataset(3, 20, 1).train.pixels;
  const a = augmentImages(pixels, 20, new Rng(5));
  assert.deepEqual(a, augmentImages(pixels, 20, new Rng(5)));
  assert.notDeepEqual(a, augmentImages(pixels, 20, new Rng(6)));
  assert.equal(pixels.length, a.length);
  const rng = new Rng(1), dys = new Set<number>(), flips = new Set<boolean>();
  for (let i = 0; i < 500; i++) {
    const t = drawCropFlip(rng);
    assert.ok(t.dy >= 0 && t.dy <= 8 && t.dx >= 0 && t.dx <= 8);
    dys.add(t.dy);
    flips.add(t.flip);
  }
  assert.equal(dys.size, 9);
  assert.equal(flips.size, 2);
});

Deno.test("featureKey() changes with augmentation, normalization and weights", () => {
  const base: FeatureKeyParts = {
    datasetHash: "d",
    weightsSha256: "w",
    arch: "resnet56",
    mean: PAPER_NORMALIZATION.mean,
    std: PAPER_NORMALIZATION.std,
    augment: false,
    augmentSeed: 0,
    noiseCount: 10000,
    noiseSeed: 0,
  };
  const k = featureKey(base);
  assert.match(k, /^[0-9a-f]{64}$/);
  assert.equal(featureKey({ ...base }), k);
  assert.equal(featureKey({ ...base, augmentSeed: 9 }), k, "the augmentation seed counts only when on");
  assert.notEqual(featureKey({ ...base, augment: true }), k);
  assert.notEqual(
    featureKey({ ...base, augment: true }),
    featureKey({ ...base, augment: true, augmentSeed: 1 }),
  );
  assert.notEqual(featureKey({ ...base, std: [0.2673, 0.2564, 0.2762] }), k);
  assert.notEqual(featureKey({ ...base, weightsSha256: "v" }), k);
  assert.notEqual(featureKey({ ...base, datasetHash: "e" }), k);
  assert.notEqual(featureKey({ ...base, noiseSeed: 1 }), k);
});

Deno.test("extractFeatures() on two workers equals extraction in this thread", async () => {
  const ds = tinyDataset(1, 7, 1);
  const sd = await loadStateDict(FIXTURE);
  const run = (workers: number) =>
    extractFeatures(
      [pixelSource(ds.train.pixels, 7, PAPER_NORMALIZATION), noiseSource(3, new Rng(0))],
      { weights: workers ? { path: FIXTURE } : { stateDict: sd }, workers, chunkSize: 2, batchSize: 2 },
    );
  const here = await run(0);
  const there = await run(2);
  assert.equal(here.dim, 64);
  assert.equal(there.depth, 20);
  assert.equal(there.workers, 2);
  assert.equal(here.features[0].length, 7 * 64);
  assert.equal(here.features[1].length, 3 * 64);
  for (let s = 0; s < 2; s++) assert.ok(maxAbsDiff(here.features[s], there.features[s]) <= 1e-5);
});

Deno.test("ensureFeatures() extracts once, then returns identical arrays from the cache", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const opts = cacheOptions(dir, tinyDataset(2));
    const first = await ensureFeatures(opts);
    assert.equal(first.hit, false);
    assert.equal(first.meta.arch, "resnet20");
    assert.equal(first.train.count, 10);
    assert.equal(first.noise.features.length, 5 * 64);
    const second = await ensureFeatures(opts);
    assert.equal(second.hit, true);
    assert.equal(second.dir, first.dir);
    for (const s of ["train", "test", "noise"] as const) {
      assert.deepEqual(second[s].features, first[s].features);
      assert.deepEqual(second[s].fine, first[s].fine);
    }
    assert.deepEqual(second.train.coarse, opts.images!.train.coarse);
    // another normalization is another feature set
    const other = await ensureFeatures({ ...opts, std: [0.2673, 0.2564, 0.2762] });
    assert.equal(other.hit, false);
    assert.notEqual(other.dir, first.dir);
    const entries = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(entries, [first.dir, other.dir].map((d) => d.split("/").pop()).sort());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ensureFeatures() does not trust a half-written cache and rebuilds it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const opts = cacheOptions(dir, tinyDataset(4));
    const good = await ensureFeatures(opts);
    // a folder without meta.json (a crash before the last write)
    await Deno.remove(join(good.dir, "meta.json"));
    await assert.rejects(loadFeatureBundle(good.dir), /meta\.json is missing/);
    const rebuilt = await ensureFeatures(opts);
    assert.equal(rebuilt.hit, false);
    assert.deepEqual(rebuilt.train.features, good.train.features);
    // a truncated feature file
    const f32 = join(good.dir, "train.f32");
    await Deno.truncate(f32, 100);
    await assert.rejects(loadFeatureBundle(good.dir), /train\.f32 is 100 bytes, expected 2560/);
    assert.equal((await ensureFeatures(opts)).hit, false);
    // a same-size but altered file
    const bytes = await Deno.readFile(f32);
    bytes[7] ^= 1;
    await Deno.writeFile(f32, bytes);
    await assert.rejects(loadFeatureBundle(good.dir), /sha256/);
    assert.equal((await ensureFeatures(opts)).hit, false);
    assert.equal((await ensureFeatures(opts)).hit, true);
    // a stale temporary folder is ignored
    await Deno.mkdir(join(dir, `.tmp-${good.meta.key.slice(0, 16)}-1-x`));
    assert.equal((await ensureFeatures(opts)).hit, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ensureFeatures() racing itself leaves one valid cache and no temporary folder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const opts = cacheOptions(dir, tinyDataset(5));
    const [a, b] = await Promise.all([ensureFeatures(opts), ensureFeatures(opts)]);
    assert.equal(a.dir, b.dir);
    assert.deepEqual(a.train.features, b.train.features);
    const entries = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.deepEqual(entries, [a.meta.key.slice(0, 16)]);
    assert.equal((await loadFeatureBundle(a.dir)).meta.key, a.meta.key);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
