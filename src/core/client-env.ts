/**
 * The environment each MCP client really gives a stdio server, as a pure model: from the
 * environment of the shell `doctor` or `add` runs in, the client's own environment (a terminal
 * client inherits the shell's; a desktop app has its login session's), then what the client
 * passes on, then the entry's `env` block with the client's own `${VAR}` expansion. Each policy
 * names its source: the client's code and version, its documentation, or a measurement.
 *
 * Measured here (test/e2e/client-env.e2e.test.ts holds the model to claude, gemini and codex):
 * - claude 2.1.328 (`claude mcp list` with a server that dumps its environment): the whole
 *   environment, plus CLAUDECODE=1 and a few CLAUDE_CODE_* variables; `${VAR}` in an entry's
 *   env expanded, also in the user scope.
 * - gemini 0.61.0 (`gemini mcp list`, same server): OP_SERVICE_ACCOUNT_TOKEN, MCP_OP_TOKEN_FILE,
 *   SSH_AUTH_SOCK, SSL_CERT_FILE... dropped; OP_ACCOUNT, PATH, HOME passed; GEMINI_CLI=1 added;
 *   `${X}` in the entry (env and args) expanded from the *whole* environment, since gemini's
 *   settings loader expands every string of settings.json when it reads the file
 *   (packages/cli/src/config/settings.ts, resolveEnvVarsInObject), before the sanitized
 *   expansion of env values (packages/core/src/tools/mcp-client.ts).
 * - codex 0.169.0 (`codex exec`, same server): its short list, CA bundle variables, env_vars,
 *   the entry's env literally (no expansion), its own directory first on PATH.
 */
import type { ClientId } from "./clients.ts";

export type Env = Readonly<Record<string, string | undefined>>;

import { ENV_POLICIES, GUI_PATH } from "./client-policies.ts";

export { ENV_POLICIES, type EnvPolicy, GUI_PATH } from "./client-policies.ts";

/** The variables through which mcp-op authenticates without a sign-in (see core/plan.ts authMode). */
export const CREDENTIAL_VARS = [
  "OP_SERVICE_ACCOUNT_TOKEN",
  "OP_CONNECT_HOST",
  "OP_CONNECT_TOKEN",
  "MCP_OP_TOKEN_FILE",
] as const;

/** Gemini's `security.environmentVariableRedaction` settings (user settings.json). */
export interface GeminiRedaction {
  allowed?: readonly string[];
  blocked?: readonly string[];
}

export interface ClientEnvFacts {
  platform: NodeJS.Platform;
  gemini?: GeminiRedaction;
}

/** An entry as its client stores it: the parts that shape how the server starts. */
export interface EntryLaunch {
  command: string;
  args: readonly string[];
  env?: Readonly<Record<string, string>>;
  /** Codex: names of variables passed through from Codex's environment. */
  envVars?: readonly string[];
}

const defined = (env: Env): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
};

const pick = (env: Env, names: readonly string[]): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = env[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
};

/** Windows variables every Windows client keeps (the MCP SDK's and Codex's lists agree on these). */
const WINDOWS_CORE = [
  "APPDATA",
  "HOMEDRIVE",
  "HOMEPATH",
  "LOCALAPPDATA",
  "PATH",
  "PROCESSOR_ARCHITECTURE",
  "SYSTEMDRIVE",
  "SYSTEMROOT",
  "TEMP",
  "USERNAME",
  "USERPROFILE",
  "PROGRAMFILES",
];

/**
 * What a desktop app started from the Dock (launchd) or a desktop launcher has: the login
 * session's variables, not what this shell exported. Modelled by the names a login session
 * sets, with this shell's values, and launchd's PATH.
 */
function loginSession(shell: Env, platform: NodeJS.Platform): Record<string, string> {
  if (platform === "win32") return pick(shell, [...WINDOWS_CORE, "ComSpec", "PATHEXT", "TMP", "WINDIR"]);
  return {
    ...pick(shell, ["HOME", "USER", "LOGNAME", "SHELL", "TMPDIR", "LANG", "__CF_USER_TEXT_ENCODING"]),
    PATH: GUI_PATH,
  };
}

/** The environment the client itself runs with. */
export function clientProcessEnv(client: ClientId, shell: Env, platform: NodeJS.Platform): Record<string, string> {
  return ENV_POLICIES[client].terminal ? defined(shell) : loginSession(shell, platform);
}

/** @modelcontextprotocol/sdk client/stdio.js DEFAULT_INHERITED_ENV_VARS. */
const SDK_DEFAULT_POSIX = ["HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER"];

