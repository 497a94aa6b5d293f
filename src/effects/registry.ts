/**
 * Registering servers in clients: which client configs exist, the stable path of this mcp-op
 * for the entry, and Claude Code through its own CLI when it is installed (it rewrites
 * ~/.claude.json while it runs, so a direct edit could be lost).
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  CLIENT_IDS,
  type ClientId,
  type ConfigLocation,
  configLocation,
  continueBlockDir,
  type Facts,
  readEntry,
  type Scope,
  type ServerSpec,
  scopesOf,
} from "../core/clients.ts";
import { type ConfigDoc, duplicateError, readConfig, restoreServer, type StoredServer } from "../core/config-edit.ts";
import { detectSecrets, type PlaintextFinding } from "../core/detect.ts";
import type { Entry } from "../core/diagnose.ts";
import { backupRoot, envValue, stateDir } from "../core/paths.ts";
import { type McpOpRemote, mcpOpRemoteOf } from "../core/remote-entry.ts";
import { candidatePaths, extendedPath } from "../core/search-path.ts";
import { EXIT, McpOpError } from "../errors.ts";
import { logger } from "../logger.ts";
import { definedOnly, selfCommand } from "../runtime.ts";
import { edit, load } from "./config-file.ts";
import { isExecutableFile } from "./executables.ts";
import { spawnCapture } from "./native.ts";
import { privateDir } from "./private-dir.ts";

export function facts(env: Readonly<Record<string, string | undefined>>, cwd = process.cwd()): Facts {
  const home = env.HOME ?? env.USERPROFILE;
  if (!home) throw new McpOpError(EXIT.CONFIG, "HOME is not set: cannot find the clients' config files");
  return { home, platform: process.platform, cwd, env, projectRoot: gitTopLevel(cwd) ?? cwd, exists: existsSync };
}

/**
 * Claude Code keys local-scope servers by the git repository root, not the working directory:
 * the nearest directory, from the real path of `cwd` up, holding a `.git` (a directory, or the
 * file of a worktree or submodule), as `git rev-parse --show-toplevel` finds it. Read from the
 * file system rather than by running git: no process (unit tests run commands in-process), and
 * the same answer where git is not installed.
 */
