/**
 * Editing a client's config text: list, add/replace and remove one server entry, leaving every
 * other byte as it was where that is possible (comments, indentation, line endings, key order,
 * a BOM). Pure: text in, text out; effects/config-file.ts does the reading and writing.
 *
 * JSON(C) edits are computed on jsonc-parser's syntax tree and laid out in the file's own
 * style; TOML edits work on whole `[table]` blocks. Every edit is checked by parsing the result
 * and comparing it with the intended document; if the careful edit cannot be made (an unusual
 * layout), jsonc-parser's `modify` or toml-patch's `patch` makes it instead, checked the same way.
 */
import { parse as parseTomlText, patch as patchToml } from "@decimalturn/toml-patch";
import {
  applyEdits as applyJsonEdits,
  type Node as JsonNode,
  modify as modifyJson,
  type ParseError,
  parse as parseJsonText,
  parseTree,
  printParseErrorCode,
} from "jsonc-parser";
import { EXIT, McpOpError } from "../errors.ts";
import type { ConfigLocation } from "./clients.ts";

export interface EditResult {
  text: string;
  changed: boolean;
}

type Obj = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Public API

/** The servers map in `text` ({} when the file or the map is missing). Throws 78 on a parse error. */
export function listServers(loc: ConfigLocation, text: string): Record<string, unknown> {
  const body = stripBom(text);
  const data = loc.format === "toml" ? parseTomlData(loc, body) : parseJsonData(loc, body).data;
  return { ...(serversIn(loc, data) ?? {}) };
}

/**
 * Add (or with `force`, replace) the entry `name`. Creates the servers map and any objects or
 * tables leading to it. An entry equal to the stored one is no change, with or without force.
 */
export function setServer(
  loc: ConfigLocation,
  text: string,
  name: string,
  entry: Record<string, unknown>,
  opts: { force: boolean },
): EditResult {
  return loc.format === "toml"
    ? setToml(loc, text, name, entry, opts.force)
    : setJson(loc, text, name, entry, opts.force);
}

/** Remove the entry `name`; `changed` is false when there is none. */
export function removeServer(loc: ConfigLocation, text: string, name: string): EditResult {
  return loc.format === "toml" ? removeToml(loc, text, name) : removeJson(loc, text, name);
}

/**
 * Undo one change to the entry `name`: set it back to `previous` (undefined: remove it), but only
 * while it is still `ours`, what the change left (undefined: absent). An entry that is already
 * `previous` is no change; one that another program changed since is left alone (78).
 */
export function restoreServer(
  loc: ConfigLocation,
  text: string,
  name: string,
  previous: unknown,
  ours: unknown,
): EditResult {
  const now = listServers(loc, text)[name];
  if (deepEqual(now, previous)) return { text, changed: false };
  if (!deepEqual(now, ours)) {
    throw new McpOpError(
      EXIT.CONFIG,
      `${loc.path}: the "${name}" entry was changed by another program meanwhile; left as it is`,
    );
  }
  return previous === undefined
    ? removeServer(loc, text, name)
    : setServer(loc, text, name, previous as Obj, { force: true });
}

/** Why `name` cannot be a server name, or undefined when it can: [A-Za-z0-9_-]{1,64}, no leading "-". */
export function validServerName(name: string): string | undefined {
  if (name === "") return "a server name cannot be empty";
  const bad = [...new Set([...name].filter((c) => !/^[A-Za-z0-9_-]$/.test(c)))];
  if (bad.length > 0) {
    return `server name ${JSON.stringify(name)} may hold only letters A-Z and a-z, digits, "_" and "-" (not ${bad.map(describeChar).join(", ")})`;
  }
  if (name.length > 64)
    return `server name "${name.slice(0, 16)}..." has ${name.length} characters; at most 64 are allowed`;
  if (name.startsWith("-")) return `server name "${name}" cannot start with "-" (it would read as an option)`;
  return undefined;
}

