/**
 * Adam exactly as PyTorch's `torch.optim.Adam` (no weight decay, no amsgrad), on host arrays:
 * m ← β1 m + (1 − β1) g, v ← β2 v + (1 − β2) g², p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε).
 * Note ε is added to √v̂, not to v̂ (tf.train.adam places it differently).
 *
 * @example
 * ```ts
 * import { Adam } from "./adam.ts";
 * const p = { w: new Float32Array([1]) };
 * new Adam(["w"], [1]).step(p, { w: new Float32Array([0.5]) });
 * if (Math.abs(p.w[0] - (1 - 1e-3)) > 1e-7) throw new Error("the first step moves by lr");
 * ```
 * @module
 */
import type { ParamArrays } from "./params.ts";

/** Adam's state: step count and moments per parameter. */
export interface AdamState {
  step: number;
  m: Record<string, Float32Array>;
  v: Record<string, Float32Array>;
}

/** PyTorch's Adam over named host arrays. */
export class Adam {
  #state: AdamState;

  constructor(
    names: readonly string[],
    sizes: readonly number[],
    readonly lr = 1e-3,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
  ) {
    const m: Record<string, Float32Array> = {}, v: Record<string, Float32Array> = {};
    names.forEach((n, i) => {
      m[n] = new Float32Array(sizes[i]);
      v[n] = new Float32Array(sizes[i]);
    });
    this.#state = { step: 0, m, v };
  }

  /** One update of every parameter in `params` that has a gradient in `grads`. */
  step(params: ParamArrays, grads: ParamArrays): void {
    const s = this.#state;
    s.step++;
    const bc1 = 1 - Math.pow(this.beta1, s.step);
    const bc2Sqrt = Math.sqrt(1 - Math.pow(this.beta2, s.step));
    const stepSize = this.lr / bc1;
    const b1 = this.beta1, b2 = this.beta2, eps = this.eps;
    for (const name of Object.keys(s.m)) {
      const g = grads[name], p = params[name], m = s.m[name], v = s.v[name];
      if (!g || !p) continue;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i];
        const mi = b1 * m[i] + (1 - b1) * gi;
        const vi = b2 * v[i] + (1 - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] -= (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + eps);
      }
    }
  }

  /** A copy of the state (to checkpoint). */
  getState(): AdamState {
    const copy = (r: Record<string, Float32Array>) =>
      Object.fromEntries(Object.entries(r).map(([k, a]) => [k, a.slice()]));
    return { step: this.#state.step, m: copy(this.#state.m), v: copy(this.#state.v) };
  }

  /** Restore a state from {@link getState}; every known parameter must be present with its size. */
  setState(state: AdamState): void {
    for (const [k, a] of Object.entries(this.#state.m)) {
      if (state.m[k]?.length !== a.length || state.v[k]?.length !== a.length) {
        throw new RangeError(
          `Adam.setState(): moments of "${k}" missing or of the wrong size (${a.length} expected).`,
        );
      }
      a.set(state.m[k]);
      this.#state.v[k].set(state.v[k]);
    }
    this.#state.step = state.step;
  }
}
