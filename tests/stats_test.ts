import assert from "node:assert/strict";
import { correlationPValue, mean, pearson, spearman, std } from "../src/analysis/stats.ts";
import { rankAverage } from "../src/analysis/ranks.ts";
import { betaIncReg, lnBeta, lnGamma } from "../src/analysis/special.ts";
import type { AnalysisFixture } from "../src/analysis/parity.ts";

const fixture: AnalysisFixture = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/analysis.json", import.meta.url)),
);

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

Deno.test("pearson() and spearman() match scipy on the analysis.json cases", () => {
  for (const c of fixture.correlation) {
    const p = pearson(c.x, c.y), s = spearman(c.x, c.y);
    assert.ok(Math.abs(p.r - c.pearson_r) < 1e-9);
    assert.ok(Math.abs(s.rho - c.spearman_rho) < 1e-9);
    assert.ok(rel(p.p, c.pearson_p) < 1e-6, `pearson p ${p.p} vs ${c.pearson_p}`);
    assert.ok(rel(s.p, c.spearman_p) < 1e-6, `spearman p ${s.p} vs ${c.spearman_p}`);
  }
});

Deno.test("spearman() averages tied ranks", () => {
  // ranks of x: 1, 2.5, 2.5, 4; of y: 1, 3, 2, 4; rho = 4.5 / sqrt(4.5 * 5) = 3 / sqrt(10)
  assert.deepEqual(Array.from(rankAverage([1, 2, 2, 3])), [1, 2.5, 2.5, 4]);
  const { rho, p } = spearman([1, 2, 2, 3], [1, 3, 2, 4]);
  assert.ok(Math.abs(rho - 3 / Math.sqrt(10)) < 1e-15);
  assert.ok(Math.abs(p - (1 - rho)) < 1e-15, "n = 4: p = 1 - |rho|");
  assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 40]).rho, 1);
  assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 40]).p, 0);
});

Deno.test("correlationPValue() agrees with closed forms of the t distribution", () => {
  for (const r of [0, 0.1, 0.5, -0.8, 0.999, 1 - 1e-10]) {
    // n = 4 (2 degrees of freedom): p = 1 - |r|
    assert.ok(rel(correlationPValue(r, 4), 1 - Math.abs(r)) < 1e-12, `n=4 r=${r}`);
    // n = 3 (1 degree of freedom, Cauchy t): p = (2/pi) acos(|r|)
    const want = (2 / Math.PI) * Math.acos(Math.abs(r));
    assert.ok(rel(correlationPValue(r, 3), want) < 1e-12, `n=3 r=${r}`);
  }
  // the two-sided 5% critical value of t with 10 degrees of freedom is 2.228138851986273
  const t = 2.228138851986273, r = t / Math.sqrt(10 + t * t);
  assert.ok(rel(correlationPValue(r, 12), 0.05) < 1e-12);
  assert.equal(correlationPValue(0.3, 2), 1);
  assert.ok(Number.isNaN(correlationPValue(NaN, 10)));
});

Deno.test("betaIncReg(), lnGamma() and lnBeta() match known values", () => {
  assert.ok(Math.abs(betaIncReg(1, 1, 0.3) - 0.3) < 1e-15);
  assert.ok(rel(betaIncReg(3.5, 1, 0.4), 0.4 ** 3.5) < 1e-13); // I_x(a, 1) = x^a
  assert.ok(rel(betaIncReg(1, 2.5, 0.2), 1 - 0.8 ** 2.5) < 1e-13); // I_x(1, b) = 1 - (1 - x)^b
  assert.ok(Math.abs(betaIncReg(7.5, 7.5, 0.5) - 0.5) < 1e-14);
  assert.ok(rel(betaIncReg(0.5, 0.5, 0.01), (2 / Math.PI) * Math.asin(0.1)) < 1e-13);
  assert.ok(rel(betaIncReg(1e6, 0.5, 0.999999), 0.15729915515583534) < 1e-10, "large a (scipy's value)");
  assert.equal(betaIncReg(2, 3, 0), 0);
  assert.equal(betaIncReg(2, 3, 1), 1);
  assert.ok(Math.abs(lnGamma(0.5) - Math.log(Math.sqrt(Math.PI))) < 1e-14);
  assert.ok(Math.abs(lnGamma(10) - Math.log(362880)) < 1e-13);
  assert.ok(rel(lnGamma(100), 359.1342053695754) < 1e-15);
  assert.ok(Math.abs(lnBeta(2, 3) - Math.log(1 / 12)) < 1e-14);
  assert.ok(Math.abs(lnBeta(2e7, 0.5) - (lnGamma(0.5) + lnGamma(2e7) - lnGamma(2e7 + 0.5))) < 1e-6);
});

Deno.test("mean() and std() are the mean and the sample (ddof = 1) standard deviation", () => {
  assert.equal(mean([0.955, 0.923, 0.918]), (0.955 + 0.923 + 0.918) / 3);
  assert.equal(std([1, 2, 3]), 1);
  assert.ok(Math.abs(std([2, 4, 4, 4, 5, 5, 7, 9]) - Math.sqrt(32 / 7)) < 1e-15);
  assert.throws(() => std([1]), /at least two/);
  assert.throws(() => mean([]), /at least one/);
});

Deno.test("pearson() is NaN on constant input and rejects unequal lengths", () => {
  assert.ok(Number.isNaN(pearson([1, 1, 1], [1, 2, 3]).r));
  assert.throws(() => pearson([1, 2], [1, 2, 3]), /equal lengths/);
});
