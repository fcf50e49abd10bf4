/**
 * Pretrained CIFAR ResNet weights: the known releases, where to find them on disk, and a verified download.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { basename, join } from "node:path";
import { exists } from "../io/atomic.ts";
import { Progress } from "../io/progress.ts";
import { checkHashSuffix, ChecksumError, hashSuffix } from "./torch_checkpoint.ts";

/** A published weights file. */
export interface KnownWeights {
  /** File name as released, with torch.hub's hash suffix. */
  name: string;
  url: string;
  /** Full sha256 when known; otherwise only the name's hash suffix is checked. */
  sha256?: string;
  /** BasicBlocks per stage. */
  layers: [number, number, number];
  /** Published CIFAR-100 test top-1 (%). */
  top1: number;
  note: string;
}

const PCM = "https://github.com/chenyaofo/pytorch-cifar-models/releases/download/resnet";

/** chenyaofo's CIFAR-100 ResNets, by file name. */
export const KNOWN_WEIGHTS: Readonly<Record<string, KnownWeights>> = {
  "cifar100-resnet56-2f147f26.pth": {
    name: "cifar100-resnet56-2f147f26.pth",
    url:
      "https://github.com/chenyaofo/CIFAR-pretrained-models/releases/download/resnet/cifar100-resnet56-2f147f26.pth",
    layers: [9, 9, 9],
    top1: 70.79,
    note:
      "The paper's weights (chenyaofo/CIFAR-pretrained-models, 2019); that repository was renamed and the " +
      "file may no longer be downloadable.",
  },
  "cifar100_resnet20-23dac2f1.pt": {
    name: "cifar100_resnet20-23dac2f1.pt",
    url: `${PCM}/cifar100_resnet20-23dac2f1.pt`,
    layers: [3, 3, 3],
    top1: 68.83,
    note: "chenyaofo/pytorch-cifar-models (2021).",
  },
  "cifar100_resnet32-84213ce6.pt": {
    name: "cifar100_resnet32-84213ce6.pt",
    url: `${PCM}/cifar100_resnet32-84213ce6.pt`,
    layers: [5, 5, 5],
    top1: 70.16,
    note: "chenyaofo/pytorch-cifar-models (2021).",
  },
  "cifar100_resnet44-ffe32858.pt": {
    name: "cifar100_resnet44-ffe32858.pt",
    url: `${PCM}/cifar100_resnet44-ffe32858.pt`,
    layers: [7, 7, 7],
    top1: 71.63,
    note: "chenyaofo/pytorch-cifar-models (2021).",
  },
  "cifar100_resnet56-f2eff4c8.pt": {
    name: "cifar100_resnet56-f2eff4c8.pt",
    url: `${PCM}/cifar100_resnet56-f2eff4c8.pt`,
    sha256: "f2eff4c8461ca1e0d39af83a65f7243bf7d29ec421efee3064bcee93a3caaa73",
    layers: [9, 9, 9],
    top1: 72.63,
    note: "chenyaofo/pytorch-cifar-models (2021): the successor of the paper's weights, same architecture.",
  },
};

/** Error for weights that cannot be found, downloaded or verified. */
export class WeightsError extends Error {
  override name = "WeightsError";
}

/** A weights file on disk, verified. */
export interface ResolvedWeights {
  path: string;
  /** File name (the registry name for known weights). */
  name: string;
  /** Full sha256, lowercase hex. */
  sha256: string;
}

/** Options of {@link resolveWeights}. */
export interface ResolveOptions {
  /** Folder searched first and downloaded into (default "data/weights"). */
  dir?: string;
  /** Download known weights that are not on disk (default false). */
  download?: boolean;
  /** Show download progress (default true). */
  progress?: boolean;
}

/** sha256 of a file, read in chunks, as lowercase hex. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path, { read: true });
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

/**
 * Find weights by path or by known name. A path that exists is used as is (its hash suffix, and for a
 * known name its full sha256, must match). A known name is looked up in `dir`, then in `$VCP_WEIGHTS_DIR`,
 * then downloaded into `dir` when `download` is set (to a temporary file, verified, then renamed).
 */
