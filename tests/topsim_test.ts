import assert from "node:assert/strict";
import { analysisParity } from "../src/analysis/parity.ts";
import { cosineDistance, editDistance, hammingDistance, pdist, rowNorms } from "../src/analysis/distances.ts";
import { euclideanDistance } from "../src/analysis/distances.ts";
import { levenshtein, MyersPattern } from "../src/analysis/levenshtein.ts";
import { meaningDistances } from "../src/analysis/meaning_distances.ts";
import { messageDistanceCodes } from "../src/analysis/message_codes.ts";
import { cutAtEos, messageLength } from "../src/analysis/messages.ts";
import { rankSums } from "../src/analysis/rank_sums.ts";
import { rankAverage } from "../src/analysis/ranks.ts";
import { sampleGames, topsim } from "../src/analysis/topsim.ts";
import { topsimNaive } from "../src/analysis/topsim_naive.ts";
import { PairWorkspace } from "../src/analysis/workspace.ts";
import type { MeaningDistance, MessageDistance } from "../src/analysis/distances.ts";
import { Rng } from "../src/rng.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;

Deno.test("analysisParity() passes every case of analysis.json", async () => {
  const cases = await analysisParity(FIXTURES);
  assert.equal(cases.length, 12 + 3 * 2);
  for (const c of cases) assert.ok(c.ok, `${c.name}: error ${c.maxError} > ${c.tolerance}`);
  assert.ok(cases.filter((c) => c.name.startsWith("topsim")).every((c) => c.maxError < 1e-12));
});

Deno.test("analysisParity() returns no case when analysis.json is absent", async () => {
  assert.deepEqual(await analysisParity(await Deno.makeTempDir()), []);
});

Deno.test("distance functions give scipy's and EGG's values on hand examples", () => {
  const x = [1, 0, 0, 1, 1, 1];
  const norms = rowNorms(x, 2);
  assert.equal(cosineDistance(x, 2, 0, 1, norms), 1);
  assert.ok(Math.abs(cosineDistance(x, 2, 0, 2, norms) - (1 - Math.SQRT1_2)) < 1e-15);
  // parallel vectors: scipy's formula rounds to 2.2e-16 here too
  assert.equal(cosineDistance([2, 4, 1, 2], 2, 0, 1, rowNorms([2, 4, 1, 2], 2)), 2.220446049250313e-16);
  assert.equal(euclideanDistance([0, 0], [3, 4]), 5);
  assert.equal(hammingDistance([1, 2, 3], [1, 0, 3]), 1 / 3);
  // EGG: Levenshtein / mean length; [1,2,3,0] -> [1,3,0] is one deletion, mean length 3.5
  assert.equal(editDistance([1, 2, 3, 0], [1, 3, 0]), 1 / 3.5);
  assert.equal(editDistance([5, 0], [5, 0]), 0);
  assert.deepEqual(Array.from(pdist([0, 0, 3, 4, 6, 8], 2, "euclidean")), [5, 10, 5]);
});

Deno.test("levenshtein() and MyersPattern agree on random sequences up to 32 symbols", () => {
  const rng = new Rng(11);
  const pattern = new MyersPattern(6);
  assert.equal(levenshtein([], [1, 2]), 2);
  assert.equal(levenshtein([1, 2, 3], [3, 2, 1]), 2);
  for (let t = 0; t < 3000; t++) {
    const a = Array.from({ length: rng.int(33) }, () => rng.int(6));
    const b = Array.from({ length: rng.int(40) }, () => rng.int(6));
    pattern.set(a);
    assert.equal(pattern.distanceTo(b, 0, b.length), levenshtein(a, b));
  }
});

Deno.test("meaningDistances() cosine is bit-identical to the scipy-order reference", () => {
  const rng = new Rng(5);
  for (const [n, dim] of [[2, 3], [17, 64], [41, 6], [300, 64]]) {
    const x = rng.fillNormal(new Float64Array(n * dim));
    x.set(x.subarray(0, dim), (n - 1) * dim); // a duplicate row: distance 0 or a few ulps, as scipy
    const fast = meaningDistances(x, dim, "cosine"), ref = pdist(x, dim, "cosine");
    assert.equal(fast.length, ref.length);
    for (let p = 0; p < ref.length; p++) assert.ok(Object.is(fast[p], ref[p]), `n=${n} pair ${p}`);
  }
});

Deno.test("messageDistanceCodes() encodes the exact distances", () => {
  const rng = new Rng(6);
  const rows = Array.from({ length: 60 }, () => Array.from({ length: 11 }, () => rng.int(100)));
  for (const metric of ["euclidean", "hamming"] as const) {
    const { codes, values } = messageDistanceCodes(rows, metric);
    const ref = pdist(rows.flat(), 11, metric);
    for (let p = 0; p < ref.length; p++) assert.equal(values[codes[p]], ref[p]);
  }
  const ragged = cutAtEos(rows.map((r) => r.map((s) => (s < 15 ? 0 : s))));
  const { codes, values } = messageDistanceCodes(ragged, "edit");
  let p = 0;
  for (let i = 0; i < ragged.length; i++) {
    for (let j = i + 1; j < ragged.length; j++) {
      assert.equal(values[codes[p++]], editDistance(ragged[i], ragged[j]));
    }
  }
});