function describeChar(c: string): string {
  if (c === " ") return "space";
  const code = c.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f || (code >= 0x80 && code <= 0x9f)) {
    return `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  }
  return JSON.stringify(c);
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

const BOM = "\uFEFF";
const stripBom = (text: string) => (text.startsWith(BOM) ? text.slice(1) : text);
const bomOf = (text: string) => (text.startsWith(BOM) ? BOM : "");

const isRecord = (v: unknown): v is Obj =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

/** The file's line ending: that of its first line, "\n" for a one-line or empty file. */
function detectEol(text: string): string {
  const nl = text.indexOf("\n");
  return nl > 0 && text[nl - 1] === "\r" ? "\r\n" : "\n";
}

function keyPathLabel(keyPath: readonly string[]): string {
  return keyPath
    .map((k, i) => (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(k) ? `${i ? "." : ""}${k}` : `[${JSON.stringify(k)}]`))
    .join("");
}

function configError(loc: ConfigLocation, message: string, hint?: string): McpOpError {
  return new McpOpError(EXIT.CONFIG, `${loc.path}: ${message}`, hint);
}

function notAnObject(loc: ConfigLocation, keys: readonly string[], value: unknown): McpOpError {
  const what = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
  return configError(
    loc,
    `"${keyPathLabel(keys)}" is ${what}, not an object of servers`,
    "fix that key by hand; mcp-op only edits a well-formed file",
  );
}

/** The servers map of a parsed document, undefined when it is missing; throws 78 on a wrong type. */
function serversIn(loc: ConfigLocation, data: unknown): Obj | undefined {
  let current: unknown = data;
  for (let i = 0; i < loc.keyPath.length; i++) {
    const key = loc.keyPath[i] as string;
    if (!isRecord(current)) throw notAnObject(loc, loc.keyPath.slice(0, i), current);
    if (!Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  if (!isRecord(current)) throw notAnObject(loc, loc.keyPath, current);
  return current;
}

/** A copy of `data` with `servers[name]` set to `value` (or deleted when undefined); shares the rest. */
function withEntry(data: unknown, keys: readonly string[], name: string, value: unknown): Obj {
  const copy: Obj = isRecord(data) ? { ...data } : {};
  const [key, ...rest] = keys;
  if (key === undefined) {
    if (value === undefined) delete copy[name];
    else copy[name] = value;
    return copy;
  }
  copy[key] = withEntry(Object.hasOwn(copy, key) ? copy[key] : undefined, rest, name, value);
  return copy;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b || Object.is(a, b)) return true;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.constructor === b.constructor && String(a) === String(b);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

interface Edit {
  offset: number;
  length: number;
  content: string;
}

/** Apply non-overlapping edits; inserts at the same offset keep their order. */
function applyEdits(text: string, edits: readonly Edit[]): string {
  const sorted = edits.map((e, i) => ({ e, i })).sort((x, y) => x.e.offset - y.e.offset || x.i - y.i);
  let out = "";
  let at = 0;
  for (const { e } of sorted) {
    out += text.slice(at, e.offset) + e.content;
    at = e.offset + e.length;
  }
  return out + text.slice(at);
}

function cannotEdit(loc: ConfigLocation, why: string): McpOpError {
  return configError(loc, `could not edit this file safely (${why}); nothing was changed`, "edit it by hand");
}

// ---------------------------------------------------------------------------------------------
// JSON and JSONC

const JSON_OPTIONS = { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true } as const;

const JSON_REASONS: Record<string, string> = {
  InvalidSymbol: "unexpected character",
  InvalidNumberFormat: "malformed number",
  PropertyNameExpected: "expected a property name",
  ValueExpected: "expected a value",
  ColonExpected: 'expected ":"',
  CommaExpected: 'expected ","',
  CloseBraceExpected: 'expected "}"',
  CloseBracketExpected: 'expected "]"',
  EndOfFileExpected: "unexpected text after the end of the document",
  InvalidCommentToken: "malformed comment",
  UnexpectedEndOfComment: "unterminated comment",
  UnexpectedEndOfString: "unterminated string",
  UnexpectedEndOfNumber: "unterminated number",
  InvalidUnicode: "invalid \\u escape",
  InvalidEscapeCharacter: "invalid escape sequence",
  InvalidCharacter: "invalid character in a string",
};

interface JsonDoc {
  root: JsonNode | undefined;
  data: unknown;
}

function parseJsonData(loc: ConfigLocation, body: string): JsonDoc {
  const errors: ParseError[] = [];
  const root = parseTree(body, errors, JSON_OPTIONS);
  const first = errors[0];
  if (first !== undefined) {
    const code = printParseErrorCode(first.error);
    throw configError(
      loc,
      `not valid JSON: ${JSON_REASONS[code] ?? code} (line ${lineOf(body, first.offset)})`,
      "fix the file by hand; mcp-op does not rewrite a file it cannot read",
    );
  }
  if (root !== undefined && root.type !== "object") {
    throw configError(loc, "the top level is not a JSON object", "fix the file by hand");
  }
  return { root, data: root === undefined ? {} : parseJsonText(body, [], JSON_OPTIONS) };
}

interface JsonStyle {
  unit: string;
  eol: string;
}

/** Indentation unit of the first indented line that starts with JSON (tab or N spaces; default 2). */
function detectIndent(text: string): string {
  const m = /^([ \t]+)["{}[\]]/m.exec(text);
  const ws = m?.[1];
  if (ws === undefined) return "  ";
  return ws.startsWith("\t") ? "\t" : " ".repeat(Math.min(ws.length, 8));
}

function jsonStyle(body: string): JsonStyle {
  return { unit: detectIndent(body), eol: detectEol(body) };
}

const pretty = (value: unknown, indent: string, style: JsonStyle) =>
  JSON.stringify(value, null, style.unit)
    .split("\n")
    .join(style.eol + indent);

/** One-line JSON, spaced like `{"a": 1, "b": 2}` or minified like `{"a":1,"b":2}`. */
function compact(value: unknown, spaced: boolean): string {
  const [colon, comma] = spaced ? [": ", ", "] : [":", ","];
  if (Array.isArray(value)) return `[${value.map((v) => compact(v, spaced)).join(comma)}]`;
  if (isRecord(value)) {
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}${colon}${compact(v, spaced)}`)
      .join(comma)}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Whether a one-line object is written with spaces after ":" and "," (minified files are not). */
