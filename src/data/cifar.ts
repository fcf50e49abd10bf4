/**
 * The files of CIFAR-100 in every form a user is likely to have: the official `cifar-100-binary.tar.gz`, its
 * extracted folder, that folder with gzipped `train.bin.gz` / `test.bin.gz`, and torchvision's
 * `cifar-100-python` folder or tarball; and the parsing and validation of the binary layout.
 * {@link loadCifar100} in `load.ts` puts them together.
 *
 * Binary record layout (3074 bytes): coarse label byte, fine label byte, 3072 pixel bytes (1024 red, 1024
 * green, 1024 blue, each a 32 x 32 plane, rows top to bottom).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { IMAGE_BYTES, type ImageSplit } from "./types.ts";
import { readTar } from "./tar.ts";

/** Bytes of one record of the binary version: two label bytes and the pixels. */
export const RECORD_BYTES = 2 + IMAGE_BYTES;
/** Number of fine and coarse classes. */
export const FINE_CLASSES = 100;
export const COARSE_CLASSES = 20;
/** Official split sizes. */
export const CIFAR100_COUNTS: Readonly<{ train: number; test: number }> = Object.freeze({
  train: 50_000,
  test: 10_000,
});

/** A CIFAR file is present but its content is wrong (truncated, labels out of range, bad names). */
export class CifarFormatError extends Error {
  override name = "CifarFormatError";
}

/** A file or archive member that the format needs is absent. */
export class CifarMissingFileError extends Error {
  override name = "CifarMissingFileError";
}

const REDOWNLOAD = "The copy is corrupt or not CIFAR-100: get a fresh one with `deno task data`.";

/** Split the bytes of a binary `train.bin` / `test.bin` into labels and pixels. `file` names it in errors. */
export function parseCifarBinary(bytes: Uint8Array, file: string): ImageSplit {
  if (bytes.length === 0 || bytes.length % RECORD_BYTES !== 0) {
    throw new CifarFormatError(
      `${file} is ${bytes.length.toLocaleString("en")} bytes, not a positive multiple of the ` +
        `${RECORD_BYTES}-byte CIFAR-100 record: it is truncated. ${REDOWNLOAD}`,
    );
  }
  const count = bytes.length / RECORD_BYTES;
  const split: ImageSplit = {
    count,
    pixels: new Uint8Array(count * IMAGE_BYTES),
    fine: new Uint8Array(count),
    coarse: new Uint8Array(count),
  };
  for (let i = 0, off = 0; i < count; i++, off += RECORD_BYTES) {
    split.coarse[i] = bytes[off];
    split.fine[i] = bytes[off + 1];
    split.pixels.set(bytes.subarray(off + 2, off + RECORD_BYTES), i * IMAGE_BYTES);
  }
  return split;
}

/** Check a split's record count and label ranges; throws {@link CifarFormatError} naming `file`. */
export function validateSplit(split: ImageSplit, file: string, expectedCount: number): void {
  if (split.count !== expectedCount) {
    throw new CifarFormatError(
      `${file} holds ${split.count.toLocaleString("en")} images, expected ${
        expectedCount.toLocaleString("en")
      }: ` +
        `it is truncated or from another dataset. ${REDOWNLOAD}`,
    );
  }
  if (split.pixels.length !== split.count * IMAGE_BYTES) {
    throw new CifarFormatError(
      `${file} has ${split.pixels.length} pixel bytes for ${split.count} images. ${REDOWNLOAD}`,
    );
  }
  for (let i = 0; i < split.count; i++) {
    if (split.fine[i] >= FINE_CLASSES || split.coarse[i] >= COARSE_CLASSES) {
      throw new CifarFormatError(
        `${file}: record ${i} has fine label ${split.fine[i]} and coarse label ${split.coarse[i]} ` +
          `(expected 0..${FINE_CLASSES - 1} and 0..${COARSE_CLASSES - 1}). ${REDOWNLOAD}`,
      );
    }
  }
}

/** Parse a label-name list (one name per line, blank lines ignored) and check it has `expected` names. */
export function parseLabelNames(text: string, file: string, expected: number): string[] {
  const names = text.split(/\r?\n/).map((s) => s.trim()).filter((s) => s !== "");
  if (names.length !== expected) {
    throw new CifarFormatError(
      `${file} lists ${names.length} label names, expected ${expected}. ${REDOWNLOAD}`,
    );
  }
  return names;
}

/**
 * sha256 (hex) over both splits: train fine labels, coarse labels, pixels, then the same for test. The same
 * images give the same hash whatever file format they came from.
 */
export function datasetHash(train: ImageSplit, test: ImageSplit): string {
  const h = createHash("sha256");
  for (const s of [train, test]) h.update(s.fine).update(s.coarse).update(s.pixels);
  return h.digest("hex");
}

// ---- reading files, folders and tarballs ----

/** The two file layouts: the binary version and the python (pickle) version. */
export type CifarLayout = "binary" | "python";
const LAYOUT_FILES: Record<CifarLayout, string[]> = {
  binary: ["train.bin", "test.bin", "fine_label_names.txt", "coarse_label_names.txt"],
  python: ["train", "test", "meta"],
};

