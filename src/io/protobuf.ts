/**
 * A minimal Protocol Buffers writer: enough to serialise an ONNX model (varints, length-delimited fields,
 * fixed32 floats). Messages are built bottom-up as byte arrays.
 *
 * @example
 * ```ts
 * import { ProtoWriter } from "./protobuf.ts";
 * const bytes = new ProtoWriter().int(1, 150).finish();
 * if (bytes.join(",") !== "8,150,1") throw new Error("field 1, varint 150");
 * ```
 * @module
 */

/** Builds one message; nested messages are passed as finished byte arrays. */
export class ProtoWriter {
  #parts: number[] = [];
  #chunks: Uint8Array[] = [];

  #varint(v: number | bigint): void {
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) {
      this.#parts.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.#parts.push(Number(x));
  }

  #flush(): void {
    if (this.#parts.length) {
      this.#chunks.push(Uint8Array.from(this.#parts));
      this.#parts = [];
    }
  }

  /** A varint field (int32, int64, enum, bool). */
  int(field: number, value: number | bigint): this {
    this.#varint(field << 3);
    this.#varint(value);
    return this;
  }

  /** A fixed32 float field. */
  float(field: number, value: number): this {
    this.#varint((field << 3) | 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.#parts.push(...b);
    return this;
  }

  /** A length-delimited field: bytes, a string, or a finished nested message. */
  bytes(field: number, value: Uint8Array | string): this {
    const b = typeof value === "string" ? new TextEncoder().encode(value) : value;
    this.#varint((field << 3) | 2);
    this.#varint(b.length);
    this.#flush();
    this.#chunks.push(b);
    return this;
  }

  /** The serialised message. */
  finish(): Uint8Array {
    this.#flush();
    const out = new Uint8Array(this.#chunks.reduce((a, c) => a + c.length, 0));
    let off = 0;
    for (const c of this.#chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}
