/**
 * `deno task data`: download the official CIFAR-100 binary tarball into data/ (MD5-verified), or, with
 * `--cifar PATH`, verify an existing copy in any accepted format. Prints the counts and the dataset hash.
 *
 * @module
 */
import { helpText, parseFlags, runMain } from "../src/cli.ts";
import { CIFAR100_URL, downloadCifar100 } from "../src/data/download.ts";
import { DEFAULT_DATA_DIR, loadCifar100 } from "../src/data/load.ts";
import type { ImageDataset } from "../src/data/types.ts";

const FLAGS = {
  cifar: {
    type: "string",
    help: "Verify an existing copy (tarball, folder, or cifar-100-python) instead of downloading",
  },
  out: { type: "string", help: "Folder that receives the tarball", default: DEFAULT_DATA_DIR },
  url: {
    type: "string",
    help: "Download from this URL (a mirror of the official file)",
    default: CIFAR100_URL,
  },
} as const;

function describe(ds: ImageDataset, seconds: number): string {
  const perClass = (fine: Uint8Array) => {
    const counts = new Array(100).fill(0);
    for (const f of fine) counts[f]++;
    return `${Math.min(...counts)}-${Math.max(...counts)} per fine class`;
  };
  return [
    `CIFAR-100 at ${ds.source} read and validated in ${seconds.toFixed(1)} s:`,
    `  train ${ds.train.count.toLocaleString("en")} images (${perClass(ds.train.fine)})`,
    `  test  ${ds.test.count.toLocaleString("en")} images (${perClass(ds.test.fine)})`,
    `  labels ${ds.fineNames.length} fine, ${ds.coarseNames.length} coarse (e.g. ${
      ds.fineNames.slice(0, 3).join(", ")
    })`,
    `  dataset hash ${ds.hash}`,
  ].join("\n");
}

async function verify(path: string): Promise<void> {
  const start = performance.now();
  const ds = await loadCifar100(path, { progress: true });
  console.log(describe(ds, (performance.now() - start) / 1000));
}

await runMain(async () => {
  const { values } = parseFlags(Deno.args, FLAGS);
  if (values.help) {
    console.log(helpText("Usage: deno task data [--cifar PATH] [--out DIR]", FLAGS));
    return;
  }
  if (typeof values.cifar === "string") {
    await verify(values.cifar);
    return;
  }
  const result = await downloadCifar100({
    dataDir: String(values.out),
    url: String(values.url),
    progress: true,
  });
  console.log(
    result.downloaded
      ? `Downloaded ${(result.bytes / 1e6).toFixed(1)} MB to ${result.path} (MD5 ${result.md5} verified).`
      : `${result.path} is already there (MD5 ${result.md5} verified); nothing downloaded.`,
  );
  await verify(result.path);
});
