/**
 * HTTP header templates for remote MCP servers (`mcp-op headers`, `mcp-op proxy`): parsing the
 * `--header 'Name: value'` flags and headers files, checking them, and turning their `{{ }}`
 * placeholders into variables that `op run` resolves (core/template.ts), so that no secret
 * passes through mcp-op's outer process or any argv. Pure: commands/_remote.ts reads the files
 * and runs the steps.
 *
 * Values may be pasted tokens: no message here quotes a header's value, only its name.
 */
import { EXIT, type ExitCode, McpOpError } from "../errors.ts";
import { splitLines } from "./env-file.ts";
import { looksLikeReference, printable } from "./reference.ts";
import { isCredentialVar } from "./signin.ts";
import { type ArgTemplates, parseArgTemplates, substituteArgs } from "./template.ts";
import type { Problem } from "./validate.ts";

export interface HeaderEntry {
  name: string;
  /** As written: a `{{ }}` template, an `op://` reference, or (with --allow-plain) plain text. */
  value: string;
  /** `--header 2` or `file:line`, for messages. */
  where: string;
  /** 64 for a flag (usage), 65 for a file line (data). */
  exitCode: ExitCode;
}

/**
 * Field names are tokens (RFC 9110 section 5.1 and 5.6.2: `tchar`). Without RegExp, as the other
 * hot-path checks (env-file.ts): a headers file is read on every connect.
 */
export function isHeaderName(name: string): boolean {
  if (name === "") return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (!alnum && !"!#$%&'*+-.^_`|~".includes(name[i] as string)) return false;
  }
  return true;
}

/**
 * Headers the transport itself sets, or that belong to the connection: a value from mcp-op would
 * break the session or the framing. The list Codex 0.169.0 refuses from its own headers helper
 * (codex-rs/rmcp-client/src/http_headers.rs, `parse_helper_output`), so one headers file works
 * for both.
 */
const RESERVED = new Set([
  "accept",
  "connection",
  "content-encoding",
  "content-length",
  "content-type",
  "host",
  "keep-alive",
  "last-event-id",
  "mcp-protocol-version",
  "mcp-session-id",
  "origin",
  "proxy-connection",
  "referer",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/**
 * `Name: value`, split at the first colon; spaces around both trimmed (as HTTP trims a field
 * value's surrounding whitespace: RFC 9112 section 5).
 */
function splitHeader(text: string): { name: string; value: string } | undefined {
  const colon = text.indexOf(":");
  if (colon === -1) return undefined;
  return { name: text.slice(0, colon).trim(), value: text.slice(colon + 1).trim() };
}

/** A `--header` flag's text; usage errors (64) name the flag by its position. */
export function parseHeaderFlag(text: string, index: number): HeaderEntry {
  const where = `--header ${index + 1}`;
  const split = splitHeader(text);
  // Never echo the flag: it may hold a pasted token.
  if (!split) throw new McpOpError(EXIT.USAGE, `${where}: expected 'Name: value', found no ":"`);
  return { ...split, where, exitCode: EXIT.USAGE };
}

/**
 * A headers file: one `Name: value` per line, `#` comment lines and blank lines skipped. Every
 * problem is reported with its line; none quotes a value.
 * @example parseHeadersFile("# gh\nAuthorization: Bearer {{ op://Private/GitHub/token }}\n", "gh.headers").entries[0]
 *   // { name: "Authorization", value: "Bearer {{ op://Private/GitHub/token }}", where: "gh.headers:2", exitCode: 65 }
 */
export function parseHeadersFile(text: string, display: string): { entries: HeaderEntry[]; problems: Problem[] } {
  const entries: HeaderEntry[] = [];
  const problems: Problem[] = [];
  const lines = splitLines(text.startsWith("\uFEFF") ? text.slice(1) : text);
  lines.forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const where = `${display}:${i + 1}`;
    const split = splitHeader(line);
    if (!split) {
      problems.push({
        severity: "error",
        where,
        message: `expected "Name: value", found no ":"`,
        exitCode: EXIT.DATAERR,
      });
      return;
    }
    entries.push({ ...split, where, exitCode: EXIT.DATAERR });
  });
  return { entries, problems };
}

/** A value that resolves through 1Password: a whole `op://` reference, or one with `{{ }}` in it. */
function isTemplated(value: string): boolean {
  return looksLikeReference(value) || value.includes("{{");
}

/** A whole-value reference (`op://...`) in the template syntax the steps substitute. */
function asTemplate(value: string): string {
  return looksLikeReference(value) ? `{{ ${value} }}` : value;
}

/**
 * Every problem with the headers together: names (tokens, not reserved, not given twice in any
 * case), plain values (refused unless `allowPlain`: a flag or file must not hold the token itself),
 * credentials named in `{{ }}` (a key to the whole account, never sent to a server).
 */
export function checkHeaders(entries: readonly HeaderEntry[], allowPlain: boolean): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, string>();
  // A name is how the flag or line is written (64 for a flag); a value is data (65, as `add --env`).
  const problem = (e: HeaderEntry, message: string, exitCode: ExitCode = e.exitCode) =>
    problems.push({ severity: "error", where: e.where, message, exitCode });
  for (const e of entries) {
    const shown = `"${printable(e.name)}"`;
    if (!isHeaderName(e.name)) {
      problem(
        e,
        e.name === ""
          ? 'the header name before ":" is empty'
          : `${shown} is not a header name: use letters, digits and ${"!#$%&'*+-.^_`|~"} only (RFC 9110 token)`,
      );
      continue;
    }
    const key = e.name.toLowerCase();
    if (RESERVED.has(key)) {
      problem(e, `${e.name} is set by the MCP transport or the connection itself; mcp-op does not override it`);
      continue;
    }
    const first = seen.get(key);
    if (first !== undefined) {
      problem(e, `${e.name} is given twice (first at ${first}): give each header once`);
      continue;
    }
    seen.set(key, e.where);
    if (!allowPlain && !isTemplated(e.value)) {
      problem(
        e,
        `${e.name}: not a secret reference or {{ }} template; refusing a plain value (it may be the token itself): store it in 1Password and use its reference, or pass --allow-plain`,
        EXIT.DATAERR,
      );
      continue;
    }
    for (const name of placeholderNames(e.value)) {
      if (isCredentialVar(name)) {
        problem(
          e,
          `${e.name}: {{ ${name} }} names a 1Password credential, a key to the whole account: mcp-op never sends one to a server`,
          EXIT.DATAERR,
        );
      }
    }
  }
  return problems;
}

