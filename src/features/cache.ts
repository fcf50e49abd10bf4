/**
 * Features computed once, cached on disk, and reused by every run.
 *
 * A feature set lives in `<cacheDir>/<key16>/`, where the key hashes everything that decides the numbers
 * (dataset, weights, normalization, augmentation, noise, architecture):
 *
 * | file | content |
 * | --- | --- |
 * | `train.f32`, `test.f32`, `noise.f32` | count x 64 float32, little-endian, row-major |
 * | `train.fine.u8`, `train.coarse.u8`, `test.fine.u8`, `test.coarse.u8` | one label byte per image |
 * | `meta.json` | {@link FeatureCacheMeta}: how it was made, counts, and each file's size and sha256 |
 *
 * The folder is built under a temporary name and renamed into place with `meta.json` written last, so a
 * crash never leaves a folder a later run would trust; a folder that fails the checks (no `meta.json`, a
 * file of the wrong size or hash) is rebuilt. Two processes building the same key both end with a valid
 * cache: the one whose rename loses keeps the winner's folder and discards its own.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { loadDataset } from "../data/load.ts";
import type { ImageDataset, ImageSplit } from "../data/types.ts";
import { exists, writeFileAtomic, writeJsonAtomic } from "../io/atomic.ts";
import { Progress } from "../io/progress.ts";
import { Rng } from "../rng.ts";
import { PAPER_NORMALIZATION, validateResNetStateDict } from "../vision/resnet.ts";
import { loadStateDict } from "../vision/torch_checkpoint.ts";
import { resolveWeights } from "../vision/weights.ts";
import { randomWeights } from "../vision/random_weights.ts";
import { augmentImages } from "./augment.ts";
import { extractFeatures, type FeatureBackend, noiseSource, pixelSource } from "./extract.ts";
import { NOISE_COUNT } from "./noise.ts";
import type { FeatureBundle, FeatureMeta, FeatureSplit } from "./types.ts";

/** The paper's weights, the default of every run. */
export const DEFAULT_WEIGHTS = "cifar100-resnet56-2f147f26.pth";
/** Default cache folder, relative to the working directory. */
export const DEFAULT_CACHE_DIR = "data/features";
/** Version of the cache layout; part of the key, so a layout change never reads old folders. */
export const FEATURE_CACHE_FORMAT = "vcp-features/1";

/** Options of {@link ensureFeatures}. */
export interface FeatureOptions {
  dataset: "cifar100" | "synthetic";
  /** Path of a CIFAR-100 copy (any form `loadDataset` accepts). */
  cifar?: string;
  syntheticSeed?: number;
  /** An already loaded dataset: skips loading (its `hash` still keys the cache). */
  images?: ImageDataset;
  /** Weights name or path; default `$VCP_WEIGHTS`, else {@link DEFAULT_WEIGHTS}. */
  weights?: string;
  /** Folder of downloaded weights (passed to `resolveWeights`). */
  weightsDir?: string;
  downloadWeights?: boolean;
  /** The paper's random crop + flip, once per image (default false). */
  augment?: boolean;
  augmentSeed?: number;
  /** Gaussian-noise images (default 10,000). */
  noiseCount?: number;
  noiseSeed?: number;
  /** Normalization; default the paper's. */
  mean?: number[];
  std?: number[];
  /** ResNet backend: `auto` (ONNX Runtime when it loads, else TensorFlow.js), `onnxruntime`, or a tfjs one. */
  backend?: FeatureBackend;
  /** Extraction workers (default 2; 0 = this thread). */
  workers?: number;
  /** Show progress on stderr (default true). */
  progress?: boolean;
  cacheDir?: string;
}

/** What decides a feature set's numbers: hashed into its cache key. */
export interface FeatureKeyParts {
  datasetHash: string;
  weightsSha256: string;
  /** e.g. "resnet56". */
  arch: string;
  mean: number[];
  std: number[];
  augment: boolean;
  augmentSeed: number;
  noiseCount: number;
  noiseSeed: number;
}

/** `meta.json` of a cache folder: the {@link FeatureMeta} plus what checks the files. */
export interface FeatureCacheMeta extends FeatureMeta {
  format: string;
  dim: number;
  counts: { train: number; test: number; noise: number };
  /** File name → size in bytes and sha256 (hex). */
  files: Record<string, { bytes: number; sha256: string }>;
  workers: number;
  imagesPerSecond: number;
  /** CPU seconds of the extracting threads, where measurable (see `ExtractResult.cpuSeconds`). */
  cpuSeconds?: number;
}