/**
 * openai/codex codex-rs/rmcp-client/src/utils.rs DEFAULT_ENV_VARS (unix), and the CA bundle
 * variables codex 0.169.0 was measured to pass as well (`codex exec` with a server that dumps
 * its environment).
 */
const CODEX_DEFAULT_POSIX = [
  "HOME",
  "LOGNAME",
  "PATH",
  "SHELL",
  "USER",
  "__CF_USER_TEXT_ENCODING",
  "LANG",
  "LC_ALL",
  "TERM",
  "TMPDIR",
  "TZ",
  "SSL_CERT_FILE",
  "CURL_CA_BUNDLE",
  "GIT_SSL_CAINFO",
  "NODE_EXTRA_CA_CERTS",
  "PIP_CERT",
  "REQUESTS_CA_BUNDLE",
];

// --- Gemini: packages/core/src/services/environmentSanitization.ts (0.61.0) ---------------------

const GEMINI_ALWAYS_ALLOWED = new Set([
  "PATH",
  "SYSTEMROOT",
  "COMSPEC",
  "PATHEXT",
  "WINDIR",
  "TEMP",
  "TMP",
  "USERPROFILE",
  "SYSTEMDRIVE",
  "HOME",
  "LANG",
  "SHELL",
  "TMPDIR",
  "USER",
  "LOGNAME",
  "TERM",
  "COLORTERM",
  "ADDITIONAL_CONTEXT",
  "AVAILABLE_LABELS",
  "BRANCH_NAME",
  "DESCRIPTION",
  "EVENT_NAME",
  "GITHUB_ENV",
  "IS_PULL_REQUEST",
  "ISSUES_TO_TRIAGE",
  "ISSUE_BODY",
  "ISSUE_NUMBER",
  "ISSUE_TITLE",
  "PULL_REQUEST_NUMBER",
  "REPOSITORY",
  "TITLE",
  "TRIGGERING_ACTOR",
]);
const GEMINI_NEVER_ALLOWED = new Set([
  "CLIENT_ID",
  "DB_URI",
  "CONNECTION_STRING",
  "AWS_DEFAULT_REGION",
  "AZURE_CLIENT_ID",
  "AZURE_TENANT_ID",
  "SLACK_WEBHOOK_URL",
  "TWILIO_ACCOUNT_SID",
  "DATABASE_URL",
  "GOOGLE_CLOUD_PROJECT",
  "GOOGLE_CLOUD_ACCOUNT",
  "FIREBASE_PROJECT_ID",
]);
/** The name patterns, in the order gemini lists them (case-insensitive substrings). */
export const GEMINI_NAME_PATTERNS = [
  "TOKEN",
  "SECRET",
  "PASSWORD",
  "PASSWD",
  "KEY",
  "AUTH",
  "CREDENTIAL",
  "CREDS",
  "PRIVATE",
  "CERT",
] as const;
const GEMINI_VALUE_PATTERNS = [
  /-----BEGIN (RSA|OPENSSH|EC|PGP) PRIVATE KEY-----/i,
  /-----BEGIN CERTIFICATE-----/i,
  /(https?|ftp|smtp):\/\/[^:\s]{1,1024}:[^@\s]{1,1024}@/i,
  /(ghp|gho|ghu|ghs|ghr|github_pat)_[a-zA-Z0-9_]{36,}/i,
  /AIzaSy[a-zA-Z0-9_\\-]{33}/i,
  /AKIA[A-Z0-9]{16}/i,
  /eyJ[a-zA-Z0-9_-]{0,10240}\.[a-zA-Z0-9_-]{0,10240}\.[a-zA-Z0-9_-]{0,10240}/i,
  /(s|r)k_(live|test)_[0-9a-zA-Z]{24}/i,
  /xox[abpr]-[a-zA-Z0-9-]+/i,
];
/** packages/core/src/services/environmentSanitization.ts BLOCKED_EXECUTION_ENVS: never set from an entry's env. */
const GEMINI_BLOCKED_EXECUTION = new Set([
  "NODE_OPTIONS",
  "NODE_CLI_FLAGS",
  "_FORCE_NODE_OPTIONS",
  "NODE_PATH",
  "ELECTRON_RUN_AS_NODE",
  "PYTHONPATH",
  "PYTHONSTARTUP",
  "RUBYOPT",
  "RUBYLIB",
  "PERL5OPT",
  "PERL5LIB",
  "LD_PRELOAD",
  "LD_AUDIT",
  "LD_DEBUG",
  "LD_PROFILE",
  "LD_LIBRARY_PATH",
  "DYLD_INSERT_LIBRARIES",
  "DYLD_FORCE_FLAT_NAMESPACE",
  "DYLD_LIBRARY_PATH",
  "DYLD_FRAMEWORK_PATH",
  "DYLD_FALLBACK_LIBRARY_PATH",
  "DYLD_FALLBACK_FRAMEWORK_PATH",
  "BASH_ENV",
  "ENV",
  "PERL5DB",
  "JAVA_TOOL_OPTIONS",
  "_JAVA_OPTIONS",
  "CLASSPATH",
  "DOTNET_STARTUP_HOOKS",
  "CORECLR_PROFILER_PATH",
  "CORECLR_ENABLE_PROFILING",
]);

