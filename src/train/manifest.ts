/**
 * The manifest of a run: what produced it (tool, runtime and library versions, backend, git commit) and
 * from which inputs (dataset, weights and features, with their hashes).
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BackendInfo } from "../backend.ts";
import type { FeatureBundle } from "../features/types.ts";

const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Contents of `<run>/manifest.json`. */
export interface RunManifest {
  tool: { name: string; version: string };
  runtime: { deno: string; v8: string; typescript: string };
  tfjs: { version: string; backend: string; package: string; simd?: boolean };
  gitCommit: string | null;
  /** True when the work tree had uncommitted changes (null when git is unavailable). */
  gitDirty: boolean | null;
  dataset: { name: string; hash: string };
  weights: { name: string; sha256: string };
  features: { key: string; dir: string | null; augment: boolean; backend: string };
  limits: { train: number | null; test: number | null };
  createdAt: string;
  [extra: string]: unknown;
}

async function git(args: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command("git", { args, cwd: PROJECT_ROOT, stdout: "piped", stderr: "null" })
      .output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
  } catch {
    return null; // git not installed, or no permission to run it
  }
}

async function toolInfo(): Promise<{ name: string; version: string }> {
  try {
    const json = JSON.parse(await Deno.readTextFile(join(PROJECT_ROOT, "deno.json")));
    return { name: String(json.name ?? "unknown"), version: String(json.version ?? "unknown") };
  } catch {
    return { name: "unknown", version: "unknown" };
  }
}

/** Build the manifest of a run; `extra` fields (e.g. the command line) are merged in. */
export async function buildManifest(opts: {
  backend: BackendInfo;
  features: FeatureBundle;
  limitTrain?: number;
  limitTest?: number;
  extra?: Record<string, unknown>;
}): Promise<RunManifest> {
  const { backend, features } = opts;
  const commit = await git(["rev-parse", "HEAD"]);
  const status = commit === null ? null : await git(["status", "--porcelain", "--untracked-files=no"]);
  return {
    tool: await toolInfo(),
    runtime: { deno: Deno.version.deno, v8: Deno.version.v8, typescript: Deno.version.typescript },
    tfjs: {
      version: backend.tfjsVersion,
      backend: backend.name,
      package: backend.package,
      ...(backend.simd !== undefined ? { simd: backend.simd } : {}),
    },
    gitCommit: commit,
    gitDirty: status === null ? null : status.length > 0,
    dataset: { name: features.meta.dataset, hash: features.meta.datasetHash },
    weights: { name: features.meta.weightsName, sha256: features.meta.weightsSha256 },
    features: {
      key: features.meta.key,
      dir: features.dir ?? null,
      augment: features.meta.augment,
      backend: features.meta.backend,
    },
    limits: { train: opts.limitTrain ?? null, test: opts.limitTest ?? null },
    createdAt: new Date().toISOString(),
    ...opts.extra,
  };
}
