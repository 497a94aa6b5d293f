/**
 * The directories mcp-op keeps its own files in, built in one place: env files under
 * `$XDG_CONFIG_HOME/mcp-op`, backups and the digest key under `$XDG_STATE_HOME/mcp-op`. Pure:
 * the caller hands in the environment, home and platform.
 *
 * An XDG variable that is unset, blank or relative is ignored, as the XDG Base Directory
 * specification requires ("If an implementation encounters a relative path in any of these
 * variables it should consider the path invalid and ignore it"): a relative one would put the
 * files wherever mcp-op happens to run.
 */

export type Env = Readonly<Record<string, string | undefined>>;

/** Join path parts with the separator of `platform` ("\\" on win32), without doubling separators. */
export function joinPath(platform: NodeJS.Platform, first: string, ...rest: string[]): string {
  const win = platform === "win32";
  const sep = win ? "\\" : "/";
  const isSep = (c: string | undefined) => c === "/" || (win && c === "\\");
  let out = first;
  for (const part of rest) {
    let start = 0;
    while (isSep(part[start])) start++;
    let end = out.length;
    while (end > 1 && isSep(out[end - 1])) end--;
    out = `${out.slice(0, end)}${isSep(out[end - 1]) ? "" : sep}${part.slice(start)}`;
  }
  return out;
}

/** The directory holding `path` (absolute, either separator). */
export function parentDir(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return i <= 0 ? path.slice(0, i + 1) || path : path.slice(0, i);
}

/** A variable's value, undefined when unset or blank; names are case-insensitive on Windows. */
export function envValue(env: Env, platform: NodeJS.Platform, name: string): string | undefined {
  let value = env[name];
  if (value === undefined && platform === "win32") {
    // Windows variable names are case-insensitive; a copied env record is not.
    value = Object.entries(env).find(([k]) => k.toUpperCase() === name.toUpperCase())?.[1];
  }
  return value === undefined || value.trim() === "" ? undefined : value;
}

/** Whether `path` is absolute on `platform` (`/x`; on Windows also `C:\x`, `C:/x`, `\\server\share`). */
export function isAbsolutePath(path: string, platform: NodeJS.Platform): boolean {
  if (path.startsWith("/")) return true;
  return platform === "win32" && (/^[A-Za-z]:[\\/]/.test(path) || path.startsWith("\\"));
}

type XdgVar = "XDG_CONFIG_HOME" | "XDG_STATE_HOME";
const XDG_DEFAULT: Record<XdgVar, string[]> = {
  XDG_CONFIG_HOME: [".config"],
  XDG_STATE_HOME: [".local", "state"],
};

/** `$name` when set to an absolute path, else its default under `home` (`~/.config`, `~/.local/state`). */
export function xdgHome(name: XdgVar, env: Env, home: string, platform: NodeJS.Platform): string {
  const value = envValue(env, platform, name);
  return value !== undefined && isAbsolutePath(value, platform)
    ? value
    : joinPath(platform, home, ...XDG_DEFAULT[name]);
}

/** Where `add --env` and `migrate` write servers' env files: `$XDG_CONFIG_HOME/mcp-op`. */
export function envFileDir(env: Env, home: string, platform: NodeJS.Platform): string {
  return joinPath(platform, xdgHome("XDG_CONFIG_HOME", env, home, platform), "mcp-op");
}

/** mcp-op's private state (backups, the item digest key): `$XDG_STATE_HOME/mcp-op`. */
export function stateDir(env: Env, home: string, platform: NodeJS.Platform): string {
  return joinPath(platform, xdgHome("XDG_STATE_HOME", env, home, platform), "mcp-op");
}

/** Where backups go (migrate's runs, and `edits/` for add and remove): `<stateDir>/backups`. */
export function backupRoot(env: Env, home: string, platform: NodeJS.Platform): string {
  return joinPath(platform, stateDir(env, home, platform), "backups");
}
