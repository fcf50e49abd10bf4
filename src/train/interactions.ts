/**
 * The saved validation interactions of one epoch (or of the noise evaluation): what topsim and the other
 * analyses read after training, without re-running the agents.
 *
 * File format (little-endian):
 * ```
 * "VCPINT1\n"                  8 bytes, magic line with the format version
 * u32 header byte length       then the JSON header (UTF-8), space-padded so that the arrays start 8-aligned
 * arrays                       each at the offset the header gives (8-byte aligned), FNV-1a checksummed
 * ```
 * The header holds `epoch`, `mode`, `n`, `numImgs`, `width` and, per array, `{ name, dtype, length, offset }`
 * (offsets from the start of the array section). 10,000 games take about 0.5 MB.
 *
 * @module
 */
import { readFileOr, writeFileAtomic } from "../io/atomic.ts";

/** Validation games as played: n games, K = numImgs candidates, W = width = maxLen + 1 positions. */
export interface Interactions {
  /** 1-based epoch; the noise interactions carry the best epoch. */
  epoch: number;
  mode: "test" | "noise";
  n: number;
  numImgs: number;
  /** maxLen + 1 (the forced end-of-sequence position included). */
  width: number;
  /** Symbol ids, n x width (Uint16Array when vocab > 256). */
  symbols: Uint8Array | Uint16Array;
  /** Expected message length, n. */
  length: Float32Array;
  /** Index of the target image in its split (test or noise features), n. */
  targetIndex: Int32Array;
  /** Split indices of the candidates in the receiver's order, n x numImgs. */
  candidates: Int32Array;
  /** Position of the target among the candidates (the label), n. */
  target: Int32Array;
  /** Receiver's choice, n. */
  prediction: Int32Array;
  /** Per-game accuracy, n. */
  acc: Float32Array;
  /** Per-game image-classification accuracy, n (pressure tasks). */
  imgClassAcc?: Float32Array;
  /** Fine class of the target, n. */
  targetClass: Int32Array;
}

/** Error for a missing, truncated or otherwise unreadable interactions file. */
export class InteractionsFormatError extends Error {
  override name = "InteractionsFormatError";
}

const MAGIC_BYTES = new TextEncoder().encode("VCPINT1\n");
/** Magic line + u32 header length. */
const PREFIX = MAGIC_BYTES.length + 4;

type DType = "uint8" | "uint16" | "int32" | "float32";
type AnyArray = Uint8Array | Uint16Array | Int32Array | Float32Array;

const CTOR: Record<
  DType,
  { new (buf: ArrayBuffer, off: number, len: number): AnyArray; BYTES_PER_ELEMENT: number }
> = {
  uint8: Uint8Array,
  uint16: Uint16Array,
  int32: Int32Array,
  float32: Float32Array,
};

function dtypeOf(a: AnyArray): DType {
  if (a instanceof Uint8Array) return "uint8";
  if (a instanceof Uint16Array) return "uint16";
  if (a instanceof Int32Array) return "int32";
  return "float32";
}

interface ArrayEntry {
  name: string;
  dtype: DType;
  length: number;
  offset: number;
}

interface Header {
  epoch: number;
  mode: "test" | "noise";
  n: number;
  numImgs: number;
  width: number;
  arrays: ArrayEntry[];
  /** Byte length of the array section and its FNV-1a 32-bit checksum: a flipped or missing byte is an error. */
  bodyBytes: number;
  checksum: number;
}

const ARRAY_FIELDS = [
  "symbols",
  "length",
  "targetIndex",
  "candidates",
  "target",
  "prediction",
  "acc",
  "imgClassAcc",
  "targetClass",
] as const;

function expectedLength(it: Pick<Interactions, "n" | "numImgs" | "width">, name: string): number {
  if (name === "symbols") return it.n * it.width;
  if (name === "candidates") return it.n * it.numImgs;
  return it.n;
}

const align8 = (x: number) => (x + 7) & ~7;

function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

/** Little-endian host check: typed arrays are written as host bytes, so a big-endian host must swap. */
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function checkLengths(it: Interactions, where: string): void {
  for (const name of ARRAY_FIELDS) {
    const a = it[name];
    if (a === undefined) continue;
    const want = expectedLength(it, name);
    if (a.length !== want) {
      throw new InteractionsFormatError(
        `Interactions field "${name}" of ${where} has ${a.length} values, expected ${want} ` +
          `(n = ${it.n}, numImgs = ${it.numImgs}, width = ${it.width}).`,
      );
    }
  }
}

