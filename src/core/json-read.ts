/**
 * Reading a JSON(C) config: one validating pass (jsonc-scan.ts) with nodes only where servers
 * are, the last read kept for the next call with the same text, duplicate keys found where they
 * can hide servers, and the servers maps as the client reads them (every copy, shadowed ones
 * marked). Pure; json-edit.ts edits what this reads.
 */
import { printParseErrorCode, visit } from "jsonc-parser";
import type { ConfigLocation } from "./clients.ts";
import {
  bomOf,
  type ConfigDoc,
  configError,
  type Duplicate,
  lineOf,
  notAnObject,
  Raw,
  record,
  type StoredServer,
} from "./config-doc.ts";
import { type JsonMember, type JsonNode, MAX_DEPTH, type Patterns, scanJsonc } from "./jsonc-scan.ts";

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
export function patternsOf(loc: ConfigLocation): Patterns {
  if (loc.client === "claude-code" && loc.scope !== "project") return [["mcpServers"], ["projects", "*", "mcpServers"]];
  return [loc.keyPath];
}

export interface JsonDoc {
  /** The text without its BOM. */
  body: string;
  bom: string;
  root: JsonNode | undefined;
  duplicates: Duplicate[];
}

/** The last read, for the next call with the same text: commands read one file several times. */
let lastRead: { body: string; patterns: string; doc: JsonDoc } | undefined;

/** Parse (or take from the last read) `text` as the JSON config of `loc`; throws 78. */
export function readJson(loc: ConfigLocation, text: string): JsonDoc {
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
export function findDuplicates(
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
export function nodeValue(node: JsonNode, body: string): unknown {
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
export function membersNamed(obj: JsonNode, key: string): readonly JsonMember[] {
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
export function findProp(obj: JsonNode, key: string): JsonMember | undefined {
  return membersNamed(obj, key).at(-1);
}

/**
 * The servers map node at `keyPath` as clients read it (the last of duplicate keys), undefined
 * when missing; throws 78 when something on the way is not an object.
 */
export function serversNode(loc: ConfigLocation, doc: JsonDoc, keyPath: readonly string[]): JsonNode | undefined {
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

export function jsonConfig(loc: ConfigLocation, doc: JsonDoc): ConfigDoc {
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
