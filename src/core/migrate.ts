/**
 * `mcp-op migrate`: from the plaintext values the detector finds in client entries to a plan:
 * one 1Password item per distinct secret, an env file of references per server, and the new
 * entry (`mcp-op run --env-file ... -- <server>`, argument secrets as `{{ NAME }}`). Pure: the
 * plan holds values in memory only, and `describeMigration` never prints one.
 */
import { EXIT, McpOpError } from "../errors.ts";
import {
  type ClientId,
  type ConfigLocation,
  entryFor,
  envKeyOf,
  locationLabel,
  type ServerSpec,
  shownName,
} from "./clients.ts";
import { type EditResult, listServers, restoreServer } from "./config-edit.ts";
import type { PlaintextFinding } from "./detect.ts";
import { planRemoteEntry } from "./migrate-remote.ts";

export interface MigrationServer {
  loc: ConfigLocation;
  name: string;
  /** The entry as stored: fields other than command/args/env (cwd, timeouts...) are kept. */
  raw: unknown;
  spec: ServerSpec;
  viaMcpOp: boolean;
  findings: PlaintextFinding[];
  /**
   * A remote server (`url`, `headers`): `spec` then holds the URL as its one argument and the
   * headers as its env, where the detector found the findings (effects/registry.ts remoteOf).
   */
  remote?: boolean;
}

export interface PlannedItem {
  title: string;
  reference: string;
  /** The secret itself: handed to `op item create` in its template, never printed or logged. */
  value: string;
  /** An item an earlier migration made that holds this value (checked): used, not created. */
  reused?: boolean;
  /** op's ID of a reused item. */
  id?: string;
}

/** An existing item that holds a value, checked against 1Password: its ID, title and reference. */
export interface ReusableItem {
  id: string;
  title: string;
  reference: string;
}

export interface ServerPlan {
  server: MigrationServer;
  /** Variable name -> item (several variables may share one item: the same token twice). */
  variables: Array<{ name: string; item: PlannedItem; finding: PlaintextFinding }>;
  envFile: string;
  envText: string;
  /** More files written with it (a remote server: the env file of the URL's variables). */
  also?: Array<{ path: string; text: string }>;
  /** The entry to store: the stored one with command, args and the moved env keys replaced. */
  entry: Record<string, unknown>;
}

/** A server with plaintext findings that is left as it is, and why (keys and types, never a value). */
export interface Untouched {
  server: MigrationServer;
  why: string;
}