/** A bundle from {@link ensureFeatures}, saying whether it came from the cache. */
export interface EnsuredFeatures extends FeatureBundle {
  meta: FeatureCacheMeta;
  dir: string;
  /** True when the cache already held this feature set (nothing was extracted). */
  hit: boolean;
}

/** A cache folder that is missing, incomplete or damaged. */
export class FeatureCacheError extends Error {
  override name = "FeatureCacheError";
}

/**
 * The cache key (sha256 hex) of a feature set. The augmentation seed counts only when augmentation is on.
 *
 * @example
 * ```ts
 * import { featureKey } from "./cache.ts";
 * const parts = {
 *   datasetHash: "d", weightsSha256: "w", arch: "resnet56", mean: [0.5, 0.5, 0.5], std: [0.2, 0.2, 0.2],
 *   augment: false, augmentSeed: 0, noiseCount: 10000, noiseSeed: 0,
 * };
 * if (featureKey(parts) !== featureKey({ ...parts, augmentSeed: 3 })) throw new Error("seed ignored");
 * if (featureKey(parts) === featureKey({ ...parts, augment: true })) throw new Error("augment counts");
 * ```
 */
export function featureKey(parts: FeatureKeyParts): string {
  const canonical = {
    format: FEATURE_CACHE_FORMAT,
    datasetHash: parts.datasetHash,
    weightsSha256: parts.weightsSha256,
    arch: parts.arch,
    mean: parts.mean.map(Number),
    std: parts.std.map(Number),
    augment: parts.augment,
    augmentSeed: parts.augment ? parts.augmentSeed : 0,
    noiseCount: parts.noiseCount,
    noiseSeed: parts.noiseSeed,
  };
  return createHash("sha256").update(JSON.stringify(canonical)).digest("hex");
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function asBytes(a: Float32Array | Uint8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

async function readChecked(dir: string, name: string, meta: FeatureCacheMeta): Promise<Uint8Array> {
  const want = meta.files[name];
  if (!want) throw new FeatureCacheError(`${join(dir, "meta.json")} does not list ${name}.`);
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(join(dir, name));
  } catch {
    throw new FeatureCacheError(`${join(dir, name)} is missing: the feature cache is incomplete.`);
  }
  if (bytes.length !== want.bytes) {
    throw new FeatureCacheError(
      `${
        join(dir, name)
      } is ${bytes.length} bytes, expected ${want.bytes}: the file is truncated or damaged.`,
    );
  }
  if (sha256(bytes) !== want.sha256) {
    throw new FeatureCacheError(
      `${join(dir, name)} does not match its sha256 in meta.json: the file is damaged.`,
    );
  }
  return bytes;
}

function toFloat32(bytes: Uint8Array): Float32Array {
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  return new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4);
}

/**
 * Load a cache folder written by {@link ensureFeatures}, checking every file against `meta.json`.
 * Throws {@link FeatureCacheError} naming the file and the problem when the folder is incomplete or damaged.
 */
export async function loadFeatureBundle(dir: string): Promise<FeatureBundle & { meta: FeatureCacheMeta }> {
  if (!LITTLE_ENDIAN) throw new FeatureCacheError("The feature cache needs a little-endian machine.");
  const metaPath = join(dir, "meta.json");
  let meta: FeatureCacheMeta;
  try {
    meta = JSON.parse(await Deno.readTextFile(metaPath));
  } catch (e) {
    throw new FeatureCacheError(
      e instanceof Deno.errors.NotFound
        ? `${metaPath} is missing: the feature cache in ${dir} is incomplete.`
        : `${metaPath} is not valid JSON: ${(e as Error).message}.`,
    );
  }
  if (meta?.format !== FEATURE_CACHE_FORMAT || typeof meta.dim !== "number" || !meta.counts || !meta.files) {
    throw new FeatureCacheError(
      `${metaPath} is not a feature cache description of format ${FEATURE_CACHE_FORMAT}.`,
    );
  }
  const split = async (name: "train" | "test" | "noise"): Promise<FeatureSplit> => {
    const count = meta.counts[name];
    const features = toFloat32(await readChecked(dir, `${name}.f32`, meta));
    if (features.length !== count * meta.dim) {
      throw new FeatureCacheError(`${join(dir, `${name}.f32`)} does not hold ${count} x ${meta.dim} floats.`);
    }
    const labels = name === "noise" ? { fine: new Uint8Array(count), coarse: new Uint8Array(count) } : {
      fine: await readChecked(dir, `${name}.fine.u8`, meta),
      coarse: await readChecked(dir, `${name}.coarse.u8`, meta),
    };
    if (labels.fine.length !== count || labels.coarse.length !== count) {
      throw new FeatureCacheError(`The labels of ${name} in ${dir} do not hold ${count} entries.`);
    }
    return { count, dim: meta.dim, features, ...labels };
  };
  return { meta, train: await split("train"), test: await split("test"), noise: await split("noise"), dir };
}

