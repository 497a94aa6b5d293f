/**
 * Where each MCP client keeps its stdio servers, and the entry each one expects. Pure: the
 * caller hands in the facts (home, platform, cwd, environment); effects/config-file.ts reads
 * and writes the files. The table follows docs/mcp-clients.md.
 */
import { EXIT, McpOpError } from "../errors.ts";
import { envValue, joinPath, xdgHome } from "./paths.ts";

export const CLIENT_IDS = [
  "claude-code",
  "claude-desktop",
  "cursor",
  "vscode",
  "windsurf",
  "codex",
  "gemini",
  "zed",
] as const;
export type ClientId = (typeof CLIENT_IDS)[number];
export type Scope = "user" | "local" | "project";

export interface Facts {
  home: string;
  platform: NodeJS.Platform;
  cwd: string;
  /** APPDATA, XDG_CONFIG_HOME, CODEX_HOME, CLAUDE_CONFIG_DIR... (case-insensitive on Windows). */
  env: Readonly<Record<string, string | undefined>>;
  /**
   * The root of the git work tree holding cwd, if any. Claude Code keys local-scope servers by
   * it (`projects["<root>"]`) rather than by the directory it was started in; defaults to cwd.
   */
  projectRoot?: string;
}

export interface ConfigLocation {
  client: ClientId;
  scope: Scope;
  path: string;
  format: "json" | "jsonc" | "toml";
  /** Keys leading to the servers map: ["mcpServers"], ["projects", dir, "mcpServers"], ["servers"]... */
  keyPath: string[];
  /** Claude Code's local scope of a project other than the current one (list, doctor, migrate). */
  project?: string;
}

/** How a location is named to the user: `cursor (user)`, `claude-code (local /home/me/other)`. */
export function locationLabel(loc: ConfigLocation): string {
  return `${loc.client} (${loc.scope}${loc.project ? ` ${shownName(loc.project)}` : ""})`;
}