export interface Migration {
  plans: ServerPlan[];
  untouched: Untouched[];
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

function secretValue(server: MigrationServer, f: PlaintextFinding): string {
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

export { shownName };

/** A server as the user finds it: `cursor (user) github`, `claude-code (local /home/me/app) github`. */
export function serverLabel(loc: ConfigLocation, name: string): string {
  return `${locationLabel(loc)} ${shownName(name)}`;
}

/** Keep literal `{{` in original arguments literal once they pass through `mcp-op run`. */
const escapeBraces = (arg: string) => arg.replaceAll("{{", "\\{{");

/**
 * Where an entry keeps its args and env, as `{ args, env }`: the entry, Zed's older
 * `{ command: { path, args, env } }`, Cline's nested `transport`, opencode's and Kilo's one
 * `command` array with `environment`, Goose's `envs`.
 */
function entrySource(client: ClientId, raw: unknown): Record<string, unknown> {
  const entry = isRecord(raw) ? raw : {};
  if ((client === "cline" || client === "cline-cli") && isRecord(entry.transport)) return entry.transport;
  if ((client === "opencode" || client === "kilo") && Array.isArray(entry.command)) {
    return { args: entry.command.slice(1), env: entry.environment };
  }
  if (client === "goose") return { args: entry.args, env: entry.envs };
  return isRecord(entry.command) ? entry.command : entry;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "bigint" || typeof v === "number") return "a number";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

/**
 * Why the entry's args cannot be carried over exactly, or undefined. Rewriting an entry moves
 * every argument behind `mcp-op run --`, and readEntry reads only strings (a null is skipped, a
 * number becomes text): only an entry whose args are all strings is rewritten.
 */
function argsProblem(source: Record<string, unknown>): string | undefined {
  const args = source.args;
  if (args === undefined) return undefined;
  if (!Array.isArray(args)) return `its args are ${typeName(args)}, not a list`;
  const bad = args.flatMap((a, i) => (typeof a === "string" ? [] : [`argument ${i + 1} is ${typeName(a)}`]));
  return bad.length ? `${bad.join(", ")}, not a string` : undefined;
}

/**
 * Only a string moves: a number is stored as op reads it back, which need not be the file's
 * digits (12345678901234567890 parses as 12345678901234567000), and the original is removed.
 */
function unmovable(source: Record<string, unknown>, f: PlaintextFinding): string | undefined {
  if (f.where !== "env") return undefined;
  const value = isRecord(source.env) ? source.env[f.key] : undefined;
  return typeof value === "string" ? undefined : `env ${f.key} is ${typeName(value)}, not a string`;
}

interface PlanContext {
  vault: string;
  self: readonly string[];
  /** Where the helper entry's shell runs (quoting). */
  platform: NodeJS.Platform;
  envFileFor: (server: MigrationServer) => string;
  /** One item per distinct secret value, across servers. */
  items: Map<string, PlannedItem>;
  /** Titles in use, lower-cased. */
  taken: Set<string>;
  reuse: ReadonlyMap<string, ReusableItem>;
}

function itemFor(ctx: PlanContext, server: MigrationServer, name: string, value: string): PlannedItem {
  let item = ctx.items.get(value);
  const existing = ctx.reuse.get(value);
  if (!item && existing) {
    item = { ...existing, value, reused: true };
    ctx.items.set(value, item);
  }
  if (!item) {
    const title = uniqueTitle(itemTitle(server.name, name), ctx.taken);
    ctx.taken.add(title.toLowerCase());
    item = { title, reference: `op://${ctx.vault}/${title}/credential`, value };
    ctx.items.set(value, item);
  }
  return item;
}

/** Arguments with each secret span as {{ NAME }}; literal `{{` elsewhere escaped. */
function rewriteArgs(server: MigrationServer, variables: ServerPlan["variables"]): string[] {
  return server.spec.args.map((original, i) => {
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
}

function envText(variables: ServerPlan["variables"]): string {
  const seen = new Set<string>();
  const lines = ["# Written by mcp-op migrate: 1Password secret references, resolved by `op run` at start."];
  for (const v of variables) {
    if (seen.has(v.name)) continue;
    seen.add(v.name);
    lines.push(`${v.name}=${v.item.reference}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The rewritten entry: runs through mcp-op; env values not moved are kept exactly as stored. */
function newEntry(ctx: PlanContext, server: MigrationServer, variables: ServerPlan["variables"], envFile: string) {
  const args = rewriteArgs(server, variables);
  const [self, ...selfArgs] = ctx.self;
  let spec: ServerSpec;
  if (server.viaMcpOp) {
    // Already runs through mcp-op: add the env file after `run`, keep the rest.
    const at = args.indexOf("run");
    spec = {
      command: server.spec.command,
      args: [...args.slice(0, at + 1), "--env-file", envFile, ...args.slice(at + 1)],
    };
  } else {
    spec = {
      command: self as string,
      args: [...selfArgs, "run", "--env-file", envFile, "--", server.spec.command, ...args],
    };
  }
  const moved = new Set(variables.filter((v) => v.finding.where === "env").map((v) => v.name));
  const stored = entrySource(server.loc.client, server.raw).env;
  const kept = Object.entries(isRecord(stored) ? stored : {}).filter(([k]) => !moved.has(k));
  return mergeEntry(server.raw, entryFor(server.loc.client, spec), Object.fromEntries(kept), server.loc.client);
}

/**
 * One server's plan, or why it stays as it is. A value that cannot move exactly keeps the whole
 * server as it is (all or nothing per server): a half-moved entry would still hold plaintext, and
 * a rewritten Claude Code entry goes through `claude mcp add-json` argv, where it would show.
 */
function planServer(ctx: PlanContext, server: MigrationServer): ServerPlan | Untouched {
  if (server.remote) return planRemote(ctx, server);
  const source = entrySource(server.loc.client, server.raw);
  const badArgs = argsProblem(source);
  if (badArgs) return { server, why: `${badArgs}: rewriting the entry would change it; fix the entry and run again` };
  const problems = server.findings.flatMap((f) => unmovable(source, f) ?? []);
  if (problems.length > 0) {
    return { server, why: `${problems.join(", ")}: only a string moves exactly; quote it and run again` };
  }
  const variables: ServerPlan["variables"] = [];
  for (const finding of server.findings) {
    const value = secretValue(server, finding);
    if (!value) continue;
    const name = finding.where === "env" ? finding.key : finding.suggestedName;
    variables.push({ name, item: itemFor(ctx, server, name, value), finding });
  }
  if (variables.length === 0) return { server, why: "nothing to move" };
  const envFile = ctx.envFileFor(server);
  const entry = newEntry(ctx, server, variables, envFile);
  return { server, variables, envFile, envText: envText(variables), entry };
}

/** A remote server's plan (core/migrate-remote.ts), its items from the run's shared pool. */
function planRemote(ctx: PlanContext, server: MigrationServer): ServerPlan | Untouched {
  const envFile = ctx.envFileFor(server);
  const planned = planRemoteEntry(server, {
    self: ctx.self,
    platform: ctx.platform,
    envFile,
    item: (name, value) => itemFor(ctx, server, name, value),
  });
  return "why" in planned ? { server, why: planned.why } : { server, ...planned };
}

/** Servers with plaintext findings -> what to create, write and rewrite; and what must stay. */
export function planMigration(input: {
  servers: readonly MigrationServer[];
  vault: string;
  envFileFor: (server: MigrationServer) => string;
  self: readonly string[];
  /** The platform whose shell runs a Claude Code headersHelper (default: linux). */
  platform?: NodeJS.Platform;
  /** Item titles already in the vault, lower-cased (unknown in a dry run: empty). */
  existingTitles?: ReadonlySet<string>;
  /** Value -> an item of an earlier migration that holds it (checked against 1Password). */
  reuse?: ReadonlyMap<string, ReusableItem>;
}): Migration {
  // Two servers of one name (in two clients) with different tokens would otherwise give two
  // items one title.
  const ctx: PlanContext = {
    ...input,
    platform: input.platform ?? "linux",
    items: new Map(),
    taken: new Set(input.existingTitles),
    reuse: input.reuse ?? new Map(),
  };
  const migration: Migration = { plans: [], untouched: [] };
  for (const server of input.servers) {
    if (server.findings.length === 0) continue;
    const planned = planServer(ctx, server);
    if ("why" in planned) migration.untouched.push(planned);
    else migration.plans.push(planned);
  }
  return migration;
}

/** The dry-run report: findings as prefix and length, the planned items and files; servers left as they are. */
export function describeMigration(migration: Migration): string[] {
  const out: string[] = [];
  const header = (server: MigrationServer) => `${serverLabel(server.loc, server.name)}: ${server.loc.path}`;
  for (const p of migration.plans) {
    out.push(header(p.server));
    const remote = p.server.remote === true;
    for (const v of p.variables) {
      const where =
        v.finding.where === "env"
          ? `${remote ? "header" : "env"} ${v.finding.key}`
          : remote
            ? "url"
            : `argument ${(v.finding.argIndex ?? 0) + 1}`;
      const reused = v.item.reused ? " (an earlier migration's item, same value: reused)" : "";
      out.push(`  ${where}: ${v.finding.display} -> ${v.name} = ${v.item.reference}${reused}`);
    }
    const files = [p.envFile, ...(p.also ?? []).map((a) => a.path)].join(" and ");
    out.push(
      remote
        ? `  writes ${files} (references only) and rewrites the entry to ${"headersHelper" in p.entry ? "a headersHelper running mcp-op headers" : "run mcp-op proxy"}`
        : `  writes ${files} (references only) and rewrites the entry to run through mcp-op`,
    );
  }
  for (const u of migration.untouched) out.push(header(u.server), `  not migrated: ${u.why}`);
  return out;
}

/**
 * The entry to store: the stored one with command, args and env replaced, everything else
 * (cwd, timeouts, tool filters...) kept; a start-up timeout is never lowered.
 */
function mergeEntry(
  raw: unknown,
  fresh: Record<string, unknown>,
  env: Record<string, unknown>,
  client: ClientId,
): Record<string, unknown> {
  const envKey = envKeyOf(client);
  const base: Record<string, unknown> = isRecord(raw) ? { ...raw } : {};
  delete base[envKey];
  if (client === "cline" || client === "cline-cli") delete base.transport; // the fresh entry is the flat form
  const merged: Record<string, unknown> = { ...base, ...fresh };
  if (Object.keys(env).length > 0) merged[envKey] = env;
  // A longer start-up window the user chose stays (Codex's startup_timeout_sec; Cline's, Crush's, Goose's timeout).
  for (const key of ["startup_timeout_sec", "timeout"]) {
    const before = base[key];
    const after = fresh[key];
    if (typeof before === "number" && typeof after === "number" && before > after) merged[key] = before;
  }
  return merged;
}

/** One entry a migration rewrote: where, and the entry as the migration left it (no secret). */
export interface MigratedEntry {
  loc: ConfigLocation;
  name: string;
  /** The entry as migrate wrote it: references and what it kept, never a moved value. */
  ours: unknown;
}

/**
 * `--undo` entry by entry, for a file written to since the migration: each entry goes back to
 * its value in `backup` (the file before the migration) only while it is still what the
 * migration wrote; every other byte stays. An entry changed since is left alone and named.
 */
export function undoEntries(
  text: string,
  backup: string,
  entries: readonly MigratedEntry[],
): EditResult & { leftAlone: MigratedEntry[] } {
  let now = text;
  const leftAlone: MigratedEntry[] = [];
  for (const e of entries) {
    listServers(e.loc, now); // a file that no longer parses fails as a whole (78), not per entry
    const previous = listServers(e.loc, backup)[e.name];
    try {
      now = restoreServer(e.loc, now, e.name, previous, e.ours).text;
    } catch (error) {
      if (!(error instanceof McpOpError) || error.exitCode !== EXIT.CONFIG) throw error;
      leftAlone.push(e);
    }
  }
  return { text: now, changed: now !== text, leftAlone };
}
