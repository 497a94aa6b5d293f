/**
 * Static checks on what `op run` will be handed: env-file syntax, secret references (in the
 * files and in the inherited environment) and variables that change how the server runs.
 * Pure: callers read the files and decide what a problem costs.
 */
import { EXIT, type ExitCode, firstInTable } from "../errors.ts";
import { type EnvEntry, isAsciiAlnum, isNameChar, isNameStart, parseEnvFile } from "./env-file.ts";
import {
  describeBadReference,
  enclosedReferences,
  looksLikeReference,
  nearMissReference,
  parseReference,
  quoted,
  startsWithOp,
} from "./reference.ts";

export interface Problem {
  severity: "error" | "warning";
  /** `file:line`, or `environment variable NAME`. */
  where: string;
  message: string;
  exitCode: ExitCode;
  /** What to do about it (a read failure's hint: `fix: chmod go-w gh.env`). */
  fix?: string;
}

export interface CheckedEnvFile {
  entries: EnvEntry[];
  problems: Problem[];
}

/** Variables an env file can use to run code inside the server or change what runs. */
const RISKY = new Set([
  "PATH",
  "NODE_OPTIONS",
  "NODE_PATH",
  "BUN_OPTIONS",
  "LD_PRELOAD",
  "LD_LIBRARY_PATH",
  "LD_AUDIT",
  "PYTHONPATH",
  "PYTHONSTARTUP",
  "RUBYOPT",
  "PERL5OPT",
  "JAVA_TOOL_OPTIONS",
]);
const isRisky = (key: string) => RISKY.has(key) || key.startsWith("DYLD_");

export function checkEnvFile(
  display: string,
  text: string,
  env: Readonly<Record<string, string | undefined>>,
): CheckedEnvFile {
  const usual = usualEnvFile(text);
  return usual ? { entries: usual, problems: [] } : checkEnvFileFully(display, text, env);
}

/** checkEnvFile without the shortcut for the usual file (exported for the test that holds the two together). */
export function checkEnvFileFully(
  display: string,
  text: string,
  env: Readonly<Record<string, string | undefined>>,
): CheckedEnvFile {
  const parsed = parseEnvFile(text, env);
  const problems: Problem[] = [];
  for (const d of parsed.diagnostics) {
    problems.push({ severity: d.severity, where: `${display}:${d.line}`, message: d.message, exitCode: EXIT.DATAERR });
  }
  for (const entry of parsed.entries) {
    const where = `${display}:${entry.line}`;
    // No environment variable can hold a NUL (C strings): op run would fail to start the server.
    if (entry.value.includes("\0")) {
      problems.push({
        severity: "error",
        where,
        message: `the value of ${entry.key} holds a NUL byte, which no environment variable can carry: remove it`,
        exitCode: EXIT.DATAERR,
      });
      continue;
    }
    const comment = inlineCommentProblem(entry);
    for (const message of comment ? [comment] : referenceProblems(entry.value, entry.undefinedVars)) {
      problems.push({ severity: "error", where, message, exitCode: EXIT.DATAERR });
    }
    const nearMiss = nearMissReference(entry.value);
    if (nearMiss) {
      problems.push({
        severity: "warning",
        where,
        message: `${entry.key} ${mistyped(nearMiss)}`,
        exitCode: EXIT.DATAERR,
      });
    }
    if (isRisky(entry.key)) {
      problems.push({
        severity: "warning",
        where,
        message: `sets ${entry.key} for the server: it changes what code runs, so keep this file as private as a key`,
        exitCode: EXIT.DATAERR,
      });
    }
  }
  problems.sort((a, b) => lineOf(a.where) - lineOf(b.where));
  return { entries: parsed.entries, problems };
}

/**
 * The entries of the usual env file, which has no problem to report, read in one pass: or
 * undefined for anything else, which checkEnvFileFully reads (and words every problem of).
 * Usual: printable ASCII lines, each empty, a `#` comment, or `NAME=VALUE` with a variable name
 * set once and not risky, and a value that is a secret reference of three or four parts made of
 * letters, digits, `-`, `_` and `.`, or plain text without spaces, quotes, `$`, `#`, `\`, braces
 * and not starting with `op` in any case (a near miss). `run` checks every env file before it
 * execs: the full parser's first run costs ~0.2 ms of its start-up (scripts/bench/RESULTS.md).
 * test/unit/validate.test.ts holds the two together (fast-check): what this accepts, the full
 * check accepts with no problem and the same entries.
 */
