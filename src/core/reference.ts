/**
 * 1Password secret references: `op://<vault>/<item>/[<section>/]<field>[?attribute=...]`.
 * Pure: validates the shape only; whether the vault/item/field exists is `op`'s job.
 */
import { isAsciiAlnum } from "./env-file.ts";

export interface SecretReference {
  vault: string;
  item: string;
  section?: string;
  field: string;
  query?: string;
}

export type ReferenceResult = { ok: true; ref: SecretReference } | { ok: false; reason: string };

const PREFIX = "op://";

// Names may hold letters, digits, `-`, `_`, `.` and spaces; anything else must be an ID
// (docs/op-cli.md, "Secret references"). Unicode letters count as letters. Made on first use:
// creating it parses Unicode's letter and digit classes, ~0.045 ms of every start-up.
let NAME: RegExp | undefined;

/** NAME, with the usual ASCII names checked without RegExp (see env-file.ts). */
function isNamePart(part: string): boolean {
  let ascii = true;
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i);
    if (isAsciiAlnum(c) || c === 45 || c === 95 || c === 46 || c === 32) continue;
    if (c < 128) return false;
    ascii = false;
  }
  if (part === "") return false;
  if (ascii) return true;
  NAME ??= /^[\p{L}\p{N}\-_. ]+$/u;
  return NAME.test(part);
}

const QUERY_VALUES: Record<string, readonly string[]> = {
  attribute: ["type", "value", "id", "purpose", "otp", "totp", "content", "size", "name"],
  "ssh-format": ["openssh"],
};

/** "op" in any case at the start: `| 0x20` folds ASCII case (only "O"/"o" give 111, "P"/"p" 112). */
export const startsWithOp = (t: string): boolean =>
  (t.charCodeAt(0) | 0x20) === 111 && (t.charCodeAt(1) | 0x20) === 112;

/** True when a value is meant as a secret reference (what `op run` will try to resolve). */
export function looksLikeReference(value: string): boolean {
  return value.startsWith(PREFIX);
}

/**
 * Parse a secret reference.
 * @example parseReference("op://Private/GitHub/token") // { ok: true, ref: { vault: "Private", ... } }
 * @example parseReference("op://Private/gh") // { ok: false, reason: "it needs vault, item and field" }
 */
export function parseReference(text: string): ReferenceResult {
  if (!text.startsWith(PREFIX)) return { ok: false, reason: 'it must start with "op://"' };
  // Checked first, so that no reason below quotes a line break or an escape sequence.
  const control = controlCharacter(text);
  if (control !== undefined) return { ok: false, reason: control };
  const body = text.slice(PREFIX.length);
  const q = body.indexOf("?");
  const path = q === -1 ? body : body.slice(0, q);
  const query = q === -1 ? undefined : body.slice(q + 1);
  const parts = path.split("/");
  if (parts.length < 3) return { ok: false, reason: "it needs vault, item and field" };
  if (parts.length > 4) {
    return {
      ok: false,
      reason: "too many '/': the form is op://vault/item/[section/]field (names with '/' must use the ID)",
    };
  }
  const labels = parts.length === 3 ? ["vault", "item", "field"] : ["vault", "item", "section", "field"];
  for (const [i, part] of parts.entries()) {
    const label = labels[i] ?? "part";
    if (part === "") return { ok: false, reason: `the ${label} is empty` };
    if (part !== part.trim()) {
      return { ok: false, reason: `the ${label} "${maskTokens(part)}" starts or ends with a space` };
    }
    if (!isNamePart(part)) {
      return {
        ok: false,
        reason: `the ${label} "${maskTokens(part)}" has characters a reference cannot hold: refer to it by its ID`,
      };
    }
  }
  if (query !== undefined) {
    const problem = checkQuery(query);
    if (problem) return { ok: false, reason: problem };
  }
  const [vault, item, a, b] = parts as [string, string, string, string | undefined];
  const ref: SecretReference = b === undefined ? { vault, item, field: a } : { vault, item, section: a, field: b };
  if (query !== undefined) ref.query = query;
  return { ok: true, ref };
}

function checkQuery(query: string): string | undefined {
  if (query === "") return "the query after '?' is empty";
  for (const pair of query.split("&")) {
    const eq = pair.indexOf("=");
    const key = eq === -1 ? pair : pair.slice(0, eq);
    const value = eq === -1 ? "" : pair.slice(eq + 1);
    const allowed = QUERY_VALUES[key];
    if (!allowed) {
      return `unknown query parameter "${maskTokens(key)}" (known: ${Object.keys(QUERY_VALUES).join(", ")})`;
    }
    if (!allowed.includes(value.toLowerCase())) {
      return `"${key}" takes one of ${allowed.join("|")}, not "${maskTokens(value)}"`;
    }
  }
  return undefined;
}

/** Why `text` cannot be a reference because of a control character, or undefined. */
function controlCharacter(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isLineBreak(c)) return "it spans lines (a quoted value keeps its line breaks)";
    if (isControl(c)) return "it holds a control character";
  }
  return undefined;
}

