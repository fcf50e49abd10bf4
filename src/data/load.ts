/**
 * How the project gets its images: find CIFAR-100 (a flag, an environment variable, or the data folder),
 * read it in whatever format it is, or make the synthetic stand-in.
 *
 * @module
 */
import { basename, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Progress } from "../io/progress.ts";
import { exists } from "../io/atomic.ts";
import type { ImageDataset, ImageSplit } from "./types.ts";
import {
  CIFAR100_COUNTS,
  COARSE_CLASSES,
  datasetHash,
  FINE_CLASSES,
  openCifarSource,
  parseCifarBinary,
  parseLabelNames,
  validateSplit,
} from "./cifar.ts";
import { parseCifarPythonMeta, parseCifarPythonSplit } from "./cifar_python.ts";
import { CIFAR100_TARBALL, downloadCifar100 } from "./download.ts";
import { makeSyntheticDataset } from "./synthetic.ts";

/** The project's data folder (`<repo>/data`): downloads and caches, git-ignored. */
export const DEFAULT_DATA_DIR: string = fileURLToPath(new URL("../../data", import.meta.url));

/** Environment variable naming an existing CIFAR-100 copy in any accepted format. */
export const CIFAR_ENV = "VCP_CIFAR_DIR";

/** CIFAR-100 was asked for but is nowhere to be found; the message says how to get it. */
export class DatasetNotFoundError extends Error {
  override name = "DatasetNotFoundError";
}

/** Options of {@link loadCifar100}. */
export interface LoadCifarOptions {
  /** Show a progress bar on stderr while reading (default false). */
  progress?: boolean;
  /** Expected image counts (default the official 50,000 and 10,000; tests use small files). */
  counts?: { train: number; test: number };
}

/**
 * Load CIFAR-100 from `source`: a tarball (binary or python version), an extracted folder, a folder of
 * gzipped `train.bin.gz` / `test.bin.gz`, torchvision's `cifar-100-python` folder, or a folder holding any
 * of these. The format is detected; everything is validated; nothing is written.
 */
export async function loadCifar100(source: string, opts: LoadCifarOptions = {}): Promise<ImageDataset> {
  const counts = opts.counts ?? CIFAR100_COUNTS;
  const path = resolve(source);
  let progress: Progress | undefined, done = 0;
  const files = await openCifarSource(path, (n) => {
    done += n;
    progress?.update(Math.ceil(done / 1e6));
  }, (bytes) => {
    if (opts.progress) {
      progress = new Progress({
        label: `Reading ${basename(path)}`,
        total: Math.ceil(bytes / 1e6),
        unit: "MB",
      });
    }
  });
  const splits = {} as Record<"train" | "test", ImageSplit>;
  let fineNames: string[], coarseNames: string[];
  for (const name of ["train", "test"] as const) {
    const { bytes, file } = await files.read(files.layout === "binary" ? `${name}.bin` : name);
    splits[name] = files.layout === "binary"
      ? parseCifarBinary(bytes, file)
      : parseCifarPythonSplit(bytes, file);
    validateSplit(splits[name], file, counts[name]);
  }
  if (files.layout === "binary") {
    const fine = await files.read("fine_label_names.txt");
    const coarse = await files.read("coarse_label_names.txt");
    fineNames = parseLabelNames(new TextDecoder().decode(fine.bytes), fine.file, FINE_CLASSES);
    coarseNames = parseLabelNames(new TextDecoder().decode(coarse.bytes), coarse.file, COARSE_CLASSES);
  } else {
    const meta = await files.read("meta");
    const names = parseCifarPythonMeta(meta.bytes, meta.file);
    fineNames = parseLabelNames(names.fineNames.join("\n"), `${meta.file} (fine_label_names)`, FINE_CLASSES);
    coarseNames = parseLabelNames(
      names.coarseNames.join("\n"),
      `${meta.file} (coarse_label_names)`,
      COARSE_CLASSES,
    );
  }
  progress?.done();
  return {
    name: "cifar100",
    source: path,
    train: splits.train,
    test: splits.test,
    fineNames,
    coarseNames,
    hash: datasetHash(splits.train, splits.test),
  };
}

/** Options of {@link locateCifar}. */
export interface LocateOptions {
  /** An explicit copy (the `--cifar` flag); it must exist. */
  cifar?: string;
  /** The data folder to search and download into (default {@link DEFAULT_DATA_DIR}). */
  dataDir?: string;
  /** Download the official tarball into the data folder when no copy is found (default false). */
  download?: boolean;
  /** Show progress while downloading. */
  progress?: boolean;
  /** Consult env `VCP_CIFAR_DIR` (default true; tests turn it off). */
  useEnv?: boolean;
}

/**
 * Where CIFAR-100 is, searched in order: `opts.cifar`, env `VCP_CIFAR_DIR`, then in the data folder
 * `cifar-100-binary.tar.gz`, `cifar-100-binary/`, `cifar-100-python/`. Undefined when none exists (after a
 * download when `opts.download`). A flag or variable that names a missing path is an error, not skipped.
 */
export async function locateCifar(opts: LocateOptions = {}): Promise<string | undefined> {
  const dataDir = opts.dataDir ?? DEFAULT_DATA_DIR;
  const explicit: [string, string | undefined][] = [["--cifar", opts.cifar], [
    CIFAR_ENV,
    opts.useEnv === false ? undefined : Deno.env.get(CIFAR_ENV),
  ]];
  for (const [what, path] of explicit) {
    if (!path) continue;
    if (await exists(path)) return path;
    throw new DatasetNotFoundError(
      `${what} points at ${path}, which does not exist. Fix the path, or unset it and run \`deno task data\`.`,
    );
  }
  for (const name of [CIFAR100_TARBALL, "cifar-100-binary", "cifar-100-python"]) {
    if (await exists(`${dataDir}/${name}`)) return `${dataDir}/${name}`;
  }
  if (opts.download) return (await downloadCifar100({ dataDir, progress: opts.progress })).path;
  return undefined;
}

/** Options of {@link loadDataset}. */
export interface LoadDatasetOptions extends LocateOptions {
  dataset: "cifar100" | "synthetic";
  /** Seed of the synthetic dataset (default 0). */
  syntheticSeed?: number;
  /** Images per class of the synthetic dataset (defaults of {@link makeSyntheticDataset}). */
  trainPerClass?: number;
  testPerClass?: number;
}

/** The dataset a run asks for. CIFAR-100 that cannot be found throws {@link DatasetNotFoundError}. */
export async function loadDataset(opts: LoadDatasetOptions): Promise<ImageDataset> {
  if (opts.dataset === "synthetic") {
    return makeSyntheticDataset({
      seed: opts.syntheticSeed ?? 0,
      trainPerClass: opts.trainPerClass,
      testPerClass: opts.testPerClass,
    });
  }
  const path = await locateCifar(opts);
  if (path === undefined) {
    throw new DatasetNotFoundError(
      `CIFAR-100 was not found (looked in ${opts.dataDir ?? DEFAULT_DATA_DIR} for ${CIFAR100_TARBALL}, ` +
        `cifar-100-binary/ and cifar-100-python/). Get it with \`deno task data\`, or point --cifar PATH or ` +
        `${CIFAR_ENV} at an existing copy (binary tarball or folder, or torchvision's cifar-100-python).`,
    );
  }
  return loadCifar100(path, { progress: opts.progress });
}
