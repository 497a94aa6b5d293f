/**
 * Editing a client's config text: list, add/replace and remove one server entry, leaving every
 * other byte as it was where that is possible (comments, indentation, line endings, key order,
 * a BOM). Pure: text in, text out; effects/config-file.ts does the reading and writing.
 *
 * JSON(C) is read in one pass (jsonc-scan.ts) that checks the whole text but builds nodes only
 * for the servers maps and the objects leading to them: `~/.claude.json` can be 67 MB of prompt
 * history, and every project in it has a servers map. Every key is kept, a duplicate too, and
 * read as data (`__proto__` included: null-prototype objects). A duplicate key where servers
 * are is named, and such a file is not edited: the copy the client ignores stays in the file,
 * plaintext token and all, unseen. Edits are computed on those nodes and laid out in the file's
 * own style; TOML edits work on whole `[table]` blocks. Every edit is checked by reading back
 * what it changed and comparing it with the intended content; if the careful edit cannot be
 * made (an unusual layout), jsonc-parser's `modify` or toml-patch's `patch` makes it instead,
 * checked the same way.
 */
import { parse as parseTomlText, patch as patchToml } from "@decimalturn/toml-patch";
import { modify as modifyJson, printParseErrorCode, visit } from "jsonc-parser";
import { EXIT, McpOpError } from "../errors.ts";
import type { ConfigLocation } from "./clients.ts";
import { type JsonMember, type JsonNode, MAX_DEPTH, type Patterns, scanJsonc } from "./jsonc-scan.ts";

export interface EditResult {
  text: string;
  changed: boolean;
  /**
   * The change as edits of the input text (offsets in it, a BOM counted), when it is known so:
   * a 67 MB file is then written from its unchanged parts, without building the new text.
   */
  edits?: readonly Edit[];
}

/** Replace `length` characters at `offset` with `content`. */
export interface Edit {
  offset: number;
  length: number;
  content: string;
}

type Obj = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Public API

/** One server entry as stored. `shadowed`: a later copy of the same key hides it from the client. */
export interface StoredServer {
  name: string;
  value: unknown;
  /** 1-based line of its name (JSON only). */
  line?: number;
  shadowed: boolean;
}

/** A key that occurs more than once in one object, where servers are. */
export interface Duplicate {
  /** The keys leading to the object that holds it. */
  keyPath: string[];
  key: string;
  /** The line of each occurrence, in order; clients read the last. */
  lines: number[];
}

/** A config as read once: its servers maps and its duplicate keys. */
export interface ConfigDoc {
  loc: ConfigLocation;
  /** Servers maps at `keyPath` (every copy, shadowed ones included). */
  servers(keyPath: readonly string[]): StoredServer[];
  duplicates: Duplicate[];
  /** Keys of `projects` whose entry has a servers map (Claude Code's ~/.claude.json; [] elsewhere). */
  projects: string[];
}

/**
 * Read a config once, for every servers map it holds (for `~/.claude.json`: the user scope and
 * every project's local scope). Throws 78 when it does not parse, or a servers map or an object
 * on the way to one is not an object. A duplicate key is no error here: see `duplicates`.
 */
export function readConfig(loc: ConfigLocation, text: string): ConfigDoc {
  if (loc.format === "toml") return tomlDoc(loc, parseTomlData(loc, stripBom(text)));
  return editedConfig(loc, text) ?? jsonConfig(loc, readJson(loc, text));
}

