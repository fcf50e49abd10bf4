/**
 * Visual concepts pressure in language emergence, in Deno + TypeScript.
 *
 * Two agents play a signaling game over 64-d features of CIFAR-100 images from a pretrained ResNet-56: a
 * Sender sees the target and emits a message of up to 10 symbols through a Gumbel-softmax channel, a
 * Receiver picks the target among the candidates, optionally under a visual pressure (`img_clas`,
 * `target_clas`). The pipeline, in the order of the folders of `src/`:
 *
 * data → features → game (sampling, agents, losses) → train → sweep → analysis → report.
 *
 * @example
 * ```ts
 * import { resolveConfig } from "./mod.ts";
 * const config = resolveConfig({ task: "img_clas", sameClassProb: 0.5 });
 * if (config.vocabSize !== 100 || config.maxLen !== 10) throw new Error("the paper's defaults");
 * ```
 * @module
 */

// configuration, randomness, backend
export * from "./src/config.ts";
export { Rng } from "./src/rng.ts";
export {
  activeBackend,
  BACKEND_CHOICES,
  type BackendChoice,
  BackendError,
  type BackendInfo,
  initBackend,
} from "./src/backend.ts";

// data
export type { ImageDataset, ImageSplit } from "./src/data/types.ts";
export { DatasetNotFoundError, loadCifar100, loadDataset, locateCifar } from "./src/data/load.ts";
export { downloadCifar100 } from "./src/data/download.ts";
export { makeSyntheticDataset } from "./src/data/synthetic.ts";

// pretrained vision model and features
export { loadStateDict, type StateDict } from "./src/vision/torch_checkpoint.ts";
export { CHECKPOINT_NORMALIZATION, CifarResNet, PAPER_NORMALIZATION } from "./src/vision/resnet.ts";
export { KNOWN_WEIGHTS, resolveWeights } from "./src/vision/weights.ts";
export type { FeatureBundle, FeatureMeta, FeatureSplit } from "./src/features/types.ts";
export { ensureFeatures, type FeatureOptions, loadFeatureBundle } from "./src/features/cache.ts";

// the game and its training
export * from "./src/game/mod.ts";
export { batchesOf, classIndex, drawGames, type GameDraw, makeBatch } from "./src/game/sampling.ts";
export { type TrainOptions, trainRun } from "./src/train/train.ts";
export { type Interactions, loadInteractions, saveInteractions } from "./src/train/interactions.ts";
export { type MetricLine, runPaths, type RunResult } from "./src/train/layout.ts";
export { runName } from "./src/train/run_name.ts";

// sweeps, analysis, reports
export * from "./src/sweep/mod.ts";
export * from "./src/analysis/mod.ts";
export * from "./src/report/mod.ts";
export { runParity } from "./src/parity/run.ts";