async function isValidCache(dir: string, key: string): Promise<boolean> {
  try {
    return (await loadFeatureBundle(dir)).meta.key === key;
  } catch {
    return false;
  }
}

/** Remove temporary and discarded folders older than an hour (a crashed build's leftovers). */
async function cleanStale(cacheDir: string): Promise<void> {
  try {
    for await (const e of Deno.readDir(cacheDir)) {
      if (!e.isDirectory || !/^\.(tmp|trash)-/.test(e.name)) continue;
      const path = join(cacheDir, e.name);
      const st = await Deno.stat(path);
      if (Date.now() - (st.mtime?.getTime() ?? 0) > 3600_000) await Deno.remove(path, { recursive: true });
    }
  } catch {
    // a concurrent cleaner or a missing folder: nothing to do
  }
}

function tempName(cacheDir: string, kind: "tmp" | "trash", key16: string): string {
  return join(cacheDir, `.${kind}-${key16}-${Deno.pid}-${Math.random().toString(36).slice(2, 8)}`);
}

/**
 * Rename a finished temporary folder into place. If another process got there first with an intact folder,
 * keep that one, discard ours, and return false.
 */
async function publish(tmp: string, final: string, cacheDir: string, key: string): Promise<boolean> {
  const key16 = key.slice(0, 16);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await Deno.rename(tmp, final);
      return true;
    } catch (e) {
      const occupied = e instanceof Deno.errors.AlreadyExists ||
        (e as { code?: string }).code === "ENOTEMPTY";
      if (!occupied) throw e;
    }
    if (await isValidCache(final, key)) {
      await Deno.remove(tmp, { recursive: true });
      return false;
    }
    // A damaged folder sits at the final name: move it aside (another process may do so at the same time).
    const trash = tempName(cacheDir, "trash", key16);
    await Deno.rename(final, trash).then(() => Deno.remove(trash, { recursive: true })).catch(() => {});
  }
  throw new FeatureCacheError(`Could not move the new feature cache ${tmp} to ${final}.`);
}

/** Write the splits' files into `dir`, meta.json last; returns the full meta. */
async function writeBundle(
  dir: string,
  bundle: Pick<FeatureBundle, "train" | "test" | "noise">,
  meta: Omit<FeatureCacheMeta, "files">,
): Promise<FeatureCacheMeta> {
  const files: FeatureCacheMeta["files"] = {};
  const put = async (name: string, a: Float32Array | Uint8Array) => {
    const bytes = asBytes(a);
    await writeFileAtomic(join(dir, name), bytes);
    files[name] = { bytes: bytes.length, sha256: sha256(bytes) };
  };
  for (const name of ["train", "test", "noise"] as const) await put(`${name}.f32`, bundle[name].features);
  for (const name of ["train", "test"] as const) {
    await put(`${name}.fine.u8`, bundle[name].fine);
    await put(`${name}.coarse.u8`, bundle[name].coarse);
  }
  await writeJsonAtomic(join(dir, "meta.json"), { ...meta, files });
  return { ...meta, files };
}

function labelsOf(split: ImageSplit): { fine: Uint8Array; coarse: Uint8Array } {
  return { fine: split.fine.slice(), coarse: split.coarse.slice() };
}

/**
 * The feature set of `opts`: loaded from the cache when present and intact, otherwise extracted (train,
 * test, and `noiseCount` Gaussian-noise images), written to the cache, and returned.
 */