/** A server name as printed: as it is when plain, else quoted with escapes (one line, no terminal control). */
export function shownName(name: string): string {
  if (/^[\x21-\x7e]+$/.test(name) && !name.includes('"')) return name;
  return JSON.stringify(name).replace(
    /[\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

export interface ServerSpec {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** Codex gives a server 10 s to start by default; a biometric unlock has to fit in the window. */
export const CODEX_STARTUP_TIMEOUT_SEC = 30;

const SCOPES: Record<ClientId, Scope[]> = {
  "claude-code": ["user", "local", "project"],
  "claude-desktop": ["user"],
  cursor: ["user", "project"],
  vscode: ["user", "project"],
  windsurf: ["user"],
  codex: ["user"],
  gemini: ["user", "project"],
  zed: ["user", "project"],
};

/** The scopes a client has, user first. */
export function scopesOf(client: ClientId): Scope[] {
  return [...SCOPES[client]];
}

export function isClientId(value: string): value is ClientId {
  return (CLIENT_IDS as readonly string[]).includes(value);
}

function envVar(facts: Facts, name: string): string | undefined {
  return envValue(facts.env, facts.platform, name);
}

/** `%APPDATA%` (Roaming), falling back to its usual place under the profile. */
function appData(facts: Facts): string {
  return envVar(facts, "APPDATA") ?? joinPath("win32", facts.home, "AppData", "Roaming");
}

/** `$XDG_CONFIG_HOME` when set to an absolute path (as the spec requires), else `~/.config`. */
function xdgConfigHome(facts: Facts): string {
  return xdgHome("XDG_CONFIG_HOME", facts.env, facts.home, facts.platform);
}

/** Where an Electron app (Claude Desktop, VS Code) keeps its per-user data. */
function electronAppData(facts: Facts): string {
  if (facts.platform === "win32") return appData(facts);
  if (facts.platform === "darwin") return joinPath("darwin", facts.home, "Library", "Application Support");
  return xdgConfigHome(facts);
}

/** Claude Code's project key: the project root, with "/" separators on Windows too. */
function claudeProjectKey(facts: Facts): string {
  const root = facts.projectRoot ?? facts.cwd;
  return facts.platform === "win32" ? root.replaceAll("\\", "/") : root;
}

/** The config file (and the keys to its servers map) for one client and scope. */
export function configLocation(client: ClientId, scope: Scope, facts: Facts): ConfigLocation {
  if (!SCOPES[client].includes(scope)) {
    throw new McpOpError(
      EXIT.USAGE,
      `${client} has no ${scope} scope`,
      `${client} scopes: ${SCOPES[client].join(", ")}`,
    );
  }
  const { platform, home, cwd } = facts;
  const j = (first: string, ...rest: string[]) => joinPath(platform, first, ...rest);
  const at = (path: string, format: ConfigLocation["format"], keyPath: string[]): ConfigLocation => ({
    client,
    scope,
    path,
    format,
    keyPath,
  });
  switch (client) {
    case "claude-code": {
      // At the project's root, where Claude Code reads it from any subdirectory.
      if (scope === "project") return at(j(facts.projectRoot ?? cwd, ".mcp.json"), "json", ["mcpServers"]);
      const file = j(envVar(facts, "CLAUDE_CONFIG_DIR") ?? home, ".claude.json");
      if (scope === "local") return at(file, "json", ["projects", claudeProjectKey(facts), "mcpServers"]);
      return at(file, "json", ["mcpServers"]);
    }
    case "claude-desktop":
      return at(j(electronAppData(facts), "Claude", "claude_desktop_config.json"), "json", ["mcpServers"]);
    case "cursor":
      return at(j(scope === "project" ? cwd : home, ".cursor", "mcp.json"), "json", ["mcpServers"]);
    case "vscode":
      return scope === "project"
        ? at(j(cwd, ".vscode", "mcp.json"), "jsonc", ["servers"])
        : at(j(electronAppData(facts), "Code", "User", "mcp.json"), "jsonc", ["servers"]);
    case "windsurf":
      return at(j(home, ".codeium", "windsurf", "mcp_config.json"), "json", ["mcpServers"]);
    case "codex":
      return at(j(envVar(facts, "CODEX_HOME") ?? j(home, ".codex"), "config.toml"), "toml", ["mcp_servers"]);
    case "gemini":
      return at(j(scope === "project" ? cwd : home, ".gemini", "settings.json"), "json", ["mcpServers"]);
    case "zed": {
      if (scope === "project") return at(j(cwd, ".zed", "settings.json"), "jsonc", ["context_servers"]);
      // Zed: %APPDATA%\Zed on Windows, $XDG_CONFIG_HOME/zed on Linux, always ~/.config/zed on macOS.
      const dir =
        platform === "win32"
          ? j(appData(facts), "Zed")
          : platform === "darwin"
            ? j(home, ".config", "zed")
            : j(xdgConfigHome(facts), "zed");
      return at(j(dir, "settings.json"), "jsonc", ["context_servers"]);
    }
  }
}

/** The value to store under the server's name in `client`'s servers map. */
export function entryFor(client: ClientId, spec: ServerSpec): Record<string, unknown> {
  const base: Record<string, unknown> = { command: spec.command, args: [...spec.args] };
  if (spec.env !== undefined) base.env = { ...spec.env };
  switch (client) {
    case "vscode":
      return { type: "stdio", ...base };
    case "codex":
      return { ...base, startup_timeout_sec: CODEX_STARTUP_TIMEOUT_SEC };
    default:
      return base;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);

const asText = (v: unknown): string | undefined =>
  typeof v === "string"
    ? v
    : typeof v === "number" || typeof v === "boolean" || typeof v === "bigint"
      ? String(v)
      : undefined;

function readArgs(raw: unknown): string[] {
  if (!Array.isArray(raw)) return [];
  return raw.map(asText).filter((a): a is string => a !== undefined);
}

function readEnv(raw: unknown): Record<string, string> | undefined {
  if (!isRecord(raw)) return undefined;
  const env: Record<string, string> = Object.create(null); // any name is data, "__proto__" too
  for (const [key, value] of Object.entries(raw)) {
    const text = asText(value);
    if (text !== undefined) env[key] = text;
  }
  return env;
}

/**
 * The stdio server a stored entry describes, or undefined for anything else (remote servers,
 * extension-provided Zed servers, junk). Tolerant of every client's variant, including Zed's
 * older `{ "command": { "path", "args", "env" } }`.
 */
export function readEntry(_client: ClientId, raw: unknown): ServerSpec | undefined {
  if (!isRecord(raw)) return undefined;
  if (raw.type !== undefined && raw.type !== "stdio") return undefined;
  let source: Record<string, unknown> = raw;
  let command: unknown = raw.command;
  if (isRecord(command)) {
    source = command; // older Zed settings: { command: { path, args, env }, settings }
    command = command.path;
  }
  if (typeof command !== "string" || command === "") return undefined;
  const spec: ServerSpec = { command, args: readArgs(source.args) };
  const env = readEnv(source.env);
  if (env !== undefined) spec.env = env;
  return spec;
}