const isLineBreak = (c: number) => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
const isControl = (c: number) => c < 32 || (c >= 127 && c <= 159);

/**
 * `text` as part of a one-line message: cut at the first line break (the lines after it may
 * hold anything, a pasted token too) and other control characters escaped.
 */
export function printable(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isLineBreak(c)) return `${out}…`;
    out += isControl(c) ? `\\x${c.toString(16).padStart(2, "0")}` : text[i];
  }
  return out;
}

/** A run of characters a token is made of: letters, digits and `_-.+` (`=` ends one: `key=value`). */
const isTokenChar = (c: number) => isAsciiAlnum(c) || c === 95 || c === 45 || c === 46 || c === 43;
/** Shorter runs are names (`GitHub`, `credential`); API tokens are longer (ghp_: 40, AKIA: 20). */
const MIN_TOKEN_SHAPE = 20;

/**
 * `text` with every token-shaped run (20 or more letters, digits and `_-.+`, with both letters
 * and digits) shown as its prefix up to a first `_` or `-` (`ghp_`, `xoxb-`: public) and its
 * length, the way detect.ts's maskValue shows a secret. For messages that quote what the user
 * wrote: a token pasted next to a reference (`op://V/i/f#ghp_...`) must not be repeated. Without
 * RegExp, as it is on run's path (see env-file.ts); a 1Password ID (26 characters) is masked
 * too, which costs a message nothing: the reason names the part.
 * @example maskTokens("f#ghp_0123456789abcdefghij0123456789abcdef") // "f#ghp_… (40 chars)"
 */
export function maskTokens(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (!isTokenChar(text.charCodeAt(i))) {
      out += text[i];
      i++;
      continue;
    }
    let end = i;
    let letters = false;
    let digits = false;
    for (; end < text.length && isTokenChar(text.charCodeAt(end)); end++) {
      const c = text.charCodeAt(end);
      if (c >= 48 && c <= 57) digits = true;
      else if (isAsciiAlnum(c)) letters = true;
    }
    const run = text.slice(i, end);
    if (run.length >= MIN_TOKEN_SHAPE && letters && digits) {
      let cut = 0;
      for (let j = 0; j < 8 && j < run.length; j++) {
        if (run[j] === "_" || run[j] === "-") {
          cut = j + 1;
          break;
        }
      }
      out += `${run.slice(0, cut)}… (${run.length} chars)`;
    } else out += run;
    i = end;
  }
  return out;
}

/** `text` quoted in a one-line message: cut at a line break, control characters escaped, tokens masked. */
export const quoted = (text: string) => `"${maskTokens(printable(text))}"`;

/** The one-line problem text used everywhere a reference is rejected. */
export function describeBadReference(text: string, reason: string): string {
  return `${quoted(text)} is not a secret reference: ${reason}`;
}

/**
 * The `{{ op://... }}` references in a value (1Password's template syntax: between `{{` and
 * `}}`, padded with spaces), which `op run` resolves inside env-file values ("Template syntax
 * can be used in the VALUE to inject secrets", developer.1password.com/docs/cli/
 * secrets-environment-variables, "Environment file syntax rules"). Without RegExp: callers test
 * for `{{` first, but this runs for every such value.
 * @example enclosedReferences('Bearer {{ op://Private/GitHub/token }}') // ["op://Private/GitHub/token"]
 */
export function enclosedReferences(value: string): string[] {
  const refs: string[] = [];
  for (let open = value.indexOf("{{"); open !== -1; open = value.indexOf("{{", open + 2)) {
    const close = value.indexOf("}}", open + 2);
    if (close === -1) break;
    const inner = value.slice(open + 2, close).trim();
    if (looksLikeReference(inner)) {
      refs.push(inner);
      open = close;
    }
  }
  return refs;
}

/**
 * Why a value that `op run` passes as plain text looks like a mistyped reference (`OP://`,
 * `op:/`, `op//`, `op:\\`, whitespace before `op://`), or undefined. The reason quotes only
 * that prefix: the rest of the value may be a token.
 */
export function nearMissReference(value: string): string | undefined {
  if (value.startsWith(PREFIX)) return undefined;
  const t = value.trimStart();
  if (!startsWithOp(t)) return undefined;
  let end = 2;
  let slashes = 0;
  for (; end < t.length && (t[end] === ":" || t[end] === "/" || t[end] === "\\"); end++) if (t[end] !== ":") slashes++;
  // A colon and a slash, or two slashes: "op/bin" is a path, not a typo.
  const colons = end - 2 - slashes;
  if (slashes === 0 || (slashes === 1 && colons === 0)) return undefined;
  const typed = t.slice(0, end);
  // "op://" itself gets here only after whitespace (a value starting with it is a reference).
  if (typed === PREFIX) return `it starts with whitespace before "${PREFIX}"`;
  const space = t.length < value.length ? "whitespace and " : "";
  return `it starts with ${space}"${typed}", not "${PREFIX}"`;
}