/** The files of one CIFAR-100 copy, whatever holds them (folder or tarball), and how to read them. */
export interface CifarFiles {
  layout: CifarLayout;
  /** The bytes of one file of the layout (e.g. "train.bin", "meta"), and how to name it in messages. */
  read(name: string): Promise<{ bytes: Uint8Array; file: string }>;
}

async function isFile(path: string): Promise<boolean> {
  return await Deno.stat(path).then((s) => s.isFile, () => false);
}

/** Read a file, gunzipping it when it starts with the gzip magic; `onBytes` sees the bytes read from disk. */
async function readMaybeGzip(path: string, onBytes: (n: number) => void): Promise<Uint8Array> {
  const f = await Deno.open(path);
  const magic = new Uint8Array(2);
  const n = await f.read(magic);
  await f.seek(0, Deno.SeekMode.Start);
  let stream: ReadableStream<Uint8Array> = f.readable.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, ctl) {
        onBytes(chunk.length);
        ctl.enqueue(chunk);
      },
    }),
  );
  const gzipped = n === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  if (gzipped) {
    stream = stream.pipeThrough(new DecompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const c of stream) {
      chunks.push(c);
      total += c.length;
    }
  } catch (e) {
    throw new CifarFormatError(`${path} is not a valid gzip file (${(e as Error).message}). ${REDOWNLOAD}`);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

async function folderCifarFiles(
  dir: string,
  onBytes: (n: number) => void,
  onTotal: (n: number) => void,
): Promise<CifarFiles | undefined> {
  for (const layout of ["binary", "python"] as CifarLayout[]) {
    const first = `${dir}/${LAYOUT_FILES[layout][0]}`;
    if (!(await isFile(first)) && !(await isFile(`${first}.gz`))) continue;
    let diskBytes = 0;
    for (const name of LAYOUT_FILES[layout]) {
      for (const p of [`${dir}/${name}`, `${dir}/${name}.gz`]) {
        diskBytes += await Deno.stat(p).then((s) => s.size, () => 0);
      }
    }
    onTotal(diskBytes);
    return {
      layout,
      async read(name) {
        for (const file of [`${dir}/${name}`, `${dir}/${name}.gz`]) {
          if (await isFile(file)) return { bytes: await readMaybeGzip(file, onBytes), file };
        }
        throw new CifarMissingFileError(
          `${dir} has no ${name} (nor ${name}.gz); the ${layout} layout needs ` +
            `${LAYOUT_FILES[layout].join(", ")}. Get a complete copy with \`deno task data\`.`,
        );
      },
    };
  }
  return undefined;
}

function tarCifarFiles(archive: string, files: Map<string, Uint8Array>): CifarFiles {
  for (const layout of ["binary", "python"] as CifarLayout[]) {
    const first = LAYOUT_FILES[layout][0];
    const key = [...files.keys()].find((k) => k === first || k.endsWith(`/${first}`));
    if (key === undefined) continue;
    const dir = key.slice(0, key.length - first.length);
    return {
      layout,
      read(name) {
        const bytes = files.get(dir + name);
        if (bytes === undefined) {
          throw new CifarMissingFileError(
            `${archive} has no member ${dir}${name}: it is incomplete. Get a fresh copy with \`deno task data\`.`,
          );
        }
        return Promise.resolve({ bytes, file: `${archive} (member ${dir}${name})` });
      },
    };
  }
  throw new CifarMissingFileError(
    `${archive} is a tar archive with neither cifar-100-binary/train.bin nor cifar-100-python/train. ` +
      `Point at the official cifar-100-binary.tar.gz or get it with \`deno task data\`.`,
  );
}

/**
 * Find the CIFAR-100 files in `source` (a tarball, a folder in either layout, or a folder holding a
 * `cifar-100-binary` / `cifar-100-python` subfolder or tarball). `onBytes` is told every chunk read from
 * disk, `onTotal` the number of bytes that will be read (for a progress bar).
 */
export async function openCifarSource(
  source: string,
  onBytes: (n: number) => void = () => {},
  onTotal: (n: number) => void = () => {},
): Promise<CifarFiles> {
  const stat = await Deno.stat(source).catch(() => undefined);
  if (stat === undefined) {
    throw new CifarMissingFileError(`${source} does not exist. Get CIFAR-100 with \`deno task data\`.`);
  }
  if (stat.isFile) {
    onTotal(stat.size);
    return tarCifarFiles(source, readTar(await readMaybeGzip(source, onBytes), source));
  }
  for (const dir of [source, `${source}/cifar-100-binary`, `${source}/cifar-100-python`]) {
    const found = await folderCifarFiles(dir, onBytes, onTotal);
    if (found) return found;
  }
  for (const tarball of ["cifar-100-binary.tar.gz", "cifar-100-python.tar.gz"]) {
    if (await isFile(`${source}/${tarball}`)) {
      return openCifarSource(`${source}/${tarball}`, onBytes, onTotal);
    }
  }
  throw new CifarMissingFileError(
    `${source} holds no CIFAR-100: expected train.bin(.gz), test.bin(.gz) and the label-name files, ` +
      `torchvision's train, test and meta, or a cifar-100-binary / cifar-100-python subfolder or tarball. ` +
      `Get it with \`deno task data\`.`,
  );
}
