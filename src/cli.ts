/**
 * Command-line parsing for the tasks, behind one small module so the parser can be swapped
 * (today `node:util` parseArgs; `@std/cli` where JSR is reachable).
 *
 * @module
 */
import { parseArgs } from "node:util";

/** Description of one flag. */
export interface FlagSpec {
  type: "string" | "boolean";
  /** Help text; the default is appended automatically. */
  help: string;
  default?: string | boolean;
  short?: string;
  multiple?: boolean;
}

/** Error for bad command-line input; tasks print its message and exit with status 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Parse `args` against `flags`; throws {@link UsageError} naming the bad flag. */
export function parseFlags(
  args: string[],
  flags: Record<string, FlagSpec>,
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries(flags)) {
    options[name] = {
      type: spec.type,
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }
  options.help ??= { type: "boolean", short: "h" };
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    for (const [name, spec] of Object.entries(flags)) {
      if (values[name] === undefined && spec.default !== undefined) {
        (values as Record<string, unknown>)[name] = spec.default;
      }
    }
    return { values: values as Record<string, string | boolean | string[] | undefined>, positionals };
  } catch (e) {
    throw new UsageError(`${(e as Error).message}. Run with --help to see the flags.`);
  }
}

/** Render a help text from the flag specs. */
export function helpText(usage: string, flags: Record<string, FlagSpec>): string {
  const lines = [usage, "", "Flags:"];
  for (const [name, spec] of Object.entries(flags)) {
    const left = `  --${name}${spec.type === "string" ? " VALUE" : ""}`;
    const def = spec.default !== undefined && spec.default !== false ? ` (default: ${spec.default})` : "";
    lines.push(`${left.padEnd(30)} ${spec.help}${def}`);
  }
  lines.push(`${"  --help, -h".padEnd(30)} Show this help.`);
  return lines.join("\n");
}

/** Parse a number flag; throws a {@link UsageError} naming the flag when it is not a number. */
export function numberFlag(name: string, value: unknown): number {
  const n = Number(value);
  if (value === undefined || value === "" || !Number.isFinite(n)) {
    throw new UsageError(`--${name} must be a number, got "${value}".`);
  }
  return n;
}

/**
 * Run a task's main function: usage errors and other known errors print one clear line and exit non-zero,
 * without a stack trace.
 */
export async function runMain(main: () => Promise<void> | void): Promise<void> {
  try {
    await main();
  } catch (e) {
    const err = e as Error;
    const known = err instanceof UsageError ||
      (err?.name && err.name !== "Error" && err.name !== "TypeError");
    console.error(`error: ${err?.message ?? err}`);
    if (!known && Deno.env.get("VCP_DEBUG")) console.error(err?.stack);
    Deno.exit(err instanceof UsageError ? 2 : 1);
  }
}
