/**
 * Turning images into 64-d ResNet features, on all cores.
 *
 * TensorFlow.js's wasm backend runs on one thread in Deno, so {@link extractFeatures} starts `workers` Web
 * Workers (`worker.ts`), each with its own backend and copy of the weights, and deals them chunks of images
 * from a shared queue (a faster worker takes more chunks; two chunks are in flight per worker so none waits
 * for the next). `workers: 0` runs in this thread instead.
 *
 * @module
 */
import { type BackendChoice, type BackendInfo, initBackend, tf } from "../backend.ts";
import { loadOnnxRuntime, OnnxResNet, onnxRuntimeVersion } from "../vision/onnx_resnet.ts";
import { IMAGE_BYTES } from "../data/types.ts";
import type { Rng } from "../rng.ts";
import { CifarResNet, type Normalization, normalizeNchw } from "../vision/resnet.ts";
import { loadStateDict, type StateDict } from "../vision/torch_checkpoint.ts";
import { noiseImages } from "./noise.ts";

export type { Normalization };

/** Default images per chunk dealt to a worker. */
export const DEFAULT_CHUNK_SIZE = 128;
/** Default images per forward pass. */
export const DEFAULT_BATCH_SIZE = 64;

/** Where a worker gets the ResNet's weights: a checkpoint file, or a state dict (copied to each worker). */
export type WeightsSource = { path: string } | { stateDict: StateDict };

/** The input of one chunk: uint8 pixels to normalize, or images already in normalized space (noise). */
export type ExtractInput =
  | { kind: "pixels"; data: Uint8Array; norm: Normalization }
  | { kind: "normalized"; data: Float32Array };

/** A set of images to extract, handed out in chunks. */
export interface FeatureSource {
  count: number;
  /** The input of images [start, end). Called once per range, in increasing order. */
  chunk(start: number, end: number): ExtractInput;
}

/** Images of a split: count x 3 x 32 x 32 uint8 (R, G, B planes), normalized with `norm` in the worker. */
export function pixelSource(pixels: Uint8Array, count: number, norm: Normalization): FeatureSource {
  if (pixels.length !== count * IMAGE_BYTES) {
    throw new RangeError(`pixelSource() needs ${count} x ${IMAGE_BYTES} bytes, got ${pixels.length}.`);
  }
  return {
    count,
    chunk: (start, end) => ({
      kind: "pixels",
      data: pixels.slice(start * IMAGE_BYTES, end * IMAGE_BYTES),
      norm,
    }),
  };
}

/**
 * `count` Gaussian-noise images drawn from `rng` chunk by chunk (see {@link noiseImages}): the same values
 * whatever the chunk size, without holding all of them (10,000 images are 123 MB of floats) at once.
 */
export function noiseSource(count: number, rng: Rng): FeatureSource {
  return { count, chunk: (start, end) => ({ kind: "normalized", data: noiseImages(end - start, rng) }) };
}

/** Backends of feature extraction: TensorFlow.js's, or ONNX Runtime. */
export type FeatureBackend = BackendChoice | "onnxruntime";

/** Options of {@link extractFeatures}. */
export interface ExtractOptions {
  weights: WeightsSource;
  /** Web Workers to run (default 2); 0 extracts in this thread. */
  workers?: number;
  /**
   * `auto` (default) runs the ResNet on ONNX Runtime when `onnxruntime-node` can be loaded (native, its own
   * threads: `workers` of them), else on TensorFlow.js's best backend in Web Workers; `onnxruntime` insists on
   * the former; `tensorflow`, `wasm`, `cpu` choose the TensorFlow.js backend.
   */
  backend?: FeatureBackend;
  /** Images per message to a worker (default 128). */
  chunkSize?: number;
  /** Images per ResNet forward pass (default 64: on wasm ~1.4x more images per CPU-second than 256). */
  batchSize?: number;
  /** Called after each chunk with the images done so far over all sources. */
  onProgress?: (done: number, total: number) => void;
}

/** What {@link extractFeatures} returns. */
export interface ExtractResult {
  /** One array per source, count x dim. */
  features: Float32Array[];
  dim: number;
  /** ResNet depth (20, 32, 44, 56). */
  depth: number;
  /** Backend the extraction ran on (the first worker's). */
  backend: BackendInfo;
  workers: number;
  /** Seconds to start the workers and load the weights. */
  startupSeconds: number;
  /** Seconds from ready to the last feature. */
  seconds: number;
  /** Images per second over `seconds`. */
  imagesPerSecond: number;
  /**
   * CPU seconds the extracting threads spent on the chunks (Linux; undefined elsewhere). On a machine shared
   * with other work, images per CPU-second tells the code's speed apart from the share of the cores it got.
   */
  cpuSeconds?: number;
}

