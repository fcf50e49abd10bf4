/**
 * CIFAR-100's python version (torchvision's `cifar-100-python` folder): pickled dicts `train` and `test`
 * with `data` (N x 3072 uint8 numpy array, the same R, G, B planes as the binary version), `fine_labels`
 * and `coarse_labels` (lists of ints), and `meta` with `fine_label_names` and `coarse_label_names`.
 *
 * The official files are Python 2 pickles (protocol 2, `str` values), which torchvision opens with
 * `encoding="latin1"`. They are read here with `encoding: "bytes"` instead, so that the 150 MB of pixels stay
 * bytes and are never turned into a string; keys and names are decoded as Latin-1 afterwards. Python 3
 * re-pickles (protocols 2 to 5) are read too. Only numpy's array and dtype are allowed as globals.
 *
 * @module
 */
import { latin1Bytes, latin1String, unpickle } from "../io/pickle.ts";
import { IMAGE_BYTES, type ImageSplit } from "./types.ts";
import { CifarFormatError } from "./cifar.ts";

/** The part of a numpy dtype the reader needs: its kind and item size, e.g. "u1", "<i8". */
class NpDtype {
  constructor(public descr: string) {}
  /** numpy's dtype state: (version, byte order, ...); the order is all we need. */
  __setstate__(state: unknown): void {
    const order = Array.isArray(state) ? pyStr(state[1]) : "|";
    if (order === ">") this.descr = `>${this.descr.replace(/^[<>|=]/, "")}`;
  }
}

/** A numpy array rebuilt from its pickle: shape, dtype and the raw C-order bytes. */
class NpArray {
  shape: number[] = [];
  dtype = new NpDtype("u1");
  data: Uint8Array = new Uint8Array(0);
  /** `ndarray.__setstate__((version, shape, dtype, is_fortran, raw))`. */
  __setstate__(state: unknown): void {
    const s = state as unknown[];
    const [shape, dtype, fortran, raw] = s.length === 5 ? s.slice(1) : s;
    this.shape = (shape as unknown[]).map(Number);
    this.dtype = dtype as NpDtype;
    if (fortran === true && this.shape.filter((d) => d > 1).length > 1) {
      throw new TypeError("a Fortran-ordered array (re-save it in C order)");
    }
    this.data = typeof raw === "string" ? latin1Bytes(raw) : (raw as Uint8Array);
  }
}

function pyStr(v: unknown): string {
  return v instanceof Uint8Array ? latin1String(v) : String(v);
}

const NUMPY_GLOBALS: Record<string, (...args: unknown[]) => unknown> = {
  "numpy.core.multiarray._reconstruct": () => new NpArray(),
  "numpy._core.multiarray._reconstruct": () => new NpArray(),
  "numpy.ndarray": () => "ndarray",
  "numpy.dtype": (descr) => new NpDtype(pyStr(descr)),
  // Python 3 writes bytes as _codecs.encode(text, "latin1") under protocol 2
  "_codecs.encode": (text) => latin1Bytes(String(text)),
  "numpy.core.numeric._frombuffer": frombuffer,
  "numpy._core.numeric._frombuffer": frombuffer,
};

function frombuffer(buf: unknown, dtype: unknown, shape: unknown, order: unknown): NpArray {
  const a = new NpArray();
  a.__setstate__([shape, dtype, pyStr(order) === "F", buf]);
  return a;
}

function readDict(bytes: Uint8Array, file: string): Map<string, unknown> {
  let value: unknown;
  try {
    value = unpickle(bytes, { globals: NUMPY_GLOBALS, encoding: "bytes", source: file });
  } catch (e) {
    throw new CifarFormatError(
      `${file} is not a readable CIFAR-100 python pickle (${(e as Error).message}). ` +
        `Get a fresh copy with \`deno task data\`.`,
    );
  }
  if (!(value instanceof Map)) {
    throw new CifarFormatError(`${file} does not hold a dict, as CIFAR-100's pickles do.`);
  }
  return new Map([...value].map(([k, v]) => [pyStr(k), v]));
}