export function usualEnvFile(text: string): EnvEntry[] | undefined {
  const entries: EnvEntry[] = [];
  const seen = new Set<string>();
  let line = 1;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    const first = text.charCodeAt(start);
    // An empty line, or a comment line (printable ASCII, like every other line).
    if (end === start || first === 35) {
      for (let i = start; i < end; i++) if (!usualChar(text.charCodeAt(i), true)) return undefined;
    } else {
      const eq = text.indexOf("=", start);
      if (eq === -1 || eq >= end || !isNameStart(first)) return undefined;
      for (let i = start + 1; i < eq; i++) if (!isNameChar(text.charCodeAt(i))) return undefined;
      const key = text.slice(start, eq);
      if (seen.has(key) || isRisky(key)) return undefined;
      seen.add(key);
      const value = text.slice(eq + 1, end);
      if (looksLikeReference(value)) {
        // op://a/b/c or op://a/b/c/d: each part made of name characters, none empty.
        let parts = 1;
        let partStart = 5;
        for (let i = 5; i <= value.length; i++) {
          const c = value.charCodeAt(i);
          if (i < value.length && c !== 47) {
            if (!(isAsciiAlnum(c) || c === 45 || c === 95 || c === 46)) return undefined;
            continue;
          }
          if (i === partStart) return undefined;
          if (i < value.length) parts++;
          partStart = i + 1;
        }
        if (parts < 3 || parts > 4) return undefined;
      } else {
        if (startsWithOp(value)) return undefined;
        for (let i = 0; i < value.length; i++) if (!usualChar(value.charCodeAt(i), false)) return undefined;
      }
      entries.push({ key, value, quote: "none", line, undefinedVars: [] });
    }
    start = end + 1;
    line++;
  }
  return entries;
}

/** Printable ASCII; in a value, none of what quotes, expands, comments or templates. */
function usualChar(c: number, comment: boolean): boolean {
  if (c < 0x20 || c > 0x7e) return false;
  if (comment) return true;
  // space " # $ ' \ { }
  return c !== 32 && c !== 34 && c !== 35 && c !== 36 && c !== 39 && c !== 92 && c !== 123 && c !== 125;
}

/**
 * An env file as effects/files.ts read it: its text, or the failure that kept it from being read
 * (missing, insecure, not UTF-8), with the exit code and hint that failure carries.
 */
export type EnvFileRead =
  | { display: string; text: string }
  | { display: string; failure: { exitCode: ExitCode; message: string; hint?: string | undefined } };

/**
 * The one env-file validation of run, check, add and doctor: each file's problems in the order
 * the files were given, each file's by line (a file that cannot be read is one error of its
 * own and hides no other file), and the exit code: among the errors, the one first in the
 * exit-code table, so that it does not depend on the order of the files.
 */
export function validateEnvFiles(
  reads: readonly EnvFileRead[],
  env: Readonly<Record<string, string | undefined>>,
): { files: Array<CheckedEnvFile & { display: string }>; problems: Problem[]; exitCode: ExitCode | undefined } {
  // Loops, not array methods: `run`'s fast path (src/cli.ts, asksHelp).
  const files: Array<CheckedEnvFile & { display: string }> = [];
  const problems: Problem[] = [];
  for (const read of reads) {
    const file =
      "failure" in read
        ? { display: read.display, entries: [], problems: [unreadable(read.display, read.failure)] }
        : { display: read.display, ...checkEnvFile(read.display, read.text, env) };
    files.push(file);
    problems.push(...file.problems);
  }
  return { files, problems, exitCode: exitCodeOf(problems) };
}

/** A file that could not be read, as a problem: the failure's message already starts with the file's name. */
function unreadable(
  display: string,
  failure: { exitCode: ExitCode; message: string; hint?: string | undefined },
): Problem {
  const prefix = `${display}: `;
  const message = failure.message.startsWith(prefix) ? failure.message.slice(prefix.length) : failure.message;
  return {
    severity: "error",
    where: display,
    message,
    exitCode: failure.exitCode,
    ...(failure.hint ? { fix: failure.hint } : {}),
  };
}