/** Messages to a worker. */
export type WorkerRequest =
  | { type: "init"; backend: BackendChoice; weights: WeightsSource }
  | { type: "run"; id: number; count: number; batchSize: number; input: ExtractInput };

/** Messages from a worker. */
export type WorkerReply =
  | { type: "ready"; backend: BackendInfo; depth: number }
  | { type: "result"; id: number; features: Float32Array; cpuSeconds?: number }
  | { type: "error"; name: string; message: string };

/** Error raised in a worker, re-thrown in the caller with the worker's error name. */
export class FeatureWorkerError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name === "Error" ? "FeatureWorkerError" : name;
  }
}

/** CPU time of the calling thread in seconds, from /proc (Linux); undefined where that is unavailable. */
export function threadCpuSeconds(): number | undefined {
  try {
    const stat = Deno.readTextFileSync("/proc/thread-self/stat");
    // fields after "pid (comm) ": state is field 3, utime 14, stime 15, in clock ticks (100 per second)
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(f[11]) + Number(f[12]);
    return Number.isFinite(ticks) ? ticks / 100 : undefined;
  } catch {
    return undefined;
  }
}

/** Run one chunk through a model: count x dim features. */
export function runChunk(
  model: CifarResNet,
  input: ExtractInput,
  count: number,
  batchSize: number,
): Float32Array {
  const out = input.kind === "pixels"
    ? model.forward(input.data, count, input.norm, { batchSize })
    : model.forwardNormalized(input.data, count, { batchSize });
  return out.features;
}

interface Chunk {
  id: number;
  source: number;
  start: number;
  end: number;
}

function planChunks(sources: FeatureSource[], size: number): Chunk[] {
  const chunks: Chunk[] = [];
  sources.forEach((s, source) => {
    for (let start = 0; start < s.count; start += size) {
      chunks.push({ id: chunks.length, source, start, end: Math.min(s.count, start + size) });
    }
  });
  return chunks;
}

/**
 * Extract features of every source with the ResNet in `opts.weights`.
 *
 * Returns one count x dim array per source, in the sources' order, whatever the number of workers.
 */
export async function extractFeatures(
  sources: FeatureSource[],
  opts: ExtractOptions,
): Promise<ExtractResult> {
  const workers = opts.workers ?? 2;
  if (!Number.isInteger(workers) || workers < 0) {
    throw new RangeError(`workers must be a non-negative integer, got ${workers}.`);
  }
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const chunks = planChunks(sources, chunkSize);
  const total = sources.reduce((a, s) => a + s.count, 0);
  const backend = opts.backend ?? "auto";
  if (backend === "onnxruntime" || (backend === "auto" && await loadOnnxRuntime())) {
    return await extractWithOnnx(sources, chunks, total, Math.max(1, workers), opts);
  }
  return workers === 0
    ? await extractHere(sources, chunks, total, opts)
    : await extractInWorkers(sources, chunks, total, workers, opts);
}

/** NCHW normalized float32 of a chunk's input, as ONNX Runtime takes it. */
function normalizedNchw(input: ExtractInput, count: number): Float32Array {
  return input.kind === "normalized" ? input.data : normalizeNchw(input.data, count, input.norm);
}

async function extractWithOnnx(
  sources: FeatureSource[],
  chunks: Chunk[],
  total: number,
  threads: number,
  opts: ExtractOptions,
): Promise<ExtractResult> {
  const t0 = performance.now();
  const w = opts.weights;
  const model = await OnnxResNet.create("path" in w ? await loadStateDict(w.path) : w.stateDict, { threads });
  const t1 = performance.now();
  const out = assemble(sources, 64);
  let done = 0;
  try {
    for (const c of chunks) {
      const n = c.end - c.start;
      const { features } = await model.forwardNormalized(
        normalizedNchw(sources[c.source].chunk(c.start, c.end), n),
        n,
      );
      out[c.source].set(features, c.start * 64);
      done += n;
      opts.onProgress?.(done, total);
    }
  } finally {
    await model.dispose();
  }
  const seconds = (performance.now() - t1) / 1000;
  const version = await onnxRuntimeVersion();
  return {
    features: out,
    dim: 64,
    depth: model.depth,
    backend: {
      name: "onnxruntime",
      package: `onnxruntime-node@${version ?? "?"}`,
      tfjsVersion: tf.version.tfjs,
    },
    workers: threads,
    startupSeconds: (t1 - t0) / 1000,
    seconds,
    imagesPerSecond: total / Math.max(seconds, 1e-9),
  };
}

function assemble(sources: FeatureSource[], dim: number): Float32Array[] {
  return sources.map((s) => new Float32Array(s.count * dim));
}