const spacedJson = (text: string) => !/^[^\s]*$/.test(text.replace(/"(?:[^"\\]|\\.)*"/g, '""'));

function nest(keys: readonly string[], leaf: unknown): unknown {
  return keys.reduceRight<unknown>((inner, key) => ({ [key]: inner }), leaf);
}

const lineStart = (text: string, pos: number) => text.lastIndexOf("\n", pos - 1) + 1;
const lineIndent = (text: string, pos: number) => /^[ \t]*/.exec(text.slice(lineStart(text, pos), pos))?.[0] ?? "";
const startsLine = (text: string, pos: number) => text.slice(lineStart(text, pos), pos).trim() === "";
const isLineEnd = (text: string, pos: number) =>
  pos >= text.length || text[pos] === "\n" || text.startsWith("\r\n", pos);
const afterLineBreak = (text: string, pos: number) =>
  text.startsWith("\r\n", pos) ? pos + 2 : text[pos] === "\n" ? pos + 1 : pos;

/** Skip whitespace, newlines and comments. */
function afterTrivia(text: string, pos: number): number {
  let p = pos;
  for (;;) {
    const c = text[p];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") p++;
    else if (text.startsWith("//", p)) {
      const nl = text.indexOf("\n", p);
      p = nl === -1 ? text.length : nl;
    } else if (text.startsWith("/*", p)) {
      const end = text.indexOf("*/", p + 2);
      p = end === -1 ? text.length : end + 2;
    } else return p;
  }
}

/** Skip spaces, tabs and comments that end on this line; stops at the line break. */
function sameLineTriviaEnd(text: string, pos: number): number {
  let p = pos;
  for (;;) {
    const c = text[p];
    if (c === " " || c === "\t") p++;
    else if (text.startsWith("//", p)) {
      const nl = text.indexOf("\n", p);
      if (nl === -1) return text.length;
      return text[nl - 1] === "\r" ? nl - 1 : nl;
    } else if (text.startsWith("/*", p)) {
      const end = text.indexOf("*/", p + 2);
      if (end === -1 || text.slice(p, end).includes("\n")) return p;
      p = end + 2;
    } else return p;
  }
}

const propKey = (prop: JsonNode): unknown => prop.children?.[0]?.value;
const nodeEnd = (node: JsonNode) => node.offset + node.length;

function insertProperty(body: string, obj: JsonNode, key: string, value: unknown, style: JsonStyle): Edit[] {
  const children = obj.children ?? [];
  const open = obj.offset;
  const close = nodeEnd(obj) - 1;
  const objIndent = lineIndent(body, open);
  const last = children[children.length - 1];
  if (last === undefined) {
    const inner = body.slice(open + 1, close);
    const childIndent = objIndent + style.unit;
    const prop = `${JSON.stringify(key)}: ${pretty(value, childIndent, style)}`;
    if (inner.trim() === "") {
      return [
        {
          offset: open + 1,
          length: inner.length,
          content: `${style.eol}${childIndent}${prop}${style.eol}${objIndent}`,
        },
      ];
    }
    return [{ offset: open + 1, length: 0, content: `${style.eol}${childIndent}${prop}` }];
  }
  const lastEnd = nodeEnd(last);
  const p = afterTrivia(body, lastEnd);
  const trailingComma = body[p] === ",";
  const afterLast = trailingComma ? p + 1 : lastEnd;
  if (!body.slice(open, close).includes("\n")) {
    // A one-line object stays on one line, in its own spacing.
    const spaced = spacedJson(body.slice(open, close + 1));
    const prop = `${JSON.stringify(key)}${spaced ? ": " : ":"}${compact(value, spaced)}`;
    const sep = spaced ? " " : "";
    return trailingComma
      ? [{ offset: afterLast, length: 0, content: `${sep}${prop},` }]
      : [{ offset: lastEnd, length: 0, content: `,${sep}${prop}` }];
  }
  const childIndent = startsLine(body, last.offset) ? lineIndent(body, last.offset) : objIndent + style.unit;
  const prop = `${style.eol}${childIndent}${JSON.stringify(key)}: ${pretty(value, childIndent, style)}${trailingComma ? "," : ""}`;
  const edits: Edit[] = trailingComma ? [] : [{ offset: lastEnd, length: 0, content: "," }];
  const q = sameLineTriviaEnd(body, afterLast);
  // After the last member's line (and its trailing comment), so a removal can take whole lines.
  edits.push({ offset: isLineEnd(body, q) && q < close ? q : afterLast, length: 0, content: prop });
  return edits;
}

