/**
 * The recurrent cells' activations, accurate to float32 precision and about 2.5x faster than `Math.tanh`
 * in V8: a training step evaluates about a million of them on the host. (`Math.exp` and `Math.log` are
 * already as fast as a hand-written range reduction here, so they are used as they are.)
 *
 * Maximum errors against `Math.tanh` in float64: `tanh` 2.7e-7 absolute (1.3e-7 relative near 0),
 * `sigmoid` 1.3e-7 absolute.
 *
 * @example
 * ```ts
 * import { tanh } from "./fastmath.ts";
 * if (Math.abs(tanh(0.5) - Math.tanh(0.5)) > 1e-6) throw new Error("tanh is float32-accurate");
 * ```
 * @module
 */

const CLAMP = 7.90531110763549805;

/** Hyperbolic tangent as a rational function of degree 13/6 (float32-accurate; saturates beyond ±7.9). */
export function tanh(x: number): number {
  if (x > CLAMP) x = CLAMP;
  else if (x < -CLAMP) x = -CLAMP;
  const x2 = x * x;
  let p = -2.76076847742355e-16;
  p = p * x2 + 2.00018790482477e-13;
  p = p * x2 - 8.60467152213735e-11;
  p = p * x2 + 5.12229709037114e-08;
  p = p * x2 + 1.48572235717979e-05;
  p = p * x2 + 6.37261928875436e-04;
  p = p * x2 + 4.89352455891786e-03;
  let q = 1.19825839466702e-06;
  q = q * x2 + 1.18534705686654e-04;
  q = q * x2 + 2.26843463243900e-03;
  q = q * x2 + 4.89352518554385e-03;
  return (p * x) / q;
}

/** Logistic sigmoid, through σ(x) = (1 + tanh(x / 2)) / 2. */
export function sigmoid(x: number): number {
  return 0.5 + 0.5 * tanh(0.5 * x);
}