/** The servers map in `text` ({} when the file or the map is missing). Throws 78 on a parse error or a duplicate key. */
export function listServers(loc: ConfigLocation, text: string): Record<string, unknown> {
  const doc = readConfig(loc, text);
  refuseDuplicates(doc);
  const out: Obj = Object.create(null);
  for (const s of doc.servers(loc.keyPath)) out[s.name] = s.value;
  return out;
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
  const servers = listServers(loc, text);
  const now = Object.hasOwn(servers, name) ? servers[name] : undefined;
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

/**
 * The error for a duplicate key: editing such a file could keep or drop either copy, and the
 * hidden one may hold a token nobody sees. Names the file, the key path and the lines.
 */
export function duplicateError(loc: ConfigLocation, dup: Duplicate): McpOpError {
  const label = keyPathLabel([...dup.keyPath, dup.key]);
  const n = dup.lines.length;
  const lines = [...new Set(dup.lines)];
  const and = (xs: readonly number[]) => `${xs.slice(0, -1).join(", ")} and ${xs.at(-1)}`;
  const where = lines.length === 1 ? `line ${lines[0]}` : `lines ${and(lines)}`;
  const which =
    lines.length === 1 ? `on line ${lines[0]}` : `line ${lines.slice(0, -1).join(", line ")} or line ${lines.at(-1)}`;
  return new McpOpError(
    EXIT.CONFIG,
    `${loc.path}: "${label}" is defined ${n === 2 ? "twice" : `${n} times`} (${where}); the client reads only the last, the other copies stay in the file unseen`,
    `remove ${n === 2 ? "one of the two" : `all but one of the ${n}`} (${which}); mcp-op edits this file only then`,
  );
}

/** Throws duplicateError for the first duplicate key of `doc`. */
export function refuseDuplicates(doc: ConfigDoc): void {
  const dup = doc.duplicates[0];
  if (dup !== undefined) throw duplicateError(doc.loc, dup);
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
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof Raw);

/** A record without a prototype: any key, `__proto__` too, is data. */
function record(entries: Iterable<readonly [string, unknown]> = []): Obj {
  const out: Obj = Object.create(null);
  for (const [k, v] of entries) out[k] = v;
  return out;
}

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

function notAnObject(loc: ConfigLocation, keys: readonly string[], what: string): McpOpError {
  return configError(
    loc,
    `"${keyPathLabel(keys)}" is ${what}, not an object of servers`,
    "fix that key by hand; mcp-op only edits a well-formed file",
  );
}

const describeType = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;

/** A copy of `data` with `servers[name]` set to `value` (or deleted when undefined); shares the rest. */
function withEntry(data: unknown, keys: readonly string[], name: string, value: unknown): Obj {
  const copy = record(isRecord(data) ? Object.entries(data) : []);
  const [key, ...rest] = keys;
  if (key === undefined) {
    if (value === undefined) delete copy[name];
    else copy[name] = value;
    return copy;
  }
  copy[key] = withEntry(Object.hasOwn(copy, key) ? copy[key] : undefined, rest, name, value);
  return copy;
}

/** Text of a value nobody asked for (history, settings): compared as it is written. */
class Raw {
  constructor(readonly text: string) {}
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b || Object.is(a, b)) return true;
  if (a instanceof Raw || b instanceof Raw) return a instanceof Raw && b instanceof Raw && a.text === b.text;
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

const shifted = (edits: readonly Edit[], by: number): Edit[] => edits.map((e) => ({ ...e, offset: e.offset + by }));

function cannotEdit(loc: ConfigLocation, why: string): McpOpError {
  return configError(loc, `could not edit this file safely (${why}); nothing was changed`, "edit it by hand");
}

function collision(loc: ConfigLocation, name: string): McpOpError {
  return new McpOpError(
    EXIT.CONFIG,
    `${loc.path}: a server named "${name}" already exists (use --force to replace it)`,
  );
}

// ---------------------------------------------------------------------------------------------
// JSON and JSONC: reading

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

/**
 * Where servers can sit in the file of `loc`: ~/.claude.json holds the user scope and every
 * project's local scope, and a duplicate in any of them makes the whole file ambiguous.
 */
function patternsOf(loc: ConfigLocation): Patterns {
  if (loc.client === "claude-code" && loc.scope !== "project") return [["mcpServers"], ["projects", "*", "mcpServers"]];
  return [loc.keyPath];
}

interface JsonDoc {
  /** The text without its BOM. */
  body: string;
  bom: string;
  root: JsonNode | undefined;
  duplicates: Duplicate[];
}

/** The last read, for the next call with the same text: commands read one file several times. */
let lastRead: { body: string; patterns: string; doc: JsonDoc } | undefined;

/** The last edit's result text and what it holds (see editResult). */
let lastEdit:
  | { text: string; patterns: string; base: ConfigDoc; keyPath: readonly string[]; name: string; value: unknown }
  | undefined;

/** The document an edit's result text holds: its base, with one entry changed. */
function editedConfig(loc: ConfigLocation, text: string): ConfigDoc | undefined {
  const e = lastEdit;
  // A different text of another length is told apart without reading it.
  if (e === undefined || e.text.length !== text.length || e.patterns !== JSON.stringify(patternsOf(loc)))
    return undefined;
  if (e.text !== text) return undefined;
  const same = (keyPath: readonly string[]) =>
    keyPath.length === e.keyPath.length && keyPath.every((k, i) => k === e.keyPath[i]);
  return {
    loc,
    duplicates: [],
    projects: e.base.projects,
    servers(keyPath) {
      const servers = e.base.servers(keyPath);
      if (!same(keyPath)) return servers;
      const others = servers.filter((s) => s.name !== e.name);
      return e.value === undefined ? others : [...others, { name: e.name, value: e.value, shadowed: false }];
    },
  };
}

/** Parse (or take from the last read) `text` as the JSON config of `loc`; throws 78. */
function readJson(loc: ConfigLocation, text: string): JsonDoc {
  const bom = bomOf(text);
  const body = bom ? text.slice(1) : text;
  const patterns = patternsOf(loc);
  const key = JSON.stringify(patterns);
  // Same text: the same document. (Comparing two equal 67 MB strings costs ~10 ms; a new scan 0.3 s.)
  if (lastRead !== undefined && lastRead.patterns === key && lastRead.body === body) {
    lastRead.doc.body = body; // hold the caller's copy, not an older one
    lastRead.body = body;
    return lastRead.doc;
  }
  const r = scanJsonc(body, patterns);
  if (!r.ok) {
    if (r.reason === "depth") {
      throw configError(
        loc,
        `not valid JSON: nested more than ${MAX_DEPTH} levels deep (line ${lineOf(body, r.offset)})`,
        "fix the file by hand; mcp-op does not rewrite a file it cannot read",
      );
    }
    throw configError(
      loc,
      `not valid JSON: ${jsonReason(body, r.offset)}`,
      "fix the file by hand; mcp-op does not rewrite a file it cannot read",
    );
  }
  if (r.root !== undefined && r.root.type !== "object") {
    throw configError(loc, "the top level is not a JSON object", "fix the file by hand");
  }
  const doc: JsonDoc = { body, bom, root: r.root, duplicates: [] };
  if (r.root !== undefined) findDuplicates(body, r.root, [], patterns, false, doc.duplicates);
  lastRead = { body, patterns: key, doc };
  return doc;
}

/** jsonc-parser's words for the first error (it stops there: no tree), and its line. */
function jsonReason(body: string, offset: number): string {
  let first: { code: string; offset: number } | undefined;
  try {
    visit(
      body,
      {
        onError(error, at) {
          first = { code: printParseErrorCode(error), offset: at };
          throw first;
        },
      },
      JSON_OPTIONS,
    );
  } catch (error) {
    if (error !== first) first = undefined; // jsonc-parser itself failed (its stack): our own offset
  }
  const code = first?.code ?? "InvalidSymbol";
  return `${JSON_REASONS[code] ?? code} (line ${lineOf(body, first?.offset ?? offset)})`;
}

/** Record duplicate keys in expanded objects, where they can hide servers (on or under the patterns). */
function findDuplicates(
  body: string,
  node: JsonNode,
  path: string[],
  live: Patterns,
  inside: boolean,
  out: Duplicate[],
): void {
  if (!node.expanded) return;
  if (node.type === "array") {
    for (const item of node.items ?? []) findDuplicates(body, item, path, [], inside, out);
    return;
  }
  if (node.type !== "object") return;
  const depth = path.length;
  // Which keys lead to servers: all of them inside a servers map or under a wildcard (the
  // projects map); otherwise only the next key of each pattern (a project's "mcpServers").
  const all = inside || live.some((p) => p[depth] === "*");
  const keys = all ? allKeys(node) : [...new Set(live.map((p) => p[depth] as string))];
  for (const key of keys) {
    const members = membersNamed(node, key);
    if (members.length === 0) continue;
    const next = inside ? [] : live.filter((p) => p[depth] === "*" || p[depth] === key);
    const childInside = inside || next.some((p) => p.length === depth + 1);
    if (members.length > 1) out.push({ keyPath: [...path], key, lines: members.map((m) => lineOf(body, m.offset)) });
    const deeper = next.filter((p) => p.length > depth + 1);
    for (const m of members) findDuplicates(body, m.value, [...path, key], deeper, childInside, out);
  }
}

/** The distinct keys of an object, in order. */
function allKeys(obj: JsonNode): string[] {
  return [...new Set((obj.members ?? []).map((m) => m.key))];
}

/** The value of an expanded node: null-prototype objects, the last of duplicate keys. */
function nodeValue(node: JsonNode, body: string): unknown {
  if (!node.expanded) return new Raw(nodeText(body, node));
  if (node.type === "object")
    return record((node.members ?? []).map((m) => [m.key, nodeValue(m.value, body)] as const));
  if (node.type === "array") return (node.items ?? []).map((item) => nodeValue(item, body));
  return node.value;
}

const nodeText = (body: string, node: JsonNode) => body.slice(node.offset, node.offset + node.length);

/**
 * An object's members named `key`, every occurrence in order. A big object (the projects map:
 * thousands of members, each project's servers looked up by key) gets an index, built once; a
 * small one (a project: a dozen keys) is searched.
 */
const byKey = new WeakMap<JsonNode, Map<string, JsonMember[]>>();
const INDEXED = 32;
function membersNamed(obj: JsonNode, key: string): readonly JsonMember[] {
  const members = obj.members ?? [];
  if (members.length <= INDEXED) return members.filter((m) => m.key === key);
  let index = byKey.get(obj);
  if (index === undefined) {
    index = new Map();
    for (const m of members) {
      const same = index.get(m.key);
      if (same) same.push(m);
      else index.set(m.key, [m]);
    }
    byKey.set(obj, index);
  }
  return index.get(key) ?? [];
}

/** The last member named `key` (the one clients read). */
function findProp(obj: JsonNode, key: string): JsonMember | undefined {
  return membersNamed(obj, key).at(-1);
}

/**
 * The servers map node at `keyPath` as clients read it (the last of duplicate keys), undefined
 * when missing; throws 78 when something on the way is not an object.
 */
function serversNode(loc: ConfigLocation, doc: JsonDoc, keyPath: readonly string[]): JsonNode | undefined {
  let node = doc.root;
  for (let i = 0; i < keyPath.length && node !== undefined; i++) {
    const m = findProp(node, keyPath[i] as string);
    node = m?.value;
    if (node !== undefined && node.type !== "object") {
      const what = node.type === "null" ? "null" : node.type === "array" ? "an array" : `a ${node.type}`;
      throw notAnObject(loc, keyPath.slice(0, i + 1), what);
    }
  }
  return node;
}

/** Every copy of the servers at `keyPath`, duplicates and copies under a shadowed parent included. */
function allServers(doc: JsonDoc, keyPath: readonly string[]): StoredServer[] {
  const out: StoredServer[] = [];
  const walk = (node: JsonNode, depth: number, shadowed: boolean): void => {
    if (node.type !== "object" || !node.expanded) return;
    if (depth < keyPath.length) {
      const copies = membersNamed(node, keyPath[depth] as string);
      copies.forEach((m, i) => {
        walk(m.value, depth + 1, shadowed || i < copies.length - 1);
      });
      return;
    }
    for (const m of node.members ?? []) {
      const hidden = shadowed || findProp(node, m.key) !== m;
      // Lines only where they are shown: counting them costs a pass over the text.
      const line = hidden ? lineOf(doc.body, m.offset) : undefined;
      out.push({ name: m.key, value: nodeValue(m.value, doc.body), ...(line ? { line } : {}), shadowed: hidden });
      if (!hidden) out.push(...shadowedInside(doc.body, m));
    }
  };
  if (doc.root !== undefined) walk(doc.root, 0, false);
  return out;
}

/**
 * For an entry holding a duplicate key (two "env" blocks, two values of one variable): the
 * entry as it would read with each hidden copy, so the plaintext in it is seen too.
 */
function shadowedInside(body: string, server: JsonMember): StoredServer[] {
  const out: StoredServer[] = [];
  const variants = (node: JsonNode): unknown[] => {
    if (!node.expanded || node.type !== "object") return [];
    const members = node.members ?? [];
    const result: unknown[] = [];
    members.forEach((m, i) => {
      const later = members.slice(i + 1).some((n) => n.key === m.key);
      const pick = (value: unknown) =>
        record(
          members
            .filter((n, j) => j === i || (n.key !== m.key && members.findLast((x) => x.key === n.key) === n))
            .map((n) => [n.key, n === m ? value : nodeValue(n.value, body)] as const),
        );
      if (later) result.push(pick(nodeValue(m.value, body)));
      for (const inner of variants(m.value)) result.push(pick(inner));
    });
    return result;
  };
  const values = variants(server.value);
  const line = values.length > 0 ? lineOf(body, server.offset) : 0;
  for (const value of values) out.push({ name: server.key, value, line, shadowed: true });
  return out;
}

function jsonConfig(loc: ConfigLocation, doc: JsonDoc): ConfigDoc {
  const servers = (keyPath: readonly string[]) => {
    serversNode(loc, doc, keyPath); // the types on the way to the map the client reads
    return allServers(doc, keyPath);
  };
  const projects = new Set<string>();
  const projectsNode = doc.root && findProp(doc.root, "projects")?.value;
  if (loc.client === "claude-code" && projectsNode?.expanded) {
    for (const p of projectsNode.members ?? []) {
      if (p.value.expanded && membersNamed(p.value, "mcpServers").some((m) => m.value.type === "object")) {
        projects.add(p.key);
      }
    }
  }
  return { loc, servers, duplicates: doc.duplicates, projects: [...projects] };
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

// ---------------------------------------------------------------------------------------------
// JSON and JSONC: editing

const memberEnd = (m: JsonMember) => m.value.offset + m.value.length;
const nodeEnd = (node: JsonNode) => node.offset + node.length;

function insertProperty(body: string, obj: JsonNode, key: string, value: unknown, style: JsonStyle): Edit[] {
  const members = obj.members ?? [];
  const open = obj.offset;
  const close = nodeEnd(obj) - 1;
  const objIndent = lineIndent(body, open);
  const last = members[members.length - 1];
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
  const lastEnd = memberEnd(last);
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

function removeProperty(body: string, obj: JsonNode, prop: JsonMember): Edit[] {
  const members = obj.members ?? [];
  const index = members.indexOf(prop);
  const open = obj.offset;
  const close = nodeEnd(obj) - 1;
  const start = prop.offset;
  const end = memberEnd(prop);
  const p = afterTrivia(body, end);
  const hasComma = body[p] === ",";
  const endTok = hasComma ? p + 1 : end;
  if (members.length === 1 && body.slice(open + 1, start).trim() === "" && body.slice(endTok, close).trim() === "") {
    return [{ offset: open + 1, length: close - open - 1, content: "" }]; // back to {}
  }
  const prev = index > 0 ? members[index - 1] : undefined;
  const q = sameLineTriviaEnd(body, endTok);
  if (startsLine(body, start) && isLineEnd(body, q)) {
    // Whole lines: the member, its comma and a comment trailing it on its last line.
    const from = lineStart(body, start);
    const edits: Edit[] = [{ offset: from, length: afterLineBreak(body, q) - from, content: "" }];
    if (!hasComma && prev !== undefined) {
      const c = afterTrivia(body, memberEnd(prev));
      if (body[c] === ",") edits.push({ offset: c, length: 1, content: "" });
    }
    return edits;
  }
  if (!hasComma && prev !== undefined) return [{ offset: memberEnd(prev), length: end - memberEnd(prev), content: "" }];
  return [{ offset: start, length: (hasComma ? afterTrivia(body, endTok) : endTok) - start, content: "" }];
}

/** An entry as the file will hold it: JSON's values only, null-prototype objects. */
function jsonNormalize(value: unknown): unknown {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === "object" && v !== null) return record(Object.entries(v).map(([k, x]) => [k, walk(x)] as const));
    return v;
  };
  return walk(JSON.parse(JSON.stringify(value)));
}

/** Patterns as seen from an object at `base`: the ones through it, and whether it is at or below one's end. */
function patternsAt(patterns: Patterns, base: readonly string[]): { live: Patterns; inside: boolean } {
  const through = patterns.filter((p) => base.every((k, i) => p[i] === undefined || p[i] === "*" || p[i] === k));
  return { live: through.filter((p) => p.length > base.length), inside: through.some((p) => p.length <= base.length) };
}

/**
 * Whether `edits`, all inside the object `obj` at `objPath`, leave exactly the intended content:
 * `servers[name]` set to `value` (removed: undefined) under the keys `relKeys` below `obj`, and
 * nothing else changed. Only the members around the edits are read back (with `{ }` around
 * them): everything before and after them is the same text, so a 67 MB file is not read again.
 */
function editReadsBack(
  loc: ConfigLocation,
  body: string,
  obj: JsonNode,
  objPath: readonly string[],
  edits: readonly Edit[],
  relKeys: readonly string[],
  name: string,
  value: unknown,
): boolean {
  if (edits.length === 0 || obj.type !== "object" || !obj.expanded) return false;
  const members = obj.members ?? [];
  const lo = Math.min(...edits.map((e) => e.offset));
  const hi = Math.max(...edits.map((e) => e.offset + e.length));
  if (lo <= obj.offset || hi >= nodeEnd(obj)) return false;
  const first = members.findLastIndex((m) => m.offset < lo);
  const last = members.findIndex((m) => memberEnd(m) >= hi);
  const from = first === -1 ? obj.offset : (members[first] as JsonMember).offset;
  const to = last === -1 ? nodeEnd(obj) : memberEnd(members[last] as JsonMember);
  if (from > lo || to < hi) return false;
  const window =
    (first === -1 ? "" : "{") + applyEdits(body.slice(from, to), shifted(edits, -from)) + (last === -1 ? "" : "}");
  const patterns = patternsOf(loc);
  const r = scanJsonc(window, patterns, objPath);
  if (!r.ok || r.root?.type !== "object") return false;
  const { live, inside } = patternsAt(patterns, objPath);
  const duplicates: Duplicate[] = [];
  findDuplicates(window, r.root, [...objPath], live, inside, duplicates);
  if (duplicates.length > 0) return false;
  // The key the edit adds must not be one the untouched members already have.
  const added = relKeys[0] ?? name;
  const untouched = [...members.slice(0, Math.max(first, 0)), ...(last === -1 ? [] : members.slice(last + 1))];
  if (untouched.some((m) => m.key === added)) return false;
  const before = record(
    members
      .slice(Math.max(first, 0), last === -1 ? members.length : last + 1)
      .map((m) => [m.key, nodeValue(m.value, body)] as const),
  );
  return deepEqual(nodeValue(r.root, window), withEntry(before, relKeys, name, value));
}

/** jsonc-parser's own edit, for layouts the careful edit does not handle; checked the same way. */
function modifyChecked(loc: ConfigLocation, doc: JsonDoc, name: string, value: unknown): Edit[] {
  const { body, root } = doc;
  const keys = [...loc.keyPath, name];
  let edits: Edit[];
  try {
    edits = modifyJson(body, keys, value, { formattingOptions: jsonFormatting(jsonStyle(body)) });
  } catch (error) {
    throw cannotEdit(
      loc,
      error instanceof Error ? (error.message.split("\n")[0] ?? "jsonc-parser failed") : String(error),
    );
  }
  if (root === undefined || !editReadsBack(loc, body, root, [], edits, loc.keyPath, name, value)) {
    throw cannotEdit(loc, "the edited text did not read back as intended");
  }
  return edits;
}

function refuseJsonDuplicates(loc: ConfigLocation, doc: JsonDoc): void {
  const dup = doc.duplicates[0];
  if (dup !== undefined) throw duplicateError(loc, dup);
}

/**
 * The result of an edit. Its text is kept with what it holds (the document it was made from,
 * one entry changed), so reading it back (`listServers(loc, result.text)`, as `add` does to know
 * what it wrote) costs nothing: a 67 MB text would be built in full and scanned again.
 */
function editResult(
  loc: ConfigLocation,
  doc: JsonDoc,
  edits: readonly Edit[],
  name: string,
  value: unknown,
): EditResult {
  const { body, bom } = doc;
  const changed = edits.some((e) => e.content !== body.slice(e.offset, e.offset + e.length));
  const text = bom + applyEdits(body, edits);
  lastEdit = {
    text,
    patterns: JSON.stringify(patternsOf(loc)),
    base: jsonConfig(loc, doc),
    keyPath: loc.keyPath,
    name,
    value,
  };
  return { text, changed, edits: shifted(edits, bom.length) };
}

function setJson(loc: ConfigLocation, text: string, name: string, entry: Obj, force: boolean): EditResult {
  const doc = readJson(loc, text);
  const { body, bom, root } = doc;
  refuseJsonDuplicates(loc, doc);
  const value = jsonNormalize(entry);
  const servers = serversNode(loc, doc, loc.keyPath);
  const existing = servers && findProp(servers, name);
  if (existing) {
    if (deepEqual(nodeValue(existing.value, body), value)) return { text, changed: false };
    if (!force) throw collision(loc, name);
  }
  const style = jsonStyle(body);
  const keys = [...loc.keyPath, name];
  if (root === undefined) {
    // Nothing but whitespace or comments: the whole document is new.
    const document = pretty(nest(keys, value), "", style) + style.eol;
    const out =
      body.trim() === "" ? document : `${body}${isLineEnd(body, body.length - 1) ? "" : style.eol}${document}`;
    const r = scanJsonc(out, [[]]);
    if (!r.ok || r.root === undefined || !deepEqual(nodeValue(r.root, out), jsonNormalize(nest(keys, value)))) {
      throw cannotEdit(loc, "the edited text did not read back as intended");
    }
    return { text: bom + out, changed: true };
  }
  let node = root;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const prop = findProp(node, key);
    const objPath = keys.slice(0, i);
    if (prop === undefined) {
      const edits = insertProperty(body, node, key, nest(keys.slice(i + 1), value), style);
      const ok = editReadsBack(loc, body, node, objPath, edits, loc.keyPath.slice(i), name, value);
      return editResult(loc, doc, ok ? edits : modifyChecked(loc, doc, name, value), name, value);
    }
    if (i === keys.length - 1) {
      const oneLine = !body.slice(node.offset, nodeEnd(node)).includes("\n");
      const content = oneLine
        ? compact(value, spacedJson(body.slice(node.offset, nodeEnd(node))))
        : pretty(value, lineIndent(body, prop.offset), style);
      const edits = [{ offset: prop.value.offset, length: prop.value.length, content }];
      const ok = editReadsBack(loc, body, node, objPath, edits, [], name, value);
      return editResult(loc, doc, ok ? edits : modifyChecked(loc, doc, name, value), name, value);
    }
    node = prop.value; // an object: serversNode checked the types along the path
  }
  throw cannotEdit(loc, "no place for the entry"); // not reached: the loop returns
}

