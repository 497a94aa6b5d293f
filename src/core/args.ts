/**
 * Command-line splitting and strict option parsing.
 *
 * citty renders help from each command's `args`, but its parser acts on `-h` after `--` and
 * keeps only the last of repeated flags (citty 0.2.2). So argv is split at the first `--`
 * before anything parses it, and options are parsed here, strictly, from the same citty
 * definitions that produce the help text.
 */
import type { ArgDef } from "citty";
import { EXIT, McpOpError, usageError } from "../errors.ts";

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

/**
 * An argument definition as citty's, plus `multiple`: a string flag that may be given again, or
 * `once`: a string flag refused when given again (where keeping the last would hide a mistake).
 */
export type OptionDef = ArgDef & { multiple?: boolean; once?: boolean };
/**
 * A command's arguments: citty's `ArgsDef` (help is rendered from it) where a repeatable string
 * flag says so itself (`multiple: true`), so the parser cannot keep only its last value.
 */
export type OptionsDef = Record<string, OptionDef>;

/** What the grammar produced, before typing: only the flags given. */
export type RawValues = Record<string, string | boolean | string[] | undefined>;

type OptionValue<A> = A extends { type: "boolean" }
  ? boolean
  : A extends { type: "string"; multiple: true }
    ? string[]
    : A extends { type: "string" }
      ? string | undefined
      : never;

/**
 * The values of a definition's flags, typed from it: a boolean is `false` when not given, a
 * string `undefined`, a repeatable string `[]`.
 */
export type Options<D extends OptionsDef> = {
  -readonly [K in keyof D as D[K] extends { type: "positional" } ? never : K]: OptionValue<D[K]>;
};

export interface ParseSettings {
  /** Why a flag-like value was refused, when the command can say better (DashValueError). */
  dashValue?: DashValueError;
  /**
   * For commands whose server command goes after `--`: how many positionals come before it
   * (run 0, add 1 for the name). A parse error after that many positionals, or one more
   * positional, is a MissingSeparator.
   */
  serverAfter?: number;
}

/**
 * Why a flag-like value (`--signin-timeout -5`) was refused, when the command can say better
 * than "needs a value". Such a value is refused either way, as parseArgs refuses it.
 */
export type DashValueError = (name: string, value: string) => McpOpError | undefined;

/**
 * A parse error after the server command's first word: the `--` before it is missing
 * (`mcp-op run --env-file gh.env npx -y pkg` reads `-y` as mcp-op's). cli.ts turns it into a
 * message with the line as it should be (token-like arguments masked, which needs the detector).
 */
export class MissingSeparator extends McpOpError {
  constructor(
    /** The command's arguments as given (before any `--`). */
    readonly argv: readonly string[],
    /** Index in `argv` of the server command's first word. */
    readonly at: number,
    problem: string,
    readonly command: string,
  ) {
    super(EXIT.USAGE, problem, `put the server command after "--"; see: mcp-op ${command} --help`);
  }

  /** The same arguments with `--` before the server command. */
  corrected(): string[] {
    return [...this.argv.slice(0, this.at), "--", ...this.argv.slice(this.at)];
  }
}

/**
 * The candidate closest to `word` (edits: insert, delete, replace, swap two neighbours), when it
 * is within 2 edits and fewer than half of `word`'s letters, or when `word` is the start of
 * exactly one candidate: `envfile` finds `env-file`, `rn` finds `run`.
 * @example closest("envfile", ["env-file", "account"]) // "env-file"
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  if (best !== undefined && bestDistance <= 2 && bestDistance <= Math.ceil(word.length / 2)) return best;
  const starting = candidates.filter((c) => word.length >= 2 && c.startsWith(word));
  return starting.length === 1 ? starting[0] : undefined;
}

/** Optimal string alignment distance (Damerau-Levenshtein without repeated edits of a substring). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  const row0 = d[0] as number[];
  for (let j = 0; j <= b.length; j++) row0[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] as number[];
    const prev = d[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

interface OptionSpec {
  name: string;
  type: "string" | "boolean";
  multiple: boolean;
}

/**
 * Parse `argv` against an OptionsDef, untyped: only the flags given, as `node:util` parseArgs
 * returns them. A `multiple` flag collects every occurrence. Unknown flags, missing values and stray positionals are usage errors (exit 64); an unknown
 * flag close to a known one says which (`--envfile`: did you mean --env-file?).
 *
 * The grammar is `node:util` `parseArgs` in strict mode (a differential property test holds
 * the two together), written out because loading `node:util` costs `run` about 0.6 ms of
 * start-up (scripts/bench/RESULTS.md): `--name value`, `--name=value`, `-v`, `-abc` for
 * boolean shorts, `-ovalue`, a value that looks like a flag is refused unless given with `=`.
 */