function removeProperty(body: string, obj: JsonNode, prop: JsonNode): Edit[] {
  const children = obj.children ?? [];
  const index = children.indexOf(prop);
  const open = obj.offset;
  const close = nodeEnd(obj) - 1;
  const start = prop.offset;
  const end = nodeEnd(prop);
  const p = afterTrivia(body, end);
  const hasComma = body[p] === ",";
  const endTok = hasComma ? p + 1 : end;
  if (children.length === 1 && body.slice(open + 1, start).trim() === "" && body.slice(endTok, close).trim() === "") {
    return [{ offset: open + 1, length: close - open - 1, content: "" }]; // back to {}
  }
  const prev = index > 0 ? children[index - 1] : undefined;
  const q = sameLineTriviaEnd(body, endTok);
  if (startsLine(body, start) && isLineEnd(body, q)) {
    // Whole lines: the member, its comma and a comment trailing it on its last line.
    const from = lineStart(body, start);
    const edits: Edit[] = [{ offset: from, length: afterLineBreak(body, q) - from, content: "" }];
    if (!hasComma && prev !== undefined) {
      const c = afterTrivia(body, nodeEnd(prev));
      if (body[c] === ",") edits.push({ offset: c, length: 1, content: "" });
    }
    return edits;
  }
  if (!hasComma && prev !== undefined) return [{ offset: nodeEnd(prev), length: end - nodeEnd(prev), content: "" }];
  return [{ offset: start, length: (hasComma ? afterTrivia(body, endTok) : endTok) - start, content: "" }];
}

function findProp(obj: JsonNode, key: string): JsonNode | undefined {
  // The last one wins, as in JSON.parse.
  return obj.children?.findLast((p) => propKey(p) === key);
}

function jsonMatches(text: string, expected: unknown): boolean {
  const errors: ParseError[] = [];
  const value = parseJsonText(text, errors, JSON_OPTIONS);
  return errors.length === 0 && deepEqual(value ?? {}, expected);
}

function setJson(loc: ConfigLocation, text: string, name: string, entry: Obj, force: boolean): EditResult {
  const bom = bomOf(text);
  const body = stripBom(text);
  const { root, data } = parseJsonData(loc, body);
  const value = JSON.parse(JSON.stringify(entry)) as Obj;
  const servers = serversIn(loc, data);
  if (servers !== undefined && Object.hasOwn(servers, name)) {
    if (deepEqual(servers[name], value)) return { text, changed: false };
    if (!force) throw collision(loc, name);
  }
  const expected = withEntry(data, loc.keyPath, name, value);
  const style = jsonStyle(body);
  const keys = [...loc.keyPath, name];
  let out: string | undefined;
  if (root === undefined) {
    const doc = pretty(nest(keys, value), "", style) + style.eol;
    out = body.trim() === "" ? doc : `${body}${isLineEnd(body, body.length - 1) ? "" : style.eol}${doc}`;
  } else {
    let node: JsonNode = root;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const prop = findProp(node, key);
      const valueNode = prop?.children?.[1];
      if (prop === undefined || valueNode === undefined) {
        out = applyEdits(body, insertProperty(body, node, key, nest(keys.slice(i + 1), value), style));
        break;
      }
      if (i === keys.length - 1) {
        const oneLine = !body.slice(node.offset, nodeEnd(node)).includes("\n");
        const content = oneLine
          ? compact(value, spacedJson(body.slice(node.offset, nodeEnd(node))))
          : pretty(value, lineIndent(body, prop.offset), style);
        out = applyEdits(body, [{ offset: valueNode.offset, length: valueNode.length, content }]);
        break;
      }
      node = valueNode; // an object: serversIn checked the types along the path
    }
  }
  if (out === undefined || !jsonMatches(out, expected)) {
    out = applyJsonEdits(body, modifyJson(body, keys, value, { formattingOptions: jsonFormatting(style) }));
    if (!jsonMatches(out, expected)) throw cannotEdit(loc, "the edited text did not read back as intended");
  }
  return { text: bom + out, changed: out !== body };
}

function removeJson(loc: ConfigLocation, text: string, name: string): EditResult {
  const bom = bomOf(text);
  const body = stripBom(text);
  const { root, data } = parseJsonData(loc, body);
  const servers = serversIn(loc, data);
  if (root === undefined || servers === undefined || !Object.hasOwn(servers, name)) return { text, changed: false };
  const expected = withEntry(data, loc.keyPath, name, undefined);
  let node: JsonNode | undefined = root;
  for (const key of loc.keyPath) node = node && findProp(node, key)?.children?.[1];
  const prop = node && findProp(node, name);
  let out = node && prop ? applyEdits(body, removeProperty(body, node, prop)) : undefined;
  if (out === undefined || !jsonMatches(out, expected)) {
    const keys = [...loc.keyPath, name];
    out = applyJsonEdits(
      body,
      modifyJson(body, keys, undefined, { formattingOptions: jsonFormatting(jsonStyle(body)) }),
    );
    if (!jsonMatches(out, expected)) throw cannotEdit(loc, "the edited text did not read back as intended");
  }
  return { text: bom + out, changed: out !== body };
}

