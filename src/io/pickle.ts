/**
 * A small, safe pickle reader: enough of Python's pickle VM (protocols 0-5 as written by `torch.save`, and by
 * Python 2 and 3 `pickle` for dicts, lists and numpy arrays) to rebuild plain values, and nothing that runs
 * arbitrary code. Every class or function a pickle names must be in the caller's allow-list.
 *
 * Python values become: None → `null`, bool → `boolean`, int → `number` (or `bigint` beyond 2^53),
 * float → `number`, str → `string`, bytes/bytearray → `Uint8Array`, tuple and list → `Array`,
 * dict → `Map`, set/frozenset → `Set`. Python 2 `str` (opcodes S/T/U) follows `encoding`, as in Python.
 *
 * @module
 */

/** Error for a malformed pickle or one that names a global outside the allow-list. */
export class PickleError extends Error {
  override name = "PickleError";
}

/** A global (class or function) that a pickle referenced through GLOBAL or STACK_GLOBAL. */
export class PyGlobal {
  constructor(
    /** "module.name", e.g. "torch.FloatStorage". */
    readonly fullName: string,
    /** The allow-listed constructor that REDUCE and NEWOBJ call. */
    readonly fn: (...args: unknown[]) => unknown,
  ) {}
}

/** An object that accepts the state of a BUILD opcode (Python's `__setstate__`). */
export interface SetStateTarget {
  __setstate__(state: unknown): void;
}

/** Options of {@link unpickle}. */
export interface UnpickleOptions {
  /**
   * Allow-list "module.name" → constructor, on top of {@link SAFE_GLOBALS}. REDUCE calls it with the pickled arguments, NEWOBJ likewise.
   * A value it returns may define `__setstate__(state)`: BUILD then passes the state to it (this is how
   * numpy arrays arrive: `numpy.core.multiarray._reconstruct` returns an object whose `__setstate__`
   * receives `(version, shape, dtype, isFortran, rawData)`). Without `__setstate__`, a dict state is copied
   * onto the object's string-keyed properties, like Python's default `__dict__.update`.
   */
  globals: Record<string, (...args: unknown[]) => unknown>;
  /** Resolves persistent ids (PERSID, BINPERSID), e.g. torch's storage references. */
  persistentLoad?: (pid: unknown) => unknown;
  /** File name used in error messages. */
  source?: string;
  /** How Python 2 `str` values are returned: "latin1" (default) gives strings, "bytes" gives Uint8Array. */
  encoding?: "latin1" | "bytes";
}

/** Decode bytes as Latin-1 (every byte one code point; not the WHATWG windows-1252 "latin1"). */
export function latin1String(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode(...bytes.subarray(i, Math.min(i + 8192, bytes.length)));
  }
  return s;
}

/** Encode a Latin-1 string (code points 0-255) back to bytes; the inverse of {@link latin1String}. */
export function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const MARK = Symbol("mark");

/**
 * Globals that only build plain data, allowed without asking: Python 3 writes bytes as
 * `_codecs.encode(str, "latin1")` and sets as `builtins.set(list)` under protocol 2. The caller's
 * `globals` take precedence.
 */
export const SAFE_GLOBALS: Readonly<Record<string, (...args: unknown[]) => unknown>> = {
  "_codecs.encode": (s, encoding) => {
    if (typeof s !== "string") return s;
    return encoding === undefined || /^utf-?8$/i.test(String(encoding))
      ? new TextEncoder().encode(s)
      : latin1Bytes(s);
  },
  "builtins.set": (items) => new Set(items as Iterable<unknown> | undefined),
  "__builtin__.set": (items) => new Set(items as Iterable<unknown> | undefined),
  "builtins.frozenset": (items) => new Set(items as Iterable<unknown> | undefined),
  "__builtin__.frozenset": (items) => new Set(items as Iterable<unknown> | undefined),
  "builtins.bytearray": (b) => toBytes(b),
  "__builtin__.bytearray": (b) => toBytes(b),
  "collections.OrderedDict": () => new Map(),
};

/**
 * Rebuild the value of the pickle that starts at the beginning of `bytes`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // pickle.dumps({"a": [1, 2.5, None]}, protocol=2)
 * const bytes = new Uint8Array([0x80, 2, 0x7d, 0x71, 0, 0x58, 1, 0, 0, 0, 0x61, 0x71, 1, 0x5d, 0x71, 2,
 *   0x28, 0x4b, 1, 0x47, 0x40, 4, 0, 0, 0, 0, 0, 0, 0x4e, 0x65, 0x73, 0x2e]);
 * assert.deepEqual(unpickle(bytes, { globals: {} }), new Map([["a", [1, 2.5, null]]]));
 * ```
 */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions): unknown {
  return unpickleAt(bytes, 0, options).value;
}