/** Why gemini drops a variable from an MCP server's environment, or undefined when it keeps it. */
export function geminiDropReason(
  key: string,
  value: string | undefined,
  redaction: GeminiRedaction = {},
  strict = false,
): string | undefined {
  const name = key.toUpperCase();
  if (name.startsWith("GEMINI_CLI_")) return undefined;
  const upper = value?.toUpperCase();
  if (upper && GEMINI_VALUE_PATTERNS.some((p) => p.test(upper))) return "its value looks like a token";
  if (name.startsWith("GIT_CONFIG_")) return undefined;
  if ((redaction.allowed ?? []).some((a) => a.toUpperCase() === name)) return undefined;
  if ((redaction.blocked ?? []).some((b) => b.toUpperCase() === name)) return "blocked in its settings";
  if (GEMINI_ALWAYS_ALLOWED.has(name)) return undefined;
  if (GEMINI_NEVER_ALLOWED.has(name)) return "it is on its fixed list";
  if (strict) return "GITHUB_SHA is set, so only its allowlist passes";
  const pattern = GEMINI_NAME_PATTERNS.find((p) => name.includes(p));
  return pattern ? `it removes every variable named like *${pattern}*` : undefined;
}

function geminiSanitized(env: Env, redaction: GeminiRedaction | undefined): Record<string, string> {
  // Strict mode in GitHub Actions (environmentSanitization.ts isStrictSanitization).
  const strict = !!env.GITHUB_SHA || env.SURFACE === "Github";
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && geminiDropReason(k, v, redaction, strict) === undefined) out[k] = v;
  }
  return out;
}

/** What the client passes a server before the entry's own env block. */
export function inheritedEnv(
  client: ClientId,
  shell: Env,
  facts: ClientEnvFacts,
  envVars: readonly string[] = [],
): Record<string, string> {
  const own = clientProcessEnv(client, shell, facts.platform);
  const win = facts.platform === "win32";
  switch (client) {
    case "claude-code":
      return own;
    case "gemini":
      return { GEMINI_CLI: "1", ...geminiSanitized(own, facts.gemini) };
    case "codex":
      return pick(own, [...(win ? WINDOWS_CORE : CODEX_DEFAULT_POSIX), ...envVars]);
    case "claude-desktop":
    case "auggie":
    case "roo":
    case "cline":
    // Unknown or unpublished (docs/clients.md): modelled as the MCP SDK's list, the smallest
    // any client is known to pass, so a credential is never promised that may not arrive.
    case "copilot":
    case "kiro":
    case "lmstudio":
    case "amp":
      return pick(own, win ? WINDOWS_CORE : SDK_DEFAULT_POSIX);
    case "qwen": {
      const out = { ...own };
      for (const name of QWEN_OWN) delete out[name];
      return out;
    }
    case "continue":
      return pick(own, CONTINUE_NAMES);
    default:
      return own;
  }
}

/** Qwen Code's sanitizeChildEnv: its own tokens only (docs/clients.md, qwen). */
const QWEN_OWN = ["QWEN_SERVER_TOKEN", "QWEN_DAEMON_TOKEN", "QWEN_CODE_EXTERNAL_TOOL_GUARD_TOKEN"];

/** Continue's COMMONS_ENV_VARS (core/context/mcp/MCPConnection.ts, docs/clients.md). */
const CONTINUE_NAMES = ["HOME", "USER", "USERPROFILE", "LOGNAME", "USERNAME"];