Deno.test("rankSums() sums average ranks per code, ties and narrow ranges included", () => {
  const rng = new Rng(8);
  // workspaces hold the n(n - 1)/2 pairs of n items: 4950 pairs for 100 items, 300 for 25, 105 for 15
  const cases: [number, () => number][] = [
    [100, () => Math.round(rng.normal() * 20) / 20], // heavy ties
    [100, () => rng.normal() ** 3], // clumped
    [25, () => (rng.int(3) + 1) * 5e-324], // too narrow to bucket: the sort fallback
    [15, () => 0.25], // all tied
  ];
  for (const [items, draw] of cases) {
    const ws = new PairWorkspace(items, 0);
    const n = ws.pairs;
    const values = Float64Array.from({ length: n }, draw);
    const codes = Uint32Array.from({ length: n }, () => rng.int(7));
    const ranks = rankAverage(values);
    const want = new Float64Array(7);
    let wantSq = 0;
    for (let k = 0; k < n; k++) {
      want[codes[k]] += ranks[k] - (n + 1) / 2;
      wantSq += (ranks[k] - (n + 1) / 2) ** 2;
    }
    ws.values().set(values);
    ws.codes().set(codes);
    const got = rankSums(ws, 7);
    assert.deepEqual(Array.from(got.sums), Array.from(want));
    assert.ok(Math.abs(got.sumSquares - wantSq) <= 1e-12 * wantSq);
  }
});

Deno.test("rankSums() rejects NaN distances", () => {
  const ws = new PairWorkspace(3, 0);
  ws.values().set([0.1, NaN, 0.2]);
  assert.throws(() => rankSums(ws, 1), /NaN/);
});

Deno.test("topsim() equals the straightforward computation for every distance pair", () => {
  const rng = new Rng(9);
  const n = 150, dim = 8, width = 6;
  const meanings = rng.fillNormal(new Float64Array(n * dim));
  const messages = Array.from({ length: n }, () => Array.from({ length: width }, () => rng.int(4)));
  for (let i = 0; i < 20; i++) { // duplicated games, as when sampling with replacement
    const j = rng.int(n), k = rng.int(n);
    meanings.copyWithin(j * dim, k * dim, (k + 1) * dim);
    messages[j] = messages[k].slice();
  }
  const cut = cutAtEos(messages);
  for (const meaningDistance of ["cosine", "euclidean", "hamming"] as MeaningDistance[]) {
    for (const messageDistance of ["euclidean", "hamming", "edit"] as MessageDistance[]) {
      const opts = { meaningDistance, messageDistance };
      const msgs = messageDistance === "edit" ? cut : messages;
      const got = topsim(meanings, dim, msgs, opts), want = topsimNaive(meanings, dim, msgs, opts);
      assert.ok(Math.abs(got - want) < 1e-12, `${meaningDistance}/${messageDistance}: ${got} vs ${want}`);
    }
  }
});

Deno.test("topsim() is 1 for identical structure and NaN for constant messages", () => {
  const rng = new Rng(10);
  const ids = Array.from({ length: 60 }, () => [rng.int(50), rng.int(50)]);
  const opts = { meaningDistance: "euclidean", messageDistance: "euclidean" } as const;
  assert.ok(Math.abs(topsim(Float64Array.from(ids.flat()), 2, ids, opts) - 1) < 1e-12);
  const line = Float64Array.from({ length: 30 }, (_, i) => i);
  assert.ok(Number.isNaN(topsim(line, 1, Array.from(line, () => [3]), opts)), "scipy gives NaN too");
});

Deno.test("topsim() rejects a message count that differs from the meaning count", () => {
  assert.throws(
    () =>
      topsim(new Float64Array(6), 2, [[1], [2]], { meaningDistance: "cosine", messageDistance: "euclidean" }),
    /one message per meaning/,
  );
});

Deno.test("cutAtEos() keeps the first EOS and messageLength() counts it", () => {
  assert.deepEqual(cutAtEos({ data: [3, 0, 5, 4, 1, 2, 0, 0, 0], width: 3 }), [[3, 0], [4, 1, 2], [0]]);
  assert.equal(messageLength([7, 7, 0, 5]), 3);
  assert.equal(messageLength([7, 7]), 2);
});

Deno.test("sampleGames() draws reproducibly with replacement in range", () => {
  const a = sampleGames(100, 10000, new Rng(1)), b = sampleGames(100, 10000, new Rng(1));
  assert.deepEqual(a, b);
  assert.ok(a.every((i) => i >= 0 && i < 100));
  assert.equal(new Set(a).size, 100);
  assert.notDeepEqual(a, sampleGames(100, 10000, new Rng(2)));
});

Deno.test("kernels_wasm.ts holds the compiled .wat sources", async () => {
  const { compileAll, kernelsModuleText } = await import("../src/analysis/build_kernels.ts");
  const committed = await Deno.readTextFile(new URL("../src/analysis/kernels_wasm.ts", import.meta.url));
  assert.equal(committed, kernelsModuleText(await compileAll()));
});
