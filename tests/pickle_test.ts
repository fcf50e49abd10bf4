import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { latin1Bytes, latin1String, PickleError, PyGlobal, unpickle, unpickleAt } from "../src/io/pickle.ts";

// Vectors written by CPython 3 `pickle.dumps` (numpy 2.4 for the array), base64-encoded.
const b64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"));

/** {"a": [1, 2.5, None], "b": (True, False), "n": -5, "big": 2**70, "neg": -300, "s": "héllo",
 *  "by": b"\x00\x01", "t": (), "i32": 100000, "set": {3}} */
const BASIC: Record<string, string> = {
  protocol2:
    "gAJ9cQAoWAEAAABhcQFdcQIoSwFHQAQAAAAAAABOZVgBAAAAYnEDiImGcQRYAQAAAG5xBUr7////WAMAAABiaWdxBooJAAAAAAAAAAB" +
    "AWAMAAABuZWdxB0rU/v//WAEAAABzcQhYBgAAAGjDqWxsb3EJWAIAAABieXEKY19jb2RlY3MKZW5jb2RlCnELWAIAAAAAAXEMWAYAAABsYXR" +
    "pbjFxDYZxDlJxD1gBAAAAdHEQKVgDAAAAaTMycRFKoIYBAFgDAAAAc2V0cRJjX19idWlsdGluX18Kc2V0CnETXXEUSwNhhXEVUnEWdS4=",
  protocol5:
    "gAWVeQAAAAAAAAB9lCiMAWGUXZQoSwFHQAQAAAAAAABOZYwBYpSIiYaUjAFulEr7////jANiaWeUigkAAAAAAAAAAECMA25lZ5RK1P7" +
    "//4wBc5SMBmjDqWxsb5SMAmJ5lEMCAAGUjAF0lCmMA2kzMpRKoIYBAIwDc2V0lI+UKEsDkHUu",
};

const EXPECTED_BASIC = new Map<string, unknown>([
  ["a", [1, 2.5, null]],
  ["b", [true, false]],
  ["n", -5],
  ["big", 2n ** 70n],
  ["neg", -300],
  ["s", "héllo"],
  ["by", new Uint8Array([0, 1])],
  ["t", []],
  ["i32", 100000],
  ["set", new Set([3])],
]);

for (const [name, data] of Object.entries(BASIC)) {
  Deno.test(`unpickle() rebuilds basic values (${name})`, () => {
    assert.deepEqual(unpickle(b64(data), { globals: {} }), EXPECTED_BASIC);
  });
}

Deno.test("unpickle() reads protocol 0 text opcodes", () => {
  // pickle.dumps([1, "a", 2.5, None, True, -7, 2**70], protocol=0)
  const v = unpickle(
    b64("KGxwMApJMQphVmEKcDEKYUYyLjUKYU5hSTAxCmFJLTcKYUwxMTgwNTkxNjIwNzE3NDExMzAzNDI0TAphLg=="),
    {
      globals: {},
    },
  );
  assert.deepEqual(v, [1, "a", 2.5, null, true, -7, 2n ** 70n]);
});

Deno.test("unpickle() builds an OrderedDict through STACK_GLOBAL (protocol 4)", () => {
  const v = unpickle(
    b64("gASVMwAAAAAAAACMC2NvbGxlY3Rpb25zlIwLT3JkZXJlZERpY3SUk5QpUpQojAF4lEsBjAF5lF2USwJhdS4="),
    {
      globals: {},
    },
  );
  assert.deepEqual(v, new Map<string, unknown>([["x", 1], ["y", [2]]]));
});

Deno.test("unpickle() returns Python 2 strings as latin1 text or as bytes", () => {
  const bytes = new Uint8Array([0x80, 2, 0x55, 3, 0x61, 0xe9, 0x00, 0x2e]); // SHORT_BINSTRING b"a\xe9\x00"
  assert.equal(unpickle(bytes, { globals: {} }), "a\u00e9\u0000");
  assert.deepEqual(unpickle(bytes, { globals: {}, encoding: "bytes" }), new Uint8Array([0x61, 0xe9, 0]));
  assert.deepEqual(
    latin1Bytes(latin1String(new Uint8Array([0, 0x80, 0x9f, 255]))),
    new Uint8Array([0, 0x80, 0x9f, 255]),
  );
});

