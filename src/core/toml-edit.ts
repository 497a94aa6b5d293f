/**
 * Editing a TOML config (Codex's): the entry written as whole `[mcp_servers.name]` blocks in the
 * file's line endings, placed after the other servers' blocks, replaced or removed block by
 * block; toml-patch's `patch` where the block edit cannot be made (inline tables, dotted keys).
 * Every result is parsed back and compared with the intended document. Pure.
 */
import { parse as parseTomlText, patch as patchToml } from "@decimalturn/toml-patch";
import type { ConfigLocation } from "./clients.ts";
import {
  applyEdits,
  bomOf,
  type ConfigDoc,
  cannotEdit,
  collision,
  configError,
  deepEqual,
  detectEol,
  type Edit,
  type EditResult,
  isRecord,
  notAnObject,
  type Obj,
  record,
  stripBom,
  withEntry,
} from "./config-doc.ts";

const describeType = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;

export function parseTomlData(loc: ConfigLocation, body: string): unknown {
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

export function tomlDoc(loc: ConfigLocation, data: unknown): ConfigDoc {
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

export function setToml(loc: ConfigLocation, text: string, name: string, entry: Obj, force: boolean): EditResult {
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

export function removeToml(loc: ConfigLocation, text: string, name: string): EditResult {
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