function entry(dict: Map<string, unknown>, key: string, file: string): unknown {
  if (!dict.has(key)) {
    throw new CifarFormatError(
      `${file} has no key "${key}" (it has ${[...dict.keys()].join(", ")}): not CIFAR-100's python version.`,
    );
  }
  return dict.get(key);
}

function intArray(v: unknown, what: string, file: string): number[] {
  if (Array.isArray(v)) return v.map(Number);
  if (v instanceof NpArray && /^[<|]?[ui][1248]$/.test(v.dtype.descr)) {
    const size = Number(v.dtype.descr.slice(-1)), signed = v.dtype.descr.includes("i");
    const view = new DataView(v.data.buffer, v.data.byteOffset, v.data.byteLength);
    const out: number[] = [];
    for (let o = 0; o < v.data.length; o += size) {
      if (size === 8) out.push(Number(signed ? view.getBigInt64(o, true) : view.getBigUint64(o, true)));
      else if (size === 4) out.push(signed ? view.getInt32(o, true) : view.getUint32(o, true));
      else if (size === 2) out.push(signed ? view.getInt16(o, true) : view.getUint16(o, true));
      else out.push(signed ? view.getInt8(o) : view.getUint8(o));
    }
    return out;
  }
  throw new CifarFormatError(`${file}: "${what}" is not a list of integers.`);
}

function labelBytes(labels: number[], what: string, file: string): Uint8Array {
  const out = new Uint8Array(labels.length);
  labels.forEach((l, i) => {
    if (!Number.isInteger(l) || l < 0 || l > 255) {
      throw new CifarFormatError(
        `${file}: record ${i} has ${what} ${l}, not a class index. The copy is corrupt.`,
      );
    }
    out[i] = l;
  });
  return out;
}

/** Read a `train` or `test` pickle into a split (labels and pixels as in the binary version). */
export function parseCifarPythonSplit(bytes: Uint8Array, file: string): ImageSplit {
  const dict = readDict(bytes, file);
  const data = entry(dict, "data", file);
  if (!(data instanceof NpArray) || data.dtype.descr.replace(/^\|/, "") !== "u1") {
    throw new CifarFormatError(
      `${file}: "data" is not a uint8 numpy array, as in CIFAR-100's python version.`,
    );
  }
  const count = data.shape[0] ?? 0;
  if (
    data.shape.reduce((a, b) => a * b, 1) !== count * IMAGE_BYTES || data.data.length !== count * IMAGE_BYTES
  ) {
    throw new CifarFormatError(
      `${file}: "data" has shape (${data.shape.join(", ")}) and ${data.data.length} bytes, expected ` +
        `(N, ${IMAGE_BYTES}). The copy is truncated or corrupt: get a fresh one with \`deno task data\`.`,
    );
  }
  const fine = labelBytes(
    intArray(entry(dict, "fine_labels", file), "fine_labels", file),
    "fine label",
    file,
  );
  const coarse = labelBytes(
    intArray(entry(dict, "coarse_labels", file), "coarse_labels", file),
    "coarse label",
    file,
  );
  if (fine.length !== count || coarse.length !== count) {
    throw new CifarFormatError(
      `${file} has ${count} images but ${fine.length} fine and ${coarse.length} coarse labels. The copy is corrupt.`,
    );
  }
  return { count, pixels: data.data, fine, coarse };
}

/** Read the `meta` pickle: the fine and coarse label names, in label order. */
export function parseCifarPythonMeta(
  bytes: Uint8Array,
  file: string,
): { fineNames: string[]; coarseNames: string[] } {
  const dict = readDict(bytes, file);
  const names = (key: string) => {
    const v = entry(dict, key, file);
    if (!Array.isArray(v)) throw new CifarFormatError(`${file}: "${key}" is not a list of names.`);
    return v.map(pyStr);
  };
  return { fineNames: names("fine_label_names"), coarseNames: names("coarse_label_names") };
}