/** Among the errors, the exit code first in the exit-code table; undefined when there is none. */
export function exitCodeOf(problems: readonly Problem[]): ExitCode | undefined {
  let code: ExitCode | undefined;
  for (const p of problems) if (p.severity === "error") code = firstInTable(code, p.exitCode);
  return code;
}

/** A problem as every command words it: `gh.env:3: message` (doctor puts the fix on a line of its own). */
export function problemText(p: Problem): string {
  return `${p.where}: ${p.message}`;
}

/** A problem on one log line: {@link problemText}, then `; fix: ...` when it has one. */
export function problemLine(p: Problem): string {
  return p.fix ? `${problemText(p)}; ${p.fix}` : problemText(p);
}

/** References that arrive through the environment (e.g. an MCP client's `env` block). */
export function checkEnvironment(env: Readonly<Record<string, string | undefined>>): Problem[] {
  const problems: Problem[] = [];
  for (const name in env) {
    const value = env[name];
    // What neither check below can object to, passed by the tests that open each of them
    // (looksLikeReference, `{{`, nearMissReference's "op" in any case): most of a client's
    // environment, and `run` checks it on every start.
    if (value === undefined || (!value.includes("{{") && !startsWithOp(value.trimStart()))) continue;
    const where = `environment variable ${name}`;
    for (const message of referenceProblems(value, [])) {
      problems.push({ severity: "error", where, message, exitCode: EXIT.DATAERR });
    }
    const nearMiss = nearMissReference(value);
    if (nearMiss) problems.push({ severity: "warning", where, message: mistyped(nearMiss), exitCode: EXIT.DATAERR });
  }
  return problems;
}

/** A warning, not an error: op accepts the value, only not as the reference it was meant to be. */
const mistyped = (reason: string) =>
  `looks like a mistyped secret reference: ${reason}, so op run passes it to the server as plain text`;

/**
 * `A=op://v/i/f # note`. 1Password's docs say "Comments can also be placed inline after
 * KEY=VALUE statements" (developer.1password.com/docs/cli/secrets-environment-variables,
 * "Environment file syntax rules") but not where one starts; our stand-in op (docs/op-cli.md: comment
 * lines) keeps the note in the value, and the reference then fails. Either way the fix is the
 * same, so the line is refused with it, quoting only the reference: what follows may be
 * anything, a pasted token too.
 */
function inlineCommentProblem(entry: EnvEntry): string | undefined {
  if (entry.quote !== "none" || !looksLikeReference(entry.value)) return undefined;
  const at = commentStart(entry.value);
  if (at === -1) return undefined;
  const length = entry.value.length - at;
  return `${quoted(entry.value.slice(0, at).trimEnd())} is followed by a comment on its line ("#" and ${length - 1} more characters), which op may read as part of the reference: put the comment on a line of its own`;
}

/** Index of the first `#` after a space or tab, or -1. */
function commentStart(value: string): number {
  for (let i = 1; i < value.length; i++) {
    if (value[i] === "#" && (value[i - 1] === " " || value[i - 1] === "\t")) return i;
  }
  return -1;
}

/** Problems with a value that is (or templates) a secret reference; plain values pass. */
export function referenceProblems(value: string, undefinedVars: readonly string[]): string[] {
  const refs: string[] = [];
  if (looksLikeReference(value)) refs.push(value);
  // `op run` resolves `{{ op://... }}` inside env-file values too (reference.ts).
  if (value.includes("{{")) refs.push(...enclosedReferences(value));
  if (refs.length === 0) return [];
  if (undefinedVars.length > 0) {
    const names = undefinedVars.map((v) => `$${v}`).join(", ");
    return [`the reference uses ${names}, which ${undefinedVars.length === 1 ? "is" : "are"} not set`];
  }
  const out: string[] = [];
  for (const ref of refs) {
    const result = parseReference(ref);
    if (!result.ok) out.push(describeBadReference(ref, result.reason));
  }
  return out;
}

function lineOf(where: string): number {
  const n = Number(where.slice(where.lastIndexOf(":") + 1));
  return Number.isFinite(n) ? n : 0;
}
