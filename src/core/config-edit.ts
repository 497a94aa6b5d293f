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
 *
 * This file is the API the rest of mcp-op uses; the work is in json-read.ts and json-edit.ts
 * (JSON and JSONC), toml-edit.ts (TOML), yaml-edit.ts (YAML: Goose, Continue) and config-doc.ts (the shapes they return and the
 * helpers they share). diff.ts shows a change for `--dry-run`.
 */
import { EXIT, McpOpError } from "../errors.ts";
import type { ConfigLocation } from "./clients.ts";
import { type ConfigDoc, deepEqual, duplicateError, type EditResult, type Obj, stripBom } from "./config-doc.ts";
import { editedConfig, removeJson, setJson } from "./json-edit.ts";
import { jsonConfig, readJson } from "./json-read.ts";
import { parseTomlData, removeToml, setToml, tomlDoc } from "./toml-edit.ts";
import { removeYaml, setYaml, yamlDoc } from "./yaml-edit.ts";

export {
  type ConfigDoc,
  type Duplicate,
  duplicateError,
  type Edit,
  type EditResult,
  type StoredServer,
} from "./config-doc.ts";

/**
 * Read a config once, for every servers map it holds (for `~/.claude.json`: the user scope and
 * every project's local scope). Throws 78 when it does not parse, or a servers map or an object
 * on the way to one is not an object. A duplicate key is no error here: see `duplicates`.
 */
export function readConfig(loc: ConfigLocation, text: string): ConfigDoc {
  if (loc.format === "toml") return tomlDoc(loc, parseTomlData(loc, stripBom(text)));
  if (loc.format === "yaml") return yamlDoc(loc, text);
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
  if (loc.format === "yaml") return setYaml(loc, text, name, entry, opts.force);
  return loc.format === "toml"
    ? setToml(loc, text, name, entry, opts.force)
    : setJson(loc, text, name, entry, opts.force);
}

/** Remove the entry `name`; `changed` is false when there is none. */
export function removeServer(loc: ConfigLocation, text: string, name: string): EditResult {
  if (loc.format === "yaml") return removeYaml(loc, text, name);
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
