/**
 * Editing a JSON(C) config: one entry added, replaced or removed in the file's own layout
 * (indentation, line endings, one-line objects, comments kept), each edit checked by reading
 * back the members around it; jsonc-parser's `modify` where the careful edit cannot be made,
 * checked the same way. Pure; json-read.ts reads what this edits.
 */
import { modify as modifyJson } from "jsonc-parser";
import type { ConfigLocation } from "./clients.ts";
import {
  applyEdits,
  type ConfigDoc,
  cannotEdit,
  collision,
  type Duplicate,
  deepEqual,
  detectEol,
  duplicateError,
  type Edit,
  type EditResult,
  isRecord,
  type Obj,
  record,
  shifted,
  withEntry,
} from "./config-doc.ts";
import {
  findDuplicates,
  findProp,
  type JsonDoc,
  jsonConfig,
  nodeValue,
  patternsOf,
  readJson,
  serversNode,
} from "./json-read.ts";
import { type JsonMember, type JsonNode, type Patterns, scanJsonc } from "./jsonc-scan.ts";

/** The last edit's result text and what it holds (see editResult). */
let lastEdit:
  | { text: string; patterns: string; base: ConfigDoc; keyPath: readonly string[]; name: string; value: unknown }
  | undefined;

/** The document an edit's result text holds: its base, with one entry changed. */
export function editedConfig(loc: ConfigLocation, text: string): ConfigDoc | undefined {
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

export function setJson(loc: ConfigLocation, text: string, name: string, entry: Obj, force: boolean): EditResult {
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

export function removeJson(loc: ConfigLocation, text: string, name: string): EditResult {
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
