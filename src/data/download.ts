/**
 * Download of the official `cifar-100-binary.tar.gz`, verified by MD5 before anything trusts it: the bytes go
 * to a temporary file beside the target, and only a file with the published checksum is renamed into place.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { Progress } from "../io/progress.ts";
import { exists } from "../io/atomic.ts";

/** The official binary version of CIFAR-100. */
export const CIFAR100_URL = "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz";
/** Its published MD5. */
export const CIFAR100_MD5 = "03b5dce01913d631647c71ecec9e9cb8";
/** Its file name under the data folder. */
export const CIFAR100_TARBALL = "cifar-100-binary.tar.gz";

/** The download failed (no network, HTTP error, stalled transfer); the message says how to proceed offline. */
export class DownloadError extends Error {
  override name = "DownloadError";
}

/** A file's MD5 differs from the published one. */
export class ChecksumError extends Error {
  override name = "ChecksumError";
}

/** Options of {@link downloadCifar100}. */
export interface DownloadOptions {
  /** Folder that receives the tarball (created if missing). */
  dataDir: string;
  /** Where to download from (default {@link CIFAR100_URL}; tests point it at a local server). */
  url?: string;
  /** Expected MD5 (default {@link CIFAR100_MD5}). */
  md5?: string;
  /** Show a progress bar on stderr (default false). */
  progress?: boolean;
  /** Give up when no byte arrives for this long (default 60 s). */
  stallTimeoutMs?: number;
}

/** What {@link downloadCifar100} did. */
export interface DownloadResult {
  /** The verified tarball. */
  path: string;
  /** False when a verified copy was already there. */
  downloaded: boolean;
  bytes: number;
  md5: string;
}

function offlineHelp(path: string, url: string): string {
  return `To proceed offline: download ${url} on a machine with internet and put it at ${path}, or point ` +
    `--cifar PATH or the environment variable VCP_CIFAR_DIR at an existing copy in any accepted format ` +
    `(the binary tarball or its folder, a folder with train.bin.gz and test.bin.gz, or torchvision's ` +
    `cifar-100-python folder).`;
}

function reason(e: unknown): string {
  const err = e as Error & { cause?: { message?: string } };
  return err.cause?.message ? `${err.message}: ${err.cause.message}` : String(err?.message ?? e);
}

/** MD5 (hex) of a file, streamed. */
export async function md5File(path: string): Promise<string> {
  const h = createHash("md5");
  const f = await Deno.open(path);
  for await (const chunk of f.readable) h.update(chunk);
  return h.digest("hex");
}

/**
 * Make sure `<dataDir>/cifar-100-binary.tar.gz` exists with the published MD5: keep a verified copy, else
 * download it. Throws {@link DownloadError} when the network fails and {@link ChecksumError} when the
 * checksum differs; in both cases no file is left that a later run would trust.
 */
export async function downloadCifar100(opts: DownloadOptions): Promise<DownloadResult> {
  const url = opts.url ?? CIFAR100_URL, expected = (opts.md5 ?? CIFAR100_MD5).toLowerCase();
  const path = `${opts.dataDir}/${CIFAR100_TARBALL}`;
  if (await exists(path)) {
    const md5 = await md5File(path);
    if (md5 !== expected) {
      throw new ChecksumError(
        `${path} has MD5 ${md5}, expected ${expected}: it is corrupt or not the official file. ` +
          `Delete it and run \`deno task data\` again.`,
      );
    }
    return { path, downloaded: false, bytes: (await Deno.stat(path)).size, md5 };
  }
  await Deno.mkdir(opts.dataDir, { recursive: true });
  const tmp = `${path}.${Deno.pid}.download.tmp`;
  const abort = new AbortController();
  const stallMs = opts.stallTimeoutMs ?? 60_000;
  let timer = setTimeout(() => abort.abort(), stallMs);
  const resetTimer = () => {
    clearTimeout(timer);
    timer = setTimeout(() => abort.abort(), stallMs);
  };
  const hash = createHash("md5");
  let bytes = 0;
  try {
    let response: Response;
    try {
      response = await fetch(url, { signal: abort.signal });
    } catch (e) {
      const why = abort.signal.aborted ? `no answer in ${stallMs / 1000} s` : reason(e);
      throw new DownloadError(`Could not download ${url} (${why}). ${offlineHelp(path, url)}`);
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw new DownloadError(
        `Could not download ${url}: HTTP ${response.status}. ${offlineHelp(path, url)}`,
      );
    }
    const total = Number(response.headers.get("content-length") ?? 0);
    const progress = opts.progress
      ? new Progress({ label: `Downloading ${CIFAR100_TARBALL}`, total: Math.ceil(total / 1e6), unit: "MB" })
      : undefined;
    const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
    try {
      for await (const chunk of response.body) {
        resetTimer();
        hash.update(chunk);
        bytes += chunk.length;
        for (let off = 0; off < chunk.length;) off += await file.write(chunk.subarray(off));
        progress?.update(Math.ceil(bytes / 1e6));
      }
      await file.sync();
    } catch (e) {
      const why = abort.signal.aborted ? `no data for ${stallMs / 1000} s` : reason(e);
      throw new DownloadError(
        `The download of ${url} broke off after ${bytes} bytes (${why}). ${offlineHelp(path, url)}`,
      );
    } finally {
      file.close();
    }
    progress?.done();
    const md5 = hash.digest("hex");
    if (md5 !== expected) {
      throw new ChecksumError(
        `The file downloaded from ${url} (${bytes} bytes) has MD5 ${md5}, expected ${expected}; it was deleted. ` +
          `Try again later, or ${offlineHelp(path, url).replace(/^To proceed offline: d/, "d")}`,
      );
    }
    await Deno.rename(tmp, path);
    return { path, downloaded: true, bytes, md5 };
  } finally {
    clearTimeout(timer);
    await Deno.remove(tmp).catch(() => {});
  }
}
