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
  "vscode-insiders",
  "copilot",
  "qwen",
  "auggie",
  "kiro",
  "lmstudio",
  "roo",
  "cline",
  "cline-cli",
  "amp",
  "crush",
  "opencode",
  "kilo",
  "goose",
  "continue",
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
  /**
   * Whether a file exists, for clients that read one of several names (opencode.json or
   * opencode.jsonc): the existing one is edited, else the client's own default is created.
   * Without it, the default.
   */
  exists?: (path: string) => boolean;
}

export interface ConfigLocation {
  client: ClientId;
  scope: Scope;
  path: string;
  format: "json" | "jsonc" | "toml" | "yaml";
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

/**
 * Cline gives `initialize` 3 s when an entry has no `timeout`, and `timeout` seconds (default
 * 60) when it has one (docs/clients.md, cline): mcp-op writes the documented default.
 */
const CLINE_TIMEOUT_SEC = 60;

/** Crush gives a server 10 s unless the entry says otherwise (docs/clients.md, crush): as Codex. */
const CRUSH_TIMEOUT_SEC = 30;

/** Goose's own default for an extension (docs/clients.md, goose), written as goose writes it. */
const GOOSE_TIMEOUT_SEC = 300;

const SCOPES: Record<ClientId, Scope[]> = {
  "claude-code": ["user", "local", "project"],
  "claude-desktop": ["user"],
  cursor: ["user", "project"],
  vscode: ["user", "project"],
  windsurf: ["user"],
  codex: ["user"],
  gemini: ["user", "project"],
  zed: ["user", "project"],
  "vscode-insiders": ["user", "project"],
  copilot: ["user", "project"],
  qwen: ["user", "project"],
  auggie: ["user", "project"],
  kiro: ["user", "project"],
  lmstudio: ["user"],
  roo: ["user", "project"],
  cline: ["user"],
  "cline-cli": ["user"],
  amp: ["user", "project"],
  crush: ["user", "project"],
  opencode: ["user", "project"],
  kilo: ["user", "project"],
  goose: ["user"],
  continue: ["user", "project"],
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

/** `<VSC>/User/globalStorage`: where VS Code extensions (Cline 3.x, Roo, Kilo legacy) keep files. */
function globalStorage(facts: Facts): string {
  return joinPath(facts.platform, electronAppData(facts), "Code", "User", "globalStorage");
}

/** The first of `paths` that exists, else the first (the client's own default). */
function firstExisting(facts: Facts, paths: readonly [string, ...string[]]): string {
  return (facts.exists && paths.find((p) => facts.exists?.(p))) || paths[0];
}

/** Claude Code's project key: the project root, with "/" separators on Windows too. */
function claudeProjectKey(facts: Facts): string {
  const root = facts.projectRoot ?? facts.cwd;
  return facts.platform === "win32" ? root.replaceAll("\\", "/") : root;
}

/**
 * Where Continue reads a project's block files, one server each: the workspace folder's
 * `.continue/mcpServers` (docs/clients.md, continue), the current directory as for the other
 * editors.
 */
export function continueBlockDir(facts: Facts): string {
  return joinPath(facts.platform, facts.cwd, ".continue", "mcpServers");
}

/** Continue's project block file `server` lives in: `.continue/mcpServers/<server>.yaml`. */
function continueBlockFile(facts: Facts, server: string): string {
  return joinPath(facts.platform, continueBlockDir(facts), `${server}.yaml`);
}

/** A Continue project block file: a config of its own, holding exactly one server. */
export function isBlockFile(loc: ConfigLocation): boolean {
  return loc.client === "continue" && loc.scope === "project";
}

/**
 * The config file (and the keys to its servers map) for one client and scope. Continue's
 * project scope is one file per server, so it needs the server's name.
 */
export function configLocation(client: ClientId, scope: Scope, facts: Facts, server?: string): ConfigLocation {
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
    default:
      return newClientLocation(client, scope, facts, at, server);
  }
}

type At = (path: string, format: ConfigLocation["format"], keyPath: string[]) => ConfigLocation;

/** The fifteen clients of docs/clients.md; every path is from its table (sources there). */
function newClientLocation(client: ClientId, scope: Scope, facts: Facts, at: At, server?: string): ConfigLocation {
  const { platform, home, cwd } = facts;
  const j = (first: string, ...rest: string[]) => joinPath(platform, first, ...rest);
  const project = scope === "project";
  const root = facts.projectRoot ?? cwd;
  const env = (name: string) => envVar(facts, name);
  // opencode, Kilo and Crush read $XDG_CONFIG_HOME or ~/.config on every OS (xdg-basedir, home.Config()).
  const xdg = () => {
    const v = env("XDG_CONFIG_HOME");
    return v !== undefined && v !== "" ? v : j(home, ".config");
  };
  switch (client) {
    case "vscode-insiders":
      return project
        ? at(j(cwd, ".vscode", "mcp.json"), "jsonc", ["servers"])
        : at(j(electronAppData(facts), "Code - Insiders", "User", "mcp.json"), "jsonc", ["servers"]);
    case "copilot":
      // Project: .github/mcp.json, not .mcp.json, which claude-code's project scope writes in its own shape.
      return project
        ? at(j(root, ".github", "mcp.json"), "jsonc", ["mcpServers"])
        : at(j(env("COPILOT_HOME") ?? j(home, ".copilot"), "mcp-config.json"), "jsonc", ["mcpServers"]);
    case "qwen":
      return at(
        project ? j(cwd, ".qwen", "settings.json") : j(env("QWEN_HOME") ?? j(home, ".qwen"), "settings.json"),
        "jsonc",
        ["mcpServers"],
      );
    case "auggie":
      return at(j(project ? cwd : home, ".augment", "settings.json"), "jsonc", ["mcpServers"]);
    case "kiro":
      return at(j(project ? cwd : home, ".kiro", "settings", "mcp.json"), "json", ["mcpServers"]);
    case "lmstudio":
      return at(j(home, ".lmstudio", "mcp.json"), "json", ["mcpServers"]);
    case "roo":
      return project
        ? at(j(cwd, ".roo", "mcp.json"), "json", ["mcpServers"])
        : at(j(globalStorage(facts), "rooveterinaryinc.roo-cline", "settings", "mcp_settings.json"), "json", [
            "mcpServers",
          ]);
    case "cline":
    case "cline-cli": {
      // One file for both since Cline 4.0 (docs/clients.md, surprise 2).
      const explicit = env("CLINE_MCP_SETTINGS_PATH");
      if (explicit) return at(explicit, "json", ["mcpServers"]);
      const dir =
        env("CLINE_DATA_DIR") ?? (env("CLINE_DIR") ? j(env("CLINE_DIR") as string, "data") : j(home, ".cline", "data"));
      return at(j(dir, "settings", "cline_mcp_settings.json"), "json", ["mcpServers"]);
    }
    case "amp":
      // Windows: unknown (docs/clients.md); the same ~/.config/amp as elsewhere.
      return at(j(project ? j(cwd, ".amp") : j(home, ".config", "amp"), "settings.json"), "jsonc", ["amp.mcpServers"]);
    case "crush": {
      if (project) return at(firstExisting(facts, [j(root, ".crush.json"), j(root, "crush.json")]), "json", ["mcp"]);
      const global = env("CRUSH_GLOBAL_CONFIG");
      return at(j(global ?? j(xdg(), "crush"), "crush.json"), "json", ["mcp"]);
    }
    case "opencode": {
      const dir = project ? root : j(xdg(), "opencode");
      // `opencode mcp add` creates opencode.jsonc where neither exists.
      return at(firstExisting(facts, [j(dir, "opencode.jsonc"), j(dir, "opencode.json")]), "jsonc", ["mcp"]);
    }
    case "kilo": {
      const dir = project ? root : j(xdg(), "kilo");
      const files = [j(dir, "kilo.jsonc"), j(dir, "kilo.json")] as const;
      const all: [string, ...string[]] = project
        ? [...files, j(dir, ".kilo", "kilo.jsonc"), j(dir, ".kilo", "kilo.json")]
        : [...files];
      return at(firstExisting(facts, all), "jsonc", ["mcp"]);
    }
    case "goose":
      return at(
        platform === "win32"
          ? j(appData(facts), "Block", "goose", "config", "config.yaml")
          : j(home, ".config", "goose", "config.yaml"),
        "yaml",
        ["extensions"],
      );
    case "continue":
      if (project) {
        if (server === undefined) throw new McpOpError(EXIT.SOFTWARE, "continue (project) needs the server's name");
        return at(continueBlockFile(facts, server), "yaml", ["mcpServers"]);
      }
      return at(j(env("CONTINUE_GLOBAL_DIR") ?? j(home, ".continue"), "config.yaml"), "yaml", ["mcpServers"]);
    default:
      throw new McpOpError(EXIT.SOFTWARE, `no config location for ${client}`);
  }
}

/** The key an entry's environment block has in `client`'s entries. */
export function envKeyOf(client: ClientId): "env" | "environment" | "envs" {
  if (client === "opencode" || client === "kilo") return "environment";
  return client === "goose" ? "envs" : "env";
}

/** The value to store under the server's name in `client`'s servers map (shapes: docs/clients.md). */
export function entryFor(client: ClientId, spec: ServerSpec): Record<string, unknown> {
  const base: Record<string, unknown> = { command: spec.command, args: [...spec.args] };
  if (spec.env !== undefined) base.env = { ...spec.env };
  const env = spec.env !== undefined ? { ...spec.env } : undefined;
  switch (client) {
    case "vscode":
    case "vscode-insiders":
    case "auggie":
      return { type: "stdio", ...base };
    case "codex":
      return { ...base, startup_timeout_sec: CODEX_STARTUP_TIMEOUT_SEC };
    case "copilot":
      // `tools` is required by Copilot's schema; this is what `copilot mcp add` writes.
      return { tools: ["*"], type: "local", ...base };
    case "cline":
    case "cline-cli":
      // The flat form, which Cline 3.x and 4.x both read (not `cline mcp add`'s nested one).
      return { type: "stdio", ...base, timeout: CLINE_TIMEOUT_SEC };
    case "crush":
      return { type: "stdio", ...base, timeout: CRUSH_TIMEOUT_SEC };
    case "opencode":
    case "kilo":
      return {
        type: "local",
        command: [spec.command, ...spec.args],
        ...(env !== undefined ? { environment: env } : {}),
      };
    case "goose":
      // The name goes in too: yaml-edit.ts writes the map key into the entry, as goose does.
      return {
        enabled: true,
        type: "stdio",
        cmd: spec.command,
        args: [...spec.args],
        ...(env !== undefined ? { envs: env } : {}),
        timeout: GOOSE_TIMEOUT_SEC,
      };
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

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : undefined);

/**
 * The window `client` gives a server to start, in seconds, from the entry and docs/clients.md;
 * undefined for the first eight clients (doctor knows those) and where no figure is known.
 */
export function startupWindowSec(client: ClientId, raw: unknown): number | undefined {
  const entry = isRecord(raw) ? raw : {};
  const ms = (v: unknown) => (num(v) === undefined ? undefined : (v as number) / 1000);
  switch (client) {
    case "cline":
    case "cline-cli":
      return num(entry.timeout) ?? 3; // `initialize` gets 3 s without a timeout
    case "crush":
      return num(entry.timeout) ?? 10;
    case "opencode":
    case "kilo":
      return ms(entry.timeout) ?? 30;
    case "goose":
      return num(entry.timeout) ?? GOOSE_TIMEOUT_SEC;
    case "continue":
      return ms(entry.connectionTimeout) ?? 20;
    case "qwen":
      return ms(entry.timeout) ?? 60;
    case "kiro":
    case "copilot":
    case "auggie":
    case "roo":
      return 60; // fixed (Kiro), per attempt (Copilot), the MCP SDK's default (auggie, Roo)
    default:
      return undefined;
  }
}

/** The `type` values that mean a stdio server, per client; an entry without `type` is stdio too. */
function stdioType(client: ClientId, type: unknown): boolean {
  if (type === undefined || type === "stdio") return true;
  return (client === "copilot" || client === "opencode" || client === "kilo") && type === "local";
}

/**
 * The stdio server a stored entry describes, or undefined for anything else (remote servers,
 * extension-provided Zed servers, junk). Tolerant of every client's variant, including Zed's
 * older `{ "command": { "path", "args", "env" } }`, Cline's nested `{ "transport": {...} }`,
 * opencode's and Kilo's one `command` array with `environment`, and Goose's `cmd` and `envs`.
 */
export function readEntry(client: ClientId, raw: unknown): ServerSpec | undefined {
  if (!isRecord(raw)) return undefined;
  if ((client === "cline" || client === "cline-cli") && isRecord(raw.transport))
    return readEntry(client, raw.transport);
  if (!stdioType(client, raw.type)) return undefined;
  if (client === "goose") return spec(raw.cmd, readArgs(raw.args), raw.envs);
  if ((client === "opencode" || client === "kilo") && Array.isArray(raw.command)) {
    const [command, ...args] = readArgs(raw.command);
    return spec(command, args, raw.environment);
  }
  let source: Record<string, unknown> = raw;
  let command: unknown = raw.command;
  if (isRecord(command)) {
    source = command; // older Zed settings: { command: { path, args, env }, settings }
    command = command.path;
  }
  return spec(command, readArgs(source.args), source.env);
}

function spec(command: unknown, args: string[], rawEnv: unknown): ServerSpec | undefined {
  if (typeof command !== "string" || command === "") return undefined;
  const out: ServerSpec = { command, args };
  const env = readEnv(rawEnv);
  if (env !== undefined) out.env = env;
  return out;
}
