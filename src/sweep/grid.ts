/**
 * A sweep's grid: axes (fields that take several values) and fixed fields, expanded into the cartesian product
 * of validated {@link RunConfig}s.
 *
 * On the command line an axis is `--grid task=standard,img_clas` and a fixed field `--set epochs=3`; keys are
 * RunConfig fields in camelCase, kebab-case or snake_case (`sameClassProb`, `same-class-prob`,
 * `same_class_prob`).
 *
 * @example
 * ```ts
 * import { expandGrid, PAPER_GRID } from "./grid.ts";
 * if (expandGrid(PAPER_GRID).length !== 27) throw new Error("3 tasks x 3 probabilities x 3 seeds");
 * ```
 * @module
 */
import { DEFAULT_CONFIG, resolveConfig, type RunConfig, TASKS } from "../config.ts";

/** A value a RunConfig field can take. */
export type FieldValue = string | number | boolean;

/** Fields swept (every combination of their values) and fields fixed for all runs. */
export interface GridSpec {
  /** Axis name -> values, in the order the axes vary (the last one fastest). */
  axes: Partial<Record<keyof RunConfig, FieldValue[]>>;
  fixed: Partial<Record<keyof RunConfig, FieldValue>>;
}

/** Error for a bad grid: unknown key, unparsable value, empty axis. */
export class GridError extends Error {
  override name = "GridError";
}

/** The paper's grid: 3 tasks x sameClassProb 0, 0.5, 1 x seeds 7, 122, 809; two images; noise evaluation. */
export const PAPER_GRID: Readonly<GridSpec> = Object.freeze({
  axes: { task: [...TASKS], sameClassProb: [0, 0.5, 1], seed: [7, 122, 809] },
  fixed: { numImgs: 2, evalNoise: true },
});

const FIELDS = Object.keys(DEFAULT_CONFIG) as (keyof RunConfig)[];

/** The RunConfig field named by `key` (camelCase, kebab-case or snake_case); throws {@link GridError}. */
export function configField(key: string): keyof RunConfig {
  const camel = key.trim().replace(/[-_]+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
  const field = FIELDS.find((f) => f === camel);
  if (!field) {
    throw new GridError(
      `Unknown grid key "${key}"; known keys (camelCase or kebab-case): ${FIELDS.join(", ")}.`,
    );
  }
  return field;
}

/** Parse one value for `field`, with the field's type in DEFAULT_CONFIG; throws {@link GridError}. */
export function parseFieldValue(field: keyof RunConfig, raw: string): FieldValue {
  const text = raw.trim();
  const kind = typeof DEFAULT_CONFIG[field];
  if (kind === "number") {
    const n = Number(text);
    if (text === "" || !Number.isFinite(n)) {
      throw new GridError(`Bad value for ${field}: "${raw}" is not a number.`);
    }
    return n;
  }
  if (kind === "boolean") {
    if (text === "true" || text === "1") return true;
    if (text === "false" || text === "0") return false;
    throw new GridError(`Bad value for ${field}: "${raw}", expected true or false.`);
  }
  return text;
}

/** Split `key=v1,v2` into the field and its parsed values; throws {@link GridError}. */
export function parseAssignment(text: string, flag = "--grid"): [keyof RunConfig, FieldValue[]] {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new GridError(`${flag} "${text}" must look like key=value[,value...].`);
  const field = configField(text.slice(0, eq));
  const raw = text.slice(eq + 1).split(",").filter((v) => v.trim() !== "");
  if (raw.length === 0) throw new GridError(`${flag} "${text}" gives no value for ${field}.`);
  return [field, raw.map((v) => parseFieldValue(field, v))];
}

/**
 * Build a grid from `--grid` and `--set` arguments on top of `base` (the paper's grid by default): `--grid`
 * replaces or adds an axis; `--set` fixes a field, removing its axis.
 */
export function gridFromArgs(grid: string[], set: string[], base: Readonly<GridSpec> = PAPER_GRID): GridSpec {
  const spec: GridSpec = { axes: { ...base.axes }, fixed: { ...base.fixed } };
  for (const g of grid) {
    const [field, values] = parseAssignment(g, "--grid");
    spec.axes[field] = [...new Set(values)];
    delete spec.fixed[field];
  }
  for (const s of set) {
    const [field, values] = parseAssignment(s, "--set");
    if (values.length !== 1) {
      throw new GridError(`--set "${s}" must give one value; use --grid to sweep a field.`);
    }
    spec.fixed[field] = values[0];
    delete spec.axes[field];
  }
  return spec;
}

/** Every combination of the axes, merged with the fixed fields and validated (throws ConfigError). */
export function expandGrid(spec: Readonly<GridSpec>): RunConfig[] {
  let partials: Partial<Record<keyof RunConfig, FieldValue>>[] = [{ ...spec.fixed }];
  for (const [field, values] of Object.entries(spec.axes) as [keyof RunConfig, FieldValue[]][]) {
    if (values.length === 0) throw new GridError(`Grid axis ${field} has no values.`);
    partials = partials.flatMap((p) => values.map((v) => ({ ...p, [field]: v })));
  }
  return partials.map((p) => resolveConfig(p as Partial<RunConfig>));
}
