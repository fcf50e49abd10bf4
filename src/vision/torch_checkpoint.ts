/**
 * Read a PyTorch `state_dict` saved with `torch.save`, without Python: the zip format (torch >= 1.6) and
 * the legacy format (a sequence of pickles followed by raw storages). Only tensors, ordered dicts and
 * plain values are rebuilt; any other Python class in the file is refused.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { basename } from "node:path";
import { PickleError, PyGlobal, unpickleAt } from "../io/pickle.ts";
import { isZip, readZip } from "../io/zip.ts";

/** Element types of a tensor. float16 and bfloat16 are widened to float32 in `data`. */
export type TensorDtype =
  | "float32"
  | "float64"
  | "float16"
  | "bfloat16"
  | "int64"
  | "int32"
  | "int16"
  | "int8"
  | "uint8"
  | "bool";

/** A dense, contiguous, row-major tensor. */
export interface TensorEntry {
  /** PyTorch shape; [] for a scalar. */
  shape: number[];
  dtype: TensorDtype;
  /** prod(shape) elements, row-major. */
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;
}

/** Parameter and buffer name (e.g. "layer1.0.conv1.weight") → tensor, in the file's order. */
export type StateDict = Map<string, TensorEntry>;

/** Error for a checkpoint that cannot be read as a state dict. */
export class CheckpointError extends Error {
  override name = "CheckpointError";
}

/** Error for a file whose sha256 does not match the hash in its name or the registry. */
export class ChecksumError extends Error {
  override name = "ChecksumError";
}

const STORAGES: Record<string, { dtype: TensorDtype; size: number }> = {
  FloatStorage: { dtype: "float32", size: 4 },
  DoubleStorage: { dtype: "float64", size: 8 },
  HalfStorage: { dtype: "float16", size: 2 },
  BFloat16Storage: { dtype: "bfloat16", size: 2 },
  LongStorage: { dtype: "int64", size: 8 },
  IntStorage: { dtype: "int32", size: 4 },
  ShortStorage: { dtype: "int16", size: 2 },
  CharStorage: { dtype: "int8", size: 1 },
  ByteStorage: { dtype: "uint8", size: 1 },
  BoolStorage: { dtype: "bool", size: 1 },
};

/** A storage referenced by a persistent id; its bytes arrive later in the legacy format. */
interface Storage {
  key: string;
  dtype: TensorDtype;
  itemSize: number;
  numel: number;
  bytes?: Uint8Array;
  /** Element offset of a legacy storage view into its root storage. */
  viewOffset: number;
  root?: Storage;
}

/** A tensor waiting for its storage bytes. */
class PendingTensor {
  constructor(
    readonly storage: Storage,
    readonly offset: number,
    readonly size: number[],
    readonly stride: number[],
  ) {}
}

/** The hex digits torch.hub puts in a file name (`name-<hex>.pt`/`.pth`), or undefined. */
export function hashSuffix(path: string): string | undefined {
  return /-([0-9a-f]{8,64})\.pth?$/i.exec(basename(path))?.[1].toLowerCase();
}

/** sha256 of some bytes, as lowercase hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Throw {@link ChecksumError} unless `sha256` starts with the hash suffix of `path`'s name (if any). */
export function checkHashSuffix(path: string, sha256: string): void {
  const expected = hashSuffix(path);
  if (expected && !sha256.startsWith(expected)) {
    throw new ChecksumError(
      `The file ${path} is corrupt or not the published one: its name promises a sha256 starting with ` +
        `${expected}, but its sha256 starts with ${
          sha256.slice(0, expected.length)
        }. Delete it and download ` +
        `it again.`,
    );
  }
}

/**
 * Load a `state_dict` from a `.pt`/`.pth` file. Accepts a bare state dict, one wrapped as
 * `{"state_dict": …}` or `{"model": …}`, and strips a `module.` prefix (DataParallel). If the file name
 * carries torch.hub's hash suffix, the file's sha256 must start with it.
 */
export async function loadStateDict(path: string): Promise<StateDict> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new CheckpointError(`Cannot read the checkpoint ${path}: ${(e as Error).message}. Check the path.`);
  }
  checkHashSuffix(path, sha256Hex(bytes));
  return parseStateDict(bytes, path);
}

/** Parse the bytes of a checkpoint file (see {@link loadStateDict}); `source` names it in errors. */
export function parseStateDict(bytes: Uint8Array, source = "<bytes>"): StateDict {
  try {
    const root = isZip(bytes) ? readZipFormat(bytes, source) : readLegacyFormat(bytes, source);
    return toStateDict(root, source);
  } catch (e) {
    if (e instanceof PickleError) throw new CheckpointError(e.message);
    throw e;
  }
}

