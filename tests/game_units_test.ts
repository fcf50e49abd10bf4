import assert from "node:assert/strict";
import { Adam } from "../src/game/adam.ts";
import { backwardOrder, eosGrad, firstEos, secondEos } from "../src/game/eos.ts";
import { sigmoid, tanh } from "../src/game/fastmath.ts";
import { transpose } from "../src/game/linalg.ts";
import { TaskLoss } from "../src/game/losses.ts";
import type { GameBatch } from "../src/game/types.ts";

Deno.test("tanh() and sigmoid() are float32-accurate", () => {
  for (let x = -12; x <= 12; x += 0.001) {
    assert.ok(Math.abs(tanh(x) - Math.tanh(x)) < 3e-7, `tanh(${x})`);
    assert.ok(Math.abs(sigmoid(x) - 1 / (1 + Math.exp(-x))) < 2e-7, `sigmoid(${x})`);
  }
  assert.equal(tanh(0), 0);
});

Deno.test("Adam.step() follows PyTorch: ε added to the bias-corrected √v", () => {
  const p = { w: Float32Array.from([1, -2]) };
  const adam = new Adam(["w"], [2], 0.1);
  const g1 = Float32Array.from([0.5, -1e-9]), g2 = Float32Array.from([-0.25, 3]);
  adam.step(p, { w: g1 });
  adam.step(p, { w: g2 });
  // reference computed by hand from torch.optim.Adam's update rule
  const ref = (p0: number, gs: number[]) => {
    let m = 0, v = 0, x = p0;
    gs.forEach((g, i) => {
      const t = i + 1;
      m = 0.9 * m + 0.1 * g;
      v = 0.999 * v + 0.001 * g * g;
      x -= (0.1 / (1 - 0.9 ** t)) * m / (Math.sqrt(v) / Math.sqrt(1 - 0.999 ** t) + 1e-8);
    });
    return x;
  };
  assert.ok(Math.abs(p.w[0] - ref(1, [0.5, -0.25])) < 1e-6);
  assert.ok(Math.abs(p.w[1] - ref(-2, [-1e-9, 3])) < 1e-6);
  assert.equal(adam.getState().step, 2);
});

Deno.test("eosGrad() is the gradient of EGG's EOS weighting with respect to each EOS entry", () => {
  // messages (L = 4), position-major: b0 = [3, 0, 2, 0 | 0], b1 = [1, 2, 3, 4 | 0], b2 = [0, 0, 1, 1 | 0]
  const B = 3, L = 4;
  const sym = Int32Array.from([3, 1, 0, 0, 2, 0, 2, 3, 1, 0, 4, 1, 0, 0, 0]);
  const first = firstEos(sym, B, L), second = secondEos(sym, B, L, first);
  assert.deepEqual(Array.from(first), [1, 4, 0]);
  assert.deepEqual(Array.from(second), [3, 4, 1]);
  const a = Float64Array.from({ length: (L + 1) * B }, (_, i) => Math.sin(i + 1));
  const de = eosGrad(a, B, L, first, second, 1);
  // reference: dLoss/de_t of Σ_t e_t s_t A_t + s_{L+1} A_L by finite differences on relaxed e
  const loss = (e: number[][], b: number) => {
    let s = 1, total = 0;
    for (let t = 0; t <= L; t++) {
      total += e[t][b] * s * a[t * B + b];
      s *= 1 - e[t][b];
    }
    return total + s * a[L * B + b];
  };
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < L; t++) {
      const e = Array.from(
        { length: L + 1 },
        (_, u) => Array.from({ length: B }, (_, c) => (sym[u * B + c] === 0 ? 1 : 0)),
      );
      e[t][b] += 1e-6;
      const up = loss(e, b);
      e[t][b] -= 2e-6;
      const fd = (up - loss(e, b)) / 2e-6;
      assert.ok(Math.abs(fd - de[t * B + b]) < 1e-6, `b ${b} t ${t}: ${fd} vs ${de[t * B + b]}`);
    }
  }
});

Deno.test("backwardOrder() puts the longest messages first so live samples are a prefix", () => {
  const o = backwardOrder(Int32Array.from([1, 4, 0, 4]));
  assert.deepEqual(Array.from(o.perm), [1, 3, 0, 2]);
  assert.deepEqual(Array.from(o.counts), [4, 3, 2, 2, 2, 0]);
  assert.deepEqual(Array.from(o.offsets), [0, 4, 7, 9, 11, 13]);
  assert.equal(o.last, 4);
});

Deno.test("TaskLoss.row() computes the original's losses and accuracies", () => {
  const batch: GameBatch = {
    size: 1,
    senderInput: new Float32Array(0),
    receiverInput: new Float32Array(0),
    target: Int32Array.from([1]),
    sameClass: Float32Array.from([0, 1]),
    targetClass: Int32Array.from([2]),
  };
  const ce = (x: number[], i: number) => Math.log(x.reduce((s, v) => s + Math.exp(v), 0)) - x[i];
  const bce = (x: number, y: number) =>
    -(y * Math.log(1 / (1 + Math.exp(-x))) + (1 - y) * Math.log(1 - 1 / (1 + Math.exp(-x))));
  const std = new TaskLoss("standard", 2, 3, 1).row(Float32Array.from([0.5, 1.5]), 0, batch, 0);
  assert.ok(Math.abs(std.loss - ce([0.5, 1.5], 1)) < 1e-6);
  assert.equal(std.acc, 1);
  const ic = new TaskLoss("img_clas", 2, 3, 0.7).row(Float32Array.from([0.5, 1.5, 0.3, -0.2]), 0, batch, 0);
  assert.ok(Math.abs(ic.loss - (ce([0.5, 1.5], 1) + 0.7 * (bce(0.3, 0) + bce(-0.2, 1)) / 2) / 2) < 1e-6);
  assert.equal(ic.imgClassAcc, 0); // predicts "same class" for candidate 0, "other" for candidate 1
  const tc = new TaskLoss("target_clas", 2, 3, 2).row(Float32Array.from([2, 1, 0.1, 0.2, 0.3]), 0, batch, 0);
  assert.ok(Math.abs(tc.loss - (ce([2, 1], 1) + 2 * ce([0.1, 0.2, 0.3], 2)) / 2) < 1e-6);
  assert.equal(tc.acc, 0);
  assert.equal(tc.imgClassAcc, 1);
});

Deno.test("transpose() transposes a row-major matrix", () => {
  assert.deepEqual(Array.from(transpose(Float32Array.from([1, 2, 3, 4, 5, 6]), 2, 3)), [1, 4, 2, 5, 3, 6]);
});
