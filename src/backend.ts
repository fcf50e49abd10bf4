/**
 * One place that chooses the TensorFlow.js backend.
 *
 * `auto` prefers the native binding (`tfjs-node-gpu`, then `tfjs-node`) when it can be imported, else the
 * WebAssembly backend with SIMD, else the pure-JS `cpu` backend. The wasm binaries are loaded from the
 * installed npm package, never from a URL, so this works offline.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";

/** Backends a user can ask for. */
export type BackendChoice = "auto" | "wasm" | "cpu" | "tensorflow";

/** What actually ran, recorded in every run's manifest. */
export interface BackendInfo {
  /** TensorFlow.js backend name: `tensorflow`, `wasm` or `cpu`. */
  name: string;
  /** Package that provided it, e.g. `@tensorflow/tfjs-backend-wasm`. */
  package: string;
  /** TensorFlow.js version. */
  tfjsVersion: string;
  /** Whether the wasm backend uses SIMD (wasm only). */
  simd?: boolean;
}

/** All accepted values of `--backend`. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ["auto", "wasm", "cpu", "tensorflow"];

let active: BackendInfo | undefined;

/** Error raised when a requested backend cannot be initialised. */
export class BackendError extends Error {
  override name = "BackendError";
}

async function tryNative(): Promise<BackendInfo | undefined> {
  for (const pkg of ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]) {
    try {
      // A computed specifier: the native packages are optional and absent from the import map by default.
      const spec = pkg;
      await import(spec);
      if (await tf.setBackend("tensorflow")) {
        await tf.ready();
        return { name: "tensorflow", package: pkg, tfjsVersion: tf.version.tfjs };
      }
    } catch {
      // not installed or its native library is missing: try the next one
    }
  }
  return undefined;
}

function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  const entry = require.resolve("@tensorflow/tfjs-backend-wasm");
  // entry is …/tfjs-backend-wasm/dist/…/index.js (or dist/tf-backend-wasm.node.js); find the dist folder
  let dir = dirname(entry);
  while (!dir.endsWith("/dist") && dir !== dirname(dir)) dir = dirname(dir);
  return pathToFileURL(dir).href + "/";
}

async function tryWasm(): Promise<BackendInfo | undefined> {
  try {
    setWasmPaths(wasmDistDir());
    // Threads cannot start inside Deno's environment; parallelism comes from processes and workers.
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    if (!(await tf.setBackend("wasm"))) return undefined;
    await tf.ready();
    const simd = Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"));
    return { name: "wasm", package: "@tensorflow/tfjs-backend-wasm", tfjsVersion: tf.version.tfjs, simd };
  } catch {
    return undefined;
  }
}

async function useCpu(): Promise<BackendInfo> {
  await tf.setBackend("cpu");
  await tf.ready();
  return { name: "cpu", package: "@tensorflow/tfjs-backend-cpu", tfjsVersion: tf.version.tfjs };
}

/**
 * Initialise TensorFlow.js with the requested backend and return what ran.
 * Calling it again with the same choice is cheap; the first successful choice stays active.
 */
export async function initBackend(choice: BackendChoice = "auto"): Promise<BackendInfo> {
  if (active && (choice === "auto" || choice === active.name)) return active;
  // Concurrent first calls share one initialisation: two at once would switch backends under each other.
  if (pending) return pending.then(() => initBackend(choice));
  pending = initBackendNow(choice);
  try {
    return await pending;
  } finally {
    pending = undefined;
  }
}

let pending: Promise<BackendInfo> | undefined;

async function initBackendNow(choice: BackendChoice): Promise<BackendInfo> {
  if (!BACKEND_CHOICES.includes(choice)) {
    throw new BackendError(`Unknown backend "${choice}": expected one of ${BACKEND_CHOICES.join(", ")}.`);
  }
  // Silence tfjs's console hint about installing tfjs-node.
  tf.env().set("IS_NODE", false);
  tf.env().set("PROD", true);
  let info: BackendInfo | undefined;
  if (choice === "tensorflow" || choice === "auto") info = await tryNative();
  if (!info && choice === "tensorflow") {
    throw new BackendError(
      'Backend "tensorflow" needs @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node: add it with ' +
        "`deno add npm:@tensorflow/tfjs-node-gpu@4.22.0 && deno install --allow-scripts`, or use --backend auto.",
    );
  }
  if (!info && (choice === "wasm" || choice === "auto")) info = await tryWasm();
  if (!info && choice === "wasm") {
    throw new BackendError("The wasm backend failed to initialise; use --backend cpu (slow) or auto.");
  }
  info ??= await useCpu();
  active = info;
  return info;
}

/** The backend that ran, or undefined before {@link initBackend}. */
export function activeBackend(): BackendInfo | undefined {
  return active;
}

export { tf };