function fail(source: string, msg: string): never {
  throw new CheckpointError(`Cannot read the PyTorch checkpoint ${source}: ${msg}.`);
}

function torchGlobals(source: string): Record<string, (...args: unknown[]) => unknown> {
  const g: Record<string, (...args: unknown[]) => unknown> = {
    "collections.OrderedDict": () => new Map(),
    "torch._utils._rebuild_tensor_v2": (storage, offset, size, stride) =>
      rebuild(storage, offset, size, stride),
    "torch._utils._rebuild_tensor": (storage, offset, size, stride) => rebuild(storage, offset, size, stride),
    "torch._utils._rebuild_parameter": (data) => data,
  };
  const rebuild = (storage: unknown, offset: unknown, size: unknown, stride: unknown) => {
    if (typeof storage !== "object" || storage === null || !("itemSize" in storage)) {
      fail(source, "a tensor without a storage");
    }
    return new PendingTensor(
      storage as Storage,
      Number(offset),
      (size as unknown[]).map(Number),
      (stride as unknown[]).map(Number),
    );
  };
  for (const name of Object.keys(STORAGES)) {
    g[`torch.${name}`] = () => fail(source, `torch.${name} is called, not referenced`);
  }
  return g;
}

function storageInfo(type: unknown, source: string): { dtype: TensorDtype; size: number } {
  const name = type instanceof PyGlobal ? type.fullName.replace(/^torch\./, "") : String(type);
  return STORAGES[name] ?? fail(source, `storage type ${name} is not supported`);
}

function readZipFormat(bytes: Uint8Array, source: string): unknown {
  const entries = readZip(bytes, source);
  const pkl = [...entries.keys()].filter((n) => n === "data.pkl" || n.endsWith("/data.pkl"));
  if (pkl.length !== 1) fail(source, `expected one data.pkl in the archive, found ${pkl.length}`);
  const prefix = pkl[0].slice(0, -"data.pkl".length);
  const order = entries.get(prefix + "byteorder");
  if (order && new TextDecoder().decode(order).trim() !== "little") {
    fail(source, "big-endian storages are not read");
  }
  const value = unpickleAt(entries.get(pkl[0])!, 0, {
    globals: torchGlobals(source),
    source,
    persistentLoad(pid) {
      const [tag, type, key, , numel] = pid as [string, unknown, string, string, number];
      if (tag !== "storage") fail(source, `unknown persistent id ${tag}`);
      const info = storageInfo(type, source);
      const data = entries.get(`${prefix}data/${key}`) ?? fail(source, `storage data/${key} is missing`);
      return {
        key,
        dtype: info.dtype,
        itemSize: info.size,
        numel: Number(numel),
        bytes: data,
        viewOffset: 0,
      };
    },
  }).value;
  return value;
}

function readLegacyFormat(bytes: Uint8Array, source: string): unknown {
  const globals = torchGlobals(source);
  const plain = { globals: {}, source };
  const magic = unpickleAt(bytes, 0, plain);
  if (magic.value !== 0x1950a86a20f9469cfc6cn) {
    fail(
      source,
      "it is neither a zip checkpoint nor a legacy torch.save file (no magic number); is it a .pt file?",
    );
  }
  const protocol = unpickleAt(bytes, magic.end, plain);
  if (protocol.value !== 1001) {
    fail(source, `legacy protocol ${protocol.value} is not supported (expected 1001)`);
  }
  const sysInfo = unpickleAt(bytes, protocol.end, plain);
  const info = sysInfo.value instanceof Map ? sysInfo.value : new Map();
  if (info.get("little_endian") === false) fail(source, "big-endian storages are not read");
  const roots = new Map<string, Storage>();
  const main = unpickleAt(bytes, sysInfo.end, {
    globals,
    source,
    persistentLoad(pid) {
      const [tag, type, key, , numel, view] = pid as [string, unknown, string, string, number, unknown];
      if (tag !== "storage") fail(source, `unknown persistent id ${tag}`);
      const t = storageInfo(type, source);
      let root = roots.get(key);
      if (!root) {
        root = { key, dtype: t.dtype, itemSize: t.size, numel: Number(numel), viewOffset: 0 };
        roots.set(key, root);
      }
      if (Array.isArray(view)) {
        const [viewKey, offset, viewSize] = view as [string, number, number];
        return { key: viewKey, dtype: t.dtype, itemSize: t.size, numel: viewSize, viewOffset: offset, root };
      }
      return root;
    },
  });
  const keys = unpickleAt(bytes, main.end, plain);
  if (!Array.isArray(keys.value)) fail(source, "the list of storage keys is missing");
  // Raw storages, in the listed order: an int64 element count, then the elements.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = keys.end;
  for (const key of keys.value as string[]) {
    const s = roots.get(String(key)) ?? fail(source, `storage ${key} is listed but never used`);
    if (p + 8 > bytes.length) fail(source, "the file ends before the storages (truncated download?)");
    const n = Number(view.getBigInt64(p, true));
    const len = n * s.itemSize;
    if (p + 8 + len > bytes.length) fail(source, `storage ${key} runs past the end of the file (truncated?)`);
    s.bytes = bytes.subarray(p + 8, p + 8 + len);
    s.numel = n;
    p += 8 + len;
  }
  return main.value;
}