/** Goose's Envs::DISALLOWED_KEYS: names it refuses in `envs` (docs/clients.md, goose). */
const GOOSE_DISALLOWED = new Set(
  [
    "PATH",
    "PATHEXT",
    "SystemRoot",
    "windir",
    "PYTHONPATH",
    "PYTHONHOME",
    "NODE_OPTIONS",
    "RUBYOPT",
    "GEM_PATH",
    "GEM_HOME",
    "CLASSPATH",
    "GO111MODULE",
    "GOROOT",
    "APPINIT_DLLS",
    "SESSIONNAME",
    "ComSpec",
    "TEMP",
    "TMP",
    "LOCALAPPDATA",
    "USERPROFILE",
    "HOMEDRIVE",
    "HOMEPATH",
  ].map((n) => n.toUpperCase()),
);

/** Whether goose refuses `name` in an extension's `envs` (the list above, LD_* and DYLD_*). */
function gooseRefuses(name: string): boolean {
  const upper = name.toUpperCase();
  return GOOSE_DISALLOWED.has(upper) || upper.startsWith("LD_") || upper.startsWith("DYLD_");
}

// --- ${VAR} expansion -------------------------------------------------------------------------

/** Claude Code: `${VAR}` and `${VAR:-default}`; an unset variable without default stays as written. */
function expandClaude(value: string, env: Env): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (match, name: string, dflt?: string) => {
    const v = env[name];
    return v !== undefined ? v : dflt !== undefined ? dflt : match;
  });
}

/** Gemini's settings loader (resolveEnvVarsInString): `$VAR`, `${VAR}`, `${VAR:-default}`; unset stays. */
function expandGeminiSettings(value: string, env: Env): string {
  return value.replace(/\$(?:(\w+)|{([^}]+?)(?::-([^}]*))?})/g, (match, a?: string, b?: string, dflt?: string) => {
    const v = env[a || b || ""];
    return typeof v === "string" ? v : dflt !== undefined ? dflt : match;
  });
}

/**
 * dotenv-expand (lib/main.js expandValue, as bundled in gemini-cli 0.61.0), which gemini's
 * expandEnvVars runs on env values: `${VAR}`, `$VAR`, `${VAR:-d}`, `${VAR-d}`, `${VAR:+d}`,
 * `${VAR+d}`, unset is "", the result scanned again until nothing is left, `\$` kept as `$`.
 */
function expandDotenv(value: string, env: Env): string {
  const pattern = /(?<!\\)\$\{([^{}]+)\}|(?<!\\)\$([A-Za-z_][A-Za-z0-9_]*)/g;
  let result = value;
  const seen = new Set<string>();
  for (let match = pattern.exec(result); match !== null; match = pattern.exec(result)) {
    seen.add(result);
    const [template, braced, bare] = match;
    const expression = braced || bare || "";
    const splitter = /(:\+|\+|:-|-)/.exec(expression)?.[0];
    const parts = splitter ? expression.split(splitter) : [expression];
    const key = parts.shift() ?? "";
    const rest = splitter ? parts.join(splitter) : "";
    const plus = splitter === ":+" || splitter === "+";
    const fallback = plus ? (env[key] ? rest : "") : rest;
    const found = plus ? undefined : env[key];
    result = result.replace(template, found ? (seen.has(found) ? fallback : found) : fallback);
    pattern.lastIndex = 0;
  }
  return result.replace(/\\\$/g, "$");
}

/** VS Code, Cursor, Windsurf: `${env:VAR}`, unset expands to "". */
function expandEnvColon(value: string, env: Env): string {
  return value.replace(/\$\{env:([^}]+)\}/g, (_m, name: string) => env[name] ?? "");
}

/** `${env:VAR}` with an unset variable left as written (Cline's and Roo's extensions). */
function expandEnvColonKeep(value: string, env: Env): string {
  return value.replace(/\$\{env:(\w+)\}/g, (match, name: string) => env[name] ?? match);
}

/** Qwen's resolveEnvVarsInString: `$VAR`, `${VAR}`; unset stays as written. */
function expandQwen(value: string, env: Env): string {
  return value.replace(/\$(?:(\w+)|{([^}]+)})/g, (match, a?: string, b?: string) => env[a || b || ""] ?? match);
}

/** opencode and Kilo: `{env:VAR}`, unset expands to "". */
function expandBraceEnv(value: string, env: Env): string {
  return value.replace(/\{env:([^}]+)\}/g, (_m, name: string) => env[name] ?? "");
}

/** Crush's shell resolver, as far as variables go: `$VAR`, `${VAR}`, unset is "" (`$(cmd)` not modelled). */
function expandShell(value: string, env: Env): string {
  return value.replace(
    /\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})/g,
    (_m, a?: string, b?: string) => env[a || b || ""] ?? "",
  );
}

