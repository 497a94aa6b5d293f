/**
 * What each MCP client passes a stdio server, in words, with the source of each fact: the
 * README's table and the messages of `add` and `doctor`. client-env.ts holds the model that
 * computes it; docs/mcp-clients.md and docs/clients.md hold the research.
 */
import type { ClientId } from "./clients.ts";

/** What launchd gives GUI apps on macOS: Claude Desktop, Cursor... start servers with this. */
export const GUI_PATH = "/usr/bin:/bin:/usr/sbin:/sbin";

export interface EnvPolicy {
  /** What reaches a server, in one line (the README table). */
  passes: string;
  /** The PATH the server gets. */
  path: string;
  /** How `${VAR}` in an entry is expanded, or "no". */
  expands: string;
  /** Where these facts come from. */
  source: string;
  /**
   * A variable of this shell that does not reach the server: certain (an error) for clients
   * that filter by a fixed rule, or only likely (a warning) for desktop apps, whose environment
   * depends on how they were started.
   */
  certain: boolean;
  /** A terminal program, started from the shell (and so with its environment). */
  terminal: boolean;
}

const SDK_SOURCE = "@modelcontextprotocol/sdk getDefaultEnvironment";
const SDK_NAMES = "HOME, LOGNAME, PATH, SHELL, TERM, USER";
const APP_ENV =
  "the app's own environment: the login session's, not this shell's (VS Code-based apps and Zed add what a login shell exports when they start)";

