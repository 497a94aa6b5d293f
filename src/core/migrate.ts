/**
 * `mcp-op migrate`: from the plaintext values the detector finds in client entries to a plan:
 * one 1Password item per distinct secret, an env file of references per server, and the new
 * entry (`mcp-op run --env-file ... -- <server>`, argument secrets as `{{ NAME }}`). Pure: the
 * plan holds values in memory only, and `describeMigration` never prints one.
 */
import type { ConfigLocation, ServerSpec } from "./clients.ts";
import type { Finding } from "./detect.ts";

export interface MigrationServer {
  loc: ConfigLocation;
  name: string;
  /** The entry as stored: fields other than command/args/env (cwd, timeouts...) are kept. */
  raw: unknown;
  spec: ServerSpec;
  viaMcpOp: boolean;
  findings: Finding[];
}

export interface PlannedItem {
  title: string;
  reference: string;
  /** The secret itself: passed to `op item create` through a pipe, never printed or logged. */
  value: string;
}

export interface ServerPlan {
  server: MigrationServer;
  /** Variable name -> item (several variables may share one item: the same token twice). */
  variables: Array<{ name: string; item: PlannedItem; finding: Finding }>;
  envFile: string;
  envText: string;
  spec: ServerSpec;
}

const SAFE = /[^A-Za-z0-9 _.-]/g;

/** Titles that a secret reference can hold by name (letters, digits, space, `-`, `_`, `.`). */
export function itemTitle(server: string, variable: string): string {
  const safe = (s: string) => s.replace(SAFE, "-").trim();
  return `mcp-op ${safe(server)} ${safe(variable)}`;
}

/**
 * `title`, or `title 2`, `title 3`... whichever is not in `taken` (lower-cased titles: references
 * match names case-insensitively). 1Password allows two items with one title, and a reference
 * by that title is then ambiguous: `op run` refuses it.
 */
