import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "../src/io/atomic.ts";

Deno.test("writeFileAtomic() replaces the file and leaves no temporary file", async () => {
  const dir = await Deno.makeTempDir();
  const p = join(dir, "sub", "a.txt");
  await writeFileAtomic(p, "one");
  await writeFileAtomic(p, "two");
  assert.equal(await Deno.readTextFile(p), "two");
  assert.deepEqual([...Deno.readDirSync(join(dir, "sub"))].map((e) => e.name), ["a.txt"]);
  await writeJsonAtomic(p, { x: 1 });
  assert.deepEqual(JSON.parse(await Deno.readTextFile(p)), { x: 1 });
  await Deno.remove(dir, { recursive: true });
});
