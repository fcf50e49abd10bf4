import assert from "node:assert/strict";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import {
  CifarFormatError,
  CifarMissingFileError,
  datasetHash,
  parseCifarBinary,
  parseLabelNames,
  RECORD_BYTES,
  validateSplit,
} from "../src/data/cifar.ts";
import { parseCifarPythonSplit } from "../src/data/cifar_python.ts";
import { loadCifar100 } from "../src/data/load.ts";
import { readTar, TarFormatError } from "../src/data/tar.ts";
import type { ImageSplit } from "../src/data/types.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;
const SMALL = { train: 6, test: 3 };

/** `count` binary records; record i has fine label (7i + seed) % 100 and pixels (i + j) % 256. */
function fakeRecords(count: number, seed: number): Uint8Array {
  const b = new Uint8Array(count * RECORD_BYTES);
  for (let i = 0; i < count; i++) {
    const fine = (7 * i + seed) % 100;
    b[i * RECORD_BYTES] = fine % 20;
    b[i * RECORD_BYTES + 1] = fine;
    for (let j = 0; j < 3072; j++) b[i * RECORD_BYTES + 2 + j] = (i + j + seed) % 256;
  }
  return b;
}

const names = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${i}`).join("\n") + "\n";

function fakeFiles(): Record<string, Uint8Array> {
  const enc = new TextEncoder();
  return {
    "train.bin": fakeRecords(SMALL.train, 1),
    "test.bin": fakeRecords(SMALL.test, 2),
    "fine_label_names.txt": enc.encode(names("fine", 100)),
    "coarse_label_names.txt": enc.encode(names("coarse", 20)),
  };
}

/** A minimal ustar writer, enough to make archives for the reader. */
function makeTar(files: Record<string, Uint8Array>, types: Record<string, string> = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  const enc = new TextEncoder();
  for (const [path, data] of Object.entries(files)) {
    const h = new Uint8Array(512);
    const put = (s: string, at: number) => h.set(enc.encode(s), at);
    const [prefix, name] = path.length > 100
      ? [path.slice(0, path.lastIndexOf("/")), path.slice(path.lastIndexOf("/") + 1)]
      : ["", path];
    put(name, 0);
    put("0000644\0", 100);
    put("0000000\0", 108);
    put("0000000\0", 116);
    put(data.length.toString(8).padStart(11, "0") + "\0", 124);
    put("00000000000\0", 136);
    put("        ", 148);
    put(types[path] ?? "0", 156);
    put("ustar\0" + "00", 257);
    put(prefix, 345);
    const sum = h.reduce((a, b) => a + b, 0);
    put(sum.toString(8).padStart(6, "0") + "\0 ", 148);
    parts.push(h, data, new Uint8Array((512 - (data.length % 512)) % 512));
  }
  parts.push(new Uint8Array(1024));
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

async function writeFolder(dir: string, files: Record<string, Uint8Array>): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for (const [name, data] of Object.entries(files)) await Deno.writeFile(join(dir, name), data);
}

Deno.test("parseCifarBinary() splits records into labels and R, G, B pixel planes", () => {
  const split = parseCifarBinary(fakeRecords(4, 3), "train.bin");
  assert.equal(split.count, 4);
  assert.deepEqual([...split.fine], [3, 10, 17, 24]);
  assert.deepEqual([...split.coarse], [3, 10, 17, 4]);
  assert.equal(split.pixels.length, 4 * 3072);
  assert.equal(split.pixels[3072 + 5], (1 + 5 + 3) % 256);
});

Deno.test("parseCifarBinary() rejects a truncated file and names it", () => {
  assert.throws(
    () => parseCifarBinary(fakeRecords(2, 0).subarray(0, 5000), "data/train.bin"),
    (e: Error) =>
      e instanceof CifarFormatError && /data\/train\.bin is 5,000 bytes.*3074-byte/.test(e.message),
  );
});

Deno.test("validateSplit() names the record whose label is out of range, and a wrong count", () => {
  const bytes = fakeRecords(5, 0);
  bytes[3 * RECORD_BYTES + 1] = 100;
  const split = parseCifarBinary(bytes, "test.bin");
  assert.throws(
    () => validateSplit(split, "test.bin", 5),
    (e: Error) => e instanceof CifarFormatError && /test\.bin: record 3 has fine label 100/.test(e.message),
  );
  bytes[3 * RECORD_BYTES + 1] = 99;
  bytes[3 * RECORD_BYTES] = 20;
  assert.throws(() => validateSplit(parseCifarBinary(bytes, "t"), "t", 5), /record 3 .* coarse label 20/);
  assert.throws(
    () => validateSplit(parseCifarBinary(fakeRecords(5, 0), "t"), "t", 10_000),
    /holds 5 images, expected 10,000/,
  );
});

Deno.test("parseLabelNames() ignores blank lines and checks the count", () => {
  assert.deepEqual(parseLabelNames("a\r\nb\n\n", "x.txt", 2), ["a", "b"]);
  assert.throws(
    () => parseLabelNames(names("n", 99), "fine_label_names.txt", 100),
    /fine_label_names\.txt lists 99 label names, expected 100/,
  );
});

Deno.test("readTar() returns regular members, with ustar prefixes, and rejects a bad checksum", () => {
  const long = "d".repeat(90) + "/" + "f".repeat(30);
  const tar = makeTar({ "a/x.txt": new Uint8Array([1, 2, 3]), [long]: new Uint8Array(600).fill(7) });
  const files = readTar(tar, "t.tar");
  assert.deepEqual([...files.keys()], ["a/x.txt", long]);
  assert.deepEqual([...files.get("a/x.txt")!], [1, 2, 3]);
  assert.equal(files.get(long)!.length, 600);
  tar[10] ^= 1;
  assert.throws(
    () => readTar(tar, "t.tar"),
    (e: Error) => e instanceof TarFormatError && /t\.tar .*checksum/.test(e.message),
  );
  tar[10] ^= 1;
  assert.throws(() => readTar(tar.subarray(0, 1800), "cut.tar"), /cut\.tar is truncated/);
  // GNU long names ("L") and pax "path" records ("x") name the next member
  const enc = new TextEncoder();
  const gnu = makeTar(
    {
      "././@LongLink": enc.encode("very/long/name.bin\0"),
      "very/long/na": new Uint8Array([5]),
      "paxhdr": enc.encode("28 path=from/pax/header.bin\n"),
      "short": new Uint8Array([6]),
      "dir/": new Uint8Array(0),
    },
    { "././@LongLink": "L", "paxhdr": "x", "dir/": "5" },
  );
  assert.deepEqual([...readTar(gnu, "gnu.tar")], [["very/long/name.bin", new Uint8Array([5])], [
    "from/pax/header.bin",
    new Uint8Array([6]),
  ]]);
});

Deno.test("loadCifar100() reads the tarball, the folder and the gzipped folder alike", async () => {
  const dir = await Deno.makeTempDir();
  const files = fakeFiles();
  const inTar = Object.fromEntries(Object.entries(files).map(([k, v]) => [`cifar-100-binary/${k}`, v]));
  await Deno.writeFile(join(dir, "cifar-100-binary.tar.gz"), gzipSync(makeTar(inTar)));
  await writeFolder(join(dir, "folder"), files);
  await writeFolder(join(dir, "gz"), {
    "train.bin.gz": gzipSync(files["train.bin"]),
    "test.bin.gz": gzipSync(files["test.bin"]),
    "fine_label_names.txt": files["fine_label_names.txt"],
    "coarse_label_names.txt": files["coarse_label_names.txt"],
  });
  const sources = [join(dir, "cifar-100-binary.tar.gz"), join(dir, "folder"), join(dir, "gz"), dir];
  const loaded = await Promise.all(sources.map((s) => loadCifar100(s, { counts: SMALL })));
  for (const ds of loaded) {
    assert.equal(ds.name, "cifar100");
    assert.equal(ds.hash, loaded[0].hash);
    assert.equal(ds.train.count, 6);
    assert.deepEqual([...ds.test.fine], [2, 9, 16]);
    assert.equal(ds.fineNames[99], "fine99");
    assert.equal(ds.coarseNames.length, 20);
  }
  assert.equal(loaded[0].hash, datasetHash(loaded[1].train, loaded[1].test));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loadCifar100() names a missing member, a missing file and a wrong count", async () => {
  const dir = await Deno.makeTempDir();
  const { "test.bin": _, ...noTest } = fakeFiles();
  await Deno.writeFile(
    join(dir, "partial.tar"),
    makeTar(Object.fromEntries(Object.entries(noTest).map(([k, v]) => [`cifar-100-binary/${k}`, v]))),
  );
  await assert.rejects(
    loadCifar100(join(dir, "partial.tar"), { counts: SMALL }),
    (e: Error) =>
      e instanceof CifarMissingFileError &&
      /partial\.tar has no member cifar-100-binary\/test\.bin/.test(e.message),
  );
  await writeFolder(join(dir, "f"), noTest);
  await assert.rejects(
    loadCifar100(join(dir, "f"), { counts: SMALL }),
    /f has no test\.bin \(nor test\.bin\.gz\)/,
  );
  await assert.rejects(
    loadCifar100(join(dir, "nothing-here")),
    /nothing-here does not exist.*deno task data/,
  );
  await assert.rejects(loadCifar100(join(dir, "partial.tar")), /holds 6 images, expected 50,000/);
  await Deno.remove(dir, { recursive: true });
});

function firstPixels(split: ImageSplit, n: number): number[] {
  return Array.from({ length: Math.min(n, split.count) }, (_, i) => split.pixels[i * 3072]);
}

Deno.test("loadCifar100() reads torchvision's cifar-100-python folder (Python 2 pickles)", async () => {
  const ds = await loadCifar100(join(FIXTURES, "cifar-100-python-mini"), { counts: { train: 12, test: 8 } });
  // values printed by tests/fixtures/make_cifar_100_python.py through pickle.load(f, encoding="latin1")
  assert.deepEqual([...ds.train.fine.subarray(0, 5)], [53, 68, 62, 50, 68]);
  assert.deepEqual([...ds.train.coarse.subarray(0, 5)], [5, 1, 11, 18, 1]);
  assert.deepEqual([...ds.test.fine.subarray(0, 5)], [33, 14, 46, 26, 63]);
  assert.deepEqual([...ds.train.pixels.subarray(0, 4)], [6, 165, 102, 122]);
  assert.deepEqual([...ds.test.pixels.subarray(0, 4)], [106, 8, 129, 75]);
  assert.equal(ds.fineNames[47], "maple_tree");
  assert.equal(ds.coarseNames[19], "vehicles_2");

  // the same images in the binary layout give the same hash
  const dir = await Deno.makeTempDir();
  const toRecords = (s: ImageSplit) => {
    const b = new Uint8Array(s.count * RECORD_BYTES);
    for (let i = 0; i < s.count; i++) {
      b.set([s.coarse[i], s.fine[i]], i * RECORD_BYTES);
      b.set(s.pixels.subarray(i * 3072, (i + 1) * 3072), i * RECORD_BYTES + 2);
    }
    return b;
  };
  await writeFolder(dir, {
    ...fakeFiles(),
    "train.bin": toRecords(ds.train),
    "test.bin": toRecords(ds.test),
  });
  assert.equal((await loadCifar100(dir, { counts: { train: 12, test: 8 } })).hash, ds.hash);

  // and so does the python version's tarball
  const members: Record<string, Uint8Array> = {};
  for (const name of ["train", "test", "meta"]) {
    members[`cifar-100-python/${name}`] = await Deno.readFile(join(FIXTURES, "cifar-100-python-mini", name));
  }
  await Deno.writeFile(join(dir, "cifar-100-python.tar.gz"), gzipSync(makeTar(members)));
  const fromTar = await loadCifar100(join(dir, "cifar-100-python.tar.gz"), {
    counts: { train: 12, test: 8 },
  });
  assert.equal(fromTar.hash, ds.hash);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("parseCifarPythonSplit() reads Python 3 re-pickles (protocols 2 and 5)", async () => {
  const py2 = await loadCifar100(join(FIXTURES, "cifar-100-python-mini"), { counts: { train: 12, test: 8 } });
  for (const proto of [2, 5]) {
    const file = join(FIXTURES, "cifar-100-python-py3", `protocol${proto}-train`);
    const split = parseCifarPythonSplit(await Deno.readFile(file), file);
    assert.equal(split.count, 4);
    assert.deepEqual(split.fine, py2.train.fine.subarray(0, 4));
    assert.deepEqual(split.coarse, py2.train.coarse.subarray(0, 4));
    assert.deepEqual(split.pixels, py2.train.pixels.subarray(0, 4 * 3072));
  }
  assert.throws(
    () => parseCifarPythonSplit(new Uint8Array([0x80, 2, 0x4b, 1, 0x2e]), "train"),
    /train does not hold a dict/,
  );
});

const realDir = Deno.env.get("VCP_CIFAR_DIR");
Deno.test({
  name: "loadCifar100() reads the real CIFAR-100 with its known first labels and pixels",
  ignore: !realDir,
  async fn() {
    const ds = await loadCifar100(realDir!);
    assert.equal(ds.train.count, 50_000);
    assert.equal(ds.test.count, 10_000);
    assert.deepEqual([...ds.train.fine.subarray(0, 10)], [19, 29, 0, 11, 1, 86, 90, 28, 23, 31]);
    assert.deepEqual([...ds.test.fine.subarray(0, 10)], [49, 33, 72, 51, 71, 92, 15, 14, 23, 0]);
    assert.deepEqual(firstPixels(ds.train, 10), [255, 255, 250, 124, 43, 190, 50, 178, 122, 255]);
    assert.deepEqual(firstPixels(ds.test, 10), [199, 113, 61, 93, 80, 168, 37, 175, 233, 182]);
    assert.equal(ds.fineNames[47], "maple_tree");
  },
});
