/**
 * The bridge between the agents' host arrays and TensorFlow.js, which the game uses for one thing only:
 * matrix products (XNNPACK on the wasm backend). Everything elementwise runs on the host in fused loops.
 *
 * Why: on wasm, an op costs 10-50 µs of dispatch whatever its size, `tanh` runs scalar (23 ns/element),
 * a product whose right operand is transposed takes a slow path, and XNNPACK caches the packed form of a
 * right operand per tensor. So a product here is always `host a (m x k) @ device b (k x n)` with `b` a
 * {@link DeviceMatrix} uploaded once per training step (weights) or once per use (activations).
 *
 * @module
 */
import { tf } from "../backend.ts";

/** A row-major matrix on the backend, used as the right operand of {@link matmul}. */
export class DeviceMatrix {
  private constructor(readonly tensor: tf.Tensor2D, readonly rows: number, readonly cols: number) {}

  /** Upload `rows x cols` values (row-major; extra trailing values are ignored). */
  static upload(data: Float32Array, rows: number, cols: number): DeviceMatrix {
    const n = rows * cols;
    if (data.length < n) {
      throw new RangeError(
        `DeviceMatrix.upload() needs ${n} values for ${rows} x ${cols}, got ${data.length}.`,
      );
    }
    return new DeviceMatrix(
      tf.tensor2d(data.length === n ? data : data.subarray(0, n), [rows, cols]),
      rows,
      cols,
    );
  }

  /** Free the backend memory (and, on wasm, the cached packed operand). */
  dispose(): void {
    this.tensor.dispose();
  }
}

const MATMUL_ATTRS = { transposeA: false, transposeB: false };

/** out (m x n) = a (m x k, host row-major) @ b (k x n). Returns a new host array. */
export function matmul(a: Float32Array, m: number, b: DeviceMatrix): Float32Array {
  const k = b.rows;
  if (a.length < m * k) throw new RangeError(`matmul(): a needs ${m} x ${k} values, got ${a.length}.`);
  const at = tf.tensor2d(a.length === m * k ? a : a.subarray(0, m * k), [m, k]);
  // The kernel directly: tf.matMul's op wrapper doubles the ~40 µs fixed cost of a product.
  const out = tf.engine().runKernel("BatchMatMul", { a: at, b: b.tensor }, MATMUL_ATTRS) as tf.Tensor;
  const data = out.dataSync() as Float32Array;
  at.dispose();
  out.dispose();
  return data;
}

/** Transpose a row-major `rows x cols` matrix into `dst` (cols x rows). */
export function transpose(
  src: Float32Array,
  rows: number,
  cols: number,
  dst: Float32Array = new Float32Array(rows * cols),
): Float32Array {
  // Sequential reads, strided writes: the fastest of the blocked and unblocked variants measured in V8.
  for (let i = 0; i < rows; i++) {
    let s = i * cols, d = i;
    for (let j = 0; j < cols; j++) {
      dst[d] = src[s++];
      d += rows;
    }
  }
  return dst;
}

/** Upload the transpose of a host `rows x cols` matrix (e.g. a PyTorch `out x in` weight as `in x out`). */
export function uploadTransposed(src: Float32Array, rows: number, cols: number): DeviceMatrix {
  return DeviceMatrix.upload(transpose(src, rows, cols), cols, rows);
}

/**
 * Gradients below this magnitude are set to zero before they reach a product: WebAssembly has no
 * flush-to-zero mode and XNNPACK runs several times slower on subnormal floats (below 1.2e-38), which
 * appear in backward passes once the agents grow confident. Numerically negligible in float32.
 */
export const FLUSH_BELOW = 1e-30;

/** Zero the entries of `a` with |a| < {@link FLUSH_BELOW}, in place. */
export function flushTiny(a: Float32Array): Float32Array {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (v < FLUSH_BELOW && v > -FLUSH_BELOW) a[i] = 0;
  }
  return a;
}

/** Sum of the rows of a row-major `rows x cols` matrix, added into `out` (cols). */
export function addColumnSums(a: Float32Array, rows: number, cols: number, out: Float32Array): Float32Array {
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) out[j] += a[o + j];
  }
  return out;
}

/** Add a host product result into `out` elementwise (same length). */
export function addInto(out: Float32Array, a: Float32Array): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] += a[i];
  return out;
}

/**
 * Add a weight gradient computed with a trailing column of ones on the right operand: `a` (rows x (cols + 1))
 * holds the weight part in its first `cols` columns (added into `weight`, rows x cols) and the bias part in
 * its last (added into `bias`, rows).
 */
export function addWithBias(
  a: Float32Array,
  rows: number,
  cols: number,
  weight: Float32Array,
  bias: Float32Array,
): void {
  const c1 = cols + 1;
  for (let i = 0; i < rows; i++) {
    const o = i * c1, w = i * cols;
    for (let j = 0; j < cols; j++) weight[w + j] += a[o + j];
    bias[i] += a[o + cols];
  }
}