/** The `{{ NAME }}` variable names in a value (not references, not `\{{` escapes). */
export function placeholderNames(value: string): string[] {
  const names: string[] = [];
  for (let open = value.indexOf("{{"); open !== -1; open = value.indexOf("{{", open + 2)) {
    if (open > 0 && value[open - 1] === "\\") continue;
    const close = value.indexOf("}}", open + 2);
    if (close === -1) break;
    const inner = value.slice(open + 2, close).trim();
    if (!looksLikeReference(inner)) names.push(inner);
    open = close;
  }
  return names;
}

/** Prefix of the variables `op run` resolves for headers and the URL (not the stage's MCP_OP_ARG_: the stage removes those). */
export const REMOTE_PREFIX = "MCP_OP_REMOTE_";

/**
 * What the inner step gets: the URL (if any) and each header's value as `{{ NAME }}` templates
 * over variables, and the variables `op run` resolves from references. `defined` says whether a
 * `{{ NAME }}` variable exists (env files or environment). Throws 65 naming the header.
 * @example remoteTemplates(undefined, [{ name: "Authorization", value: "Bearer {{ op://V/I/f }}", ... }], () => false)
 *   // { url: undefined, values: ["Bearer {{ MCP_OP_REMOTE_1 }}"], generated: { MCP_OP_REMOTE_1: "op://V/I/f" }, ... }
 */
export function remoteTemplates(
  url: string | undefined,
  entries: readonly HeaderEntry[],
  defined: (name: string) => boolean,
): { url: string | undefined; values: string[]; templates: ArgTemplates } {
  const texts = [...(url === undefined ? [] : [url]), ...entries.map((e) => asTemplate(e.value))];
  const offset = url === undefined ? 0 : 1;
  const where = (index: number) => (index < offset ? "--url" : `${whereOf(entries[index - offset])}`);
  const templates = parseArgTemplates(texts, defined, { where, prefix: REMOTE_PREFIX });
  return {
    url: url === undefined ? undefined : templates.args[0],
    values: templates.args.slice(offset),
    templates,
  };
}

const whereOf = (e: HeaderEntry | undefined) => (e ? `${e.where} (${e.name})` : "header");

/**
 * The inner step's side: the values put in, each checked for what would split or end a header
 * line (CR, LF, NUL: the characters a field value may never hold, RFC 9110 section 5.5; fetch
 * refuses them too). Throws 65 naming the header, never quoting the value.
 */
export function resolveHeaders(
  names: readonly string[],
  templates: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Array<[string, string]> {
  const values = substituteArgs(templates, env, (i) => `header ${names[i] ?? i + 1}`);
  return values.map((value, i) => {
    const name = names[i] as string;
    const bad = forbiddenCharacter(value);
    if (bad) {
      throw new McpOpError(
        EXIT.DATAERR,
        `header ${name}: its value from 1Password holds ${bad}, which would end the header line (header injection); refusing to send it`,
        "check the item's field in 1Password (a stray line break?)",
      );
    }
    // Whitespace around a field value is not part of it (RFC 9110 section 5.5).
    return [name, value.trim()];
  });
}

function forbiddenCharacter(value: string): string | undefined {
  if (value.includes("\r")) return "a carriage return (CR)";
  if (value.includes("\n")) return "a line feed (LF)";
  if (value.includes("\0")) return "a NUL character";
  return undefined;
}

/**
 * One JSON object of string values, in the given order, as Claude Code's `headersHelper` and
 * Codex's `http_headers_helper` read it. Written out pair by pair: an object literal would
 * treat a header named `__proto__` (a valid token) as its prototype. JSON.stringify escapes
 * quotes, backslashes and control characters and writes lone surrogates as `\udXXX`, so any
 * value makes valid JSON.
 * @example headersJson([["Authorization", 'Bearer a"b']]) // '{"Authorization":"Bearer a\\"b"}'
 */
export function headersJson(pairs: ReadonlyArray<readonly [string, string]>): string {
  return `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`;
}

/**
 * The inner steps' argv after `--`: name and template pairs, for `mcp-op __headers` and
 * `mcp-op __bridge`. They take only what mcp-op produces.
 */
export function stepPairs(names: readonly string[], values: readonly string[]): string[] {
  return names.flatMap((name, i) => [name, values[i] as string]);
}

export function parseStepPairs(rest: readonly string[], step: string): { names: string[]; values: string[] } {
  const bad = (why: string) =>
    new McpOpError(EXIT.USAGE, `internal step ${step}: ${why} (it is started by mcp-op, not by hand)`);
  if (rest.length % 2 !== 0) throw bad("header names and values come in pairs");
  const names: string[] = [];
  const values: string[] = [];
  for (let i = 0; i < rest.length; i += 2) {
    const name = rest[i] as string;
    if (!isHeaderName(name)) throw bad(`"${printable(name)}" is not a header name`);
    names.push(name);
    values.push(rest[i + 1] as string);
  }
  return { names, values };
}
