/**
 * `--help` text, from the same citty arg definitions the parser (core/args.ts) reads. Our own
 * renderer: citty 0.2.2's renderUsage right-aligns the flag column, pads every line with spaces
 * to the longest one (160-197 columns for `add`) and shows required positionals as optional.
 * This one fits 80 columns: flags left-aligned, descriptions wrapped in their own column, a flag
 * too wide for it on a line of its own. Pure: cli.ts writes the text.
 */
import type { ArgDef, ArgsDef } from "citty";
import { EXIT_TABLE, type ExitCode } from "../errors.ts";

export const WIDTH = 80;
/** The description column starts here, unless every label is narrower. */
const MAX_LABEL = 24;
const GAP = 3;

/** The positional that holds the server command: it goes after `--`. */
const SERVER = "server";

export interface HelpStyle {
  /** Section titles in bold (only where std-env says colour is wanted). */
  bold?: (text: string) => string;
}

/** Greedy word wrap to `width` columns; a word longer than that stays whole on its line. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ").filter(Boolean)) {
    if (line === "") line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== "" || lines.length === 0) lines.push(line);
  return lines;
}

type Rows = ReadonlyArray<readonly [string, string]>;

/** Where the text column of these rows starts: after the widest label that is not too wide. */
export function textColumn(rows: Rows, indent = 2): number {
  const fitting = rows.map(([label]) => label.length).filter((n) => n <= MAX_LABEL);
  return indent + Math.max(0, ...fitting) + GAP;
}

/** Rows of label + text, the text wrapped in a column after the labels. */
export function table(rows: Rows, column = textColumn(rows), indent = 2): string[] {
  const out: string[] = [];
  for (const [label, text] of rows) {
    const lead = `${" ".repeat(indent)}${label}`;
    const wrapped = wrap(text, WIDTH - column);
    if (lead.length + GAP > column) out.push(lead);
    else out.push(`${lead.padEnd(column)}${wrapped.shift() ?? ""}`.trimEnd());
    for (const rest of wrapped) out.push(`${" ".repeat(column)}${rest}`);
  }
  return out;
}

/** The exit-code rows for `codes` (all of them when undefined), in table order. */
export function exitRows(codes?: readonly ExitCode[]): string[] {
  return EXIT_TABLE.filter(([code]) => !codes || codes.includes(code)).flatMap(([code, meaning]) => {
    const [first, ...rest] = wrap(meaning.replaceAll("`", ""), WIDTH - 7);
    return [`  ${String(code).padStart(3)}  ${first}`, ...rest.map((r) => `       ${r}`)];
  });
}

const choicesOf = (arg: ArgDef) => (arg.valueHint?.includes("|") ? arg.valueHint.split("|") : undefined);

/** How an argument is written: `NAME`, `FILE...`, `--env-file FILE`, `-v, --verbose`. */
function label(name: string, arg: ArgDef): string {
  if (arg.type === "positional") return name === SERVER ? "<command> [args...]" : (arg.valueHint ?? name.toUpperCase());
  const short = [("alias" in arg ? arg.alias : undefined) ?? []].flat().find((a) => a.length === 1);
  const flag = `${short ? `-${short}, ` : ""}--${name}`;
  if (arg.type === "boolean") return flag;
  const value = choicesOf(arg) ? name.toUpperCase() : (arg.valueHint ?? "VALUE");
  return `${flag} ${value}`;
}

function description(arg: ArgDef): string {
  const choices = choicesOf(arg);
  const text = arg.description ?? "";
  return choices ? `${text}; one of: ${choices.join(", ")}` : text;
}

/** `NAME`, `[NAME]`: a positional is required unless its definition says `required: false`. */
function usageWord(name: string, arg: ArgDef): string {
  const word = label(name, arg);
  return arg.required === false ? `[${word}]` : word;
}

export interface CommandHelp {
  name: string;
  description: string;
  args: ArgsDef;
  exits: readonly ExitCode[];
  /** A line after the exit codes (run: what it exits with once the server runs). */
  exitNote?: string;
}

/** A command's `--help`. */
export function renderCommandHelp(help: CommandHelp, style: HelpStyle = {}): string {
  const bold = style.bold ?? ((t: string) => t);
  const entries = Object.entries(help.args);
  const positionals = entries.filter(([name, a]) => a.type === "positional" && name !== SERVER);
  const server = entries.find(([name, a]) => a.type === "positional" && name === SERVER);
  const options = entries.filter(([, a]) => a.type !== "positional");
  const usage = [
    `mcp-op ${help.name}`,
    ...positionals.map(([n, a]) => usageWord(n, a)),
    "[options]",
    ...(server ? ["-- <command> [args...]"] : []),
  ].join(" ");
  const lines = [...wrap(help.description, WIDTH), "", `${bold("Usage:")} ${usage}`];
  const row = ([n, a]: [string, ArgDef]): [string, string] => [label(n, a), description(a)];
  const argRows = [...positionals, ...(server ? [server] : [])].map(row);
  const optionRows: Array<[string, string]> = [...options.map(row), ["-h, --help", "show this help"]];
  // One text column for both tables, so they read as one.
  const column = textColumn([...argRows, ...optionRows]);
  if (argRows.length > 0) lines.push("", bold("Arguments:"), ...table(argRows, column));
  lines.push("", bold("Options:"), ...table(optionRows, column), "", bold("Exit codes:"), ...exitRows(help.exits));
  if (help.exitNote) lines.push("", ...wrap(help.exitNote, WIDTH - 2).map((l) => `  ${l}`));
  return `${lines.join("\n")}\n`;
}

export interface RootHelp {
  version: string;
  description: string;
  commands: ReadonlyArray<readonly [string, string]>;
}

/** `mcp-op --help`: the commands and every exit code. */
export function renderRootHelp(help: RootHelp, style: HelpStyle = {}): string {
  const bold = style.bold ?? ((t: string) => t);
  const lines = [
    `mcp-op ${help.version}`,
    ...wrap(help.description, WIDTH),
    "",
    `${bold("Usage:")} mcp-op <command> [options]`,
    "       mcp-op run --env-file FILE -- <command> [args...]",
    "",
    bold("Commands:"),
    ...table(help.commands),
    "",
    bold("Options:"),
    ...table([
      ["-h, --help", "show this help (mcp-op <command> --help: a command's)"],
      ["-v, --version", "print the version"],
    ]),
    "",
    bold("Exit codes:"),
    ...exitRows(),
  ];
  return `${lines.join("\n")}\n`;
}