/** Continue: `${{ secrets.NAME }}` from its environment (its .env files are not modelled); unset stays. */
function expandContinue(value: string, env: Env): string {
  return value.replace(/\$\{\{\s*secrets\.(\w+)\s*\}\}/g, (match, name: string) => env[name] ?? match);
}

/** The command line a client starts for an entry, after its own expansion. */
export function expandedCommand(
  client: ClientId,
  entry: Pick<EntryLaunch, "command" | "args">,
  shell: Env,
  platform: NodeJS.Platform,
): { command: string; args: string[] } {
  const own = clientProcessEnv(client, shell, platform);
  const f = expander(client);
  return { command: f(entry.command, own), args: entry.args.map((a) => f(a, own)) };
}

/** Copilot adds `$VAR` to Claude Code's forms; auggie and Kiro take `${VAR}` (unset: left, as modelled). */
function copilotOrClaude(value: string, env: Env): string {
  return expandClaude(value, env).replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (match, name: string) => env[name] ?? match);
}

function expander(client: ClientId): (value: string, env: Env) => string {
  switch (client) {
    case "claude-code":
      return expandClaude;
    case "gemini":
      return expandGeminiSettings;
    case "cursor":
    case "vscode":
    case "vscode-insiders":
    case "windsurf":
      return expandEnvColon;
    case "auggie":
    case "kiro":
    case "copilot":
      return copilotOrClaude;
    case "qwen":
      return expandQwen;
    case "cline":
    case "roo":
      return expandEnvColonKeep;
    case "opencode":
    case "kilo":
      return expandBraceEnv;
    case "crush":
      return expandShell;
    case "continue":
      return expandContinue;
    default:
      return (v) => v;
  }
}

/**
 * The server's whole environment: what the client passes, then the entry's env block as the
 * client expands it (later wins).
 */
export function serverEnvironment(
  client: ClientId,
  shell: Env,
  entry: Pick<EntryLaunch, "env" | "envVars">,
  facts: ClientEnvFacts,
): Record<string, string> {
  const own = clientProcessEnv(client, shell, facts.platform);
  const env = inheritedEnv(client, shell, facts, entry.envVars);
  const expand = expander(client);
  for (const [key, raw] of Object.entries(entry.env ?? {})) {
    if (client === "gemini") {
      if (GEMINI_BLOCKED_EXECUTION.has(key.toUpperCase())) continue;
      // Once when settings.json is read (whole environment), again from the sanitized one.
      env[key] = expandDotenv(expandGeminiSettings(raw, own), env);
    } else if (client !== "goose" || !gooseRefuses(key)) env[key] = expand(raw, own); // goose skips, with a log line
  }
  // Continue sets PATH last, from the login shell (modelled by this shell's), over env.PATH.
  if (client === "continue" && own.PATH !== undefined) env.PATH = own.PATH;
  return env;
}

/**
 * The credential variables set in the shell that the server would not get (or would get with
 * another value): what `add` and `doctor` warn about.
 */
export function lostCredentials(shell: Env, server: Readonly<Record<string, string>>): string[] {
  return CREDENTIAL_VARS.filter((name) => !!shell[name] && server[name] !== shell[name]);
}

/** Why the client does not pass `name` on, in a few words (for messages). */
export function whyDropped(client: ClientId, name: string, shell: Env, facts: ClientEnvFacts): string {
  switch (client) {
    case "gemini": {
      const strict = !!shell.GITHUB_SHA || shell.SURFACE === "Github";
      return geminiDropReason(name, shell[name], facts.gemini, strict) ?? "its settings";
    }
    case "codex":
      return "it passes only a short list of variables and the entry's env_vars";
    case "claude-desktop":
    case "auggie":
    case "roo":
    case "cline":
      return "it passes only HOME, LOGNAME, PATH, SHELL, TERM and USER";
    case "copilot":
      return 'it passes only "safe" variables (an unpublished list, modelled as HOME, LOGNAME, PATH, SHELL, TERM, USER)';
    case "kiro":
    case "lmstudio":
    case "amp":
      return "what it passes is unknown (modelled as HOME, LOGNAME, PATH, SHELL, TERM, USER)";
    case "qwen":
      return "it removes its own tokens";
    case "continue":
      return "it passes only HOME, USER, USERPROFILE, LOGNAME and USERNAME";
    case "goose":
      return gooseRefuses(name) ? "goose refuses that name in envs" : "the entry's envs sets it";
    case "cline-cli":
    case "crush":
    case "opencode":
      return "the entry's env block sets it";
    case "claude-code":
      return "the entry's env block sets it";
    default:
      return "it starts servers with the login session's environment, not this shell's";
  }
}