/** Serialise interactions to bytes (see the module doc for the format). */
export function encodeInteractions(it: Interactions): Uint8Array {
  if (!LITTLE) throw new Error("Interactions files are little-endian; this host is big-endian.");
  checkLengths(it, "the interactions to save");
  const arrays: ArrayEntry[] = [];
  let bodyBytes = 0;
  for (const name of ARRAY_FIELDS) {
    const a = it[name];
    if (a === undefined) continue;
    const dtype = dtypeOf(a);
    arrays.push({ name, dtype, length: a.length, offset: bodyBytes });
    bodyBytes = align8(bodyBytes + a.byteLength);
  }
  const body = new Uint8Array(bodyBytes);
  for (const e of arrays) {
    const a = it[e.name as keyof Interactions] as AnyArray;
    body.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), e.offset);
  }
  const { epoch, mode, n, numImgs, width } = it;
  const header: Header = { epoch, mode, n, numImgs, width, arrays, bodyBytes, checksum: fnv1a(body) };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = align8(json.length + PREFIX) - PREFIX; // the body then starts 8-byte aligned
  const out = new Uint8Array(PREFIX + headerBytes + bodyBytes);
  out.set(MAGIC_BYTES, 0);
  new DataView(out.buffer).setUint32(MAGIC_BYTES.length, headerBytes, true);
  out.set(json, PREFIX);
  out.fill(0x20, PREFIX + json.length, PREFIX + headerBytes); // padded with spaces: still valid JSON
  out.set(body, PREFIX + headerBytes);
  return out;
}

/** Parse bytes written by {@link encodeInteractions}; `source` names the file in errors. */
export function decodeInteractions(bytes: Uint8Array, source = "interactions"): Interactions {
  const fail = (why: string): never => {
    throw new InteractionsFormatError(
      `Interactions file ${source} is damaged or not an interactions file (${why}); ` +
        "delete it and re-run the training run that wrote it.",
    );
  };
  if (bytes.length < PREFIX) fail("too short");
  for (let i = 0; i < MAGIC_BYTES.length; i++) if (bytes[i] !== MAGIC_BYTES[i]) fail("bad magic line");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerBytes = view.getUint32(MAGIC_BYTES.length, true);
  const start = PREFIX + headerBytes;
  if (start > bytes.length) fail("truncated header");
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(PREFIX, start)));
  } catch {
    return fail("header is not JSON");
  }
  const { epoch, mode, n, numImgs, width, arrays, bodyBytes, checksum } = header;
  if (![n, numImgs, width, epoch, bodyBytes].every(Number.isInteger) || !Array.isArray(arrays)) {
    fail("bad header fields");
  }
  if (mode !== "test" && mode !== "noise") fail(`bad mode ${JSON.stringify(mode)}`);
  if (bytes.length !== start + bodyBytes) fail(`${bytes.length} bytes, expected ${start + bodyBytes}`);
  // A copy owns aligned memory for the typed-array views.
  const body = bytes.slice(start);
  if (fnv1a(body) !== checksum) fail("checksum mismatch");
  const it: Record<string, unknown> = { epoch, mode, n, numImgs, width };
  for (const e of arrays) {
    if (!(ARRAY_FIELDS as readonly string[]).includes(e.name)) fail(`unknown array "${e.name}"`);
    const ctor = CTOR[e.dtype];
    if (!ctor) fail(`unknown dtype "${e.dtype}"`);
    if (e.length !== expectedLength(header, e.name)) fail(`array "${e.name}" has the wrong length`);
    if (e.offset % 8 !== 0 || e.offset + e.length * ctor.BYTES_PER_ELEMENT > body.length) {
      fail(`array "${e.name}" out of bounds`);
    }
    it[e.name] = new ctor(body.buffer, e.offset, e.length);
  }
  for (const name of ARRAY_FIELDS) {
    if (name !== "imgClassAcc" && it[name] === undefined) fail(`array "${name}" missing`);
  }
  return it as unknown as Interactions;
}

/** Save interactions atomically (temp file + rename). Checks the array lengths first; bad input writes nothing. */
export async function saveInteractions(path: string, it: Interactions): Promise<void> {
  await writeFileAtomic(path, encodeInteractions(it));
}

/** Load interactions saved by {@link saveInteractions}; throws {@link InteractionsFormatError} on a damaged file. */
export async function loadInteractions(path: string): Promise<Interactions> {
  const bytes = await readFileOr(
    path,
    () =>
      new InteractionsFormatError(`Interactions file ${path} does not exist; run the training run first.`),
  );
  return decodeInteractions(bytes, path);
}
