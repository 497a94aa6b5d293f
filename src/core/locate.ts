/**
 * Where to look for `op`. GUI-launched clients hand their servers launchd's PATH
 * (`/usr/bin:/bin:/usr/sbin:/sbin`), which misses Homebrew and ~/.local/bin, so after PATH
 * come the places `op` is usually installed. Pure: effects/locate.ts tests the candidates.
 */

/** Overrides the well-known directories (path-list syntax; empty means none). For tests and odd setups. */
export const SEARCH_DIRS_VAR = "MCP_OP_SEARCH_DIRS";

export interface LocateInput {
  name: string;
  pathEnv: string | undefined;
  extraDirsEnv: string | undefined;
  home: string | undefined;
  platform: NodeJS.Platform;
}

export function wellKnownDirs(home: string | undefined, platform: NodeJS.Platform): string[] {
  if (platform === "win32") return [];
  return ["/opt/homebrew/bin", "/usr/local/bin", ...(home ? [`${home}/.local/bin`] : [])];
}

/** Ordered, de-duplicated candidate paths for an executable called `name`. */
export function candidatePaths(input: LocateInput): string[] {
  const sep = input.platform === "win32" ? ";" : ":";
  const slash = input.platform === "win32" ? "\\" : "/";
  const exe = input.platform === "win32" && !/\.exe$/i.test(input.name) ? `${input.name}.exe` : input.name;
  const extra =
    input.extraDirsEnv !== undefined
      ? input.extraDirsEnv.split(sep).filter(Boolean)
      : wellKnownDirs(input.home, input.platform);
  const dirs = [...(input.pathEnv ?? "").split(sep).filter(Boolean), ...extra];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const dir of dirs) {
    const path = dir.endsWith(slash) ? `${dir}${exe}` : `${dir}${slash}${exe}`;
    if (!seen.has(path)) {
      seen.add(path);
      out.push(path);
    }
  }
  return out;
}

/** `~` and `~/x` to the home directory; everything else unchanged. */
export function expandHome(path: string, home: string | undefined): string {
  if (!home) return path;
  if (path === "~") return home;
  if (path.startsWith("~/")) return `${home}${path.slice(1)}`;
  return path;
}