function jsonFormatting(style: JsonStyle) {
  const tabs = style.unit === "\t";
  return { insertSpaces: !tabs, tabSize: tabs ? 4 : style.unit.length, eol: style.eol };
}

function collision(loc: ConfigLocation, name: string): McpOpError {
  return new McpOpError(
    EXIT.CONFIG,
    `${loc.path}: a server named "${name}" already exists (use --force to replace it)`,
  );
}

// ---------------------------------------------------------------------------------------------
// TOML

function parseTomlData(loc: ConfigLocation, body: string): unknown {
  try {
    return parseTomlText(body);
  } catch (error) {
    const e = error as { message?: string; line?: unknown };
    const message = String(e.message ?? error);
    const reason =
      message
        .split("\n")
        .filter((l) => l.trim() !== "")
        .at(-1) ?? message;
    const line = typeof e.line === "number" ? e.line : Number(/\((\d+),\s*\d+\)/.exec(message)?.[1] ?? Number.NaN);
    throw configError(
      loc,
      `not valid TOML: ${reason.trim()}${Number.isFinite(line) ? ` (line ${line})` : ""}`,
      "fix the file by hand; mcp-op does not rewrite a file it cannot read",
    );
  }
}

function tomlMatches(text: string, expected: unknown): boolean {
  try {
    return deepEqual(parseTomlText(text), expected);
  } catch {
    return false;
  }
}

/** TOML has no null: drop null and undefined members (recursively) the way the file will hold them. */
function tomlNormalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(tomlNormalize);
  if (!isRecord(value)) return value;
  const out: Obj = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined && v !== null) out[k] = tomlNormalize(v);
  return out;
}

function tomlString(s: string): string | undefined {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).toUpperCase().padStart(4, "0")}`;
    else if (code >= 0xd800 && code <= 0xdfff)
      return undefined; // a lone surrogate is no valid TOML
    else out += ch;
  }
  return `${out}"`;
}

const tomlKey = (key: string) => (/^[A-Za-z0-9_-]+$/.test(key) ? key : (tomlString(key) ?? JSON.stringify(key)));

function tomlValue(value: unknown): string | undefined {
  if (typeof value === "string") return tomlString(value);
  if (typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "nan";
    if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
    const s = String(value);
    return Number.isSafeInteger(value) || /[.eE]/.test(s) ? s : `${s}.0`;
  }
  if (Array.isArray(value)) {
    const items = value.map(tomlValue);
    return items.every((i) => i !== undefined) ? `[${items.join(", ")}]` : undefined;
  }
  if (isRecord(value)) {
    const pairs = Object.entries(value).map(([k, v]) => [k, tomlValue(v)] as const);
    if (pairs.some(([, v]) => v === undefined)) return undefined;
    return pairs.length === 0 ? "{}" : `{ ${pairs.map(([k, v]) => `${tomlKey(k)} = ${v}`).join(", ")} }`;
  }
  return undefined; // dates and anything else: leave it to toml-patch
}

/** `[mcp_servers.name]` with the plain values, then one `[mcp_servers.name.key]` per non-empty table. */
function renderTomlEntry(prefix: readonly string[], entry: Obj, eol: string): string | undefined {
  const header = (keys: readonly string[]) => `[${keys.map(tomlKey).join(".")}]`;
  const main = [header(prefix)];
  const tables: string[][] = [];
  for (const [key, value] of Object.entries(entry)) {
    if (isRecord(value) && Object.keys(value).length > 0) {
      const lines = [header([...prefix, key])];
      for (const [k, v] of Object.entries(value)) {
        const rendered = tomlValue(v);
        if (rendered === undefined) return undefined;
        lines.push(`${tomlKey(k)} = ${rendered}`);
      }
      tables.push(lines);
    } else {
      const rendered = tomlValue(value);
      if (rendered === undefined) return undefined;
      main.push(`${tomlKey(key)} = ${rendered}`);
    }
  }
  return [main, ...tables].map((lines) => lines.join(eol) + eol).join(eol);
}

interface TomlRow {
  start: number;
  /** Just after the row's line break (or the end of the text). */
  end: number;
  kind: "blank" | "comment" | "header" | "kv";
  path?: string[];
}

