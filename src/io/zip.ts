/**
 * A minimal zip reader: the central directory, stored and deflated entries, zip64 sizes and offsets.
 * Enough for PyTorch's zip checkpoints (`torch.save` since 1.6) and ordinary archives; no encryption,
 * no multi-disk archives.
 *
 * @module
 */
import { crc32, inflateRawSync } from "node:zlib";

/** Error for a file that is not a readable zip archive. */
export class ZipError extends Error {
  override name = "ZipError";
}

const EOCD = 0x06054b50, EOCD64_LOCATOR = 0x07064b50, EOCD64 = 0x06064b50;
const CENTRAL = 0x02014b50, LOCAL = 0x04034b50;

/** Whether `bytes` starts like a zip archive (a local file header). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 3 && bytes[3] === 4;
}

/**
 * Read every entry of a zip archive. Stored entries are views into `bytes` (no copy); deflated ones are
 * inflated. Each entry's CRC-32 is checked.
 *
 * @param bytes the whole archive
 * @param source file name for error messages
 * @returns entry name → contents, in central-directory order
 */
export function readZip(bytes: Uint8Array, source = "<bytes>"): Map<string, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (msg: string): never => {
    throw new ZipError(`Cannot read the zip archive ${source}: ${msg}.`);
  };
  // The end-of-central-directory record sits in the last 22 + 65535 bytes (its comment is at most 64 KiB).
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    fail("no end-of-central-directory record (the file is truncated or not a zip); download it again");
  }
  let count = view.getUint16(eocd + 10, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || view.getUint32(loc, true) !== EOCD64_LOCATOR) {
      fail("a zip64 archive without its zip64 locator");
    }
    const rec = safeNumber(view.getBigUint64(loc + 8, true), fail);
    if (rec + 56 > bytes.length || view.getUint32(rec, true) !== EOCD64) fail("a broken zip64 end record");
    count = safeNumber(view.getBigUint64(rec + 32, true), fail);
    cdOffset = safeNumber(view.getBigUint64(rec + 48, true), fail);
  }
  const out = new Map<string, Uint8Array>();
  let p = cdOffset;
  const decoder = new TextDecoder();
  for (let e = 0; e < count; e++) {
    if (p + 46 > bytes.length || view.getUint32(p, true) !== CENTRAL) {
      fail(`central directory entry ${e} is damaged`);
    }
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    let csize = view.getUint32(p + 20, true);
    let usize = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    let local = view.getUint32(p + 42, true);
    const name = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // zip64 extra field (id 1): 8-byte values for whichever of the three fields overflowed, in this order.
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = view.getUint16(x, true), len = view.getUint16(x + 2, true);
      if (id === 1) {
        let q = x + 4;
        if (usize === 0xffffffff) (usize = safeNumber(view.getBigUint64(q, true), fail)), (q += 8);
        if (csize === 0xffffffff) (csize = safeNumber(view.getBigUint64(q, true), fail)), (q += 8);
        if (local === 0xffffffff) local = safeNumber(view.getBigUint64(q, true), fail);
      }
      x += 4 + len;
    }
    p = xEnd + commentLen;
    if (flags & 1) fail(`entry ${name} is encrypted`);
    if (local + 30 > bytes.length || view.getUint32(local, true) !== LOCAL) {
      fail(`the local header of ${name} is damaged`);
    }
    // The local header's extra field can differ from the central one (torch pads it to align data).
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (start + csize > bytes.length) {
      fail(`entry ${name} runs past the end of the file (truncated download?)`);
    }
    const raw = bytes.subarray(start, start + csize);
    let data: Uint8Array;
    if (method === 0) data = raw;
    else if (method === 8) data = new Uint8Array(inflateRawSync(raw));
    else {data = fail(
        `entry ${name} uses compression method ${method}; only stored (0) and deflate (8) are read`,
      );}
    if (data.length !== usize) fail(`entry ${name} has ${data.length} bytes but the directory says ${usize}`);
    if (crc32(data) >>> 0 !== crc) {
      fail(`entry ${name} fails its CRC-32 check (the file is corrupt); download it again`);
    }
    out.set(name, data);
  }
  return out;
}

function safeNumber(v: bigint, fail: (msg: string) => never): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail("an offset beyond 2^53 bytes");
  return Number(v);
}