export function parseArgv(
  command: string,
  def: OptionsDef,
  argv: readonly string[],
  { dashValue, serverAfter }: ParseSettings = {},
): { values: RawValues; positionals: string[] } {
  const long = new Map<string, OptionSpec>();
  const short = new Map<string, OptionSpec>();
  let allowPositionals = false;
  for (const name in def) {
    const arg = def[name] as OptionDef;
    if (arg.type === "positional") {
      allowPositionals = true;
      continue;
    }
    const spec: OptionSpec = {
      name,
      type: arg.type === "boolean" ? "boolean" : "string",
      multiple: arg.type === "string" && "multiple" in arg && arg.multiple === true,
    };
    long.set(name, spec);
    const aliases = "alias" in arg ? arg.alias : undefined;
    for (const alias of typeof aliases === "string" ? [aliases] : (aliases ?? [])) {
      if (alias.length !== 1) continue;
      short.set(alias, spec);
      break;
    }
  }
  const values: RawValues = {};
  const positionals: string[] = [];
  // argv index of the server command's first word, once one was read without `--` before it.
  let serverAt: number | undefined;
  const fail = (message: string, hint = `see: mcp-op ${command} --help`): McpOpError =>
    serverAt !== undefined ? new MissingSeparator(argv, serverAt, message, command) : usageError(message, hint);
  const unknown = (flag: string, candidates: Iterable<string>, prefix: string) => {
    const near = flag.length > 2 ? closest(flag, [...candidates]) : undefined;
    return fail(
      `unknown flag ${prefix}${flag} for "mcp-op ${command}"`,
      near ? `did you mean ${prefix}${near}? see: mcp-op ${command} --help` : undefined,
    );
  };
  const store = (spec: OptionSpec, value: string | boolean) => {
    const previous = values[spec.name];
    values[spec.name] = spec.multiple ? [...((previous as string[] | undefined) ?? []), value as string] : value;
  };
  // The value after a string flag: `--flag value`, refused when missing or itself flag-like.
  const next = (i: number, spec: OptionSpec, flag: string): string => {
    const value = argv[i];
    if (value === undefined) throw fail(`flag ${flag} needs a value`);
    if (value.length > 1 && value.startsWith("-"))
      throw (serverAt === undefined ? dashValue?.(spec.name, value) : undefined) ?? fail(`flag ${flag} needs a value`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      // Everything after is positional (splitArgv normally takes `--` off first).
      const after = argv.slice(i + 1);
      if (after.length > 0 && !allowPositionals)
        throw fail(`unexpected argument "${after[0]}" for "mcp-op ${command}"`);
      positionals.push(...after);
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = arg.slice(2, eq === -1 ? undefined : eq);
      const spec = long.get(name);
      if (!spec) throw unknown(name, long.keys(), "--");
      if (spec.type === "boolean") {
        if (eq !== -1) throw fail(`flag --${name} takes no value`);
        store(spec, true);
      } else {
        store(spec, eq === -1 ? next(++i, spec, `--${name}`) : arg.slice(eq + 1));
      }
    } else if (arg.length > 1 && arg.startsWith("-")) {
      // `-v`, a group of boolean shorts `-vx`, or a short string flag with its value `-ofile`.
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j] as string;
        const spec = short.get(letter);
        if (!spec) throw unknown(letter, [], "-");
        if (spec.type === "boolean") {
          store(spec, true);
          continue;
        }
        store(spec, j + 1 < arg.length ? arg.slice(j + 1) : next(++i, spec, `-${letter}`));
        break;
      }
    } else if (allowPositionals) {
      if (serverAfter !== undefined && positionals.length === serverAfter) serverAt = i;
      positionals.push(arg);
    } else {
      throw fail(`unexpected argument "${arg}" for "mcp-op ${command}"`);
    }
  }
  if (serverAt !== undefined) {
    throw new MissingSeparator(argv, serverAt, `unexpected argument "${argv[serverAt]}"`, command);
  }
  return { values, positionals };
}

/**
 * Parse `argv` against `def` (parseArgv), then type the values: every flag of the definition is
 * there, booleans `false` and repeatable strings `[]` when not given. An empty value
 * (`--env-file ''`) is a usage error naming the flag: as a path it would mean the working
 * directory, and as a name it would be silently ignored (parseArgv accepts `--flag=` exactly as
 * parseArgs does).
 */
export function parseOptions<const D extends OptionsDef>(
  command: string,
  def: D,
  argv: readonly string[],
  settings: ParseSettings = {},
): { values: Options<D>; positionals: string[] } {
  // A `once` flag is collected like a repeatable one, then refused when there is more than one.
  // Loops, not array methods, here and in parseArgv: `run`'s fast path (src/cli.ts, asksHelp).
  const once: string[] = [];
  const grammar: OptionsDef = { ...def };
  for (const name in def) {
    if ((def[name] as OptionDef).once !== true) continue;
    once.push(name);
    grammar[name] = { ...(def[name] as OptionDef), multiple: true };
  }
  const { values, positionals } = parseArgv(command, grammar, argv, settings);
  for (const name of once) {
    const given = values[name] as string[] | undefined;
    if (given !== undefined && given.length > 1)
      throw usageError(
        `flag --${name} is given ${given.length} times; it takes one value`,
        `see: mcp-op ${command} --help`,
      );
    values[name] = given?.[0];
  }
  // In the order given, as the first empty one is the one named.
  for (const name in values) {
    const value = values[name];
    if (value !== "" && !(Array.isArray(value) && value.includes(""))) continue;
    const arg = def[name];
    const hint = arg && "valueHint" in arg ? arg.valueHint : undefined;
    throw usageError(`flag --${name} needs ${hint ?? "a value"}, not an empty string`, `see: mcp-op ${command} --help`);
  }
  const typed: RawValues = {};
  for (const name in def) {
    const arg = def[name] as OptionDef;
    if (arg.type === "positional") continue;
    typed[name] = values[name] ?? (arg.type === "boolean" ? false : "multiple" in arg && arg.multiple ? [] : undefined);
  }
  return { values: typed as Options<D>, positionals };
}
