import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { readZip, ZipError } from "../src/io/zip.ts";
import { KNOWN_WEIGHTS, resolveWeights, WeightsError } from "../src/vision/weights.ts";
import {
  CheckpointError,
  ChecksumError,
  hashSuffix,
  loadStateDict,
  parseStateDict,
} from "../src/vision/torch_checkpoint.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;
const fixture = JSON.parse(await Deno.readTextFile(join(FIXTURES, "resnet.json"))) as {
  cases: { file: string; state_dict_keys: Record<string, number[]> }[];
};

// Python's zipfile: dir/stored.txt (stored, "hello stored") and dir/deflated.txt (deflated, "deflate me " x 20).
const ZIP = new Uint8Array(Buffer.from(
  "UEsDBBQAAAAAAAAAIQCOo3MkDAAAAAwAAAAOAAAAZGlyL3N0b3JlZC50eHRoZWxsbyBzdG9yZWRQSwMEFAAAAAgAAAAhAEkST2sQAAAA3AAAA" +
    "BAAAABkaXIvZGVmbGF0ZWQudHh0S0lNy0ksSVXITVVIGW5MAFBLAQIUAxQAAAAAAAAAIQCOo3MkDAAAAAwAAAAOAAAAAAAAAAAAAACAAQAAAAB" +
    "kaXIvc3RvcmVkLnR4dFBLAQIUAxQAAAAIAAAAIQBJEk9rEAAAANwAAAAQAAAAAAAAAAAAAACAATgAAABkaXIvZGVmbGF0ZWQudHh0UEsFBgAAAA" +
    "ACAAIAegAAAHYAAAAAAA==",
  "base64",
));

Deno.test("readZip() reads stored and deflated entries", () => {
  const entries = readZip(ZIP, "test.zip");
  const text = (name: string) => new TextDecoder().decode(entries.get(name));
  assert.deepEqual([...entries.keys()], ["dir/stored.txt", "dir/deflated.txt"]);
  assert.equal(text("dir/stored.txt"), "hello stored");
  assert.equal(text("dir/deflated.txt"), "deflate me ".repeat(20));
});

Deno.test("readZip() rejects a corrupt entry and a file that is not a zip", () => {
  const corrupt = ZIP.slice();
  corrupt[30 + 14 + 2] ^= 0xff; // inside "hello stored" (after the 30-byte header and the name)
  assert.throws(
    () => readZip(corrupt, "bad.zip"),
    (e: unknown) => e instanceof ZipError && /bad\.zip.*CRC/.test(e.message),
  );
  assert.throws(() => readZip(new Uint8Array(100), "empty.bin"), /empty\.bin.*end-of-central-directory/);
});

for (const c of fixture.cases) {
  Deno.test(`loadStateDict() reads ${c.file} with the keys and shapes torch saved`, async () => {
    const sd = await loadStateDict(join(FIXTURES, c.file));
    assert.deepEqual([...sd.keys()], Object.keys(c.state_dict_keys));
    for (const [key, shape] of Object.entries(c.state_dict_keys)) {
      assert.deepEqual(sd.get(key)!.shape, shape, key);
    }
    const conv = sd.get("conv1.weight")!;
    assert.equal(conv.dtype, "float32");
    assert.equal(conv.data.length, 16 * 3 * 3 * 3);
    const count = sd.get("bn1.num_batches_tracked")!;
    assert.equal(count.dtype, "int64");
    assert.deepEqual(count.data, new BigInt64Array([1234n]));
  });
}

Deno.test("loadStateDict() unwraps {state_dict}, strips module. and makes strided views contiguous (legacy)", async () => {
  const sd = await loadStateDict(join(FIXTURES, "wrapped_legacy_tiny.pth"));
  assert.deepEqual([...sd.keys()], ["w", "b", "n"]);
  // w is storage [0..5] viewed as 2x3 with strides (1, 2): its transpose-like layout.
  assert.deepEqual(sd.get("w"), {
    shape: [2, 3],
    dtype: "float32",
    data: new Float32Array([0, 2, 4, 1, 3, 5]),
  });
  assert.deepEqual(sd.get("b"), { shape: [2], dtype: "float32", data: new Float32Array([12, 13]) });
  assert.deepEqual(sd.get("n"), { shape: [], dtype: "int64", data: new BigInt64Array([-7n]) });
});

Deno.test("loadStateDict() unwraps {model} in the zip format and keeps float64", async () => {
  const sd = await loadStateDict(join(FIXTURES, "wrapped_zip_tiny.pth"));
  assert.deepEqual(sd.get("x"), { shape: [2], dtype: "float64", data: new Float64Array([1.5, -2.25]) });
});

Deno.test("loadStateDict() checks the torch.hub hash suffix of the file name", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "x-deadbeef.pth");
    await Deno.copyFile(join(FIXTURES, "resnet20_random_legacy.pth"), path);
    await assert.rejects(
      () => loadStateDict(path),
      (e: unknown) =>
        e instanceof ChecksumError && e.message.includes(path) && e.message.includes("deadbeef"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.equal(hashSuffix("/w/cifar100_resnet56-f2eff4c8.pt"), "f2eff4c8");
  assert.equal(hashSuffix("resnet56_random.pth"), undefined);
});

Deno.test("parseStateDict() names the file when it is not a checkpoint", () => {
  assert.throws(
    () => parseStateDict(new TextEncoder().encode("hello"), "notes.pth"),
    (e: unknown) => e instanceof CheckpointError && e.message.includes("notes.pth"),
  );
});

Deno.test("resolveWeights() uses an existing path, verifies known names and explains how to proceed offline", async () => {
  const dir = await Deno.makeTempDir();
  const envDir = Deno.env.get("VCP_WEIGHTS_DIR");
  Deno.env.delete("VCP_WEIGHTS_DIR"); // the real weights must not be found there
  try {
    const path = join(FIXTURES, "resnet56_random.pth");
    const found = await resolveWeights(path, { dir });
    assert.equal(found.path, path);
    assert.equal(found.name, "resnet56_random.pth");
    assert.match(found.sha256, /^[0-9a-f]{64}$/);
    await assert.rejects(
      () => resolveWeights("cifar100_resnet56-f2eff4c8.pt", { dir, download: false }),
      (e: unknown) =>
        e instanceof WeightsError && e.message.includes(KNOWN_WEIGHTS["cifar100_resnet56-f2eff4c8.pt"].url) &&
        e.message.includes("--weights PATH") && e.message.includes("VCP_WEIGHTS"),
    );
    // A file under a known name must have the published sha256.
    await Deno.copyFile(path, join(dir, "cifar100_resnet56-f2eff4c8.pt"));
    await assert.rejects(() => resolveWeights("cifar100_resnet56-f2eff4c8.pt", { dir }), ChecksumError);
    await assert.rejects(
      () => resolveWeights("no-such-weights.pt", { dir }),
      /neither an existing file nor a known name/,
    );
  } finally {
    if (envDir !== undefined) Deno.env.set("VCP_WEIGHTS_DIR", envDir);
    await Deno.remove(dir, { recursive: true });
  }
});
