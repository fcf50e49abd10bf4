/**
 * A feature-extraction worker: one ResNet on its own TensorFlow.js backend (wasm is single-threaded in Deno,
 * so parallelism comes from several of these). Started by `extract.ts`; speaks {@link WorkerRequest} /
 * {@link WorkerReply}. Chunks are processed one at a time, in the order they arrive.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { initBackend } from "../backend.ts";
import { CifarResNet } from "../vision/resnet.ts";
import { loadStateDict } from "../vision/torch_checkpoint.ts";
import type { ExtractInput, WorkerReply, WorkerRequest } from "./extract.ts";
import { runChunk, threadCpuSeconds } from "./extract.ts";

let model: CifarResNet | undefined;
let queue: Promise<void> = Promise.resolve();

function reply(msg: WorkerReply, transfer: Transferable[] = []): void {
  self.postMessage(msg, transfer);
}

async function handle(msg: WorkerRequest): Promise<void> {
  try {
    if (msg.type === "init") {
      const backend = await initBackend(msg.backend);
      const sd = "path" in msg.weights ? await loadStateDict(msg.weights.path) : msg.weights.stateDict;
      model = CifarResNet.fromStateDict(sd, "path" in msg.weights ? msg.weights.path : "state dict");
      reply({ type: "ready", backend, depth: model.depth });
    } else if (msg.type === "run") {
      if (!model) throw new Error("The feature worker got a chunk before its weights.");
      const cpu0 = threadCpuSeconds();
      const features = runChunk(model, msg.input as ExtractInput, msg.count, msg.batchSize);
      const cpu1 = threadCpuSeconds();
      const cpuSeconds = cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined;
      reply({ type: "result", id: msg.id, features, cpuSeconds }, [features.buffer as ArrayBuffer]);
    }
  } catch (e) {
    const err = e as Error;
    reply({ type: "error", name: err?.name ?? "Error", message: err?.message ?? String(e) });
  }
}

self.onmessage = (e: MessageEvent<WorkerRequest>) => {
  queue = queue.then(() => handle(e.data));
};
