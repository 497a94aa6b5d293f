/**
 * Entries a team can share: a project-scope entry is committed with the project, so it names
 * nothing of one user's machine. Its command is plain `mcp-op` (found on each teammate's PATH),
 * and its env file holds references only, inside the project at `.mcp-op/NAME.env`, named
 * relative to the directory the client starts the server in, or through the client's own
 * variable for the workspace where it has one (VS Code's `${workspaceFolder}`,
 * docs/clients.md, vscode-insiders). Pure: add and doctor hand in the locations.
 */
import type { ClientId, ConfigLocation } from "./clients.ts";
import { isAbsolutePath, joinPath, parentDir } from "./paths.ts";

/** The command a shared entry runs: mcp-op by name, on the teammate's PATH. */
export const SHARED_COMMAND = "mcp-op";
/** The directory, at the project's root, holding shared entries' env files. */
export const SHARED_ENV_DIR = ".mcp-op";
/** VS Code's variable for the workspace folder, expanded in mcp.json. */
const WORKSPACE_FOLDER = "${workspaceFolder}";

/**
 * The project a project-scope config belongs to, which is also where its client starts the
 * project's servers: the directory of Claude Code's `.mcp.json` (Claude Code starts servers in
 * the directory it runs in: the project root when started there; docs/mcp-clients.md, "Where a
 * client starts a project's servers") and of the files at the root (crush.json, opencode.jsonc,
 * kilo.jsonc), the parent of the editors' and Gemini's `.cursor/`, `.vscode/`, `.gemini/`,
 * `.zed/`..., and of Kiro's `.kiro/settings/` and Continue's `.continue/mcpServers/` (the
 * workspace folder, where Continue starts a server without `cwd`: docs/clients.md, continue).
 * Where configLocation puts each: src/core/clients.ts.
 */
export function projectDirOf(loc: ConfigLocation): string {
  const dir = parentDir(loc.path);
  switch (loc.client) {
    case "claude-code":
    case "crush":
    case "opencode":
      return dir;
    case "kilo": // kilo.jsonc at the root, or .kilo/kilo.jsonc
      return dir.endsWith("/.kilo") || dir.endsWith("\\.kilo") ? parentDir(dir) : dir;
    case "kiro": // .kiro/settings/mcp.json
    case "continue": // .continue/mcpServers/x.yaml
      return parentDir(parentDir(dir));
    default:
      return parentDir(dir);
  }
}

/** A path inside the project, as the entry names it: relative, with "/" (a teammate may be on another OS). */
export function sharedPath(client: ClientId, relative: string): string {
  const forward = relative.replaceAll("\\", "/");
  return client === "vscode" ? `${WORKSPACE_FOLDER}/${forward}` : forward;
}

/** The env file `add --scope project` writes for `name`, relative to the project. */
export function sharedEnvFile(name: string): string {
  return `${SHARED_ENV_DIR}/${name}.env`;
}

/**
 * An env file named by a project entry, as a path on this machine: `${workspaceFolder}` is the
 * project, a relative path is taken from `startDir` (where the client starts the server).
 */
export function resolveEntryPath(
  given: string,
  projectDir: string,
  startDir: string,
  platform: NodeJS.Platform,
): string {
  // Entries name files with "/"; on Windows the path is spelt with "\\".
  const local = (p: string) => (platform === "win32" ? p.replaceAll("/", "\\") : p);
  if (given.startsWith(`${WORKSPACE_FOLDER}/`)) {
    return joinPath(platform, projectDir, local(given.slice(WORKSPACE_FOLDER.length + 1)));
  }
  return isAbsolutePath(given, platform) || given.startsWith("~") ? given : joinPath(platform, startDir, local(given));
}

/**
 * `file` (absolute) relative to `dir`, or undefined when it is not inside it. Both as the
 * platform spells them; no `..` in the answer.
 */
export function insideDir(file: string, dir: string, platform: NodeJS.Platform): string | undefined {
  const sep = platform === "win32" ? "\\" : "/";
  const norm = (p: string) => (platform === "win32" ? p.replaceAll("/", "\\") : p);
  const base = norm(dir).endsWith(sep) ? norm(dir) : `${norm(dir)}${sep}`;
  const f = norm(file);
  const same = platform === "win32" || platform === "darwin" ? (a: string) => a.toLowerCase() : (a: string) => a;
  if (!same(f).startsWith(same(base))) return undefined;
  const rest = f.slice(base.length);
  if (rest === "" || rest.split(sep).some((part) => part === ".." || part === ".")) return undefined;
  return rest;
}
