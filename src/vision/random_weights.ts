/**
 * Seeded random weights for the CIFAR ResNet, for pipelines that must run where no pretrained weights can be
 * had (the offline demo, benchmarks): He-initialised convolutions and identity BatchNorm. Their features keep
 * the images' structure well enough for a game to learn, but they are not the paper's features.
 *
 * Such weights are named `random-resnet<depth>` or `random-resnet<depth>:<seed>` wherever a weights name is
 * accepted.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { Rng } from "../rng.ts";
import type { StateDict, TensorEntry } from "./torch_checkpoint.ts";

/** Version of the recipe below; bump it when the weights it makes change. */
const RECIPE_VERSION = "he-init-scaled-residual-1";
const RANDOM_NAME = /^random-resnet(20|32|44|56)(?::(\d+))?$/;

/** The depth and seed of a `random-resnet<depth>[:seed]` name, or undefined for any other name. */
export function parseRandomWeightsName(name: string): { depth: number; seed: number } | undefined {
  const m = RANDOM_NAME.exec(name);
  return m ? { depth: Number(m[1]), seed: Number(m[2] ?? 0) } : undefined;
}

/** The state dict of a `random-resnet<depth>[:seed]` name, with a sha256 of its name standing for the file's. */
export function randomWeights(
  name: string,
): { name: string; sha256: string; stateDict: StateDict } | undefined {
  const parsed = parseRandomWeightsName(name);
  if (!parsed) return undefined;
  const canonical = `random-resnet${parsed.depth}:${parsed.seed}`;
  return {
    name: canonical,
    // The recipe's version is hashed too: a change of the recipe must not reuse features cached under the name.
    sha256: createHash("sha256").update(`${canonical}/${RECIPE_VERSION}`).digest("hex"),
    stateDict: randomResNetStateDict((parsed.depth - 2) / 6, new Rng(parsed.seed)),
  };
}

/**
 * A CIFAR ResNet state dict with random weights (He-initialised convs, identity BatchNorm but for the last
 * BatchNorm of each residual branch, scaled by 1/√(3 · blocks) so activations stay bounded), in PyTorch's
 * key names and shapes: `blocks` BasicBlocks per stage (9 for ResNet-56).
 */
export function randomResNetStateDict(blocks: number, rng: Rng, numClasses = 100): StateDict {
  const sd: StateDict = new Map();
  const tensor = (shape: number[], fill: (i: number) => number): TensorEntry => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = fill(i);
    return { shape, dtype: "float32", data };
  };
  const conv = (key: string, out: number, inC: number, k: number) => {
    const scale = Math.sqrt(2 / (inC * k * k));
    sd.set(key, tensor([out, inC, k, k], () => rng.normal() * scale));
  };
  const bn = (prefix: string, c: number, gamma = 1) => {
    sd.set(`${prefix}.weight`, tensor([c], () => gamma));
    sd.set(`${prefix}.bias`, tensor([c], () => 0));
    sd.set(`${prefix}.running_mean`, tensor([c], () => 0));
    sd.set(`${prefix}.running_var`, tensor([c], () => 1));
  };
  conv("conv1.weight", 16, 3, 3);
  bn("bn1", 16);
  let inC = 16;
  for (let s = 0; s < 3; s++) {
    const c = 16 << s;
    for (let i = 0; i < blocks; i++) {
      const p = `layer${s + 1}.${i}`;
      conv(`${p}.conv1.weight`, c, i === 0 ? inC : c, 3);
      bn(`${p}.bn1`, c);
      conv(`${p}.conv2.weight`, c, c, 3);
      // Scaled residual branches keep activations bounded through 3 x blocks additions (as Fixup does).
      bn(`${p}.bn2`, c, 1 / Math.sqrt(3 * blocks));
      if (i === 0 && s > 0) {
        conv(`${p}.downsample.0.weight`, c, inC, 1);
        bn(`${p}.downsample.1`, c);
      }
    }
    inC = c;
  }
  sd.set("fc.weight", tensor([numClasses, 64], () => rng.normal() / 8));
  sd.set("fc.bias", tensor([numClasses], () => 0));
  return sd;
}
