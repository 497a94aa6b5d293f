/**
 * Editing a YAML config: Goose's `extensions` map (name -> entry, the name also inside the entry)
 * and Continue's `mcpServers` list (entries of `{name, ...}`), seen by the rest of mcp-op as a
 * servers map like any other (the name taken out of the entry). The `yaml` package's document
 * API finds where each entry sits; only that entry's lines are replaced, removed or added, so
 * every byte outside it (comments, other keys, quoting, line endings) stays as it was. Every
 * result is parsed back and compared with the intended servers. Pure. Shapes: docs/clients.md.
 */
import { isMap, isPair, isScalar, isSeq, type Node, type Pair, parseDocument, stringify } from "yaml";
import { type ConfigLocation, isBlockFile } from "./clients.ts";
import {
  applyEdits,
  bomOf,
  type ConfigDoc,
  cannotEdit,
  collision,
  configError,
  type Duplicate,
  deepEqual,
  detectEol,
  duplicateError,
  type Edit,
  type EditResult,
  isRecord,
  lineOf,
  notAnObject,
  type Obj,
  record,
  type StoredServer,
  stripBom,
} from "./config-doc.ts";

/** Continue keeps servers in a list of `{name, ...}`; Goose in a map. */
const isList = (loc: ConfigLocation) => loc.client === "continue";

/** One server as it sits in the text: where its lines start and end, its name, its value. */
interface Located {
  name: string;
  value: Obj;
  /** Start of the line holding its key (map) or its "-" (list). */
  start: number;
  /** End of its value, trailing comments and line break included. */
  end: number;
  /** Column of its key or "-". */
  indent: number;
  line: number;
}

interface YamlDoc {
  body: string;
  /** The top-level pair holding the servers, if any. */
  pair: Pair<Node, Node | null> | undefined;
  servers: Located[];
  /** Where the holder's last item ends and its column (Continue's `- uses:` items count too). */
  last: { end: number; indent: number } | undefined;
  /** How many items the holder has, servers or not. */
  count: number;
  /** The holder is a flow collection (`{...}`, `[...]`) with items: lines cannot go in it. */
  flow: boolean;
  /** Everything but the servers, to check that an edit changed nothing else. */
  rest: unknown;
  duplicates: Duplicate[];
}

const lineStart = (text: string, offset: number) => text.lastIndexOf("\n", offset - 1) + 1;

function parse(loc: ConfigLocation, text: string): YamlDoc {
  const body = stripBom(text);
  const doc = parseDocument(body, { uniqueKeys: true, prettyErrors: false });
  const error = doc.errors[0];
  if (error) {
    throw configError(
      loc,
      `not valid YAML: ${error.message.split("\n")[0]} (line ${lineOf(body, error.pos[0])})`,
      "fix the file by hand; mcp-op does not rewrite a file it cannot read",
    );
  }
  const root = doc.contents;
  if (root !== null && !isMap(root) && !(isScalar(root) && root.value === null)) {
    throw configError(loc, "the top level is not a YAML mapping", "fix the file by hand");
  }
  const key = loc.keyPath[0] as string;
  const pair = isMap(root) ? root.items.find((p) => isScalar(p.key) && p.key.value === key) : undefined;
  const holder = pair?.value ?? null;
  const servers: Located[] = [];
  let last: YamlDoc["last"];
  let flow = false;
  let count = 0;
  const others: unknown[] = [];
  if (holder !== null && !(isScalar(holder) && holder.value === null)) {
    if (isList(loc) ? !isSeq(holder) : !isMap(holder)) {
      throw notAnObject(loc, loc.keyPath, isList(loc) ? "not a list" : "not a mapping");
    }
    count = isSeq(holder) || isMap(holder) ? holder.items.length : 0;
    flow = (isSeq(holder) || isMap(holder)) && holder.flow === true && count > 0;
    if (isSeq(holder)) {
      for (const item of holder.items) {
        const range = (item as Node | null)?.range;
        if (range) last = { end: range[2], indent: dashColumn(body, lineStart(body, range[0])) };
        const value = (item as Node | null)?.toJSON() as unknown;
        if (!isMap(item) || !item.range || !isRecord(value) || typeof value.name !== "string") {
          others.push(value); // `- uses: org/block` and the like: not ours to read, kept as they are
          continue;
        }
        const { name, ...rest } = value;
        const start = lineStart(body, item.range[0]);
        servers.push({
          name,
          value: record(Object.entries(rest)),
          start,
          end: item.range[2],
          indent: dashColumn(body, start),
          line: lineOf(body, item.range[0]),
        });
      }
    } else if (isMap(holder)) {
      for (const p of holder.items) {
        if (!isPair(p) || !isScalar(p.key) || !p.key.range) continue;
        const name = String(p.key.value);
        const raw = (p.value as Node | null)?.toJSON() as unknown;
        const value = isRecord(raw)
          ? record(Object.entries(raw).filter(([k, v]) => !(k === "name" && v === name)))
          : raw;
        const end = (p.value as Node | null)?.range?.[2] ?? p.key.range[2];
        const start = lineStart(body, p.key.range[0]);
        last = { end, indent: p.key.range[0] - start };
        servers.push({
          name,
          value: value as Obj,
          start,
          end,
          indent: p.key.range[0] - start,
          line: lineOf(body, p.key.range[0]),
        });
      }
    }
  }
  const data = doc.toJSON() as unknown;
  const rest = { top: isRecord(data) ? record(Object.entries(data).filter(([k]) => k !== key)) : {}, others };
  return {
    body,
    pair: pair as Pair<Node, Node | null> | undefined,
    servers,
    last,
    count,
    flow,
    rest,
    duplicates: duplicatesOf(loc, servers),
  };
}