export async function resolveWeights(
  nameOrPath: string,
  options: ResolveOptions = {},
): Promise<ResolvedWeights> {
  const dir = options.dir ?? "data/weights";
  const known = KNOWN_WEIGHTS[basename(nameOrPath)];
  if (await exists(nameOrPath) && (await Deno.stat(nameOrPath)).isFile) {
    return await verify(nameOrPath, known);
  }
  if (!known) {
    throw new WeightsError(
      `Weights "${nameOrPath}" are neither an existing file nor a known name. Pass the path of a .pt/.pth ` +
        `state dict, or one of: ${Object.keys(KNOWN_WEIGHTS).join(", ")}.`,
    );
  }
  const envDir = Deno.env.get("VCP_WEIGHTS_DIR");
  for (const d of [dir, ...(envDir ? [envDir] : [])]) {
    const p = join(d, known.name);
    if (await exists(p)) return await verify(p, known);
  }
  if (!options.download) throw new WeightsError(offlineHelp(known, dir, "downloads are turned off"));
  return await download(known, dir, options.progress ?? true);
}

async function verify(path: string, known: KnownWeights | undefined): Promise<ResolvedWeights> {
  const sha256 = await sha256File(path);
  checkHashSuffix(path, sha256);
  if (known?.sha256 && sha256 !== known.sha256) {
    throw new ChecksumError(
      `The file ${path} is not the published ${known.name}: its sha256 is ${sha256}, expected ${known.sha256}. ` +
        `Delete it and download ${known.url} again.`,
    );
  }
  return { path, name: known?.name ?? basename(path), sha256 };
}

function offlineHelp(known: KnownWeights, dir: string, why: string): string {
  return `The weights ${known.name} are not in ${dir}${
    Deno.env.get("VCP_WEIGHTS_DIR") ? ` or $VCP_WEIGHTS_DIR` : ""
  } and ${why}. To proceed offline: download ${known.url} on a machine with internet access, put the file ` +
    `at ${join(dir, known.name)} (or in a folder named by VCP_WEIGHTS_DIR), or pass its path with ` +
    `--weights PATH (or set VCP_WEIGHTS=PATH).`;
}

async function download(known: KnownWeights, dir: string, showProgress: boolean): Promise<ResolvedWeights> {
  await Deno.mkdir(dir, { recursive: true });
  const target = join(dir, known.name);
  const tmp = `${target}.${Deno.pid}.part`;
  const hash = createHash("sha256");
  try {
    let response: Response;
    try {
      response = await fetch(known.url);
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status} ${response.statusText}`);
    } catch (e) {
      throw new WeightsError(offlineHelp(known, dir, `the download failed (${(e as Error).message})`));
    }
    const total = Number(response.headers.get("content-length") ?? 0);
    const progress = new Progress({
      label: `Downloading ${known.name}`,
      total,
      unit: "bytes",
      enabled: showProgress,
    });
    {
      using file = await Deno.open(tmp, { write: true, create: true, truncate: true });
      for await (const chunk of response.body) {
        hash.update(chunk);
        let off = 0;
        while (off < chunk.length) off += await file.write(chunk.subarray(off));
        progress.tick(chunk.length);
      }
      await file.sync();
    }
    progress.done();
    const sha256 = hash.digest("hex");
    const expected = known.sha256 ?? hashSuffix(known.name)!;
    if (!sha256.startsWith(expected)) {
      throw new ChecksumError(
        `The download of ${known.url} is corrupt: its sha256 starts with ${
          sha256.slice(0, expected.length)
        }, ` +
          `expected ${expected}. Try again, or download it by hand and pass it with --weights PATH.`,
      );
    }
    await Deno.rename(tmp, target);
    return { path: target, name: known.name, sha256 };
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
}
