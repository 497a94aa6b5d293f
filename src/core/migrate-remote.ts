/**
 * `migrate` of a remote server (`url` and `headers` in a client's entry): each plaintext header
 * value, or token in the URL, goes into a 1Password item as a stdio server's env value does; the
 * headers go into a headers file as templates (`Bearer {{ op://... }}`), a URL secret becomes
 * `{{NAME}}` over an env file of references, and the entry becomes the one `add --url` writes
 * (core/remote-entry.ts): Claude Code's headersHelper, or `mcp-op proxy`. Pure, as core/migrate.ts.
 */
import { isVariableName } from "./env-file.ts";
import { checkHeaders } from "./headers.ts";
import type { MigrationServer, PlannedItem, ServerPlan } from "./migrate.ts";
import { headersFileText, type RemoteRegistration, remoteEntryFor } from "./remote-entry.ts";

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The keys a remote entry keeps its server in; the new entry replaces them all (Codex's
 * `http_headers` too: Codex refuses a stdio entry with an HTTP key, docs/remote-servers.md;
 * Goose's `uri`, the URL of its remote extensions, docs/clients.md).
 */
const REMOTE_KEYS = ["url", "httpUrl", "serverUrl", "uri", "headers", "http_headers", "headersHelper", "type"];

/**
 * Codex's keys that take headers from elsewhere: its environment (`bearer_token_env_var`,
 * `env_http_headers` name variables Codex reads, which its stdio servers do not get) or a helper.
 * A proxy entry would lose those headers, so such a server is left to the user.
 */
const OWN_SOURCES = ["bearer_token_env_var", "env_http_headers", "http_headers_helper"];

/** `Bearer X` (and `Token X`, `Basic X`): only X is the secret; the scheme stays in the file. */
const SCHEME = /^(Bearer|Token|Basic) +(\S.*)$/i;

type Planned = Omit<ServerPlan, "server">;

export function planRemoteEntry(
  server: MigrationServer,
  o: {
    self: readonly string[];
    platform: NodeJS.Platform;
    /** The server's new env file: the headers file goes beside it (`.headers`). */
    envFile: string;
    item: (name: string, value: string) => PlannedItem;
  },
): Planned | { why: string } {
  const raw = isRecord(server.raw) ? server.raw : {};
  const url = server.spec.args[0] ?? "";
  // Codex keeps its literal headers in `http_headers` (it ignores `headers`); both are read.
  const stored = {
    ...(isRecord(raw.headers) ? raw.headers : {}),
    ...(isRecord(raw.http_headers) ? raw.http_headers : {}),
  };
  const bad = Object.entries(stored).filter(([, v]) => typeof v !== "string");
  if (bad.length) {
    return { why: `${bad.map(([k]) => `header ${k}`).join(", ")} not a string: only a string moves exactly` };
  }
  const headers = stored as Record<string, string>;
  // Its own helper's headers win over the static ones (docs/remote-servers.md): replacing the
  // helper with mcp-op's would drop them.
  if (typeof raw.headersHelper === "string") {
    return { why: "it has a headersHelper of its own, which a migrated entry would lose: move the header by hand" };
  }
  const own = OWN_SOURCES.filter((k) => raw[k] !== undefined);
  if (own.length) {
    return {
      why: `it has ${own.join(", ")}, whose headers a migrated entry would lose: move the header by hand`,
    };
  }
  if (url.includes("{{")) return { why: "its URL holds {{, which mcp-op would read as a template" };
  const variables: ServerPlan["variables"] = [];
  const moved = new Map<string, string>();
  const pieces: Array<{ start: number; end: number; name: string }> = [];
  for (const finding of server.findings) {
    if (finding.where === "env") {
      const value = headers[finding.key] ?? "";
      const scheme = SCHEME.exec(value.trim());
      const secret = scheme ? (scheme[2] as string) : value;
      if (!secret || /[\r\n]/.test(secret)) continue;
      const item = o.item(finding.key, secret);
      moved.set(finding.key, scheme ? `${scheme[1]} {{ ${item.reference} }}` : item.reference);
      variables.push({ name: finding.key, item, finding });
      continue;
    }
    const start = finding.start ?? 0;
    const end = finding.end ?? url.length;
    const piece = url.slice(start, end);
    if (!piece) continue;
    // The bridge percent-encodes a value it puts into the URL: 1Password keeps it decoded.
    let secret = piece;
    try {
      secret = decodeURIComponent(piece);
    } catch {}
    let name = isVariableName(finding.suggestedName) ? finding.suggestedName : "URL_SECRET";
    for (let n = 2; pieces.some((p) => p.name === name); n++) name = `${finding.suggestedName}_${n}`;
    pieces.push({ start, end, name });
    variables.push({ name, item: o.item(name, secret), finding });
  }
  if (variables.length === 0) return { why: "nothing to move" };
  // The headers that are not secrets stay as they are, in the headers file (the entry then says
  // --allow-plain); one a client expands (`${VAR}`) or that mcp-op would read otherwise, cannot.
  const plain = Object.keys(headers).filter((k) => !moved.has(k));
  for (const k of plain) {
    if (/[$\r\n]|\{\{/.test(headers[k] as string)) {
      return {
        why: `header ${k} holds $, {{ or a line break, which would not mean the same in a headers file: move it by hand`,
      };
    }
  }
  const pairs = Object.keys(headers).map((k) => [k, moved.get(k) ?? (headers[k] as string)] as const);
  const refused = checkHeaders(
    pairs.map(([name, value]) => ({ name, value, where: `header ${name}`, exitCode: 65 })),
    true,
  );
  if (refused[0]) return { why: `${refused[0].message}: fix the entry and run again` };
  let newUrl = url;
  for (const p of [...pieces].sort((a, b) => b.start - a.start)) {
    newUrl = `${newUrl.slice(0, p.start)}{{${p.name}}}${newUrl.slice(p.end)}`;
  }
  const envText = `${[
    "# Written by mcp-op migrate: 1Password secret references, resolved by `op run` at start.",
    ...pieces.map((p) => `${p.name}=${variables.find((v) => v.name === p.name)?.item.reference}`),
  ].join("\n")}\n`;
  const headersPath = `${o.envFile.replace(/\.env$/, "")}.headers`;
  const files = [
    ...(pairs.length ? [{ path: headersPath, text: headersFileText(pairs, "migrate") }] : []),
    ...(pieces.length ? [{ path: o.envFile, text: envText }] : []),
  ];
  const r: RemoteRegistration = {
    url: newUrl,
    headersFile: pairs.length ? headersPath : undefined,
    envFiles: pieces.length ? [o.envFile] : [],
    allowPlain: plain.length > 0,
  };
  const fresh = remoteEntryFor(server.loc.client, o.self, r, o.platform, raw.type === "sse" ? "sse" : "http");
  const base = { ...raw };
  for (const k of REMOTE_KEYS) delete base[k];
  const merged: Record<string, unknown> = { ...base, ...fresh };
  // A longer start-up window the user chose stays, as in a stdio entry's migration (core/migrate.ts).
  for (const key of ["startup_timeout_sec", "timeout"]) {
    const before = base[key];
    const after = fresh[key];
    if (typeof before === "number" && typeof after === "number" && before > after) merged[key] = before;
  }
  const [first, ...also] = files as [{ path: string; text: string }, ...Array<{ path: string; text: string }>];
  return {
    variables,
    envFile: first.path,
    envText: first.text,
    ...(also.length ? { also } : {}),
    entry: merged,
  };
}