/** Index just after the string starting at `k` (any of TOML's four kinds), or -1. */
function skipTomlString(text: string, k: number): number {
  const q = text[k] as string;
  const triple = q.repeat(3);
  if (text.startsWith(triple, k)) {
    for (let j = k + 3; j < text.length; j++) {
      if (q === '"' && text[j] === "\\") j++;
      else if (text.startsWith(triple, j)) {
        let end = j + 3;
        for (let extra = 0; extra < 2 && text[end] === q; extra++) end++; // """a"""" ends in a quote
        return end;
      }
    }
    return -1;
  }
  for (let j = k + 1; j < text.length; j++) {
    const c = text[j];
    if (q === '"' && c === "\\") j++;
    else if (c === q) return j + 1;
    else if (c === "\n") return -1;
  }
  return -1;
}

function unescapeTomlBasic(s: string): string {
  const simple: Record<string, string> = {
    b: "\b",
    t: "\t",
    n: "\n",
    f: "\f",
    r: "\r",
    e: "\x1b",
    '"': '"',
    "\\": "\\",
  };
  return s.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}|.)/g, (_, esc: string) =>
    esc.length > 1 ? String.fromCodePoint(Number.parseInt(esc.slice(1), 16)) : (simple[esc] ?? esc),
  );
}

function parseTomlHeader(text: string, k: number): { path: string[]; end: number } | undefined {
  let j = k + 1;
  const array = text[j] === "[";
  if (array) j++;
  const path: string[] = [];
  const bare = /[A-Za-z0-9_-]+/y;
  for (;;) {
    while (text[j] === " " || text[j] === "\t") j++;
    const c = text[j];
    if (c === '"' || c === "'") {
      const end = skipTomlString(text, j);
      if (end < 0) return undefined;
      const raw = text.slice(j + 1, end - 1);
      path.push(c === '"' ? unescapeTomlBasic(raw) : raw);
      j = end;
    } else {
      bare.lastIndex = j;
      const m = bare.exec(text);
      if (m === null) return undefined;
      path.push(m[0]);
      j += m[0].length;
    }
    while (text[j] === " " || text[j] === "\t") j++;
    if (text[j] === ".") {
      j++;
      continue;
    }
    if (text[j] !== "]") return undefined;
    j++;
    if (array) {
      if (text[j] !== "]") return undefined;
      j++;
    }
    return { path, end: j };
  }
}

/** Split valid TOML into top-level rows (a row spans multi-line strings and arrays). */
function scanToml(text: string): TomlRow[] | undefined {
  const rows: TomlRow[] = [];
  const nextLine = (k: number) => {
    const nl = text.indexOf("\n", k);
    return nl === -1 ? text.length : nl + 1;
  };
  let i = 0;
  while (i < text.length) {
    let k = i;
    while (text[k] === " " || text[k] === "\t") k++;
    const c = text[k];
    let row: TomlRow;
    if (c === undefined || c === "\n" || (c === "\r" && text[k + 1] === "\n"))
      row = { start: i, end: nextLine(k), kind: "blank" };
    else if (c === "#") row = { start: i, end: nextLine(k), kind: "comment" };
    else if (c === "[") {
      const header = parseTomlHeader(text, k);
      if (header === undefined) return undefined;
      row = { start: i, end: nextLine(header.end), kind: "header", path: header.path };
    } else {
      let depth = 0;
      let end = text.length;
      while (k < text.length) {
        const ch = text[k];
        if (ch === '"' || ch === "'") {
          k = skipTomlString(text, k);
          if (k < 0) return undefined;
          continue;
        }
        if (ch === "#") {
          const nl = text.indexOf("\n", k);
          k = nl === -1 ? text.length : nl;
          continue;
        }
        if (ch === "[" || ch === "{") depth++;
        else if (ch === "]" || ch === "}") depth--;
        else if (ch === "\n" && depth <= 0) {
          end = k + 1;
          break;
        }
        k++;
      }
      row = { start: i, end, kind: "kv" };
    }
    rows.push(row);
    i = row.end;
  }
  return rows;
}

interface TomlBlock {
  /** Rows of the header and its body up to its last key/value (comments after that stay put). */
  first: number;
  last: number;
}

/** Every `[table]` / `[[array]]` block under `prefix` (e.g. mcp_servers.github and .env). */
function tomlBlocks(rows: readonly TomlRow[], prefix: readonly string[]): TomlBlock[] {
  const blocks: TomlBlock[] = [];
  rows.forEach((row, first) => {
    const path = row.path;
    if (row.kind !== "header" || path === undefined || !prefix.every((key, i) => path[i] === key)) return;
    let last = first;
    for (let r = first + 1; r < rows.length && rows[r]?.kind !== "header"; r++) if (rows[r]?.kind === "kv") last = r;
    blocks.push({ first, last });
  });
  return blocks;
}

/**
 * Edits deleting the blocks' rows, the blank rows between two of them, and one blank row
 * before each run of them (after it, at the top of the file): the inverse of appending.
 */