// {"data": numpy.arange(6, dtype=numpy.uint8).reshape(2, 3)}, protocol 2
const NUMPY =
  "gAJ9cQBYBAAAAGRhdGFxAWNudW1weS5fY29yZS5tdWx0aWFycmF5Cl9yZWNvbnN0cnVjdApxAmNudW1weQpuZGFycmF5CnEDSwCFcQRjX2N" +
  "vZGVjcwplbmNvZGUKcQVYAQAAAGJxBlgGAAAAbGF0aW4xcQeGcQhScQmHcQpScQsoSwFLAksDhnEMY251bXB5CmR0eXBlCnENWAIAAAB1MXEOiYiHc" +
  "Q9ScRAoSwNYAQAAAHxxEU5OTkr/////Sv////9LAHRxEmKJaAVYBgAAAAABAgMEBXETaAeGcRRScRV0cRZicy4=";

Deno.test("unpickle() passes BUILD state to __setstate__ of allow-listed objects (numpy arrays)", () => {
  class Dtype {
    constructor(readonly name: string) {}
    state: unknown;
    __setstate__(s: unknown) {
      this.state = s;
    }
  }
  class NdArray {
    shape: number[] = [];
    dtype?: Dtype;
    data?: Uint8Array;
    __setstate__(s: unknown) {
      const [, shape, dtype, , raw] = s as [number, number[], Dtype, boolean, Uint8Array];
      Object.assign(this, { shape, dtype, data: raw });
    }
  }
  const v = unpickle(b64(NUMPY), {
    globals: {
      "numpy._core.multiarray._reconstruct": (cls) => {
        assert.ok(cls instanceof PyGlobal && cls.fullName === "numpy.ndarray");
        return new NdArray();
      },
      "numpy.ndarray": () => new NdArray(),
      "numpy.dtype": (name) => new Dtype(String(name)),
    },
  }) as Map<string, NdArray>;
  const a = v.get("data")!;
  assert.deepEqual(a.shape, [2, 3]);
  assert.equal(a.dtype?.name, "u1");
  assert.deepEqual(a.dtype?.state, [3, "|", null, null, null, -1, -1, 0]);
  assert.deepEqual(a.data, new Uint8Array([0, 1, 2, 3, 4, 5]));
});

Deno.test("unpickle() refuses a global outside the allow-list, naming it and the file", () => {
  assert.throws(
    () => unpickle(b64(NUMPY), { globals: {}, source: "train.pkl" }),
    (e: unknown) =>
      e instanceof PickleError && e.message.includes("numpy._core.multiarray._reconstruct") &&
      e.message.includes("train.pkl") && e.message.includes("refuses to load arbitrary objects"),
  );
  // cos\nsystem\n (X"ls",) R . : os.system("ls")
  const evil = new Uint8Array([
    0x80,
    2,
    0x63,
    ...new TextEncoder().encode("os\nsystem\n"),
    0x58,
    2,
    0,
    0,
    0,
    0x6c,
    0x73,
    0x85,
    0x52,
    0x2e,
  ]);
  assert.throws(
    () => unpickle(evil, { globals: {}, source: "evil.pkl" }),
    /os\.system.*not in the allow-list/,
  );
});

Deno.test("unpickle() reports a truncated pickle as a PickleError", () => {
  const bytes = b64(BASIC.protocol2);
  assert.throws(() => unpickle(bytes.subarray(0, 40), { globals: {}, source: "cut.pkl" }), PickleError);
});

Deno.test("unpickleAt() reads consecutive pickles and returns where each ends", () => {
  const one = new Uint8Array([0x80, 2, 0x4b, 7, 0x2e]), two = new Uint8Array([0x80, 2, 0x4e, 0x2e]);
  const both = new Uint8Array([...one, ...two]);
  const first = unpickleAt(both, 0, { globals: {} });
  assert.deepEqual(first, { value: 7, end: 5 });
  assert.deepEqual(unpickleAt(both, first.end, { globals: {} }), { value: null, end: 9 });
});

Deno.test("unpickle() resolves persistent ids through persistentLoad", () => {
  // (X"k" Q) : BINPERSID on the string "k"
  const bytes = new Uint8Array([0x80, 2, 0x58, 1, 0, 0, 0, 0x6b, 0x51, 0x2e]);
  assert.equal(unpickle(bytes, { globals: {}, persistentLoad: (pid) => `loaded ${pid}` }), "loaded k");
  assert.throws(() => unpickle(bytes, { globals: {} }), /persistentLoad/);
});