function dashColumn(body: string, start: number): number {
  const dash = body.indexOf("-", start);
  return dash === -1 ? 0 : dash - start;
}

function duplicatesOf(loc: ConfigLocation, servers: readonly Located[]): Duplicate[] {
  const lines = new Map<string, number[]>();
  for (const s of servers) lines.set(s.name, [...(lines.get(s.name) ?? []), s.line]);
  return [...lines].filter(([, l]) => l.length > 1).map(([key, l]) => ({ keyPath: loc.keyPath, key, lines: l }));
}

/** The document a YAML config holds, for readConfig. */
export function yamlDoc(loc: ConfigLocation, text: string): ConfigDoc {
  const doc = parse(loc, text);
  const last = new Map(doc.servers.map((s, i) => [s.name, i]));
  return {
    loc,
    duplicates: doc.duplicates,
    projects: [],
    servers(keyPath) {
      if (keyPath.length !== 1 || keyPath[0] !== loc.keyPath[0]) return [];
      return doc.servers.map(
        (s, i): StoredServer => ({ name: s.name, value: s.value, line: s.line, shadowed: last.get(s.name) !== i }),
      );
    },
  };
}

/** The entry as the file holds it: Goose and Continue both keep the name inside. */
const stored = (name: string, entry: Obj): Obj => ({ name, ...entry });

/** `value` as block YAML lines, each indented by `indent` spaces, in the file's line endings. */
function block(value: unknown, indent: number, eol: string): string {
  const text = stringify(value, { indent: 2, lineWidth: 0, minContentWidth: 0 });
  const pad = " ".repeat(indent);
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => pad + l + eol)
    .join("");
}

/** One server's lines: `name:\n  ...` (Goose) or `- name: ...` (Continue), at column `indent`. */
function serverText(loc: ConfigLocation, name: string, entry: Obj, indent: number, eol: string): string {
  const value = stored(name, entry);
  if (isList(loc)) return block([value], indent, eol);
  return block({ [name]: value }, indent, eol);
}

/**
 * A servers key written from scratch, and for a new Continue file the keys it requires: a
 * config.yaml's `name` and `version`, a block file's `name`, `version` and `schema` (the block
 * named after its one server; docs/clients.md, continue).
 */
function freshKey(loc: ConfigLocation, body: string, name: string, entry: Obj, eol: string): string {
  const fresh = isList(loc) && body.trim() === "";
  const head = !fresh
    ? ""
    : isBlockFile(loc)
      ? block({ name, version: "0.0.1", schema: "v1" }, 0, eol)
      : `name: Local Config${eol}version: 1.0.0${eol}schema: v1${eol}`;
  return `${head}${loc.keyPath[0]}:${eol}${serverText(loc, name, entry, 2, eol)}`;
}

function check(loc: ConfigLocation, before: YamlDoc, text: string, want: Map<string, unknown>): void {
  let doc: YamlDoc;
  try {
    doc = parse(loc, text);
  } catch {
    throw cannotEdit(loc, "the result did not parse");
  }
  // Nothing but the servers changed (a new Continue config.yaml gains the keys it requires).
  if (before.body.trim() !== "" && !deepEqual(doc.rest, before.rest)) {
    throw cannotEdit(loc, "the result changed more than the entry");
  }
  const got = new Map(doc.servers.map((s) => [s.name, s.value as unknown]));
  if (got.size !== want.size || [...want].some(([k, v]) => !got.has(k) || !deepEqual(got.get(k), v))) {
    throw cannotEdit(loc, "the result did not read back as intended");
  }
}

function result(
  loc: ConfigLocation,
  before: YamlDoc,
  text: string,
  edits: Edit[],
  want: Map<string, unknown>,
): EditResult {
  const out = bomOf(text) + applyEdits(before.body, edits);
  check(loc, before, out, want);
  return { text: out, changed: true };
}

