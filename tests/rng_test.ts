import assert from "node:assert/strict";
import { Rng } from "../src/rng.ts";

Deno.test("Rng gives the same draws for the same seed and different ones for another", () => {
  const a = new Rng(7), b = new Rng(7), c = new Rng(8);
  const da = Array.from({ length: 20 }, () => a.nextU32());
  const db = Array.from({ length: 20 }, () => b.nextU32());
  const dc = Array.from({ length: 20 }, () => c.nextU32());
  assert.deepEqual(da, db);
  assert.notDeepEqual(da, dc);
});

Deno.test("Rng.fork() derives independent, reproducible streams", () => {
  const r = new Rng(3);
  const x = r.fork("train").float(), y = r.fork("test").float();
  assert.equal(r.fork("train").float(), x);
  assert.notEqual(x, y);
});

Deno.test("Rng.float() and int() are uniform on their ranges", () => {
  const r = new Rng(1);
  const counts = new Array(10).fill(0);
  let sum = 0;
  for (let i = 0; i < 100_000; i++) {
    const f = r.float();
    assert.ok(f >= 0 && f < 1);
    sum += f;
    counts[r.int(10)]++;
  }
  assert.ok(Math.abs(sum / 100_000 - 0.5) < 0.005);
  for (const c of counts) assert.ok(Math.abs(c - 10_000) < 500, `bucket count ${c}`);
});

Deno.test("Rng.normal() has mean 0 and variance 1", () => {
  const r = new Rng(11);
  const xs = r.fillNormal(new Float64Array(200_000));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const v = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
  assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(v - 1) < 0.02, `variance ${v}`);
});

Deno.test("Rng.permutation() is a permutation and setState() replays draws", () => {
  const r = new Rng(5);
  const p = r.permutation(100);
  assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i));
  const s = r.getState();
  const next = [r.nextU32(), r.nextU32()];
  r.setState(s);
  assert.deepEqual([r.nextU32(), r.nextU32()], next);
});
