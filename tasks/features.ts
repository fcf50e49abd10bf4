/**
 * `deno task features`: extract the 64-d ResNet features of a dataset's train and test splits and of the
 * Gaussian-noise images, once; later calls (and every training run) find them in the cache.
 *
 * @module
 */
import { BACKEND_CHOICES } from "../src/backend.ts";
import type { FeatureBackend } from "../src/features/extract.ts";
import { helpText, numberFlag, parseFlags, runMain, UsageError } from "../src/cli.ts";
import { DEFAULT_CACHE_DIR, DEFAULT_WEIGHTS, ensureFeatures } from "../src/features/cache.ts";
import { CHECKPOINT_NORMALIZATION, PAPER_NORMALIZATION } from "../src/vision/resnet.ts";

const FLAGS = {
  dataset: { type: "string", help: "cifar100 or synthetic", default: "cifar100" },
  cifar: { type: "string", help: "Path of a CIFAR-100 copy (tarball, binary or python folder)" },
  "synthetic-seed": { type: "string", help: "Seed of the synthetic dataset", default: "0" },
  weights: {
    type: "string",
    help: `Weights: a known name or a .pth/.pt path (default $VCP_WEIGHTS, else ${DEFAULT_WEIGHTS})`,
  },
  augment: {
    type: "boolean",
    help: "The paper's random crop (padding 4) + flip, once per image",
    default: false,
  },
  "augment-seed": { type: "string", help: "Seed of the augmentation", default: "0" },
  "noise-count": { type: "string", help: "Gaussian-noise images (the paper's 10,000)", default: "10000" },
  "noise-seed": { type: "string", help: "Seed of the Gaussian-noise images", default: "0" },
  normalization: {
    type: "string",
    help: "paper (the original code's std) or checkpoint (the weights' training std)",
    default: "paper",
  },
  workers: { type: "string", help: "Extraction workers (0 = in this process)", default: "2" },
  backend: {
    type: "string",
    help: `ResNet backend: auto (ONNX Runtime when it loads, else TensorFlow.js), onnxruntime, ${
      BACKEND_CHOICES.filter((b) => b !== "auto").join(", ")
    }`,
    default: "auto",
  },
  "cache-dir": { type: "string", help: "Feature cache folder", default: DEFAULT_CACHE_DIR },
} as const;

await runMain(async () => {
  const { values: v } = parseFlags(Deno.args, FLAGS);
  if (v.help) {
    console.log(
      helpText("Usage: deno task features [--dataset cifar100|synthetic] [--augment] [...]", FLAGS),
    );
    return;
  }
  const dataset = v.dataset as string;
  if (dataset !== "cifar100" && dataset !== "synthetic") {
    throw new UsageError(`--dataset must be cifar100 or synthetic, got "${dataset}".`);
  }
  const normalization = { paper: PAPER_NORMALIZATION, checkpoint: CHECKPOINT_NORMALIZATION }[
    v.normalization as string
  ];
  if (!normalization) {
    throw new UsageError(`--normalization must be paper or checkpoint, got "${v.normalization}".`);
  }
  const backend = v.backend as FeatureBackend;
  if (backend !== "onnxruntime" && !BACKEND_CHOICES.includes(backend)) {
    throw new UsageError(
      `--backend must be onnxruntime or one of ${BACKEND_CHOICES.join(", ")}, got "${backend}".`,
    );
  }
  const workers = numberFlag("workers", v.workers);
  if (!Number.isInteger(workers) || workers < 0) {
    throw new UsageError(`--workers must be a non-negative integer, got "${v.workers}".`);
  }

  const t0 = performance.now();
  const bundle = await ensureFeatures({
    dataset,
    cifar: v.cifar as string | undefined,
    syntheticSeed: numberFlag("synthetic-seed", v["synthetic-seed"]),
    weights: v.weights as string | undefined,
    downloadWeights: true,
    augment: Boolean(v.augment),
    augmentSeed: numberFlag("augment-seed", v["augment-seed"]),
    noiseCount: numberFlag("noise-count", v["noise-count"]),
    noiseSeed: numberFlag("noise-seed", v["noise-seed"]),
    mean: normalization.mean,
    std: normalization.std,
    backend,
    workers,
    cacheDir: v["cache-dir"] as string,
  });
  const m = bundle.meta;
  const total = m.counts.train + m.counts.test + m.counts.noise;
  console.log(`features: ${bundle.dir}`);
  console.log(
    `cache ${bundle.hit ? "hit" : "miss (extracted now)"}: ${m.dataset}, ${m.arch} ${m.weightsName}, ` +
      `train ${bundle.train.count}, test ${bundle.test.count}, noise ${bundle.noise.count}, dim ${m.dim}` +
      `${m.augment ? `, augmented (seed ${m.augmentSeed})` : ""}`,
  );
  console.log(
    bundle.hit
      ? `loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s (extracted at ` +
        `${m.imagesPerSecond.toFixed(1)} images/s on ${m.workers} worker(s), ${m.backend}, ${m.createdAt})`
      : `extracted at ${m.imagesPerSecond.toFixed(1)} images/s on ${m.workers} worker(s), ${m.backend}` +
        (m.cpuSeconds ? ` (${(total / m.cpuSeconds).toFixed(1)} images per CPU-second)` : "") +
        `; ${m.seconds.toFixed(1)} s in all`,
  );
});