export const ENV_POLICIES: Record<ClientId, EnvPolicy> = {
  "claude-code": {
    passes: "the whole environment of the shell it runs in",
    path: "the shell's",
    expands: "${VAR}, ${VAR:-default} in command, args, env",
    source:
      "measured with claude 2.1.328 (`claude mcp list`); code.claude.com/docs/en/mcp (environment variable expansion)",
    certain: true,
    terminal: true,
  },
  "claude-desktop": {
    passes:
      "HOME, LOGNAME, PATH, SHELL, TERM, USER (Windows: APPDATA, PATH, SYSTEMROOT, USERPROFILE...) of the app's environment",
    path: `launchd's (${GUI_PATH}) on macOS`,
    expands: "no",
    source: `modelcontextprotocol.io/docs/tools/debugging#environment-variables; ${SDK_SOURCE}; launchd's PATH for apps started from the Dock`,
    certain: true,
    terminal: false,
  },
  cursor: {
    passes: APP_ENV,
    path: `the app's (launchd's ${GUI_PATH} when started from the Dock)`,
    expands: "${env:VAR} in command, args, env",
    source: "cursor.com/docs/mcp (config interpolation); launchd's PATH for apps started from the Dock",
    certain: false,
    terminal: false,
  },
  vscode: {
    passes: APP_ENV,
    path: `the app's (launchd's ${GUI_PATH} when started from the Dock)`,
    expands: "${env:VAR} in command, args, env",
    source:
      "code.visualstudio.com/docs/copilot/reference/mcp-configuration; code.visualstudio.com/docs/reference/variables-reference",
    certain: false,
    terminal: false,
  },
  windsurf: {
    passes: APP_ENV,
    path: `the app's (launchd's ${GUI_PATH} when started from the Dock)`,
    expands: "${env:VAR} in command, args, env",
    source: "docs.windsurf.com/windsurf/cascade/mcp (config interpolation)",
    certain: false,
    terminal: false,
  },
  codex: {
    passes:
      "HOME, LOGNAME, PATH, SHELL, USER, __CF_USER_TEXT_ENCODING, LANG, LC_ALL, TERM, TMPDIR, TZ, CA bundle variables, plus the entry's env_vars names",
    path: "the shell's",
    expands: "no",
    source:
      "openai/codex codex-rs/rmcp-client/src/utils.rs (DEFAULT_ENV_VARS, create_env_for_mcp_server) and stdio_server_launcher.rs (env_clear); measured with codex 0.169.0 (`codex exec`)",
    certain: true,
    terminal: true,
  },
  gemini: {
    passes:
      "the shell's environment without every variable named like TOKEN, SECRET, PASSWORD, PASSWD, KEY, AUTH, CREDENTIAL, CREDS, PRIVATE, CERT, a fixed list (DATABASE_URL, CLIENT_ID...) and token-like values; with GITHUB_SHA set, only its allowlist",
    path: "the shell's",
    expands:
      "$VAR, ${VAR}, ${VAR:-default} in every string when it reads settings.json (whole environment), then env values again (sanitized environment)",
    source:
      "@google/gemini-cli 0.61.0 packages/core/src/services/environmentSanitization.ts, tools/mcp-client.ts; measured with `gemini mcp list`",
    certain: true,
    terminal: true,
  },
  zed: {
    passes: APP_ENV,
    path: `the app's (launchd's ${GUI_PATH} when started from the Dock)`,
    expands: "no",
    source: "zed.dev/docs/ai/mcp; launchd's PATH for apps started from the Dock",
    certain: false,
    terminal: false,
  },
  "vscode-insiders": {
    passes: APP_ENV,
    path: `the app's (launchd's ${GUI_PATH} when started from the Dock)`,
    expands: "${env:VAR} in command, args, env",
    source: "as vscode; docs/clients.md (vscode-insiders)",
    certain: false,
    terminal: false,
  },
  copilot: {
    passes: `a "safe" part of its environment (the list is unpublished; modelled as ${SDK_NAMES})`,
    path: "the shell's",
    expands: "$VAR, ${VAR}, ${VAR:-default} in env (and, as modelled, command and args)",
    source: "github/copilot-cli changelog 0.0.340, 1.0.10, 0.0.419; docs/clients.md (copilot)",
    certain: false,
    terminal: true,
  },
  qwen: {
    passes: "the shell's environment without QWEN_SERVER_TOKEN, QWEN_DAEMON_TOKEN, QWEN_CODE_EXTERNAL_TOOL_GUARD_TOKEN",
    path: "the shell's",
    expands: "$VAR, ${VAR} in every string of settings.json (unset stays as written)",
    source: "@qwen-code/qwen-code 0.24.4 sanitizeChildEnv, resolveEnvVarsInString; measured (docs/clients.md, qwen)",
    certain: true,
    terminal: true,
  },
  auggie: {
    passes: `${SDK_NAMES} (Windows: APPDATA, PATH, SYSTEMROOT, USERPROFILE...)`,
    path: "the shell's",
    expands: "${VAR}, ${VAR:-default} in command, args, env (unset: the server fails)",
    source: `@augmentcode/auggie 0.36.0 augment.mjs; ${SDK_SOURCE}; docs/clients.md (auggie)`,
    certain: true,
    terminal: true,
  },
  kiro: {
    passes: `unknown; modelled as ${SDK_NAMES} of the app's environment`,
    path: `the app's (launchd's ${GUI_PATH} when started from the Dock)`,
    expands: "${VAR} in env",
    source: "kiro.dev/docs/mcp/configuration; environment unknown (docs/clients.md, kiro)",
    certain: false,
    terminal: false,
  },
  lmstudio: {
    passes: `unknown; modelled as ${SDK_NAMES} of the app's environment`,
    path: "the login shell's (user reports)",
    expands: "no (unknown)",
    source: "lmstudio-ai/docs 0_app/2_mcp; lmstudio-bug-tracker#869 (docs/clients.md, lmstudio)",
    certain: false,
    terminal: false,
  },
  roo: {
    passes: `${SDK_NAMES} of the app's environment`,
    path: `the app's (launchd's ${GUI_PATH} when started from the Dock)`,
    expands: "${env:VAR}, ${workspaceFolder} (unset stays as written)",
    source: `RooCodeInc/Roo-Code src/services/mcp/McpHub.ts, src/utils/config.ts; ${SDK_SOURCE}`,
    certain: true,
    terminal: false,
  },
  cline: {
    passes: `${SDK_NAMES} of the app's environment`,
    path: `the app's (launchd's ${GUI_PATH} when started from the Dock)`,
    expands: "${env:VAR} (unset stays as written)",
    source: `cline/cline apps/vscode/src/services/mcp/McpHub.ts, utils/envExpansion.ts; ${SDK_SOURCE}`,
    certain: true,
    terminal: false,
  },
  "cline-cli": {
    passes: "the whole environment of the shell it runs in",
    path: "the shell's",
    expands: "no",
    source: "cline/cline sdk/packages/core/src/extensions/mcp/client.ts (spawnProcess)",
    certain: true,
    terminal: true,
  },
  amp: {
    passes: `unknown; modelled as ${SDK_NAMES}`,
    path: "the shell's",
    expands: "no (unknown)",
    source: "unknown (docs/clients.md, amp)",
    certain: false,
    terminal: true,
  },
  crush: {
    passes: "the whole environment of the shell it runs in",
    path: "the shell's",
    expands: "$VAR, ${VAR}, $(cmd) in command, args, env (shell rules)",
    source: "charmbracelet/crush internal/agent/tools/mcp/init.go (docs/clients.md, crush)",
    certain: true,
    terminal: true,
  },
  opencode: {
    passes: "the whole environment of the shell it runs in",
    path: "the shell's",
    expands: "{env:VAR} anywhere in the file (unset: empty)",
    source: "opencode-ai 1.18.33 MCP.connectLocal; measured (docs/clients.md, opencode)",
    certain: true,
    terminal: true,
  },
  kilo: {
    passes: "the whole environment of the extension host (the app's, not this shell's)",
    path: `the app's (launchd's ${GUI_PATH} when started from the Dock)`,
    expands: "{env:VAR} anywhere in the file (unset: empty)",
    source: "Kilo-Org/kilocode packages/opencode/src/mcp/index.ts (docs/clients.md, kilo)",
    certain: false,
    terminal: false,
  },
  goose: {
    passes:
      "its whole environment (the CLI: the shell's; the desktop app: its own), plus envs but for 31 names it refuses",
    path: "its own",
    expands: "no",
    source: "block/goose crates/goose/src/agents/extension.rs, extension_manager.rs (docs/clients.md, goose)",
    certain: false,
    terminal: false,
  },
  continue: {
    passes: "HOME, USER, USERPROFILE, LOGNAME, USERNAME, and PATH from the login shell",
    path: "the login shell's (env.PATH is ignored)",
    expands: "${{ secrets.NAME }} (from .env files, then its environment)",
    source: "continuedev/continue core/context/mcp/MCPConnection.ts (docs/clients.md, continue)",
    certain: true,
    terminal: false,
  },
};