export async function ensureFeatures(opts: FeatureOptions): Promise<EnsuredFeatures> {
  const cacheDir = opts.cacheDir ?? DEFAULT_CACHE_DIR;
  const mean = opts.mean ?? PAPER_NORMALIZATION.mean;
  const std = opts.std ?? PAPER_NORMALIZATION.std;
  const augment = opts.augment ?? false;
  const augmentSeed = opts.augmentSeed ?? 0;
  const noiseCount = opts.noiseCount ?? NOISE_COUNT;
  const noiseSeed = opts.noiseSeed ?? 0;
  const showProgress = opts.progress ?? true;

  const data = opts.images ?? await loadDataset({
    dataset: opts.dataset,
    cifar: opts.cifar,
    syntheticSeed: opts.syntheticSeed,
    progress: showProgress,
  });
  const weightsName = opts.weights ?? Deno.env.get("VCP_WEIGHTS") ?? DEFAULT_WEIGHTS;
  const random = randomWeights(weightsName);
  const weights = random ? { ...random, path: random.name } : await resolveWeights(weightsName, {
    dir: opts.weightsDir,
    download: opts.downloadWeights,
    progress: showProgress,
  });
  const stateDict = random ? random.stateDict : await loadStateDict(weights.path);
  const { layers } = validateResNetStateDict(stateDict, weights.path);
  const arch = `resnet${2 * layers.reduce((a, b) => a + b, 0) + 2}`;
  const key = featureKey({
    datasetHash: data.hash,
    weightsSha256: weights.sha256,
    arch,
    mean,
    std,
    augment,
    augmentSeed,
    noiseCount,
    noiseSeed,
  });
  const key16 = key.slice(0, 16);
  const final = join(cacheDir, key16);

  // Cache hit: an intact folder with this key.
  if (await exists(final)) {
    try {
      const bundle = await loadFeatureBundle(final);
      if (bundle.meta.key === key) return { ...bundle, dir: final, hit: true };
      throw new FeatureCacheError(`${final} holds features of another key (${bundle.meta.key}).`);
    } catch (e) {
      if (!(e instanceof FeatureCacheError)) throw e;
      if (showProgress) console.error(`Not using the feature cache ${final}: ${e.message} Rebuilding it.`);
    }
  }

  // Miss: extract train, test and noise in one pass over the workers.
  const started = performance.now();
  const norm = { mean, std };
  const augmentRng = new Rng(augmentSeed);
  const pixels = (split: ImageSplit, label: string) =>
    augment ? augmentImages(split.pixels, split.count, augmentRng.fork(label)) : split.pixels;
  const total = data.train.count + data.test.count + noiseCount;
  const progress = new Progress({ label: "features", total, unit: "images", enabled: showProgress });
  const result = await extractFeatures(
    [
      pixelSource(pixels(data.train, "augment-train"), data.train.count, norm),
      pixelSource(pixels(data.test, "augment-test"), data.test.count, norm),
      noiseSource(noiseCount, new Rng(noiseSeed)),
    ],
    {
      // in this thread, reuse the state dict already read; workers read the file themselves
      weights: (opts.workers ?? 2) === 0 || random ? { stateDict } : { path: weights.path },
      workers: opts.workers ?? 2,
      backend: opts.backend ?? "auto",
      onProgress: (done) => progress.update(done),
    },
  );
  progress.done();
  const [trainF, testF, noiseF] = result.features;
  const dim = result.dim || 64;
  const splits = {
    train: { count: data.train.count, dim, features: trainF, ...labelsOf(data.train) },
    test: { count: data.test.count, dim, features: testF, ...labelsOf(data.test) },
    noise: {
      count: noiseCount,
      dim,
      features: noiseF,
      fine: new Uint8Array(noiseCount),
      coarse: new Uint8Array(noiseCount),
    },
  };
  const metaWithoutFiles: Omit<FeatureCacheMeta, "files"> = {
    key,
    dataset: data.name,
    datasetHash: data.hash,
    arch,
    weightsName: weights.name,
    weightsSha256: weights.sha256,
    mean,
    std,
    augment,
    augmentSeed: augment ? augmentSeed : 0,
    noiseCount,
    noiseSeed,
    backend: result.backend.name,
    createdAt: new Date().toISOString(),
    seconds: (performance.now() - started) / 1000,
    format: FEATURE_CACHE_FORMAT,
    dim,
    counts: { train: data.train.count, test: data.test.count, noise: noiseCount },
    workers: result.workers,
    imagesPerSecond: result.imagesPerSecond,
    cpuSeconds: result.cpuSeconds,
  };

  // Write under a temporary name, meta.json last, then rename into place.
  await Deno.mkdir(cacheDir, { recursive: true });
  await cleanStale(cacheDir);
  const tmp = tempName(cacheDir, "tmp", key16);
  let meta: FeatureCacheMeta, won: boolean;
  try {
    meta = await writeBundle(tmp, splits, metaWithoutFiles);
    won = await publish(tmp, final, cacheDir, key);
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw e;
  }
  // A process that lost the race returns the winner's folder (the same numbers, its description).
  if (!won) return { ...(await loadFeatureBundle(final)), dir: final, hit: false };
  return { ...splits, meta, dir: final, hit: false };
}