async function extractHere(
  sources: FeatureSource[],
  chunks: Chunk[],
  total: number,
  opts: ExtractOptions,
): Promise<ExtractResult> {
  const t0 = performance.now();
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const backend = await initBackend((opts.backend ?? "auto") as BackendChoice);
  const w = opts.weights;
  const model = CifarResNet.fromStateDict("path" in w ? await loadStateDict(w.path) : w.stateDict);
  const t1 = performance.now();
  let out: Float32Array[] | undefined;
  let dim = 0, done = 0;
  const cpu0 = threadCpuSeconds();
  try {
    for (const c of chunks) {
      const f = runChunk(model, sources[c.source].chunk(c.start, c.end), c.end - c.start, batchSize);
      if (!out) {
        dim = f.length / (c.end - c.start);
        out = assemble(sources, dim);
      }
      out[c.source].set(f, c.start * dim);
      done += c.end - c.start;
      opts.onProgress?.(done, total);
    }
  } finally {
    model.dispose();
  }
  const seconds = (performance.now() - t1) / 1000;
  const cpu1 = threadCpuSeconds();
  return {
    features: out ?? assemble(sources, 0),
    dim,
    depth: model.depth,
    backend,
    workers: 0,
    startupSeconds: (t1 - t0) / 1000,
    seconds,
    imagesPerSecond: total / Math.max(seconds, 1e-9),
    cpuSeconds: cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined,
  };
}

/** A started worker and the promise of its first reply. */
class FeatureWorker {
  readonly worker = new Worker(new URL("./worker.ts", import.meta.url).href, { type: "module" });
  onReply: (msg: WorkerReply) => void = () => {};
  onFailure: (e: Error) => void = () => {};

  constructor() {
    this.worker.onmessage = (e: MessageEvent<WorkerReply>) => this.onReply(e.data);
    this.worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.onFailure(new FeatureWorkerError("FeatureWorkerError", `A feature worker crashed: ${e.message}`));
    };
  }

  send(msg: WorkerRequest, transfer: Transferable[] = []): void {
    this.worker.postMessage(msg, transfer);
  }
}

async function extractInWorkers(
  sources: FeatureSource[],
  chunks: Chunk[],
  total: number,
  n: number,
  opts: ExtractOptions,
): Promise<ExtractResult> {
  const t0 = performance.now();
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const pool = Array.from({ length: n }, () => new FeatureWorker());
  try {
    // Start every worker and wait until all hold their weights.
    const ready = await Promise.all(
      pool.map((w) =>
        new Promise<{ backend: BackendInfo; depth: number }>((resolve, reject) => {
          w.onFailure = reject;
          w.onReply = (msg) => {
            if (msg.type === "ready") resolve(msg);
            else if (msg.type === "error") reject(new FeatureWorkerError(msg.name, msg.message));
          };
          w.send({ type: "init", backend: (opts.backend ?? "auto") as BackendChoice, weights: opts.weights });
        })
      ),
    );
    const t1 = performance.now();

    // Deal chunks from one queue, keeping two in flight per worker.
    let out: Float32Array[] | undefined;
    let dim = 0, done = 0, next = 0;
    let cpuSeconds: number | undefined = 0;
    await new Promise<void>((resolve, reject) => {
      if (chunks.length === 0) return resolve();
      const inFlight = new Map<number, Chunk>();
      const dispatch = (w: FeatureWorker) => {
        if (next >= chunks.length) return;
        const c = chunks[next++];
        const input = sources[c.source].chunk(c.start, c.end);
        inFlight.set(c.id, c);
        const count = c.end - c.start;
        w.send({ type: "run", id: c.id, count, batchSize, input }, [input.data.buffer as ArrayBuffer]);
      };
      for (const w of pool) {
        w.onFailure = reject;
        w.onReply = (msg) => {
          if (msg.type === "error") return reject(new FeatureWorkerError(msg.name, msg.message));
          if (msg.type !== "result") return;
          const c = inFlight.get(msg.id)!;
          inFlight.delete(msg.id);
          if (!out) {
            dim = msg.features.length / (c.end - c.start);
            out = assemble(sources, dim);
          }
          out[c.source].set(msg.features, c.start * dim);
          cpuSeconds = cpuSeconds !== undefined && msg.cpuSeconds !== undefined
            ? cpuSeconds + msg.cpuSeconds
            : undefined;
          done += c.end - c.start;
          opts.onProgress?.(done, total);
          if (done === total) return resolve();
          dispatch(w);
        };
      }
      for (let k = 0; k < 2; k++) for (const w of pool) dispatch(w);
    });
    const seconds = (performance.now() - t1) / 1000;
    return {
      features: out ?? assemble(sources, 0),
      dim,
      depth: ready[0].depth,
      backend: ready[0].backend,
      workers: n,
      startupSeconds: (t1 - t0) / 1000,
      seconds,
      imagesPerSecond: total / Math.max(seconds, 1e-9),
      cpuSeconds: chunks.length ? cpuSeconds : undefined,
    };
  } finally {
    for (const w of pool) w.worker.terminate();
  }
}
