import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { ChecksumError, downloadCifar100, DownloadError } from "../src/data/download.ts";
import { DatasetNotFoundError, loadDataset, locateCifar } from "../src/data/load.ts";

const FAKE = new TextEncoder().encode("not really a tarball ".repeat(1000));
const md5 = (b: Uint8Array) => createHash("md5").update(b).digest("hex");

/** Serve `handler` on 127.0.0.1 for the duration of `fn`. */
async function withServer(
  handler: (req: Request) => Response,
  fn: (url: string) => Promise<void>,
): Promise<void> {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  try {
    await fn(`http://127.0.0.1:${server.addr.port}/cifar-100-binary.tar.gz`);
  } finally {
    await server.shutdown();
  }
}

const listing = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();

Deno.test("downloadCifar100() rejects an MD5 mismatch and leaves no file behind", async () => {
  const dir = await Deno.makeTempDir();
  await withServer(() => new Response(FAKE), async (url) => {
    await assert.rejects(
      downloadCifar100({ dataDir: dir, url }),
      (e: Error) =>
        e instanceof ChecksumError &&
        e.message.includes(`has MD5 ${md5(FAKE)}, expected 03b5dce01913d631647c71ecec9e9cb8`) &&
        e.message.includes(url),
    );
  });
  assert.deepEqual(listing(dir), []);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("downloadCifar100() keeps a verified file and does not download it twice", async () => {
  const dir = await Deno.makeTempDir();
  let requests = 0;
  await withServer(() => (requests++, new Response(FAKE)), async (url) => {
    const first = await downloadCifar100({ dataDir: dir, url, md5: md5(FAKE) });
    assert.deepEqual([first.downloaded, first.bytes, first.md5], [true, FAKE.length, md5(FAKE)]);
    assert.deepEqual(await Deno.readFile(join(dir, "cifar-100-binary.tar.gz")), FAKE);
    const second = await downloadCifar100({ dataDir: dir, url, md5: md5(FAKE) });
    assert.equal(second.downloaded, false);
    assert.equal(requests, 1);
    await assert.rejects(
      downloadCifar100({ dataDir: dir, url }),
      /cifar-100-binary\.tar\.gz has MD5 .* Delete it/,
    );
  });
  assert.deepEqual(listing(dir), ["cifar-100-binary.tar.gz"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("downloadCifar100() without network says how to proceed offline", async () => {
  const dir = await Deno.makeTempDir();
  await assert.rejects(downloadCifar100({ dataDir: dir, url: "http://127.0.0.1:9/" }), (e: Error) => {
    assert.ok(e instanceof DownloadError);
    assert.match(e.message, /^Could not download http:\/\/127\.0\.0\.1:9\//);
    for (
      const hint of [
        join(dir, "cifar-100-binary.tar.gz"),
        "--cifar PATH",
        "VCP_CIFAR_DIR",
        "cifar-100-python",
      ]
    ) {
      assert.ok(e.message.includes(hint), `message mentions ${hint}`);
    }
    return true;
  });
  assert.deepEqual(listing(dir), []);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("downloadCifar100() reports an HTTP error and a stalled transfer", async () => {
  const dir = await Deno.makeTempDir();
  await withServer(() => new Response("gone", { status: 404 }), async (url) => {
    await assert.rejects(
      downloadCifar100({ dataDir: dir, url }),
      (e: Error) => e instanceof DownloadError && /HTTP 404/.test(e.message),
    );
  });
  await withServer(
    () => new Response(new ReadableStream({ start: (c) => c.enqueue(new Uint8Array(10)) })),
    async (url) => {
      await assert.rejects(
        downloadCifar100({ dataDir: dir, url, stallTimeoutMs: 300 }),
        (e: Error) =>
          e instanceof DownloadError && /broke off after 10 bytes \(no data for 0\.3 s\)/.test(e.message),
      );
    },
  );
  assert.deepEqual(listing(dir), []);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("locateCifar() searches the flag, then the data folder, and refuses a missing flag path", async () => {
  const dir = await Deno.makeTempDir();
  assert.equal(await locateCifar({ dataDir: dir, useEnv: false }), undefined);
  await Deno.mkdir(join(dir, "cifar-100-python"));
  assert.equal(await locateCifar({ dataDir: dir, useEnv: false }), join(dir, "cifar-100-python"));
  await Deno.writeFile(join(dir, "cifar-100-binary.tar.gz"), FAKE);
  assert.equal(await locateCifar({ dataDir: dir, useEnv: false }), join(dir, "cifar-100-binary.tar.gz"));
  assert.equal(
    await locateCifar({ cifar: join(dir, "cifar-100-python"), dataDir: dir, useEnv: false }),
    join(dir, "cifar-100-python"),
  );
  await assert.rejects(
    locateCifar({ cifar: join(dir, "nope"), dataDir: dir }),
    (e: Error) =>
      e instanceof DatasetNotFoundError && /--cifar points at .*nope, which does not exist/.test(e.message),
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loadDataset() explains how to get CIFAR-100 when it is missing, and makes the synthetic set", async () => {
  const dir = await Deno.makeTempDir();
  await assert.rejects(
    loadDataset({ dataset: "cifar100", dataDir: dir, useEnv: false }),
    (e: Error) =>
      e instanceof DatasetNotFoundError && /deno task data/.test(e.message) &&
      /VCP_CIFAR_DIR/.test(e.message),
  );
  const ds = await loadDataset({ dataset: "synthetic", syntheticSeed: 4, trainPerClass: 1, testPerClass: 1 });
  assert.deepEqual([ds.name, ds.train.count, ds.test.count], ["synthetic-4", 100, 100]);
  await Deno.remove(dir, { recursive: true });
});
