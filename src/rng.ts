/**
 * Seeded random numbers: every random draw in the project comes from an {@link Rng} passed in explicitly.
 *
 * The generator is sfc32 (a small, fast 128-bit-state generator), seeded through splitmix32 so that nearby
 * seeds give unrelated streams. {@link Rng.fork} derives an independent stream from a label, so that, for
 * example, the train games and the test games of a run do not share draws.
 *
 * @example
 * ```ts
 * import { Rng } from "./rng.ts";
 * const a = new Rng(7), b = new Rng(7);
 * if (a.int(100) !== b.int(100)) throw new Error("same seed, same draws");
 * ```
 * @module
 */

function splitmix32(state: number): [number, number] {
  state = (state + 0x9e3779b9) | 0;
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [state, (z ^ (z >>> 16)) >>> 0];
}

function hashLabel(label: string): number {
  // FNV-1a, enough to separate stream labels
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A seeded pseudo-random generator (sfc32). */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  #spareNormal: number | undefined;

  /** Create a generator from an integer seed (any JS number; only its low 32 bits and sign matter). */
  constructor(readonly seed: number) {
    let s = seed | 0;
    let v: number;
    [s, v] = splitmix32(s);
    this.#a = v;
    [s, v] = splitmix32(s);
    this.#b = v;
    [s, v] = splitmix32(s);
    this.#c = v;
    [s, v] = splitmix32(s);
    this.#d = v;
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** An independent generator derived from this one's seed and a label (does not advance this one). */
  fork(label: string): Rng {
    return new Rng((Math.imul(this.seed | 0, 0x9e3779b1) ^ hashLabel(label)) | 0);
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1) with 32 bits of randomness. */
  float(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform float in (0, 1): never 0, safe under log. */
  floatOpen(): number {
    return (this.nextU32() + 0.5) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n > 0)) throw new RangeError(`Rng.int() needs n > 0, got ${n}.`);
    return Math.floor(this.float() * n);
  }

  /** Standard normal draw (Box-Muller, pairs cached). */
  normal(): number {
    if (this.#spareNormal !== undefined) {
      const s = this.#spareNormal;
      this.#spareNormal = undefined;
      return s;
    }
    const u = this.floatOpen(), v = this.float();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fill an array with uniform floats in (0, 1). */
  fillUniform<T extends Float32Array | Float64Array>(out: T): T {
    for (let i = 0; i < out.length; i++) out[i] = this.floatOpen();
    return out;
  }

  /** Fill an array with N(0, 1) draws. */
  fillNormal<T extends Float32Array | Float64Array>(out: T): T {
    for (let i = 0; i < out.length; i++) out[i] = this.normal();
    return out;
  }

  /** Shuffle in place (Fisher-Yates) and return the array. */
  shuffle<T extends { length: number; [i: number]: unknown }>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = Math.floor(this.float() * (i + 1));
      const t = arr[i];
      arr[i] = arr[j];
      arr[j] = t;
    }
    return arr;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** Save the generator state (to resume a run exactly). */
  getState(): number[] {
    return [this.#a, this.#b, this.#c, this.#d];
  }

  /** Restore a state from {@link getState}. */
  setState(state: readonly number[]): void {
    [this.#a, this.#b, this.#c, this.#d] = state.map((x) => x | 0);
    this.#spareNormal = undefined;
  }
}
