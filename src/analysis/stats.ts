/**
 * Summary statistics for the report: mean and sample standard deviation over seeds, and Pearson and
 * Spearman correlations with two-sided p-values computed as scipy.stats 1.10 does.
 *
 * @example
 * ```ts
 * import { pearson, spearman, std } from "./stats.ts";
 * if (std([1, 2, 3]) !== 1) throw new Error("sample std (ddof = 1) of 1, 2, 3 is 1");
 * const { r, p } = pearson([1, 2, 3, 4], [1, 3, 2, 4]);
 * if (Math.abs(r - 0.8) > 1e-12 || Math.abs(p - 0.2) > 1e-12) throw new Error("n = 4: p = 1 - |r|");
 * if (Math.abs(spearman([1, 2, 3], [30, 20, 10]).rho + 1) > 1e-12) throw new Error("reversed order");
 * ```
 * @module
 */

import { rankAverage } from "./ranks.ts";
import { betaIncReg } from "./special.ts";

/** Arithmetic mean. */
export function mean(x: ArrayLike<number>): number {
  if (x.length === 0) throw new RangeError("mean() needs at least one value.");
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

/** Sample standard deviation (ddof = 1, divides by n − 1): the "± std over seeds" of the report. */
export function std(x: ArrayLike<number>): number {
  if (x.length < 2) throw new RangeError(`std() needs at least two values, got ${x.length}.`);
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - m) * (x[i] - m);
  return Math.sqrt(s / (x.length - 1));
}

/**
 * Two-sided p-value of a correlation r over n samples under independence: the t-test with n − 2 degrees
 * of freedom, p = I_{1−r²}((n − 2)/2, 1/2) (scipy's beta-distribution form for Pearson and t.sf form for
 * Spearman are both this quantity).
 */
export function correlationPValue(r: number, n: number): number {
  if (Number.isNaN(r)) return NaN;
  const df = n - 2;
  if (df <= 0) return 1;
  const a = Math.abs(r);
  if (a >= 1) return 0;
  // 1 − r² as (1 − |r|)(1 + |r|): accurate when |r| is near 1 and p is tiny
  return Math.min(1, betaIncReg(df / 2, 0.5, (1 - a) * (1 + a), r * r));
}

/** Pearson's r as scipy 1.10 (centred, normalised dot product, clipped to [−1, 1]); NaN for constant input. */
export function pearsonR(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (n !== y.length) throw new RangeError(`pearson() needs equal lengths, got ${n} and ${y.length}.`);
  if (n < 2) throw new RangeError(`pearson() needs at least two values, got ${n}.`);
  const mx = mean(x), my = mean(y);
  let sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  const nx = Math.sqrt(sxx), ny = Math.sqrt(syy);
  let r = 0;
  for (let i = 0; i < n; i++) r += ((x[i] - mx) / nx) * ((y[i] - my) / ny);
  return Math.max(-1, Math.min(1, r));
}

/** Pearson correlation and its two-sided p-value. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): { r: number; p: number } {
  const r = pearsonR(x, y);
  return { r, p: correlationPValue(r, x.length) };
}

/** Spearman correlation (Pearson of average ranks) and its two-sided p-value (t-test on rho, as scipy). */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): { rho: number; p: number } {
  const rho = pearsonR(rankAverage(x), rankAverage(y));
  return { rho, p: correlationPValue(rho, x.length) };
}