/** As for JSON: a file with two servers of one name is not edited (the client reads only one of them). */
function refuseDuplicate(loc: ConfigLocation, doc: YamlDoc): void {
  const dup = doc.duplicates[0];
  if (dup !== undefined) throw duplicateError(loc, dup);
}

/** Add (or with `force`, replace) the server `name`, touching only its own lines. */
export function setYaml(loc: ConfigLocation, text: string, name: string, entry: Obj, force: boolean): EditResult {
  const doc = parse(loc, text);
  refuseDuplicate(loc, doc);
  const { body } = doc;
  const eol = detectEol(body);
  const want = new Map<string, unknown>(doc.servers.map((s) => [s.name, s.value]));
  want.set(name, entry);
  const existing = doc.servers.find((s) => s.name === name);
  if (isBlockFile(loc) && !existing && doc.count > 0) {
    throw cannotEdit(loc, "a Continue block file holds exactly one server, and this one has another");
  }
  if (existing) {
    if (deepEqual(existing.value, entry)) return { text, changed: false };
    if (!force) throw collision(loc, name);
    const tail = body.slice(existing.start, existing.end).match(/(\r?\n)?$/)?.[0] ?? "";
    const content = serverText(loc, name, entry, existing.indent, eol);
    return result(
      loc,
      doc,
      text,
      [
        {
          offset: existing.start,
          length: existing.end - existing.start,
          content: tail ? content : content.slice(0, -eol.length),
        },
      ],
      want,
    );
  }
  if (doc.flow) throw cannotEdit(loc, `"${loc.keyPath[0]}" is written inline ({...} or [...])`);
  const last = doc.last;
  if (last) {
    const atEnd = body.slice(0, last.end).endsWith("\n");
    const content = serverText(loc, name, entry, last.indent, eol);
    return result(
      loc,
      doc,
      text,
      [{ offset: last.end, length: 0, content: atEnd ? content : eol + content.slice(0, -eol.length) }],
      want,
    );
  }
  const pair = doc.pair;
  if (pair?.key.range) {
    // The key is there with nothing (or an empty `{}` / `[]`) under it: write it anew.
    const start = lineStart(body, pair.key.range[0]);
    const end = pair.value?.range?.[2] ?? pair.key.range[2];
    if (start !== pair.key.range[0]) throw cannotEdit(loc, `"${loc.keyPath[0]}" is not at the start of a line`);
    const fresh = `${loc.keyPath[0]}:${eol}${serverText(loc, name, entry, 2, eol)}`;
    const ends = body.slice(0, end).endsWith("\n");
    return result(
      loc,
      doc,
      text,
      [{ offset: start, length: end - start, content: ends ? fresh : fresh.slice(0, -eol.length) }],
      want,
    );
  }
  const sep = body === "" || body.endsWith("\n") ? "" : eol;
  return result(
    loc,
    doc,
    text,
    [{ offset: body.length, length: 0, content: sep + freshKey(loc, body, name, entry, eol) }],
    want,
  );
}

/** The keys a block file mcp-op writes has besides its one server. */
const BLOCK_KEYS = new Set(["name", "version", "schema", "mcpServers"]);

/**
 * Whether the block file holds the server `name` and nothing of anyone else: its one server,
 * and only the keys mcp-op writes with it. Remove deletes such a file rather than leave a block
 * with no server (which Continue refuses).
 */
export function blockHoldsOnly(loc: ConfigLocation, text: string, name: string): boolean {
  if (!isBlockFile(loc)) return false;
  const doc = parse(loc, text);
  const top = doc.rest as { top: Record<string, unknown> };
  return doc.count === 1 && doc.servers[0]?.name === name && Object.keys(top.top).every((k) => BLOCK_KEYS.has(k));
}

/** Remove the server `name`, its lines only; the last one leaves an empty `{}` / `[]`. */
export function removeYaml(loc: ConfigLocation, text: string, name: string): EditResult {
  const doc = parse(loc, text);
  const target = doc.servers.find((s) => s.name === name);
  if (!target) return { text, changed: false };
  refuseDuplicate(loc, doc);
  const want = new Map<string, unknown>(doc.servers.filter((s) => s.name !== name).map((s) => [s.name, s.value]));
  if (doc.count > 1) {
    return result(loc, doc, text, [{ offset: target.start, length: target.end - target.start, content: "" }], want);
  }
  const keyEnd = doc.pair?.key.range?.[1];
  if (keyEnd === undefined) throw cannotEdit(loc, "its servers key has no position");
  const eol = detectEol(doc.body);
  const tail = doc.body.slice(0, target.end).endsWith("\n") ? eol : "";
  return result(
    loc,
    doc,
    text,
    [{ offset: keyEnd, length: target.end - keyEnd, content: `: ${isList(loc) ? "[]" : "{}"}${tail}` }],
    want,
  );
}
