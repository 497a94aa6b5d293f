/**
 * Command-line splitting and strict option parsing.
 *
 * citty renders help from each command's `args`, but its parser acts on `-h` after `--` and
 * keeps only the last of repeated flags (citty 0.2.2). So argv is split at the first `--`
 * before anything parses it, and options are parsed here with `node:util` `parseArgs` in
 * strict mode, from the same citty definitions that produce the help text.
 */
import { parseArgs } from "node:util";
import type { ArgsDef } from "citty";
import { usageError } from "../errors.ts";

export interface SplitArgv {
  /** mcp-op's own arguments, before the first `--`. */
  own: string[];
  /** Everything after the first `--` (the server command), untouched; null when there is no `--`. */
  rest: string[] | null;
}

export function splitArgv(argv: readonly string[]): SplitArgv {
  const at = argv.indexOf("--");
  if (at === -1) return { own: [...argv], rest: null };
  return { own: argv.slice(0, at), rest: argv.slice(at + 1) };
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/**
 * Parse `argv` against a citty `ArgsDef`. Names in `repeatable` collect every occurrence.
 * Unknown flags, missing values and stray positionals are usage errors (exit 64).
 */
export function parseOptions(
  command: string,
  def: ArgsDef,
  argv: readonly string[],
  repeatable: readonly string[] = [],
): { values: OptionValues; positionals: string[] } {
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  let allowPositionals = false;
  for (const [name, arg] of Object.entries(def)) {
    if (arg.type === "positional") {
      allowPositionals = true;
      continue;
    }
    const short = [("alias" in arg ? arg.alias : undefined) ?? []].flat().find((a) => a.length === 1);
    options[name] = {
      type: arg.type === "boolean" ? "boolean" : "string",
      ...(short ? { short } : {}),
      ...(repeatable.includes(name) ? { multiple: true } : {}),
    };
  }
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals,
    });
    return { values: values as OptionValues, positionals };
  } catch (error) {
    throw usageError(describeParseError(command, error), `see: mcp-op ${command} --help`);
  }
}

function describeParseError(command: string, error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const flag = /'(-[^' ]*)/.exec(message)?.[1] ?? "";
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown flag ${flag} for "mcp-op ${command}"`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return /does not take/.test(message) ? `flag ${flag} takes no value` : `flag ${flag} needs a value`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL": {
      const arg = /'([^']*)'/.exec(message)?.[1] ?? "";
      return `unexpected argument "${arg}" for "mcp-op ${command}"`;
    }
    default:
      return message.split("\n")[0] ?? message;
  }
}
