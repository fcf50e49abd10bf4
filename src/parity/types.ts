/**
 * Result of checking one reference case against the original implementation's vectors.
 *
 * @module
 */

/** One case of `deno task parity`: printed as one JSON line. */
export interface ParityCase {
  /** Fixture file, e.g. "egg_gs_game.json". */
  file: string;
  /** Case name, e.g. "case 3 (standard, lstm): train grads". */
  name: string;
  /** Largest error found (absolute, or relative where the tolerance is relative). */
  maxError: number;
  tolerance: number;
  /** "abs" or "rel". */
  kind: "abs" | "rel";
  ok: boolean;
  /** Optional detail: which tensor had the largest error. */
  worst?: string;
}

/** Compare two arrays and return the largest absolute difference and its index. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): { max: number; index: number } {
  if (a.length !== b.length) return { max: Infinity, index: -1 };
  let max = 0, index = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= max)) {
      max = Number.isNaN(d) ? Infinity : d;
      index = i;
    }
  }
  return { max, index };
}

/** The parsed fixture file `<dir>/<file>`, or undefined when the folder does not hold it. */
export async function readFixture<T>(dir: string, file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${dir}/${file}`);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  return JSON.parse(text) as T;
}
