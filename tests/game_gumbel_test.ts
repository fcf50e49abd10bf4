import assert from "node:assert/strict";
import { greedySymbols, gumbelNoise, relaxedBackward, relaxedSample } from "../src/game/gumbel.ts";
import { Rng } from "../src/rng.ts";

Deno.test("relaxedSample() sends the one-hot of argmax (logits + g) forward and keeps the relaxed sample", () => {
  const B = 3, V = 5;
  const logits = Float32Array.from([0.1, 2, -1, 0.5, 0.3, 1, 1, 1, 1, 1, -3, 0, 3, 0, 0]);
  const noise = Float32Array.from([0, 0, 3.5, 0, 0, 0, 0, 0, 0.2, 0, 0, 0, 0, 0, 0]);
  const y = new Float32Array(B * V), sym = new Int32Array(B);
  relaxedSample(logits, noise, 0.5, B, V, y, sym);
  assert.deepEqual(Array.from(sym), [2, 3, 2]);
  for (let b = 0; b < B; b++) {
    const row = y.subarray(b * V, (b + 1) * V);
    assert.ok(Math.abs(row.reduce((a, c) => a + c, 0) - 1) < 1e-6);
    const z = Array.from(row.keys(), (v) => (logits[b * V + v] + noise[b * V + v]) / 0.5);
    const max = Math.max(...z), sum = z.reduce((a, c) => a + Math.exp(c - max), 0);
    for (let v = 0; v < V; v++) assert.ok(Math.abs(row[v] - Math.exp(z[v] - max) / sum) < 1e-6);
  }
});

Deno.test("greedySymbols() takes the first maximum, as torch.argmax", () => {
  const sym = new Int32Array(2);
  greedySymbols(Float32Array.from([1, 3, 3, 0, -1, -2]), 2, 3, sym);
  assert.deepEqual(Array.from(sym), [1, 0]);
});

Deno.test("relaxedBackward() is the gradient of softmax((logits + g) / τ)", () => {
  const V = 4, tau = 0.7;
  const logits = Float32Array.from([0.3, -0.2, 1.1, 0.4]),
    noise = new Float32Array(V),
    dy = Float32Array.from([0.5, -1, 0.25, 2]);
  const y = new Float32Array(V), sym = new Int32Array(1), d = new Float32Array(V);
  relaxedSample(logits, noise, tau, 1, V, y, sym);
  relaxedBackward(y, dy, tau, 1, V, d);
  const f = (l: Float32Array) => {
    const yy = new Float32Array(V);
    relaxedSample(l, noise, tau, 1, V, yy, new Int32Array(1));
    return yy.reduce((a, c, i) => a + c * dy[i], 0);
  };
  for (let v = 0; v < V; v++) {
    const p = logits.slice(), m = logits.slice();
    p[v] += 1e-3;
    m[v] -= 1e-3;
    assert.ok(Math.abs((f(p) - f(m)) / 2e-3 - d[v]) < 1e-3, `component ${v}`);
  }
});

Deno.test("gumbelNoise() draws Gumbel(0, 1) values, the same for the same seed", () => {
  const g = gumbelNoise(new Rng(5), 20000);
  const mean = g.reduce((a, c) => a + c, 0) / g.length;
  assert.ok(Math.abs(mean - 0.5772) < 0.03, `mean ${mean}`);
  assert.deepEqual(gumbelNoise(new Rng(5), 10), g.slice(0, 10));
});
