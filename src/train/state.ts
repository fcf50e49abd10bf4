/**
 * The resume point of a run (`<run>/state.json`), written atomically after every finished epoch together with
 * `checkpoint/last.bin`, and the clean-up of `metrics.jsonl` that a resume needs.
 *
 * No generator state is stored: every random stream of a run is forked from its seed by a label naming the
 * split and epoch (`train-e3`, `gumbel-e3`, ...), so epoch k draws the same numbers whether or not the run
 * was interrupted before it.
 *
 * @module
 */
import { exists, writeFileAtomic, writeJsonAtomic } from "../io/atomic.ts";

/** Contents of `state.json`. */
export interface RunState {
  /** Epochs finished (train + validation + checkpoints written). */
  epochsDone: number;
  /** Temperature for the next training epoch. */
  temperature: number;
  /** 0 before the first epoch. */
  bestEpoch: number;
  /** -Infinity is stored as null. */
  bestAcc: number | null;
  bestImgClassAcc?: number;
  bestTrainImgClassAcc?: number;
  /** Temperature used in the best epoch's training. */
  bestTemperature?: number;
  /** Training is over (early stop or last epoch); only the noise evaluation and result.json may remain. */
  trainingDone: boolean;
  stoppedEarly: boolean;
  /** Lines of metrics.jsonl that belong to finished epochs. */
  metricsLines: number;
  /** Seconds spent in finished epochs, summed over resumes. */
  seconds: number;
}

/** Error for an unreadable state.json. */
export class RunStateError extends Error {
  override name = "RunStateError";
}

/** Read state.json, or undefined when it does not exist. */
export async function readRunState(path: string): Promise<RunState | undefined> {
  if (!(await exists(path))) return undefined;
  try {
    const s = JSON.parse(await Deno.readTextFile(path)) as RunState;
    if (!Number.isInteger(s.epochsDone) || !Number.isInteger(s.metricsLines) || !(s.temperature > 0)) {
      throw new Error("missing fields");
    }
    return s;
  } catch (e) {
    throw new RunStateError(
      `Resume file ${path} is damaged (${(e as Error).message}); delete it to restart the run from scratch.`,
    );
  }
}

/** Write state.json atomically. */
export function writeRunState(path: string, state: RunState): Promise<void> {
  return writeJsonAtomic(path, state);
}

/**
 * Keep the first `lines` complete lines of a JSONL file and drop the rest (lines of an epoch that did not
 * finish, or a half-written last line). A missing file counts as empty.
 */
export async function truncateJsonl(path: string, lines: number): Promise<void> {
  if (!(await exists(path))) {
    if (lines > 0) throw new RunStateError(`${path} is missing but state.json says it has ${lines} lines.`);
    return;
  }
  const all = (await Deno.readTextFile(path)).split("\n");
  const complete = all.slice(0, -1); // text after the last newline is an unfinished line
  if (complete.length < lines) {
    throw new RunStateError(
      `${path} has ${complete.length} complete lines but state.json says ${lines}; delete the run folder to restart.`,
    );
  }
  if (complete.length === lines && all[all.length - 1] === "") return;
  await writeFileAtomic(path, complete.slice(0, lines).map((l) => l + "\n").join(""));
}