function removeBlocks(rows: readonly TomlRow[], blocks: readonly TomlBlock[]): Edit[] {
  const gone = new Set<number>();
  for (const { first, last } of blocks) for (let r = first; r <= last; r++) gone.add(r);
  for (let r = 0; r < rows.length; r++) {
    if (rows[r]?.kind !== "blank" || gone.has(r)) continue;
    let e = r;
    while (rows[e + 1]?.kind === "blank") e++;
    if (gone.has(r - 1) && gone.has(e + 1)) for (let x = r; x <= e; x++) gone.add(x);
    r = e;
  }
  const runs: [number, number][] = [];
  for (let r = 0; r < rows.length; r++) {
    if (!gone.has(r)) continue;
    let e = r;
    while (gone.has(e + 1)) e++;
    runs.push([r, e]);
    r = e;
  }
  for (const [s, e] of runs) {
    if (rows[s - 1]?.kind === "blank") gone.add(s - 1);
    else if (s === 0 && rows[e + 1]?.kind === "blank") gone.add(e + 1);
  }
  return [...gone].map((r) => {
    const row = rows[r] as TomlRow;
    return { offset: row.start, length: row.end - row.start, content: "" };
  });
}

function setToml(loc: ConfigLocation, text: string, name: string, entry: Obj, force: boolean): EditResult {
  const bom = bomOf(text);
  const body = stripBom(text);
  const data = parseTomlData(loc, body);
  const value = tomlNormalize(entry) as Obj;
  const servers = serversIn(loc, data);
  const exists = servers !== undefined && Object.hasOwn(servers, name);
  if (exists) {
    if (deepEqual(servers[name], value)) return { text, changed: false };
    if (!force) throw collision(loc, name);
  }
  const expected = withEntry(data, loc.keyPath, name, value);
  const eol = detectEol(body);
  const prefix = [...loc.keyPath, name];
  const block = renderTomlEntry(prefix, value, eol);
  let out: string | undefined;
  if (block !== undefined && !exists) {
    const rows = body.trim() === "" ? undefined : scanToml(body);
    const siblings = rows ? tomlBlocks(rows, loc.keyPath) : [];
    const lastSibling = siblings[siblings.length - 1];
    if (body.trim() === "") out = block;
    else if (rows !== undefined && lastSibling !== undefined) {
      // After the last [mcp_servers.*] block, a blank line before it (and after it, if needed).
      const row = rows[lastSibling.last] as TomlRow;
      const next = rows[lastSibling.last + 1];
      const lead = row.end === body.length && !body.endsWith("\n") ? eol : "";
      const trail = next !== undefined && next.kind !== "blank" ? eol : "";
      out = applyEdits(body, [{ offset: row.end, length: 0, content: `${lead}${eol}${block}${trail}` }]);
    } else {
      const base = body.endsWith("\n") ? body : body + eol;
      out = base + (/\n[ \t]*\r?\n$/.test(base) ? "" : eol) + block;
    }
  } else if (block !== undefined) {
    const rows = scanToml(body);
    const blocks = rows ? tomlBlocks(rows, prefix) : [];
    const [first, ...others] = blocks;
    if (rows !== undefined && first !== undefined) {
      // The new entry takes the place of the first block; the other blocks go.
      const from = (rows[first.first] as TomlRow).start;
      const to = (rows[first.last] as TomlRow).end;
      const edits = removeBlocks(rows, others).filter((e) => e.offset + e.length <= from || e.offset >= to);
      out = applyEdits(body, [{ offset: from, length: to - from, content: block }, ...edits]);
    }
  }
  if (out === undefined || !tomlMatches(out, expected)) out = patchTomlChecked(loc, body, expected);
  return { text: bom + out, changed: out !== body };
}

function removeToml(loc: ConfigLocation, text: string, name: string): EditResult {
  const bom = bomOf(text);
  const body = stripBom(text);
  const data = parseTomlData(loc, body);
  const servers = serversIn(loc, data);
  if (servers === undefined || !Object.hasOwn(servers, name)) return { text, changed: false };
  const expected = withEntry(data, loc.keyPath, name, undefined);
  const rows = scanToml(body);
  const blocks = rows ? tomlBlocks(rows, [...loc.keyPath, name]) : [];
  let out = rows !== undefined && blocks.length > 0 ? applyEdits(body, removeBlocks(rows, blocks)) : undefined;
  // Removing the last `[mcp_servers.x]` block also removes the implicitly defined `mcp_servers`.
  const alsoFine = withoutEmptyPath(expected, loc.keyPath);
  const ok = (t: string) => tomlMatches(t, expected) || (alsoFine !== undefined && tomlMatches(t, alsoFine));
  if (out === undefined || !ok(out)) out = patchTomlChecked(loc, body, expected, alsoFine);
  return { text: bom + out, changed: out !== body };
}

/** `data` without the chain of now-empty tables at `keys`, or undefined when the last one is not empty. */
function withoutEmptyPath(data: Obj, keys: readonly string[]): Obj | undefined {
  const [key, ...rest] = keys;
  if (key === undefined) return undefined;
  const child = data[key];
  if (!isRecord(child)) return undefined;
  const copy = { ...data };
  if (rest.length === 0) {
    if (Object.keys(child).length > 0) return undefined;
    delete copy[key];
    return copy;
  }
  const inner = withoutEmptyPath(child, rest);
  if (inner === undefined) return undefined;
  if (Object.keys(inner).length === 0) delete copy[key];
  else copy[key] = inner;
  return copy;
}

