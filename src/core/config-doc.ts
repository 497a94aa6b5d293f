/**
 * What reading a client config yields (its servers, its duplicate keys) and what an edit returns,
 * with what the JSON and TOML edits share: values compared as the file holds them, line numbers,
 * text edits, and the errors (duplicate key, a name already taken, an edit that did not read
 * back). Pure. The public API is config-edit.ts.
 */
import { EXIT, McpOpError } from "../errors.ts";
import type { ConfigLocation } from "./clients.ts";

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

export type Obj = Record<string, unknown>;

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

const BOM = "\uFEFF";
export const stripBom = (text: string) => (text.startsWith(BOM) ? text.slice(1) : text);
export const bomOf = (text: string) => (text.startsWith(BOM) ? BOM : "");

export const isRecord = (v: unknown): v is Obj =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof Raw);

/** A record without a prototype: any key, `__proto__` too, is data. */
export function record(entries: Iterable<readonly [string, unknown]> = []): Obj {
  const out: Obj = Object.create(null);
  for (const [k, v] of entries) out[k] = v;
  return out;
}

export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

/** The file's line ending: that of its first line, "\n" for a one-line or empty file. */
export function detectEol(text: string): string {
  const nl = text.indexOf("\n");
  return nl > 0 && text[nl - 1] === "\r" ? "\r\n" : "\n";
}

function keyPathLabel(keyPath: readonly string[]): string {
  return keyPath
    .map((k, i) => (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(k) ? `${i ? "." : ""}${k}` : `[${JSON.stringify(k)}]`))
    .join("");
}

export function configError(loc: ConfigLocation, message: string, hint?: string): McpOpError {
  return new McpOpError(EXIT.CONFIG, `${loc.path}: ${message}`, hint);
}

export function notAnObject(loc: ConfigLocation, keys: readonly string[], what: string): McpOpError {
  return configError(
    loc,
    `"${keyPathLabel(keys)}" is ${what}, not an object of servers`,
    "fix that key by hand; mcp-op only edits a well-formed file",
  );
}

/** A copy of `data` with `servers[name]` set to `value` (or deleted when undefined); shares the rest. */
export function withEntry(data: unknown, keys: readonly string[], name: string, value: unknown): Obj {
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
export class Raw {
  constructor(readonly text: string) {}
}

export function deepEqual(a: unknown, b: unknown): boolean {
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
export function applyEdits(text: string, edits: readonly Edit[]): string {
  const sorted = edits.map((e, i) => ({ e, i })).sort((x, y) => x.e.offset - y.e.offset || x.i - y.i);
  let out = "";
  let at = 0;
  for (const { e } of sorted) {
    out += text.slice(at, e.offset) + e.content;
    at = e.offset + e.length;
  }
  return out + text.slice(at);
}

export const shifted = (edits: readonly Edit[], by: number): Edit[] =>
  edits.map((e) => ({ ...e, offset: e.offset + by }));

export function cannotEdit(loc: ConfigLocation, why: string): McpOpError {
  return configError(loc, `could not edit this file safely (${why}); nothing was changed`, "edit it by hand");
}

export function collision(loc: ConfigLocation, name: string): McpOpError {
  return new McpOpError(
    EXIT.CONFIG,
    `${loc.path}: a server named "${name}" already exists (use --force to replace it)`,
  );
}
