/**
 * The command line of one training run: `deno task train`'s kebab-case flags for a {@link RunConfig}.
 *
 * @example
 * ```ts
 * import { resolveConfig } from "../config.ts";
 * import { configFlags } from "./train_args.ts";
 * const flags = configFlags(resolveConfig({ task: "img_clas", evalNoise: true }));
 * if (flags.join(" ") !== "--task img_clas --eval-noise") throw new Error(flags.join(" "));
 * ```
 * @module
 */
import { DEFAULT_CONFIG, type RunConfig } from "../config.ts";

/** `sameClassProb` -> `same-class-prob`. */
export function kebab(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * Flags for the fields of `config` that differ from the paper's defaults (train starts from the same
 * defaults), in RunConfig field order. Booleans are bare flags.
 */
export function configFlags(config: Readonly<RunConfig>): string[] {
  const out: string[] = [];
  for (const field of Object.keys(DEFAULT_CONFIG) as (keyof RunConfig)[]) {
    const value = config[field], def = DEFAULT_CONFIG[field];
    if (value === def) continue;
    if (typeof value === "boolean") {
      if (!value) {
        throw new Error(`Cannot pass ${field}=false to train: its default is true and it is a bare flag.`);
      }
      out.push(`--${kebab(field)}`);
    } else {
      out.push(`--${kebab(field)}`, String(value));
    }
  }
  return out;
}

/** Data flags a sweep passes through to every run unchanged (`augment` is a bare flag: any value but "false"). */
export const PASS_THROUGH_FLAGS = [
  "dataset",
  "cifar",
  "weights",
  "features",
  "limit-train",
  "limit-test",
  "backend",
  "synthetic-seed",
  "augment",
] as const;

/** One of {@link PASS_THROUGH_FLAGS}. */
export type PassThroughFlag = typeof PASS_THROUGH_FLAGS[number];

/** The full argument list after `tasks/train.ts`. */
export function trainArgs(
  config: Readonly<RunConfig>,
  runDir: string,
  data: Partial<Record<PassThroughFlag, string>>,
): string[] {
  const args = configFlags(config);
  for (const flag of PASS_THROUGH_FLAGS) {
    const v = data[flag];
    if (flag === "augment") {
      if (v !== undefined && v !== "false") args.push("--augment");
    } else if (v !== undefined && v !== "") args.push(`--${flag}`, v);
  }
  args.push("--run-dir", runDir);
  return args;
}
