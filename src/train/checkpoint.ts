/**
 * Checkpoints of a game: parameters and optimizer state ({@link GameState}) in one binary file.
 *
 * File format (little-endian):
 * ```
 * "VCPCKP1\n"              8 bytes, magic line with the format version
 * u32 header byte length   then the JSON header, space-padded so that the arrays start 8-byte aligned
 * float32 arrays           at the offsets the header gives, FNV-1a checksummed
 * ```
 * The header lists the parameters (`name`, `shape`, `offset`, `length`), the optimizer's step and scalar
 * extras, and the offsets of its first and second moments.
 *
 * @module
 */
import type { GameState } from "../game/types.ts";
import { readFileOr, writeFileAtomic } from "../io/atomic.ts";

/** Error for a missing, truncated or otherwise unreadable checkpoint. */
export class CheckpointFormatError extends Error {
  override name = "CheckpointFormatError";
}

const MAGIC = new TextEncoder().encode("VCPCKP1\n");
const PREFIX = MAGIC.length + 4;
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface Entry {
  name: string;
  offset: number;
  length: number;
  shape?: number[];
}

interface Header {
  params: Entry[];
  optimizer?: { step: number; extra?: Record<string, number>; m: Entry[]; v: Entry[] };
  bodyBytes: number;
  checksum: number;
}

function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

/** Serialise a game state (see the module doc). */
export function encodeCheckpoint(state: GameState): Uint8Array {
  if (!LITTLE) throw new Error("Checkpoints are little-endian; this host is big-endian.");
  const chunks: Float32Array[] = [];
  let floats = 0;
  const add = (name: string, data: Float32Array, shape?: number[]): Entry => {
    const e: Entry = { name, offset: floats * 4, length: data.length, ...(shape ? { shape } : {}) };
    chunks.push(data);
    floats += data.length;
    return e;
  };
  const params = Object.entries(state.params).map(([name, p]) => {
    const size = p.shape.reduce((a, b) => a * b, 1);
    if (size !== p.data.length) {
      throw new CheckpointFormatError(
        `Parameter "${name}" has ${p.data.length} values but shape [${p.shape}] (${size}); the game state is inconsistent.`,
      );
    }
    return add(name, p.data, p.shape);
  });
  let optimizer: Header["optimizer"];
  if (state.optimizer) {
    const o = state.optimizer;
    optimizer = {
      step: o.step,
      ...(o.extra ? { extra: o.extra } : {}),
      m: Object.entries(o.m).map(([name, d]) => add(name, d)),
      v: Object.entries(o.v).map(([name, d]) => add(name, d)),
    };
  }
  const body = new Uint8Array(floats * 4);
  let at = 0;
  for (const c of chunks) {
    body.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), at);
    at += c.byteLength;
  }
  const header: Header = {
    params,
    ...(optimizer ? { optimizer } : {}),
    bodyBytes: body.length,
    checksum: fnv1a(body),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = ((json.length + PREFIX + 7) & ~7) - PREFIX;
  const out = new Uint8Array(PREFIX + headerBytes + body.length);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(MAGIC.length, headerBytes, true);
  out.set(json, PREFIX);
  out.fill(0x20, PREFIX + json.length, PREFIX + headerBytes);
  out.set(body, PREFIX + headerBytes);
  return out;
}

/** Parse a checkpoint written by {@link encodeCheckpoint}; `source` names the file in errors. */
export function decodeCheckpoint(bytes: Uint8Array, source = "checkpoint"): GameState {
  const fail = (why: string): never => {
    throw new CheckpointFormatError(
      `Checkpoint ${source} is damaged or not a checkpoint (${why}); delete the run folder's checkpoint/ and ` +
        "state.json to restart the run from scratch.",
    );
  };
  if (bytes.length < PREFIX) fail("too short");
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) fail("bad magic line");
  const headerBytes = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(
    MAGIC.length,
    true,
  );
  const start = PREFIX + headerBytes;
  if (start > bytes.length) fail("truncated header");
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(PREFIX, start)));
  } catch {
    return fail("header is not JSON");
  }
  if (bytes.length !== start + header.bodyBytes) {
    fail(`${bytes.length} bytes, expected ${start + header.bodyBytes}`);
  }
  const body = bytes.slice(start); // owns aligned memory
  if (fnv1a(body) !== header.checksum) fail("checksum mismatch");
  const view = (e: Entry): Float32Array => {
    if (e.offset % 4 !== 0 || e.offset + e.length * 4 > body.length) fail(`array "${e.name}" out of bounds`);
    return new Float32Array(body.buffer, e.offset, e.length);
  };
  const state: GameState = { params: {} };
  for (const e of header.params) state.params[e.name] = { shape: e.shape ?? [e.length], data: view(e) };
  if (header.optimizer) {
    const o = header.optimizer;
    state.optimizer = {
      step: o.step,
      m: Object.fromEntries(o.m.map((e) => [e.name, view(e)])),
      v: Object.fromEntries(o.v.map((e) => [e.name, view(e)])),
      ...(o.extra ? { extra: o.extra } : {}),
    };
  }
  return state;
}

/** Save a game state atomically. */
export async function saveCheckpoint(path: string, state: GameState): Promise<void> {
  await writeFileAtomic(path, encodeCheckpoint(state));
}

/** Load a game state saved by {@link saveCheckpoint}; throws {@link CheckpointFormatError} on a damaged file. */
export async function loadCheckpoint(path: string): Promise<GameState> {
  const bytes = await readFileOr(
    path,
    () =>
      new CheckpointFormatError(`Checkpoint ${path} does not exist; the run has not finished an epoch yet.`),
  );
  return decodeCheckpoint(bytes, path);
}
