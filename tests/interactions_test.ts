import assert from "node:assert/strict";
import { join } from "node:path";
import {
  decodeInteractions,
  encodeInteractions,
  type Interactions,
  InteractionsFormatError,
  loadInteractions,
  saveInteractions,
} from "../src/train/interactions.ts";
import { Rng } from "../src/rng.ts";

function randomInteractions(
  n: number,
  numImgs: number,
  width: number,
  vocab: number,
  pressure: boolean,
): Interactions {
  const rng = new Rng(3);
  const symbols = vocab > 256 ? new Uint16Array(n * width) : new Uint8Array(n * width);
  for (let i = 0; i < symbols.length; i++) symbols[i] = rng.int(vocab);
  const ints = (len: number, max: number) => Int32Array.from({ length: len }, () => rng.int(max));
  const floats = (len: number) => Float32Array.from({ length: len }, () => rng.float());
  return {
    epoch: 4,
    mode: "test",
    n,
    numImgs,
    width,
    symbols,
    length: floats(n),
    targetIndex: ints(n, 10000),
    candidates: ints(n * numImgs, 10000),
    target: ints(n, numImgs),
    prediction: ints(n, numImgs),
    acc: floats(n),
    ...(pressure ? { imgClassAcc: floats(n) } : {}),
    targetClass: ints(n, 100),
  };
}

Deno.test("saveInteractions() and loadInteractions() round-trip every array", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const [vocab, pressure] of [[100, false], [1000, true]] as const) {
      const it = randomInteractions(257, 3, 11, vocab, pressure);
      const path = join(dir, `e${vocab}.bin`);
      await saveInteractions(path, it);
      const back = await loadInteractions(path);
      assert.deepEqual(back, it);
      assert.equal(back.symbols instanceof Uint16Array, vocab > 256);
      assert.equal(back.imgClassAcc === undefined, !pressure);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("encodeInteractions() stores 10,000 games in about half a megabyte", () => {
  const bytes = encodeInteractions(randomInteractions(10000, 2, 11, 100, true));
  assert.ok(bytes.length < 600_000, `${bytes.length} bytes`);
  assert.ok(bytes.length > 10000 * (11 + 4 * 9));
});

Deno.test("loadInteractions() names the file of a damaged, truncated or missing file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "test_e1.bin");
    const bytes = encodeInteractions(randomInteractions(50, 2, 11, 100, false));
    const flipped = bytes.slice();
    flipped[flipped.length - 3] ^= 0xff;
    for (
      const bad of [bytes.subarray(0, bytes.length - 8), flipped, bytes.subarray(0, 5), new Uint8Array(100)]
    ) {
      await Deno.writeFile(path, bad);
      await assert.rejects(loadInteractions(path), (e: Error) => {
        assert.ok(e instanceof InteractionsFormatError);
        assert.match(e.message, /test_e1\.bin is damaged/);
        return true;
      });
    }
    await assert.rejects(loadInteractions(join(dir, "none.bin")), /does not exist/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("saveInteractions() rejects arrays of the wrong length and writes nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const it = randomInteractions(10, 2, 11, 100, false);
    it.candidates = new Int32Array(19);
    const path = join(dir, "x.bin");
    await assert.rejects(saveInteractions(path, it), /"candidates".*19 values, expected 20/);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
    assert.throws(() => decodeInteractions(new Uint8Array(3), "y.bin"), /y\.bin.*too short/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