function toStateDict(root: unknown, source: string): StateDict {
  let dict = root;
  for (const wrapper of ["state_dict", "model"]) {
    if (dict instanceof Map && dict.get(wrapper) instanceof Map) dict = dict.get(wrapper);
  }
  if (!(dict instanceof Map)) fail(source, "the top-level object is not a dict of tensors");
  const names = [...dict.keys()].map(String);
  const strip = names.length > 0 && names.every((k) => k.startsWith("module."));
  const out: StateDict = new Map();
  for (const [k, v] of dict) {
    if (!(v instanceof PendingTensor)) continue; // e.g. an epoch counter beside the tensors
    out.set(strip ? String(k).slice("module.".length) : String(k), materialize(v, `${k}`, source));
  }
  if (out.size === 0) {
    fail(source, "it holds no tensors (is it a whole pickled model rather than a state_dict?)");
  }
  return out;
}

function materialize(t: PendingTensor, name: string, source: string): TensorEntry {
  const s = t.storage;
  const root = s.root ?? s;
  if (!root.bytes) fail(source, `the data of tensor ${name} is missing`);
  const numel = t.size.reduce((a, b) => a * b, 1);
  const base = s.viewOffset + t.offset;
  // Element index in the storage of every element, row-major (contiguous tensors take one slice).
  let contiguous = true;
  for (let d = t.size.length - 1, expect = 1; d >= 0; d--) {
    if (t.size[d] !== 1 && t.stride[d] !== expect) contiguous = false;
    expect *= t.size[d];
  }
  let maxIndex = base;
  for (let d = 0; d < t.size.length; d++) maxIndex += (t.size[d] - 1) * t.stride[d];
  if (numel > 0 && (base < 0 || maxIndex >= root.bytes.length / root.itemSize)) {
    fail(source, `tensor ${name} reaches past the end of its storage`);
  }
  const itemSize = root.itemSize;
  const out = new Uint8Array(numel * itemSize);
  if (contiguous) {
    out.set(root.bytes.subarray(base * itemSize, (base + numel) * itemSize));
  } else {
    const idx = new Array(t.size.length).fill(0);
    for (let i = 0; i < numel; i++) {
      let e = base;
      for (let d = 0; d < idx.length; d++) e += idx[d] * t.stride[d];
      out.set(root.bytes.subarray(e * itemSize, (e + 1) * itemSize), i * itemSize);
      for (let d = idx.length - 1; d >= 0; d--) {
        if (++idx[d] < t.size[d]) break;
        idx[d] = 0;
      }
    }
  }
  return { shape: t.size, dtype: root.dtype, data: typed(out, root.dtype) };
}

function typed(b: Uint8Array, dtype: TensorDtype): TensorEntry["data"] {
  const buf = b.buffer as ArrayBuffer;
  switch (dtype) {
    case "float32":
      return new Float32Array(buf);
    case "float64":
      return new Float64Array(buf);
    case "int64":
      return new BigInt64Array(buf);
    case "int32":
      return new Int32Array(buf);
    case "int16":
      return new Int16Array(buf);
    case "int8":
      return new Int8Array(buf);
    case "uint8":
    case "bool":
      return b;
    case "float16":
    case "bfloat16": {
      const u16 = new Uint16Array(buf), f = new Float32Array(u16.length);
      for (let i = 0; i < u16.length; i++) f[i] = dtype === "bfloat16" ? bf16(u16[i]) : f16(u16[i]);
      return f;
    }
  }
}

const scratch = new DataView(new ArrayBuffer(4));
function bf16(h: number): number {
  scratch.setUint32(0, h << 16);
  return scratch.getFloat32(0);
}
function f16(h: number): number {
  const sign = h & 0x8000 ? -1 : 1, exp = (h >> 10) & 0x1f, frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