/** Rebuild the pickle that starts at byte `offset`; `end` is the offset just after its STOP opcode. */
export function unpickleAt(
  bytes: Uint8Array,
  offset: number,
  options: UnpickleOptions,
): { value: unknown; end: number } {
  return new Machine(bytes, offset, options).run();
}

class Machine {
  #b: Uint8Array;
  #view: DataView;
  #pos: number;
  #o: UnpickleOptions;
  #stack: unknown[] = [];
  #marks: number[] = [];
  #memo = new Map<number, unknown>();
  #src: string;

  constructor(bytes: Uint8Array, offset: number, options: UnpickleOptions) {
    this.#b = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#pos = offset;
    this.#o = options;
    this.#src = options.source ?? "<bytes>";
  }

  #fail(msg: string): never {
    throw new PickleError(`Cannot read the pickle in ${this.#src} at byte ${this.#pos}: ${msg}.`);
  }

  #take(n: number): Uint8Array {
    if (n < 0 || this.#pos + n > this.#b.length) this.#fail(`the file ends early (wanted ${n} more bytes)`);
    const s = this.#b.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return s;
  }

  #u8(): number {
    return this.#take(1)[0];
  }
  #u16(): number {
    const v = this.#view.getUint16(this.#take(2).byteOffset - this.#b.byteOffset, true);
    return v;
  }
  #u32(): number {
    return this.#view.getUint32(this.#take(4).byteOffset - this.#b.byteOffset, true);
  }
  #i32(): number {
    return this.#view.getInt32(this.#take(4).byteOffset - this.#b.byteOffset, true);
  }
  #u64(): number {
    const v = this.#view.getBigUint64(this.#take(8).byteOffset - this.#b.byteOffset, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.#fail("a length does not fit in 2^53");
    return Number(v);
  }
  #line(): string {
    const start = this.#pos;
    const nl = this.#b.indexOf(0x0a, start);
    if (nl < 0) this.#fail("a text argument has no end of line");
    this.#pos = nl + 1;
    return latin1String(this.#b.subarray(start, nl));
  }
  #utf8(n: number): string {
    return new TextDecoder("utf-8", { fatal: false }).decode(this.#take(n));
  }
  #py2str(n: number): string | Uint8Array {
    const raw = this.#take(n);
    return this.#o.encoding === "bytes" ? raw.slice() : latin1String(raw);
  }

  #pop(): unknown {
    if (this.#stack.length === 0) this.#fail("the stack is empty");
    const v = this.#stack.pop();
    if (v === MARK) this.#fail("a MARK was popped as a value");
    return v;
  }
  #top(): unknown {
    if (this.#stack.length === 0) this.#fail("the stack is empty");
    return this.#stack[this.#stack.length - 1];
  }
  #popMark(): unknown[] {
    const m = this.#marks.pop();
    if (m === undefined) this.#fail("no MARK to pop to");
    const items = this.#stack.splice(m);
    items.shift(); // the MARK itself
    return items;
  }

  #global(module: string, name: string): PyGlobal {
    const full = `${module}.${name}`;
    const fn = Object.hasOwn(this.#o.globals, full)
      ? this.#o.globals[full]
      : Object.hasOwn(SAFE_GLOBALS, full)
      ? SAFE_GLOBALS[full]
      : undefined;
    if (typeof fn !== "function") {
      throw new PickleError(
        `The pickle in ${this.#src} names the Python global ${full}, which is not in the allow-list: this ` +
          `reader refuses to load arbitrary objects. If the file is trusted and ${full} is a plain data type, ` +
          `add a constructor for it to the \`globals\` option.`,
      );
    }
    return new PyGlobal(full, fn);
  }

  #call(callable: unknown, args: unknown): unknown {
    if (!(callable instanceof PyGlobal)) this.#fail("REDUCE or NEWOBJ on a value that is not a global");
    if (!Array.isArray(args)) this.#fail(`the arguments of ${callable.fullName} are not a tuple`);
    return callable.fn(...args);
  }

  #build(obj: unknown, state: unknown): void {
    if (
      obj !== null && typeof obj === "object" && typeof (obj as SetStateTarget).__setstate__ === "function"
    ) {
      (obj as SetStateTarget).__setstate__(state);
      return;
    }
    // Python's default: (dict state, slot state) or dict state, copied onto the instance.
    const dicts = Array.isArray(state) && state.length === 2 ? state : [state];
    if (obj === null || typeof obj !== "object") this.#fail("BUILD on a value that is not an object");
    for (const d of dicts) {
      if (d === null) continue;
      if (!(d instanceof Map)) {
        this.#fail("BUILD with a state that is not a dict, on an object without __setstate__");
      }
      for (const [k, v] of d) if (typeof k === "string") (obj as Record<string, unknown>)[k] = v;
    }
  }

  #setItems(dict: unknown, items: unknown[]): void {
    if (!(dict instanceof Map)) this.#fail("SETITEM(S) on a value that is not a dict");
    if (items.length % 2 !== 0) this.#fail("SETITEMS with an odd number of values");
    for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
  }

  #appendItems(list: unknown, items: unknown[]): void {
    if (Array.isArray(list)) list.push(...items);
    else if (
      list !== null && typeof list === "object" && typeof (list as { append?: unknown }).append === "function"
    ) {
      for (const it of items) (list as { append(v: unknown): void }).append(it);
    } else this.#fail("APPEND(S) on a value that is not a list");
  }

  #persistent(pid: unknown): unknown {
    if (!this.#o.persistentLoad) this.#fail("a persistent id was found but no persistentLoad was given");
    return this.#o.persistentLoad(pid);
  }

  #intFromText(s: string): number | bigint | boolean {
    const t = s.trim().replace(/L$/, "");
    if (t === "00") return false;
    if (t === "01") return true;
    if (!/^[+-]?\d+$/.test(t)) this.#fail(`"${s}" is not an integer`);
    return smallest(BigInt(t));
  }

  #long(n: number): number | bigint {
    const raw = this.#take(n);
    if (n === 0) return 0;
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(raw[i]);
    if (raw[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return smallest(v);
  }

  run(): { value: unknown; end: number } {
    const st = this.#stack;
    for (;;) {
      const op = this.#u8();
      switch (op) {
        case 0x80: // PROTO
          this.#u8();
          break;
        case 0x95: // FRAME: a length hint only
          this.#u64();
          break;
        case 0x2e: { // STOP
          const value = this.#pop();
          return { value, end: this.#pos };
        }
        case 0x28: // MARK
          this.#marks.push(st.length);
          st.push(MARK);
          break;
        case 0x30: // POP
          if (st[st.length - 1] === MARK) this.#popMark();
          else this.#pop();
          break;
        case 0x31: // POP_MARK
          this.#popMark();
          break;
        case 0x32: // DUP
          st.push(this.#top());
          break;
        case 0x4e: // NONE
          st.push(null);
          break;
        case 0x88: // NEWTRUE
          st.push(true);
          break;
        case 0x89: // NEWFALSE
          st.push(false);
          break;
        case 0x49: // INT (text; I00/I01 are bools)
          st.push(this.#intFromText(this.#line()));
          break;
        case 0x4c: // LONG (text)
          st.push(this.#intFromText(this.#line()));
          break;
        case 0x4a: // BININT
          st.push(this.#i32());
          break;
        case 0x4b: // BININT1
          st.push(this.#u8());
          break;
        case 0x4d: // BININT2
          st.push(this.#u16());
          break;
        case 0x8a: // LONG1
          st.push(this.#long(this.#u8()));
          break;
        case 0x8b: { // LONG4
          const n = this.#i32();
          if (n < 0) this.#fail("LONG4 with a negative length");
          st.push(this.#long(n));
          break;
        }
        case 0x46: // FLOAT (text)
          st.push(parseFloat(this.#line()));
          break;
        case 0x47: // BINFLOAT (big-endian double)
          st.push(new DataView(this.#take(8).slice().buffer).getFloat64(0, false));
          break;
        case 0x53: { // STRING (quoted repr, Python 2)
          const s = this.#line().trim();
          const body = s.slice(1, -1);
          st.push(this.#o.encoding === "bytes" ? latin1Bytes(body) : body);
          break;
        }
        case 0x54: // BINSTRING
          st.push(this.#py2str(this.#i32()));
          break;
        case 0x55: // SHORT_BINSTRING
          st.push(this.#py2str(this.#u8()));
          break;
        case 0x56: // UNICODE (raw-unicode-escape text)
          st.push(
            this.#line().replace(/\\u([0-9a-fA-F]{4})/g, (_, h) => String.fromCharCode(parseInt(h, 16))),
          );
          break;
        case 0x58: // BINUNICODE
          st.push(this.#utf8(this.#u32()));
          break;
        case 0x8c: // SHORT_BINUNICODE
          st.push(this.#utf8(this.#u8()));
          break;
        case 0x8d: // BINUNICODE8
          st.push(this.#utf8(this.#u64()));
          break;
        case 0x42: // BINBYTES
          st.push(this.#take(this.#u32()).slice());
          break;
        case 0x43: // SHORT_BINBYTES
          st.push(this.#take(this.#u8()).slice());
          break;
        case 0x8e: // BINBYTES8
        case 0x96: // BYTEARRAY8
          st.push(this.#take(this.#u64()).slice());
          break;
        case 0x29: // EMPTY_TUPLE
          st.push([]);
          break;
        case 0x74: // TUPLE
          st.push(this.#popMark());
          break;
        case 0x85: // TUPLE1
          st.push([this.#pop()]);
          break;
        case 0x86: { // TUPLE2
          const b = this.#pop(), a = this.#pop();
          st.push([a, b]);
          break;
        }
        case 0x87: { // TUPLE3
          const c = this.#pop(), b = this.#pop(), a = this.#pop();
          st.push([a, b, c]);
          break;
        }
        case 0x5d: // EMPTY_LIST
          st.push([]);
          break;
        case 0x6c: // LIST
          st.push(this.#popMark());
          break;
        case 0x61: { // APPEND
          const v = this.#pop();
          this.#appendItems(this.#top(), [v]);
          break;
        }
        case 0x65: { // APPENDS
          const items = this.#popMark();
          this.#appendItems(this.#top(), items);
          break;
        }
        case 0x7d: // EMPTY_DICT
          st.push(new Map());
          break;
        case 0x64: { // DICT
          const d = new Map();
          this.#setItems(d, this.#popMark());
          st.push(d);
          break;
        }
        case 0x73: { // SETITEM
          const v = this.#pop(), k = this.#pop();
          this.#setItems(this.#top(), [k, v]);
          break;
        }
        case 0x75: { // SETITEMS
          const items = this.#popMark();
          this.#setItems(this.#top(), items);
          break;
        }
        case 0x8f: // EMPTY_SET
          st.push(new Set());
          break;
        case 0x90: { // ADDITEMS
          const items = this.#popMark();
          const s = this.#top();
          if (!(s instanceof Set)) this.#fail("ADDITEMS on a value that is not a set");
          for (const it of items) s.add(it);
          break;
        }
        case 0x91: // FROZENSET
          st.push(new Set(this.#popMark()));
          break;
        case 0x67: // GET
          st.push(this.#memoGet(Number(this.#line())));
          break;
        case 0x68: // BINGET
          st.push(this.#memoGet(this.#u8()));
          break;
        case 0x6a: // LONG_BINGET
          st.push(this.#memoGet(this.#u32()));
          break;
        case 0x70: // PUT
          this.#memo.set(Number(this.#line()), this.#top());
          break;
        case 0x71: // BINPUT
          this.#memo.set(this.#u8(), this.#top());
          break;
        case 0x72: // LONG_BINPUT
          this.#memo.set(this.#u32(), this.#top());
          break;
        case 0x94: // MEMOIZE
          this.#memo.set(this.#memo.size, this.#top());
          break;
        case 0x63: { // GLOBAL
          const module = this.#line(), name = this.#line();
          st.push(this.#global(module, name));
          break;
        }
        case 0x93: { // STACK_GLOBAL
          const name = this.#pop(), module = this.#pop();
          if (typeof module !== "string" || typeof name !== "string") {
            this.#fail("STACK_GLOBAL without two strings");
          }
          st.push(this.#global(module, name));
          break;
        }
        case 0x52: { // REDUCE
          const args = this.#pop(), fn = this.#pop();
          st.push(this.#call(fn, args));
          break;
        }
        case 0x81: { // NEWOBJ
          const args = this.#pop(), cls = this.#pop();
          st.push(this.#call(cls, args));
          break;
        }
        case 0x92: { // NEWOBJ_EX
          const kwargs = this.#pop(), args = this.#pop(), cls = this.#pop();
          if (kwargs instanceof Map && kwargs.size > 0) this.#fail("NEWOBJ_EX with keyword arguments");
          st.push(this.#call(cls, args));
          break;
        }
        case 0x62: { // BUILD
          const state = this.#pop();
          this.#build(this.#top(), state);
          break;
        }
        case 0x50: // PERSID
          st.push(this.#persistent(this.#line()));
          break;
        case 0x51: // BINPERSID
          st.push(this.#persistent(this.#pop()));
          break;
        default:
          this.#fail(
            `unsupported opcode 0x${op.toString(16).padStart(2, "0")} (INST/OBJ/EXT/out-of-band buffers ` +
              `are not read)`,
          );
      }
    }
  }

  #memoGet(i: number): unknown {
    if (!this.#memo.has(i)) this.#fail(`memo entry ${i} is missing`);
    return this.#memo.get(i);
  }
}

function toBytes(b: unknown): Uint8Array {
  if (typeof b === "string") return latin1Bytes(b);
  return b instanceof Uint8Array ? b.slice() : new Uint8Array(0);
}

function smallest(v: bigint): number | bigint {
  return v >= -BigInt(Number.MAX_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}