/** toml-patch's own edit, for layouts the block edit does not handle (inline tables, dotted keys). */
function patchTomlChecked(loc: ConfigLocation, body: string, expected: Obj, alsoFine?: Obj): string {
  let out: string;
  try {
    out = patchToml(body, expected);
  } catch (error) {
    throw cannotEdit(
      loc,
      error instanceof Error ? (error.message.split("\n")[0] ?? "toml-patch failed") : String(error),
    );
  }
  if (!tomlMatches(out, expected) && !(alsoFine !== undefined && tomlMatches(out, alsoFine))) {
    throw cannotEdit(loc, "the edited text did not read back as intended");
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Diff for --dry-run

const NO_EOL = "\u0000no-eol";

function diffLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (text.endsWith("\n")) lines.pop();
  else lines[lines.length - 1] += NO_EOL;
  return lines;
}

interface DiffOp {
  tag: " " | "-" | "+";
  line: string;
  /** Lines of before/after passed when this op starts. */
  a: number;
  b: number;
}

function diffOps(a: readonly string[], b: readonly string[]): DiffOp[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const n = a.length - pre - suf;
  const m = b.length - pre - suf;
  const ops: DiffOp[] = [];
  for (let i = 0; i < pre; i++) ops.push({ tag: " ", line: a[i] as string, a: i, b: i });
  let i = 0;
  let j = 0;
  if (n > 0 && m > 0 && n * m <= 4_000_000) {
    // LCS lengths of the suffixes of the changed middle.
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let x = n - 1; x >= 0; x--) {
      for (let y = m - 1; y >= 0; y--) {
        lcs[x * w + y] =
          a[pre + x] === b[pre + y]
            ? (lcs[(x + 1) * w + y + 1] ?? 0) + 1
            : Math.max(lcs[(x + 1) * w + y] ?? 0, lcs[x * w + y + 1] ?? 0);
      }
    }
    while (i < n && j < m) {
      if (a[pre + i] === b[pre + j]) {
        ops.push({ tag: " ", line: a[pre + i] as string, a: pre + i, b: pre + j });
        i++;
        j++;
      } else if ((lcs[(i + 1) * w + j] ?? 0) >= (lcs[i * w + j + 1] ?? 0)) {
        ops.push({ tag: "-", line: a[pre + i] as string, a: pre + i, b: pre + j });
        i++;
      } else {
        ops.push({ tag: "+", line: b[pre + j] as string, a: pre + i, b: pre + j });
        j++;
      }
    }
  }
  for (; i < n; i++) ops.push({ tag: "-", line: a[pre + i] as string, a: pre + i, b: pre + j });
  for (; j < m; j++) ops.push({ tag: "+", line: b[pre + j] as string, a: pre + n, b: pre + j });
  for (let k = 0; k < suf; k++) {
    ops.push({ tag: " ", line: a[pre + n + k] as string, a: pre + n + k, b: pre + m + k });
  }
  return ops;
}

/** A unified diff (3 lines of context) of `before` -> `after`; "" when they are equal. */
export function unifiedDiff(path: string, before: string, after: string): string {
  if (before === after) return "";
  const ops = diffOps(diffLines(before), diffLines(after));
  const context = 3;
  const out = [`--- ${path}`, `+++ ${path}`];
  let i = 0;
  while (i < ops.length) {
    if (ops[i]?.tag === " ") {
      i++;
      continue;
    }
    const start = Math.max(0, i - context);
    let end = i + 1;
    let j = i + 1;
    while (j < ops.length) {
      if (ops[j]?.tag !== " ") {
        end = ++j;
        continue;
      }
      let k = j;
      while (k < ops.length && ops[k]?.tag === " ") k++;
      if (k < ops.length && k - j <= 2 * context) j = k;
      else break;
    }
    const stop = Math.min(ops.length, end + context);
    const hunk = ops.slice(start, stop);
    const first = hunk[0] as DiffOp;
    const oldCount = hunk.filter((o) => o.tag !== "+").length;
    const newCount = hunk.filter((o) => o.tag !== "-").length;
    out.push(`@@ -${oldCount ? first.a + 1 : first.a},${oldCount} +${newCount ? first.b + 1 : first.b},${newCount} @@`);
    for (const op of hunk) {
      const noEol = op.line.endsWith(NO_EOL);
      const line = noEol ? op.line.slice(0, -NO_EOL.length) : op.line;
      out.push(`${op.tag}${line.endsWith("\r") ? line.slice(0, -1) : line}`);
      if (noEol) out.push("\\ No newline at end of file");
    }
    i = stop;
  }
  return `${out.join("\n")}\n`;
}