function gitTopLevel(cwd: string): string | undefined {
  let dir: string;
  try {
    dir = realpathSync(cwd);
  } catch {
    return undefined;
  }
  for (;;) {
    if (existsSync(join(dir, ".git"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Every config location of the given clients (all clients when none given) that exists on disk,
 * each servers map once: run from $HOME, Cursor's and Gemini's project config is their user
 * config, and listing it twice would show (and migrate) every entry twice. Continue's project
 * scope is a directory of block files, one server each: with `server` (add), that server's file
 * where the directory exists, else every `*.yaml` file there, each a config location.
 */
export function presentLocations(
  clients: readonly ClientId[],
  f: Facts,
  scope?: Scope,
  server?: string,
): ConfigLocation[] {
  const out: ConfigLocation[] = [];
  const seen = new Set<string>();
  for (const client of clients.length ? clients : CLIENT_IDS) {
    for (const s of scope ? [scope] : scopesOf(client)) {
      if (!scopesOf(client).includes(s)) continue;
      if (client === "continue" && s === "project") {
        out.push(...blockFiles(f, server));
        continue;
      }
      const loc = configLocation(client, s, f);
      if (!existsSync(loc.path)) continue;
      // Claude Code's user and local scopes share ~/.claude.json at different keys: both stay.
      const key = `${realpathSync(loc.path)}\0${JSON.stringify(loc.keyPath)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(loc);
    }
  }
  return out;
}

/** Continue's project block files (named by `server`: its own, where the directory exists). */
function blockFiles(f: Facts, server: string | undefined): ConfigLocation[] {
  const dir = continueBlockDir(f);
  if (!existsSync(dir)) return [];
  if (server !== undefined) return [configLocation("continue", "project", f, server)];
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith(".yaml"))
      .sort();
  } catch (error) {
    throw new McpOpError(EXIT.CONFIG, `${dir}: cannot be read (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  return names.map((n) => configLocation("continue", "project", f, n.slice(0, -".yaml".length)));
}

/**
 * The command to put in client entries: this mcp-op by a path that survives upgrades. Homebrew
 * runs /opt/homebrew/Cellar/mcp-op/<version>/bin/mcp-op through the /opt/homebrew/bin/mcp-op
 * link; the Cellar path breaks on the next upgrade, so prefer a link on PATH (or in the
 * well-known dirs) that resolves to the running binary.
 */
export function stableCommand(env: Readonly<Record<string, string | undefined>>): string[] {
  const self = selfCommand();
  const [binary, ...rest] = self;
  if (!binary || rest.length > 0) return self; // running from source: keep runtime + script
  let real: string;
  try {
    real = realpathSync(binary);
  } catch {
    return self;
  }
  const sep = process.platform === "win32" ? ";" : ":";
  const name = process.platform === "win32" ? "mcp-op.exe" : "mcp-op";
  for (const dir of extendedPath(env, process.platform).split(sep).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      if (candidate !== binary && isExecutableFile(candidate) && realpathSync(candidate) === real) return [candidate];
    } catch {
      // not there
    }
  }
  return [binary];
}

/**
 * The `claude` CLI, if installed where this user's PATH finds it: the search `run` makes for a
 * server command, PATHEXT included. On Windows only a `.exe`/`.com` counts: npm's `claude.cmd`
 * is a batch file, which cannot be spawned without cmd.exe (Node's docs, "Spawning .bat and .cmd
 * files on Windows"; Bun fails with EINVAL, oven-sh/bun#29638), and quoting arguments for cmd.exe
 * is its own hazard. Without one, the config file is edited directly, under Claude Code's lock.
 */
export function claudeCli(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const path = envValue(env, process.platform, "PATH") ?? "";
  const spawnable = (file: string) => process.platform !== "win32" || /\.(exe|com)$/i.test(file);
  return candidatePaths("claude", path, env, process.platform).find((f) => spawnable(f) && isExecutableFile(f));
}

/**
 * Where to run `claude` so it changes the entry at `loc`: the project's root for the project and
 * local scopes (the .mcp.json there, the project key it files local servers under), whatever
 * subdirectory mcp-op runs in.
 */
export function claudeCwd(loc: ConfigLocation, cwd: string): string {
  if (loc.scope === "project") return dirname(loc.path);
  if (loc.scope === "local") return loc.keyPath[1] ?? cwd;
  return cwd;
}

/** Run `claude mcp ...`; its stdout is returned, a failure becomes a config error naming it. */
export async function runClaude(
  claude: string,
  args: string[],
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): Promise<string> {
  const r = await spawnCapture(claude, args, {
    env: definedOnly(env),
    stdin: "ignore",
    stderr: "pipe",
    timeoutMs: 60_000,
    cwd,
  });
  if (!r) throw new McpOpError(EXIT.CONFIG, `claude ${args.slice(0, 2).join(" ")} timed out`);
  if (r.code !== 0) {
    const why = (r.stderr.trim() || r.stdout.trim()).split("\n").at(-1) ?? `exit ${r.code}`;
    throw new McpOpError(EXIT.CONFIG, `claude ${args.slice(0, 2).join(" ")} failed: ${why}`);
  }
  return r.stdout;
}

/**
 * `claude mcp add-json`, replacing a `previous` entry: the CLI has no replace, so remove, add,
 * and if the add fails put the previous entry back. That goes into the file directly, not
 * through `claude` argv: the previous entry may hold a plaintext token (what migrate replaces).
 */
export async function replaceThroughClaude(
  claude: string,
  loc: ConfigLocation,
  name: string,
  json: string,
  previous: unknown,
  at: { env: Readonly<Record<string, string | undefined>>; cwd: string; home: string; backupDir?: string },
): Promise<void> {
  const cwd = claudeCwd(loc, at.cwd);
  if (previous !== undefined) await runClaude(claude, ["mcp", "remove", "-s", loc.scope, name], at.env, cwd);
  try {
    await runClaude(claude, ["mcp", "add-json", "-s", loc.scope, name, json], at.env, cwd);
  } catch (error) {
    if (previous !== undefined) {
      await putBack(loc, name, previous, undefined, at).then(
        () => logger.warn(`put the previous "${name}" entry back`),
        () =>
          logger.error(`could not put the previous "${name}" entry back: see ${at.backupDir ?? "~/.claude/backups"}`),
      );
    }
    throw error;
  }
}

/**
 * Put `previous` back as the entry `name` (undefined: remove it) while it is still `ours` (see
 * restoreServer), by editing the file: never through `claude` argv, where a plaintext token in
 * `previous` would show.
 */
export async function putBack(
  loc: ConfigLocation,
  name: string,
  previous: unknown,
  ours: unknown,
  at: { env: Readonly<Record<string, string | undefined>>; home: string; backupDir?: string },
): Promise<void> {
  await edit(loc, (text) => restoreServer(loc, text, name, previous, ours), {
    dryRun: false,
    backupDir: at.backupDir ?? editBackupDir(at.env, at.home, loc),
  });
}

export interface RegisteredServer extends Entry {
  environment: string | undefined;
  /** Plaintext-looking values in env or args, shown only as prefix and length. */
  findings: PlaintextFinding[];
  /** A remote (HTTP) server: its URL and plaintext-looking values in the URL or its headers. */
  remote?: { url: string; headers: Record<string, string>; findings: PlaintextFinding[] };
  /** An entry mcp-op registers for a remote server: a `headersHelper` or `mcp-op proxy` (core/remote-entry.ts). */
  mcpOpRemote?: McpOpRemote;
}

export interface ScanOptions {
  /** Also Claude Code's local servers of every other project in ~/.claude.json (list, doctor). */
  otherProjects?: boolean;
  /** Also the copies a duplicate key hides (list, doctor). */
  shadowed?: boolean;
  /** How a config is parsed (tests count the calls). */
  read?: (loc: ConfigLocation, text: string) => ConfigDoc;
}

/**
 * Every server entry in every client config that exists. Each file is read and parsed once (one
 * ~/.claude.json holds the user scope and every project's local scope, and can be 67 MB). A
 * config that cannot be read or parsed, or that has a duplicate key where servers are (the
 * hidden copy may hold a token), throws 78, or with `unreadable` is reported there (list and
 * doctor show the rest; a file with a duplicate still shows its servers).
 */
export function scanServers(
  f: Facts,
  clients: readonly ClientId[] = [],
  unreadable?: (error: McpOpError) => void,
  opts: ScanOptions = {},
): RegisteredServer[] {
  const read = opts.read ?? readConfig;
  const out: RegisteredServer[] = [];
  const docs = new Map<string, ConfigDoc | McpOpError>();
  const report = (error: McpOpError) => {
    if (!unreadable) throw error;
    unreadable(error);
  };
  /** The file's document, read and parsed on first use; its errors reported once. */
  const docOf = (loc: ConfigLocation): ConfigDoc | undefined => {
    let doc = docs.get(loc.path);
    if (doc === undefined) {
      try {
        doc = read(loc, load(loc).text);
      } catch (error) {
        if (!(error instanceof McpOpError)) throw error;
        doc = error;
      }
      docs.set(loc.path, doc);
      if (doc instanceof McpOpError) report(doc);
      else for (const dup of doc.duplicates) report(duplicateError(loc, dup));
    }
    return doc instanceof McpOpError ? undefined : doc;
  };
  const locations = presentLocations(clients, f);
  const local = locations.find((l) => l.client === "claude-code" && l.scope === "local");
  if (opts.otherProjects && local) {
    // Claude Code keeps each project's local servers in ~/.claude.json, keyed by the project's
    // root. `add` works on the current project's; list, doctor and migrate take every
    // project's, so a token in another project's entry is not missed.
    for (const key of docOf(local)?.projects ?? []) {
      if (key !== local.keyPath[1])
        locations.push({ ...local, keyPath: ["projects", key, "mcpServers"], project: key });
    }
  }
  for (const loc of locations) {
    const doc = docOf(loc);
    if (doc === undefined) continue;
    let stored: StoredServer[];
    try {
      stored = doc.servers(loc.keyPath);
    } catch (error) {
      if (!(error instanceof McpOpError)) throw error;
      report(error);
      continue;
    }
    for (const { name, value: raw, shadowed, line } of stored) {
      if (shadowed && !opts.shadowed) continue;
      const spec = readEntry(loc.client, raw);
      const mcpOpRemote = mcpOpRemoteOf(raw, spec);
      if (mcpOpRemote) {
        out.push(remoteServer(loc, name, raw, spec, mcpOpRemote, shadowed ? { line } : undefined));
        continue;
      }
      const args = spec?.args ?? [];
      const base = (spec?.command ?? "").split(/[\\/]/).pop() ?? "";
      const viaMcpOp = /^mcp-op(\.exe)?$/.test(base) && args.includes("run");
      const dashdash = args.indexOf("--");
      // Only mcp-op's own arguments: an `--env-file` after `--` is the server's.
      const own = viaMcpOp ? (dashdash === -1 ? args : args.slice(0, dashdash)) : [];
      const envFiles = optionValues(own, "env-file");
      const server = viaMcpOp && dashdash !== -1 ? args.slice(dashdash + 1) : spec ? [spec.command, ...args] : [];
      out.push({
        loc,
        name,
        raw,
        spec,
        viaMcpOp,
        envFiles,
        tokenFile: optionValues(own, "token-file").at(-1),
        environment: optionValues(own, "environment").at(-1),
        server,
        findings: spec ? detectSecrets({ env: spec.env, args: spec.args }) : [],
        ...(spec ? {} : remoteOf(raw)),
        ...(shadowed ? { shadowed: { line } } : {}),
      });
    }
  }
  return out;
}

/**
 * An mcp-op remote entry: its env and token files as a run entry's, no server command; for a
 * helper entry, plaintext in its URL or static headers as for any remote server.
 */
function remoteServer(
  loc: ConfigLocation,
  name: string,
  raw: unknown,
  spec: ServerSpec | undefined,
  r: McpOpRemote,
  shadowed: { line: number | undefined } | undefined,
): RegisteredServer {
  return {
    loc,
    name,
    raw,
    spec,
    viaMcpOp: false,
    envFiles: r.envFiles,
    environment: undefined, // `headers` and `proxy` take no --environment
    tokenFile: r.tokenFile,
    server: [],
    findings: spec ? detectSecrets({ env: spec.env, args: spec.args }) : [],
    ...(spec ? {} : remoteOf(raw)),
    mcpOpRemote: r,
    ...(shadowed ? { shadowed } : {}),
  };
}

/** Where a plaintext value sits, as the user would look for it (argument numbers count from 1). */
export function findingPlace(s: RegisteredServer, f: PlaintextFinding): string {
  if (s.remote) return f.where === "env" ? `header ${f.key}` : "url";
  return f.where === "env" ? `env ${f.key}` : `argument ${(f.argIndex ?? 0) + 1}`;
}

/**
 * An entry without a command that names a URL is a remote server (`url`; Gemini's and Qwen's
 * `httpUrl`; Windsurf's `serverUrl`; Goose's `uri`), its headers in `headers` or, Codex's,
 * `http_headers` (docs/remote-servers.md, "Remote entries per client"):
 * mcp-op cannot wrap it, but list and doctor show its plaintext, from the URL (args finding 0)
 * and the headers (env findings, by header name). Codex's `bearer_token_env_var` and
 * `env_http_headers` hold variable names, not values: nothing to flag there.
 */
function remoteOf(raw: unknown): {
  remote?: { url: string; headers: Record<string, string>; findings: PlaintextFinding[] };
} {
  if (typeof raw !== "object" || raw === null) return {};
  const entry = raw as Record<string, unknown>;
  const url = [entry.url, entry.httpUrl, entry.serverUrl, entry.uri].find((u): u is string => typeof u === "string");
  if (url === undefined) return {};
  const headers: Record<string, string> = Object.create(null);
  for (const block of [entry.headers, entry.http_headers]) {
    if (typeof block !== "object" || block === null) continue;
    for (const [k, v] of Object.entries(block)) if (typeof v === "string") headers[k] = v;
  }
  return { remote: { url, headers, findings: detectSecrets({ env: headers, args: [url] }) } };
}

/** Values of `--name V` and `--name=V` in mcp-op's own arguments, in order. */
function optionValues(own: readonly string[], name: string): string[] {
  const flag = `--${name}`;
  return own.flatMap((a, i) => {
    if (a === flag) return own[i + 1] ? [own[i + 1] as string] : [];
    return a.startsWith(`${flag}=`) ? [a.slice(flag.length + 1)] : [];
  });
}

/**
 * Where edits keep their backups: a private state directory, never next to the config (a
 * project's `.mcp.json` backup would sit in the repository, plaintext and all).
 */
export function editBackupDir(
  env: Readonly<Record<string, string | undefined>>,
  home: string,
  loc: ConfigLocation,
): string {
  const top = stateDir(env, home, process.platform);
  // Project configs of different projects share a base name (.mcp.json): one directory each.
  const project = loc.scope === "user" ? "" : `-${createHash("sha256").update(loc.path).digest("hex").slice(0, 10)}`;
  const dir = join(backupRoot(env, home, process.platform), "edits", `${loc.client}-${loc.scope}${project}`);
  privateDir(dir, top);
  return dir;
}