function removeJson(loc: ConfigLocation, text: string, name: string): EditResult {
  const doc = readJson(loc, text);
  refuseJsonDuplicates(loc, doc);
  const servers = serversNode(loc, doc, loc.keyPath);
  const prop = servers && findProp(servers, name);
  if (servers === undefined || prop === undefined) return { text, changed: false };
  const edits = removeProperty(doc.body, servers, prop);
  const ok = editReadsBack(loc, doc.body, servers, loc.keyPath, edits, [], name, undefined);
  return editResult(loc, doc, ok ? edits : modifyChecked(loc, doc, name, undefined), name, undefined);
}

function jsonFormatting(style: JsonStyle) {
  const tabs = style.unit === "\t";
  return { insertSpaces: !tabs, tabSize: tabs ? 4 : style.unit.length, eol: style.eol };
}

// ---------------------------------------------------------------------------------------------
// TOML

function parseTomlData(loc: ConfigLocation, body: string): unknown {
  try {
    return parseTomlText(body);
  } catch (error) {
    // toml-patch reads nested arrays and inline tables recursively: a file nested 100,000 deep
    // overflows its stack.
    if (error instanceof RangeError) {
      throw configError(
        loc,
        "not valid TOML: nested too deeply to read",
        "fix the file by hand; mcp-op does not rewrite a file it cannot read",
      );
    }
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

/**
 * The servers map of parsed TOML, undefined when missing; throws 78 on a wrong type. TOML has no
 * duplicate keys (toml-patch refuses them as the spec says: a parse error, 78) and toml-patch
 * keeps `__proto__` as an ordinary key.
 */
function serversIn(loc: ConfigLocation, data: unknown, keyPath: readonly string[] = loc.keyPath): Obj | undefined {
  let current: unknown = data;
  for (let i = 0; i < keyPath.length; i++) {
    const key = keyPath[i] as string;
    if (!isRecord(current)) throw notAnObject(loc, keyPath.slice(0, i), describeType(current));
    if (!Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  if (!isRecord(current)) throw notAnObject(loc, keyPath, describeType(current));
  return current;
}

/** A parsed TOML value with null-prototype tables (dates stay dates). */
function tomlData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(tomlData);
  if (!isRecord(value)) return value;
  return record(Object.entries(value).map(([k, v]) => [k, tomlData(v)] as const));
}

function tomlDoc(loc: ConfigLocation, data: unknown): ConfigDoc {
  return {
    loc,
    duplicates: [],
    projects: [],
    servers: (keyPath) =>
      Object.entries(serversIn(loc, data, keyPath) ?? {}).map(([name, value]) => ({
        name,
        value: tomlData(value),
        shadowed: false,
      })),
  };
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
  const out = record();
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
  const copy = record(Object.entries(data));
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

/**
 * A unified diff (3 lines of context) of `before` -> `after`; "" when they are equal. With
 * `edits` (the change as edits of `before`), only the lines around them are compared and
 * `after` is not read: a 67 MB config differs in a few lines.
 */
export function unifiedDiff(path: string, before: string, after: string, edits?: readonly Edit[]): string {
  const context = 3;
  let lineOffset = 0;
  if (edits !== undefined && edits.length > 0) {
    let from = Math.min(...edits.map((e) => e.offset));
    let to = Math.max(...edits.map((e) => e.offset + e.length));
    const lineStartOf = (pos: number) => (pos <= 0 ? 0 : before.lastIndexOf("\n", pos - 1) + 1);
    from = lineStartOf(from);
    for (let k = 0; k < context + 1 && from > 0; k++) from = lineStartOf(from - 1);
    for (let k = 0; k < context + 1 && to < before.length; k++) {
      const nl = before.indexOf("\n", k === 0 ? to : to + 1);
      to = nl === -1 ? before.length : nl;
    }
    if (to < before.length) to++; // the line break of the last line kept
    for (let i = before.indexOf("\n"); i !== -1 && i < from; i = before.indexOf("\n", i + 1)) lineOffset++;
    const middle = before.slice(from, to);
    return diffText(path, middle, applyEdits(middle, shifted(edits, -from)), lineOffset, context);
  }
  return diffText(path, before, after, 0, context);
}

function diffText(path: string, before: string, after: string, lineOffset: number, context: number): string {
  if (before === after) return "";
  const ops = diffOps(diffLines(before), diffLines(after)).map((o) => ({
    ...o,
    a: o.a + lineOffset,
    b: o.b + lineOffset,
  }));
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
