/**
 * A small reader of tar archives (ustar, GNU and pax headers) over an in-memory, already gunzipped buffer:
 * enough to open the official `cifar-100-binary.tar.gz` without extracting it.
 *
 * @example
 * ```ts
 * import { readTar } from "./tar.ts";
 * const members = readTar(new Uint8Array(1024), "empty.tar"); // two zero blocks: an empty archive
 * if (members.size !== 0) throw new Error("expected no members");
 * ```
 * @module
 */

const BLOCK = 512;

/** The archive is not a readable tar file (bad header checksum, truncated member). */
export class TarFormatError extends Error {
  override name = "TarFormatError";
}

function field(bytes: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(start, end));
}

function octal(bytes: Uint8Array, start: number, length: number): number {
  if (bytes[start] & 0x80) {
    // GNU base-256 encoding of large numbers
    let n = 0;
    for (let i = start + 1; i < start + length; i++) n = n * 256 + bytes[i];
    return n;
  }
  const text = field(bytes, start, length).trim();
  return text === "" ? 0 : parseInt(text, 8);
}

function headerChecksumOk(header: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
  return sum === octal(header, 148, 8);
}

function paxPath(data: Uint8Array): string | undefined {
  // records are "<length> <key>=<value>\n"
  for (const line of new TextDecoder().decode(data).split("\n")) {
    const m = /^\d+ path=(.*)$/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * The regular files of a tar archive, by path (a leading "./" removed). Values are views into `bytes`,
 * not copies. `source` names the archive in error messages.
 */
export function readTar(bytes: Uint8Array, source: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  let offset = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= bytes.length) {
    const header = bytes.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    if (!headerChecksumOk(header)) {
      throw new TarFormatError(
        `${source} is not a readable tar archive: bad header checksum at byte ${offset}. ` +
          `The file is corrupt or not a tar; download it again.`,
      );
    }
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] || 48);
    const dataStart = offset + BLOCK;
    if (dataStart + size > bytes.length) {
      throw new TarFormatError(
        `${source} is truncated: member "${
          field(header, 0, 100)
        }" needs ${size} bytes past byte ${dataStart}, ` +
          `but the archive ends at ${bytes.length}. Download it again.`,
      );
    }
    const data = bytes.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "L") {
      longName = field(data, 0, data.length);
      continue;
    }
    if (type === "x") {
      longName = paxPath(data) ?? longName;
      continue;
    }
    const isUstar = field(header, 257, 5) === "ustar";
    const prefix = isUstar ? field(header, 345, 155) : "";
    const name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    longName = undefined;
    if (type === "0" || type === "7") files.set(name.replace(/^\.\//, ""), data);
  }
  return files;
}
