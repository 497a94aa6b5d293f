/**
 * Sign-in decisions and `op signin` output. Pure: effects/signin.ts runs the commands.
 */
import { isAsciiAlnum } from "./env-file.ts";
import type { AuthMode } from "./plan.ts";

const CREDENTIALS = new Set(["OP_SERVICE_ACCOUNT_TOKEN", "OP_CONNECT_TOKEN", "OP_CONNECT_HOST", "MCP_OP_TOKEN_FILE"]);
const SESSION_PREFIX = "OP_SESSION_";

/** Variables that unlock a whole account, not one secret: never handed to a server. */
export function isCredentialVar(name: string): boolean {
  if (CREDENTIALS.has(name)) return true;
  // OP_SESSION_<shorthand>: word characters only (no RegExp on run's path, see env-file.ts).
  return (
    name.startsWith(SESSION_PREFIX) && name.length > SESSION_PREFIX.length && isWord(name.slice(SESSION_PREFIX.length))
  );
}

function isWord(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!(isAsciiAlnum(c) || c === 95)) return false;
  }
  return true;
}

/** Only the interactive mode ever signs in; the others authenticate without a prompt. */
export function needsSigninCheck(mode: AuthMode): boolean {
  return mode === "interactive";
}

/**
 * The variables `op signin` asks the shell to set: POSIX `export OP_SESSION_x="..."` or
 * PowerShell `$env:OP_SESSION_x="..."`. Under app integration it prints nothing: `{}`.
 * @example parseSigninOutput('export OP_SESSION_ABC="tok"\n# This command is meant ...') // { OP_SESSION_ABC: "tok" }
 */
export function parseSigninOutput(stdout: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const raw of stdout.split(/\r?\n/)) {
    const line = raw.trim();
    const m = /^(?:export\s+|\$env:)(OP_SESSION_\w+)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S*))\s*;?$/.exec(line);
    if (m?.[1]) vars[m[1]] = m[2] ?? m[3] ?? m[4] ?? "";
  }
  return vars;
}

/**
 * Where the sign-in lock may live, best first. Every launch of one user must pick the same
 * directory whatever environment its client passed, so no variable a client may drop or set
 * differently decides it: Codex passes TMPDIR and the MCP SDK does not, XDG_RUNTIME_DIR is
 * usually stripped, and on macOS TMPDIR is a per-user folder while a GUI client's server gets
 * none. Hence a fixed name in /tmp (sticky: once ours, no one else can replace it), and the home
 * directory for when someone else took that name first. Windows: the profile's local app data,
 * private by its ACLs.
 * @example signinLockDirs("linux", 1000, "/home/me") // ["/tmp/mcp-op-1000", "/home/me/.cache/mcp-op"]
 */
export function signinLockDirs(platform: string, uid: number | undefined, home: string): string[] {
  if (platform === "win32") return [`${home}\\AppData\\Local\\mcp-op`];
  const inHome = `${home}/.cache/mcp-op`;
  return uid === undefined ? [inHome] : [`/tmp/mcp-op-${uid}`, inHome];
}