export function uniqueTitle(title: string, taken: ReadonlySet<string>): string {
  let candidate = title;
  for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${title} ${n}`;
  return candidate;
}

function secretValue(server: MigrationServer, f: Finding): string {
  if (f.where === "env") return String(server.spec.env?.[f.key] ?? "");
  const arg = server.spec.args[f.argIndex ?? -1] ?? "";
  return arg.slice(f.start ?? 0, f.end ?? arg.length);
}

/** Device names Windows reserves in every directory (`con.env` is the console, not a file). */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)$/i;

/**
 * The base name of a server's env file: only `[A-Za-z0-9_-]`, every other run of characters one
 * `-`, at most 64 long, never empty. Server names come from configs that cloned repositories
 * supply (`.mcp.json`), so a name such as `../../x` or `/tmp/x` must never become a path.
 * @example envFileBase("../../target/app") // "target-app"
 */
export function envFileBase(server: string): string {
  const safe = server
    .replace(/[^A-Za-z0-9_-]+/g, "-")
    .replace(/^-+/, "")
    .slice(0, 64)
    .replace(/-+$/, "");
  if (safe === "") return "server";
  return WINDOWS_RESERVED.test(safe) ? `${safe}-server` : safe;
}

/** A server name as printed: as it is when plain, else quoted with escapes (one line, no terminal control). */
export function shownName(name: string): string {
  if (/^[\x21-\x7e]+$/.test(name) && !name.includes('"')) return name;
  return JSON.stringify(name).replace(
    /[\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Keep literal `{{` in original arguments literal once they pass through `mcp-op run`. */
const escapeBraces = (arg: string) => arg.replaceAll("{{", "\\{{");

export function planMigration(input: {
  servers: readonly MigrationServer[];
  vault: string;
  envFileFor: (server: MigrationServer) => string;
  self: readonly string[];
  /** Item titles already in the vault, lower-cased (unknown in a dry run: empty). */
  existingTitles?: ReadonlySet<string>;
}): ServerPlan[] {
  const items = new Map<string, PlannedItem>();
  // Two servers of one name (in two clients) with different tokens, or a run after --undo,
  // would otherwise give two items one title.
  const taken = new Set(input.existingTitles);
  const plans: ServerPlan[] = [];
  for (const server of input.servers) {
    if (server.findings.length === 0) continue;
    const variables: ServerPlan["variables"] = [];
    for (const finding of server.findings) {
      const value = secretValue(server, finding);
      if (!value) continue;
      const name = finding.where === "env" ? finding.key : finding.suggestedName;
      let item = items.get(value);
      if (!item) {
        const title = uniqueTitle(itemTitle(server.name, name), taken);
        taken.add(title.toLowerCase());
        item = { title, reference: `op://${input.vault}/${title}/credential`, value };
        items.set(value, item);
      }
      variables.push({ name, item, finding });
    }
    // Arguments: each secret span becomes {{ NAME }}; literal `{{` elsewhere is escaped.
    const args = server.spec.args.map((original, i) => {
      const spans = variables
        .filter((v) => v.finding.where === "args" && v.finding.argIndex === i)
        .sort((a, b) => (b.finding.start ?? 0) - (a.finding.start ?? 0));
      // An entry that already runs through mcp-op may hold `{{ }}` placeholders on purpose.
      const escapeArg = server.viaMcpOp ? (a: string) => a : escapeBraces;
      if (spans.length === 0) return escapeArg(original);
      // Right to left with NUL-delimited markers, so offsets stay valid and escaping skips them.
      let marked = original;
      spans.forEach((v, k) => {
        marked = `${marked.slice(0, v.finding.start ?? 0)}\0${k}\0${marked.slice(v.finding.end ?? marked.length)}`;
      });
      return escapeArg(marked).replace(/\0(\d+)\0/g, (_, k: string) => `{{ ${spans[Number(k)]?.name} }}`);
    });
    const movedEnv = new Set(variables.filter((v) => v.finding.where === "env").map((v) => v.name));
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(server.spec.env ?? {})) if (!movedEnv.has(k)) env[k] = v;
    const envFile = input.envFileFor(server);
    const seen = new Set<string>();
    const lines = ["# Written by mcp-op migrate: 1Password secret references, resolved by `op run` at start."];
    for (const v of variables) {
      if (seen.has(v.name)) continue;
      seen.add(v.name);
      lines.push(`${v.name}=${v.item.reference}`);
    }
    const [self, ...selfArgs] = input.self;
    let runArgs: string[];
    if (server.viaMcpOp) {
      // Already runs through mcp-op: add the env file after `run`, keep the rest.
      const at = args.indexOf("run");
      runArgs = [...args.slice(0, at + 1), "--env-file", envFile, ...args.slice(at + 1)];
    } else {
      runArgs = [...selfArgs, "run", "--env-file", envFile, "--", server.spec.command, ...args];
    }
    const spec: ServerSpec = {
      command: server.viaMcpOp ? server.spec.command : (self as string),
      args: runArgs,
      ...(Object.keys(env).length ? { env } : {}),
    };
    plans.push({ server, variables, envFile, envText: `${lines.join("\n")}\n`, spec });
  }
  return plans;
}

/** The dry-run report: findings as prefix and length, the planned items and files. */
export function describeMigration(plans: readonly ServerPlan[]): string[] {
  const out: string[] = [];
  for (const p of plans) {
    out.push(`${p.server.loc.client} (${p.server.loc.scope}) ${shownName(p.server.name)}: ${p.server.loc.path}`);
    for (const v of p.variables) {
      const where = v.finding.where === "env" ? `env ${v.finding.key}` : `argument ${(v.finding.argIndex ?? 0) + 1}`;
      out.push(`  ${where}: ${v.finding.display} -> ${v.name} = ${v.item.reference}`);
    }
    out.push(`  writes ${p.envFile} (references only) and rewrites the entry to run through mcp-op`);
  }
  return out;
}

/**
 * The entry to store: the stored one with command, args and env replaced, everything else
 * (cwd, timeouts, tool filters...) kept; a start-up timeout is never lowered.
 */
export function mergeEntry(raw: unknown, fresh: Record<string, unknown>): Record<string, unknown> {
  const base: Record<string, unknown> =
    raw && typeof raw === "object" && !Array.isArray(raw) ? { ...(raw as object) } : {};
  delete base.env;
  const merged: Record<string, unknown> = { ...base, ...fresh };
  const before = base.startup_timeout_sec;
  const after = fresh.startup_timeout_sec;
  if (typeof before === "number" && typeof after === "number" && before > after) merged.startup_timeout_sec = before;
  return merged;
}
