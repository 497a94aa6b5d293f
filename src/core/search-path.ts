/**
 * Where to look for `op` and for the server command. GUI-launched clients hand their servers
 * launchd's PATH (`/usr/bin:/bin:/usr/sbin:/sbin`), which misses Homebrew and ~/.local/bin, so
 * after PATH come the places these tools are usually installed. Pure: effects test candidates.
 */

/** Overrides the well-known directories (path-list syntax; empty means none). For tests and odd setups. */
export const SEARCH_DIRS_VAR = "MCP_OP_SEARCH_DIRS";

export type Env = Readonly<Record<string, string | undefined>>;

const pathSep = (platform: NodeJS.Platform) => (platform === "win32" ? ";" : ":");
const slash = (platform: NodeJS.Platform) => (platform === "win32" ? "\\" : "/");

function get(env: Env, name: string): string | undefined {
  // Windows variable names are case-insensitive; a copied env record is not.
  const found = env[name] ?? env[name.toUpperCase()];
  if (found !== undefined) return found;
  const upper = name.toUpperCase();
  for (const key in env) if (key.toUpperCase() === upper) return env[key];
  return undefined;
}

/** The non-empty entries of a path list. A loop, not filter: `run`'s fast path (src/cli.ts, asksHelp). */
function pathEntries(list: string, sep: string): string[] {
  const out: string[] = [];
  for (const entry of list.split(sep)) if (entry !== "") out.push(entry);
  return out;
}

/** The well-known install directories, after PATH (overridable with MCP_OP_SEARCH_DIRS). */
export function wellKnownDirs(env: Env, platform: NodeJS.Platform): string[] {
  const override = env[SEARCH_DIRS_VAR];
  if (override !== undefined) return pathEntries(override, pathSep(platform));
  if (platform === "win32") {
    const programFiles = get(env, "ProgramFiles");
    const localAppData = get(env, "LOCALAPPDATA");
    return [
      ...(programFiles ? [`${programFiles}\\1Password CLI`] : []),
      ...(localAppData ? [`${localAppData}\\Microsoft\\WinGet\\Links`] : []),
    ];
  }
  const home = env.HOME;
  return ["/opt/homebrew/bin", "/usr/local/bin", ...(home ? [`${home}/.local/bin`] : [])];
}

/** PATH followed by the well-known directories it lacks: what `op` and the server are given. */
export function extendedPath(env: Env, platform: NodeJS.Platform): string {
  const sep = pathSep(platform);
  const dirs = pathEntries(get(env, "PATH") ?? "", sep);
  for (const dir of wellKnownDirs(env, platform)) if (!dirs.includes(dir)) dirs.push(dir);
  return dirs.join(sep);
}

/** File names an executable called `name` may have (PATHEXT on Windows). */
export function executableNames(name: string, env: Env, platform: NodeJS.Platform): string[] {
  if (platform !== "win32" || /\.[^\\/]+$/.test(name)) return [name];
  const exts = (get(env, "PATHEXT") ?? ".COM;.EXE;.BAT;.CMD").split(";").filter(Boolean);
  return exts.map((e) => `${name}${e.toLowerCase()}`);
}

/** True when `command` names a path (absolute or relative) rather than a name to search for. */
export function isPathLike(command: string, platform: NodeJS.Platform): boolean {
  return command.includes("/") || (platform === "win32" && command.includes("\\"));
}

/** Ordered, de-duplicated candidate paths for `name` in the given path list. */
export function candidatePaths(name: string, pathList: string, env: Env, platform: NodeJS.Platform): string[] {
  const s = slash(platform);
  const out: string[] = [];
  for (const dir of pathEntries(pathList, pathSep(platform))) {
    for (const file of executableNames(name, env, platform)) {
      const path = dir.endsWith(s) ? `${dir}${file}` : `${dir}${s}${file}`;
      if (!out.includes(path)) out.push(path);
    }
  }
  return out;
}

/** Where `op` may be: PATH, then the well-known directories. */
export function opCandidates(env: Env, platform: NodeJS.Platform): string[] {
  return candidatePaths("op", extendedPath(env, platform), env, platform);
}

/** `~` and `~/x` to the home directory; everything else unchanged. */
export function expandHome(path: string, home: string | undefined): string {
  if (!home) return path;
  if (path === "~") return home;
  if (path.startsWith("~/")) return `${home}${path.slice(1)}`;
  return path;
}

/**
 * How to get `op` on this platform, in one line: 1Password's documented command on macOS and
 * Windows; on Linux its packages need 1Password's signed apt, dnf or apk repository first (a
 * few commands), so the page that lists them. (https://developer.1password.com/docs/cli/get-started/)
 * @example opInstallHint("darwin") // "install the 1Password CLI: brew install 1password-cli (or pass --op /path/to/op)"
 */
export function opInstallHint(platform: NodeJS.Platform): string {
  switch (platform) {
    case "darwin":
      return "install the 1Password CLI: brew install 1password-cli (or pass --op /path/to/op)";
    case "win32":
      return "install the 1Password CLI: winget install 1password-cli (or pass --op C:\\path\\to\\op.exe)";
    case "linux":
      return "install the 1Password CLI from 1Password's apt, dnf or apk repository (https://developer.1password.com/docs/cli/get-started/) or pass --op /path/to/op";
    default:
      return "install the 1Password CLI (https://developer.1password.com/docs/cli/get-started/) or pass --op /path/to/op";
  }
}
